"""The CPU path choice: a pure function of the CPU's features, the window and what is installed."""

from __future__ import annotations

import numpy as np
import pytest
from whisper_tiny import cached_model

import asr
from asr.cpu import CpuFeatures, choose_cpu_path
from asr.transcriber import resolve_options
from tests.conftest import voiced

AMX = CpuFeatures(amx=True, avx512_bf16=True, avx512_vnni=True)
BF16 = CpuFeatures(avx512_bf16=True, avx512_vnni=True)
VNNI = CpuFeatures(avx512_vnni=True)
AVX2 = CpuFeatures()
OLD = CpuFeatures(avx2=False)


@pytest.mark.parametrize(
    ("features", "window", "expected"),
    [
        (AMX, 30.0, ("transformers", "bf16")),
        (AMX, 5.0, ("ctranslate2", "int8")),
        (BF16, 30.0, ("ctranslate2", "int8")),
        (BF16, 5.0, ("ctranslate2", "int8")),
        (VNNI, 30.0, ("ctranslate2", "int8")),
        (AVX2, 30.0, ("ctranslate2", "int8")),
        (AVX2, 10.0, ("ctranslate2", "int8")),
        (OLD, 30.0, ("ctranslate2", "int8")),
    ],
)
def test_the_path_follows_the_measured_table(features, window, expected):
    path = choose_cpu_path(features, window)
    assert (path.backend, path.precision) == expected
    assert path.reason  # every choice says why


@pytest.mark.parametrize(
    ("features", "installed", "torch_weights", "expected"),
    [
        (AMX, True, False, ("ctranslate2", "int8")),  # a CTranslate2-only folder
        (AVX2, False, True, ("transformers", "fp32")),  # no CTranslate2
        (AMX, False, True, ("transformers", "bf16")),
    ],
)
def test_the_path_falls_back_to_what_can_run(features, installed, torch_weights, expected):
    path = choose_cpu_path(
        features, 30.0, ctranslate2=installed, transformers_checkpoint=torch_weights
    )
    assert (path.backend, path.precision) == expected


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("fpu avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8", AMX),
        ("fpu avx2 avx512f avx512_vnni avx512_bf16", BF16),
        ("fpu sse4_2 avx avx2 fma", AVX2),
        ("fpu sse4_2", OLD),
    ],
)
def test_features_are_read_from_cpuinfo(tmp_path, flags, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n")
    assert CpuFeatures.detect(cpuinfo) == CpuFeatures(**{**vars(expected), "name": "Some CPU"})


def test_without_cpuinfo_torch_tells(tmp_path):
    features = CpuFeatures.detect(tmp_path / "missing")
    assert features.avx2 in (True, False) and not features.amx  # torch reports no AMX flag


@pytest.mark.parametrize(
    ("features", "floor", "expected"),
    [(AMX, asr.window.FLOOR, ("ctranslate2", "int8")),  # the answer window (10 s): short
     (AMX, 0, ("transformers", "bf16")),  # the answer window off: the full 30 s
     (AVX2, asr.window.FLOOR, ("ctranslate2", "int8")), (AVX2, 0, ("ctranslate2", "int8"))],
)  # fmt: skip
def test_auto_on_a_cpu_takes_the_path_for_the_window_answers_get(monkeypatch, features, floor,
                                                                  expected):  # fmt: skip
    monkeypatch.setattr(CpuFeatures, "detect", classmethod(lambda cls: features))
    options = asr.TranscriberOptions("kb-small", device="cpu", window_floor=floor)
    resolved = resolve_options(options)
    assert (resolved.backend, resolved.precision) == expected
    chosen = resolve_options(asr.TranscriberOptions("kb-small", "ctranslate2", "cpu"))
    assert (chosen.backend, chosen.precision) == ("ctranslate2", "int8")  # an override stays


def test_a_short_window_model_is_chosen_for_its_window(monkeypatch, whisper_root):
    monkeypatch.setattr(CpuFeatures, "detect", classmethod(lambda cls: AMX))
    model = cached_model(whisper_root, hears="hund", window_seconds=5)
    assert asr.models.window_seconds(str(model)) == 5.0
    assert (
        resolve_options(asr.TranscriberOptions(str(model), device="cpu")).backend == "ctranslate2"
    )


def test_bf16_on_ctranslate2_is_refused_with_the_way_out():
    with pytest.raises(ValueError, match="transformers backend"):
        resolve_options(asr.TranscriberOptions("kb-small", "ctranslate2", "cpu", "bf16"))


@pytest.mark.parametrize("window", [30, 5])
def test_bf16_hears_what_fp32_hears(whisper_root, window):
    model = cached_model(whisper_root, hears="hund", window_seconds=window)
    clip = (16_000, np.concatenate([np.zeros(4000), voiced(1.0), np.zeros(4000)]))
    texts = {}
    for precision in ("fp32", "bf16"):
        transcriber = asr.load_transcriber(model, "transformers", "cpu", precision)
        assert transcriber.backend.model.dtype.is_floating_point
        texts[precision] = transcriber.transcribe(clip).text
    asr.clear_cache()
    assert texts["bf16"] == texts["fp32"] == "hund"
