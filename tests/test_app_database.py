"""`--db` and `SAGDET_DB` as the README writes them: a URL, a folder or a `.db` file, each of which
opens class mode; anything else stops the app at start-up with its reason, before any class."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import app
from ui.context import Context


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Runs app.main without serving; returns the app's Context as it was built."""
    monkeypatch.setenv("SAGDET_SECRET", "s" * 32)
    monkeypatch.delenv("SAGDET_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    seen: dict[str, object] = {}

    def build(decks, model, options):
        seen["ctx"] = Context.create(decks, model, options)
        return "the demo"

    monkeypatch.setattr(app, "build_demo", build)
    monkeypatch.setattr(app, "launch", lambda demo, **kw: seen.update(launched=demo))
    contexts: list[Context] = []

    def run(*argv: str) -> Context:
        app.main(["--no-model", *argv])
        assert seen.pop("launched") == "the demo"
        ctx = seen.pop("ctx")
        assert isinstance(ctx, Context)
        contexts.append(ctx)
        return ctx

    yield run
    for ctx in contexts:
        ctx.classes.close()


def a_class_works(ctx: Context) -> None:
    """A teacher makes a class and a student joins it, through the app's own class hub."""
    room = ctx.classes.room()
    made = room.create_class("7B", [ctx.library.first().name])
    assert room.join_class(made.code, "Anna").class_code == made.code
    assert room.class_results(made.code, made.teacher_key).students[0].name == "Anna"


@pytest.mark.parametrize(
    "argv, env, where",
    [
        (["--db", "{tmp}/classes"], {}, "{tmp}/classes/sag-det.db"),  # a folder, made
        (["--db", "{tmp}/existing"], {}, "{tmp}/existing/sag-det.db"),  # a folder that is there
        (["--db", "{tmp}/school/7b.db"], {}, "{tmp}/school/7b.db"),  # a .db file
        (["--db", "{tmp}/k.sqlite3"], {}, "{tmp}/k.sqlite3"),
        (["--db", "relative.db"], {}, "{tmp}/relative.db"),  # from where the app started
        (["--db", "~/sagdet-home/c.db"], {"HOME": "{tmp}/home"}, "{tmp}/home/sagdet-home/c.db"),
        (["--db", "sqlite:///{tmp}/url.db"], {}, "{tmp}/url.db"),  # a URL
        ([], {"SAGDET_DB": "{tmp}/from-env"}, "{tmp}/from-env/sag-det.db"),
        ([], {"SAGDET_DB": "{tmp}/env.db"}, "{tmp}/env.db"),
        (["--db", "{tmp}/flag.db"], {"SAGDET_DB": "{tmp}/env.db"}, "{tmp}/flag.db"),
    ],
)
def test_every_form_the_readme_names_opens_class_mode(
    started, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv, env, where
) -> None:
    (tmp_path / "existing").mkdir()
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    ctx = started(*(a.format(tmp=tmp_path) for a in argv))
    database = Path(where.format(tmp=tmp_path))
    assert ctx.options.db_url == f"sqlite:///{database}"
    assert not database.exists()  # nothing is opened before the first class action
    a_class_works(ctx)
    assert database.is_file() and database.read_bytes().startswith(b"SQLite format 3\x00")


def test_no_setting_leaves_the_default_to_class_mode(started) -> None:
    assert started().options.db_url is None


@pytest.mark.parametrize("how", ["--db", "SAGDET_DB"])
def test_a_postgres_url_opens_class_mode(started, monkeypatch, postgres, how) -> None:
    url = postgres.create_database()
    if how == "--db":
        ctx = started("--db", url)
    else:
        monkeypatch.setenv("SAGDET_DB", url)
        ctx = started()
    assert ctx.options.db_url == url
    a_class_works(ctx)


@pytest.mark.parametrize(
    "setting, why",
    [
        ("{tmp}/notes.txt", "it is a file"),  # an existing file without a SQLite name
        ("{tmp}/fake.db", "not a SQLite database"),
        ("{tmp}/notes.txt/classes.db", "is a file, so no folder can be made"),
        ("{tmp}/a-folder.db", "is a folder, not a SQLite file"),
        ("postgres://u:secret@host/db", "knows no such database"),
        ("mysql://u@host/db", "driver is not installed"),
        ("not a url://x", "not a URL"),
    ],
)
def test_a_setting_that_cannot_work_stops_the_start_with_its_reason(
    started, monkeypatch, capsys, tmp_path: Path, setting: str, why: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a database")
    (tmp_path / "fake.db").write_text("not a database either")
    (tmp_path / "a-folder.db").mkdir()
    value = setting.format(tmp=tmp_path)
    for how in ("--db", "SAGDET_DB"):
        argv = ["--db", value] if how == "--db" else []
        if how == "SAGDET_DB":
            monkeypatch.setenv("SAGDET_DB", value)
        with pytest.raises(SystemExit) as stopped:
            started(*argv)
        assert stopped.value.code == 2
        said = capsys.readouterr().err
        assert why in said and "cannot be used" in said and ".db" in said
        assert "secret" not in said  # a password is never printed
    assert sorted(os.listdir(tmp_path)) == ["a-folder.db", "fake.db", "notes.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_folder_that_cannot_be_written_is_refused(started, capsys, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(SystemExit):
        started("--db", str(locked / "classes"))
    assert "cannot be written" in capsys.readouterr().err
