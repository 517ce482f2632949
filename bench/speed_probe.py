"""What one call of a measured path decodes: encoder runs, decoder steps (tokens) and beams.

The speed benchmark's table shows these so a reader can check that every path did the same work:
one encoder run, the same number of tokens, one beam.
"""

from __future__ import annotations


class CountingWhisper:
    """Stands in for a `ctranslate2.models.Whisper`, counting generate calls and decoded tokens.

    One `generate` call encodes the features once, so the calls are the encoder runs.
    """

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.counts = {"encoder": 0, "steps": 0, "beams": 0}

    def generate(self, *args: object, **kwargs: object):
        results = self.inner.generate(*args, **kwargs)
        self.counts["encoder"] += 1
        self.counts["steps"] += len(results[0].sequences_ids[0])
        self.counts["beams"] = max(self.counts["beams"], kwargs.get("beam_size", 5))
        return results

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


def probed(call, torch_model, transcriber) -> dict[str, int]:
    """Run `call` once, counting encoder runs, decoder steps (the tokens decoded) and beams."""
    if torch_model is None:
        proxy = CountingWhisper(transcriber.backend.model)
        transcriber.backend.model = proxy
        try:
            call()
        finally:
            transcriber.backend.model = proxy.inner
        return proxy.counts
    counts = {"encoder": 0, "steps": 0, "beams": 0}

    def encoder_ran(*_: object) -> None:
        counts["encoder"] += 1

    def decoder_ran(_module: object, _inputs: object, output: tuple) -> None:
        counts["steps"] += 1
        counts["beams"] = max(counts["beams"], output[0].shape[0])  # one clip: batch = beams

    hooks = [
        torch_model.model.encoder.register_forward_hook(encoder_ran),
        torch_model.model.decoder.register_forward_hook(decoder_ran),
    ]
    try:
        call()
    finally:
        for hook in hooks:
            hook.remove()
    return counts


def match_ct2_budget(call, transcriber, counts: dict[str, int], tokens: int):
    """Make the CTranslate2 path decode `tokens` tokens like the others; say so if it had to.

    CTranslate2 caps Whisper decoding at min(max_length / 2, max_length - prompt + 1)
    (OpenNMT/CTranslate2#1856), and the backend asks for max_length = max_new_tokens + 4, so it
    decodes about half the tokens asked for. Raising the backend's budget compensates.
    """
    asked, first = transcriber.backend.max_new_tokens, counts["steps"]
    budget = asked
    while counts["steps"] < tokens and budget < 4 * tokens + 8:
        budget += 2 * (tokens - counts["steps"])  # each 2 more asked buy 1 more decoded
        transcriber.backend.max_new_tokens = budget
        counts = probed(call, None, transcriber)
    if budget == asked:
        return counts, ""
    return counts, f"decoded {first} of {asked} tokens; max_new_tokens raised to {budget}"
