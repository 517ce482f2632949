"""The app launched in-process and played through gradio_client, one client per player."""

from __future__ import annotations

import os
import re

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import app
from game import Card, Deck
from tests.conftest import png_bytes


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pics")
    cards = []
    for word, article in [("hund", "en"), ("äpple", "ett"), ("katt", "en")]:
        image = folder / f"{len(cards)}.png"
        image.write_bytes(png_bytes())
        cards.append(Card(word, article, image=image))
    deck = Deck("Test", tuple(cards))
    demo = app.build_demo({deck.name: deck})
    _, url, _ = demo.launch(
        prevent_thread_lock=True, server_name="127.0.0.1", quiet=True, ssr_mode=False
    )
    yield url
    demo.close()


def client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def test_a_typed_round_plays_to_the_end(server):
    player = client(server)
    _, feedback, score = player.predict("Test", api_name="/new_round")
    assert "card 1 of 3" in score
    for _ in range(3):
        _, feedback, score, _ = player.predict("xyz", "Test", api_name="/answer")
        assert "Not quite" in feedback
        _, feedback, score = player.predict("Test", api_name="/skip")
        assert "The answer is" in feedback
    assert "Round over" in feedback


def test_hint_and_correct_answer(server):
    player = client(server)
    player.predict("Test", api_name="/new_round")
    _, hint, _ = player.predict("Test", api_name="/hint")
    first = re.search(r"(en|ett) (\w) _", hint)
    assert first, hint
    answer = {"h": "hund", "ä": "äpple", "k": "katt"}[first.group(2)]
    _, feedback, score, typed = player.predict(answer, "Test", api_name="/answer")
    assert "Right" in feedback and "+7 points" in feedback
    assert "card 2 of 3" in score and typed == ""


def test_two_players_are_isolated(server):
    one, two = client(server), client(server)
    one.predict("Test", api_name="/new_round")
    two.predict("Test", api_name="/new_round")
    one.predict("Test", api_name="/skip")
    _, _, score_two = two.predict("Test", api_name="/hint")
    assert "card 1 of 3" in score_two
