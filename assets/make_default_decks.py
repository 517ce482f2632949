#!/usr/bin/env python3
"""Build the default picture decks of "Säg det!" under assets/decks/.

Every card is one everyday Swedish noun, shown as a Twemoji picture
(https://github.com/jdecked/twemoji, graphics © Twitter, Inc and other
contributors, licensed CC-BY 4.0). The pictures come from the npm package
``@twemoji/svg`` (fetched with ``npm pack`` when no tarball is at hand) and are
rendered to square PNGs on a white background.

Each deck folder gets exactly: ``deck.toml``, ``items.csv`` and the PNGs.

    python assets/make_default_decks.py                # rebuild assets/decks/
    python assets/make_default_decks.py --out /tmp/decks --size 256

The table below is the single source of truth: edit it and run the script. It needs
``pip install cairosvg`` and npm (neither is needed to play or to run the tests).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import logging
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import cairosvg
import tomli_w
from PIL import Image

log = logging.getLogger("make_default_decks")

TWEMOJI_PACKAGE = "@twemoji/svg"
TWEMOJI_VERSION = "15.0.0"
TWEMOJI_TARBALL = f"twemoji-svg-{TWEMOJI_VERSION}.tgz"
# sha1 of the tarball as published on the npm registry (npm's "shasum").
TWEMOJI_SHA1 = "0e3828c654726f1848fe11f31ef4e8a75854cc7f"

AUTHOR = "Säg det! contributors"
LICENSE = "CC-BY-4.0"
ATTRIBUTION = (
    "Pictures: Twemoji (https://github.com/jdecked/twemoji), "
    "© Twitter, Inc and other contributors, licensed under CC-BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/); rendered to PNG on white"
)

CSV_HEADER = ["image", "answer", "article", "accept", "hint", "audio", "pronunciation"]
DECK_FILES = {"deck.toml", "items.csv"}


@dataclass(frozen=True)
class Deck:
    folder: str  # ASCII folder name under assets/decks/
    name: str
    description: str


@dataclass(frozen=True)
class Card:
    deck: str  # Deck.folder
    emoji: str  # Twemoji code point(s), as in the SVG file name
    answer: str  # indefinite singular, lower case, no article
    article: str  # "en" or "ett"
    accept: tuple[str, ...] = ()  # other accepted answers (true synonyms)
    hint: str = ""  # short English hint
    say: str = ""  # how Listen says the answer where espeak-ng gets it wrong: IPA in [ ]


DECKS = [
    Deck("djur", "Djur (animals)", "Animals on the farm, in the wild and in the garden."),
    Deck("mat", "Mat (food)", "Fruit, vegetables and everyday food."),
    Deck("hemma", "Hemma (at home)", "Furniture and things you use at home."),
    Deck(
        "klader", "Kläder (clothes and accessories)", "Clothes, shoes and things you wear or carry."
    ),
    Deck(
        "ute",
        "Ute (nature, weather and buildings)",
        "Sky and weather, plants and landscape, and buildings you see outdoors.",
    ),
    Deck("trafik", "Trafik (transport)", "Vehicles on roads, rails, water and in the air."),
]

C = Card
CARDS = [
    # --- djur -------------------------------------------------------------
    C("djur", "1f415", "hund", "en", hint="says woof"),
    C("djur", "1f408", "katt", "en", hint="says meow"),
    C("djur", "1f40e", "häst", "en", hint="you can ride it"),
    C("djur", "1f404", "ko", "en", hint="gives milk"),
    C("djur", "1f416", "gris", "en", hint="pink farm animal, says oink"),
    C("djur", "1f40f", "får", "ett", hint="gives wool"),
    C("djur", "1f410", "get", "en", hint="farm animal with a beard"),
    C("djur", "1f407", "kanin", "en", hint="long ears, eats carrots"),
    C("djur", "1f401", "mus", "en", hint="small, grey, likes cheese"),
    C("djur", "1f426", "fågel", "en", hint="has wings and feathers", say="[ˈfoːɡɛl]"),
    C("djur", "1f986", "anka", "en", ("and",), hint="swims, says quack"),
    C("djur", "1f41f", "fisk", "en", hint="lives in water"),
    C("djur", "1f40d", "orm", "en", hint="long, no legs", say="[ʊrm]"),
    C("djur", "1f422", "sköldpadda", "en", hint="slow, carries its shell"),
    C("djur", "1f981", "lejon", "ett", hint="king of the animals", say="[²lɛjɔn]"),
    C("djur", "1f43b", "björn", "en", hint="big, brown, sleeps all winter", say="[bjœːɳ]"),
    C("djur", "1f418", "elefant", "en", hint="has a trunk", say="[ɛlɛˈfant]"),
    C("djur", "1f98b", "fjäril", "en", hint="insect with big coloured wings", say="[²fjæːrɪl]"),
    C("djur", "1f41e", "nyckelpiga", "en", hint="red beetle with black dots"),
    C("djur", "1f41d", "bi", "ett", hint="makes honey"),
    C("djur", "1f989", "uggla", "en", hint="bird awake at night"),
    C("djur", "1f994", "igelkott", "en", hint="small and covered in spines", say="[²iːɡɛlkɔt]"),
    # --- mat --------------------------------------------------------------
    C("mat", "1f34e", "äpple", "ett", hint="red or green fruit"),
    C("mat", "1f350", "päron", "ett", hint="green fruit, wide at the bottom", say="[²pæːrɔn]"),
    C("mat", "1f34c", "banan", "en", hint="long yellow fruit", say="[baˈnɑːn]"),
    C("mat", "1f34a", "apelsin", "en", hint="round orange fruit", say="[apɛlˈsiːn]"),
    C("mat", "1f34b", "citron", "en", hint="yellow and sour"),
    C("mat", "1f353", "jordgubbe", "en", hint="small red summer berry", say="[²juːɖɡɵbɛ]"),
    C(
        "mat",
        "1f349",
        "vattenmelon",
        "en",
        hint="big, green outside, red inside",
        say="[²vatɛnmɛˌluːn]",
    ),
    C("mat", "1f34d", "ananas", "en", hint="tropical fruit with a leafy top", say="[²ananas]"),
    C("mat", "1f345", "tomat", "en", hint="red, goes in a salad", say="[tʊˈmɑːt]"),
    C("mat", "1f955", "morot", "en", hint="orange vegetable, rabbits love it"),
    C("mat", "1f954", "potatis", "en", hint="grows in the ground, often boiled", say="[pʊˈtɑːtɪs]"),
    C("mat", "1f952", "gurka", "en", hint="long green vegetable"),
    C("mat", "1f9c5", "lök", "en", hint="makes you cry when you cut it"),
    C("mat", "1f9c4", "vitlök", "en", hint="strong smell, keeps vampires away", say="[²viːtløːk]"),
    C("mat", "1f344", "svamp", "en", hint="grows in the forest"),
    C("mat", "1f35e", "bröd", "ett", hint="baked, sliced for breakfast"),
    C("mat", "1f9c0", "ost", "en", hint="made from milk, yellow"),
    C("mat", "1f95a", "ägg", "ett", hint="a hen lays it"),
    C("mat", "1f366", "glass", "en", ("mjukglass",), hint="cold and sweet"),
    C("mat", "1f36a", "kaka", "en", ("småkaka",), hint="small sweet biscuit", say="[²kɑːka]"),
    C(
        "mat",
        "1f382",
        "tårta",
        "en",
        ("födelsedagstårta",),
        hint="for a birthday, with candles",
        say="[²tʰoːʈa]",
    ),
    C("mat", "1f96a", "smörgås", "en", ("macka",), hint="bread with something on it"),
    # --- hemma ------------------------------------------------------------
    C("hemma", "1f6cf", "säng", "en", hint="you sleep in it"),
    C("hemma", "1fa91", "stol", "en", hint="you sit on it"),
    C("hemma", "1f6aa", "dörr", "en", hint="open it to go in"),
    C("hemma", "1fa9f", "fönster", "ett", hint="you look out through it"),
    C("hemma", "1f511", "nyckel", "en", hint="opens a lock"),
    C("hemma", "23f0", "väckarklocka", "en", ("klocka",), hint="rings in the morning"),
    C("hemma", "1fa9e", "spegel", "en", hint="you see yourself in it"),
    C("hemma", "1faa5", "tandborste", "en", hint="for your teeth"),
    C("hemma", "1f9fc", "tvål", "en", hint="wash your hands with it"),
    C("hemma", "1f6bd", "toalett", "en", ("toa",), hint="in the bathroom", say="[tʊaˈlɛt]"),
    C("hemma", "1f6c1", "badkar", "ett", hint="take a bath in it", say="[²bɑːdkɑːr]"),
    C("hemma", "1f6bf", "dusch", "en", hint="wash standing up", say="[dɵɧ]"),
    C("hemma", "2702", "sax", "en", hint="cuts paper"),
    C("hemma", "270f", "penna", "en", ("blyertspenna",), hint="write or draw with it"),
    C("hemma", "1f4d5", "bok", "en", hint="you read it"),
    C(
        "hemma",
        "1f4f1",
        "mobil",
        "en",
        ("mobiltelefon", "telefon"),
        hint="call and text with it",
        say="[mʊˈbiːl]",
    ),
    C("hemma", "1f52a", "kniv", "en", hint="cuts food"),
    C("hemma", "1f944", "sked", "en", hint="eat soup with it"),
    C("hemma", "1f56f", "ljus", "ett", ("stearinljus",), hint="burns with a small flame"),
    C(
        "hemma",
        "1f4a1",
        "glödlampa",
        "en",
        ("lampa",),
        hint="gives light, screw it in",
        say="[²ɡløːdlampa]",
    ),
    C("hemma", "1f4fa", "tv", "en", ("teve",), hint="watch programmes on it"),
    C(
        "hemma",
        "1f4bb",
        "dator",
        "en",
        ("laptop",),
        hint="you type and browse on it",
        say="[²dɑːtʊr]",
    ),
    # --- klader -----------------------------------------------------------
    C(
        "klader",
        "1f455",
        "tröja",
        "en",
        ("t-shirt", "t-tröja"),
        hint="top with short sleeves",
        say="[²trœja]",
    ),
    C("klader", "1f457", "klänning", "en", hint="one-piece garment with a skirt"),
    C("klader", "1f9e5", "jacka", "en", hint="warm, worn outdoors"),
    C("klader", "1f9e3", "halsduk", "en", hint="keeps your neck warm"),
    C("klader", "1f9e2", "keps", "en", hint="cap with a peak", say="[kɛps]"),
    C("klader", "1f3a9", "hatt", "en", hint="worn on the head, has a brim"),
    C("klader", "1fa96", "hjälm", "en", hint="protects your head"),
    C("klader", "1fa71", "baddräkt", "en", hint="one piece, for swimming", say="[²bɑːdrɛkt]"),
    C("klader", "1f459", "bikini", "en", hint="two pieces, for the beach", say="[bɪˈkiːnɪ]"),
    C("klader", "1f45e", "sko", "en", hint="worn on the foot"),
    C("klader", "1f462", "stövel", "en", hint="tall shoe", say="[ˈstœvɛl]"),
    C("klader", "1f45c", "väska", "en", ("handväska",), hint="carry your things in it"),
    C("klader", "1f392", "ryggsäck", "en", hint="carried on your back"),
    C("klader", "1f48d", "ring", "en", hint="worn on a finger"),
    C("klader", "231a", "klocka", "en", ("armbandsur",), hint="tells the time, on your wrist"),
    C("klader", "2602", "paraply", "ett", hint="keeps the rain off", say="[paraˈplyː]"),
    C("klader", "1f451", "krona", "en", hint="a king or queen wears it"),
    # --- ute --------------------------------------------------------------
    C("ute", "2600", "sol", "en", hint="shines in the sky by day"),
    C("ute", "1f319", "måne", "en", hint="shines in the sky at night"),
    C("ute", "2b50", "stjärna", "en", hint="twinkles at night", say="[²ɧæːɳa]"),
    C("ute", "2601", "moln", "ett", hint="white or grey, in the sky", say="[moːln]"),
    C("ute", "1f308", "regnbåge", "en", hint="colours in the sky after rain", say="[²rɛŋnboːɡɛ]"),
    C("ute", "26c4", "snögubbe", "en", hint="made of snow, has a carrot nose"),
    C("ute", "2744", "snöflinga", "en", hint="falls from the sky in winter", say="[²snøːflɪŋa]"),
    C("ute", "26a1", "blixt", "en", hint="comes with thunder"),
    C("ute", "1f333", "träd", "ett", hint="tall plant with leaves"),
    C("ute", "1f332", "gran", "en", hint="evergreen tree, a Christmas tree is one"),
    C("ute", "1f33c", "blomma", "en", hint="grows in a garden, smells nice", say="[²blʊma]"),
    C("ute", "1f341", "löv", "ett", hint="falls from trees in autumn"),
    C("ute", "1f335", "kaktus", "en", hint="prickly desert plant", say="[ˈkaktɵs]"),
    C("ute", "26f0", "berg", "ett", hint="very high, you can climb it", say="[bærj]"),
    C("ute", "1f30b", "vulkan", "en", hint="mountain that spits fire", say="[vɵlˈkɑːn]"),
    C("ute", "1f30a", "våg", "en", hint="moving water at sea"),
    C("ute", "1f525", "eld", "en", hint="hot and bright, burns"),
    C("ute", "1f3e0", "hus", "ett", hint="people live in it"),
    C("ute", "26ea", "kyrka", "en", hint="has a tower and bells"),
    C("ute", "1f3f0", "slott", "ett", hint="a king lives in it"),
    C("ute", "1f3e5", "sjukhus", "ett", hint="doctors work there"),
    C("ute", "26fa", "tält", "ett", hint="sleep in it when camping"),
    # --- trafik -----------------------------------------------------------
    C("trafik", "1f697", "bil", "en", hint="four wheels, you drive it"),
    C("trafik", "1f68c", "buss", "en", hint="many passengers, stops at stops"),
    C("trafik", "1f695", "taxi", "en", hint="pay the driver to take you", say="[ˈtaksɪ]"),
    C("trafik", "1f6b2", "cykel", "en", hint="two wheels and pedals"),
    C(
        "trafik",
        "1f6f4",
        "sparkcykel",
        "en",
        hint="stand on it and push with a foot",
        say="[²sparksʏkɛl]",
    ),
    C(
        "trafik",
        "1f3cd",
        "motorcykel",
        "en",
        ("mc",),
        hint="two wheels and an engine",
        say="[²muːtʊʂʏkɛl]",
    ),
    C("trafik", "1f686", "tåg", "ett", hint="runs on rails"),
    C("trafik", "1f68b", "spårvagn", "en", hint="runs on rails in the street"),
    C("trafik", "26f5", "båt", "en", ("segelbåt",), hint="floats on water"),
    C("trafik", "1f6f6", "kanot", "en", hint="small boat, you paddle it"),
    C("trafik", "2708", "flygplan", "ett", ("plan",), hint="flies, has wings", say="[²flyːɡplɑːn]"),
    C("trafik", "1f681", "helikopter", "en", hint="flies with rotor blades", say="[hɛlɪˈkɔptɛr]"),
    C("trafik", "1f680", "raket", "en", hint="flies to space", say="[raˈkeːt]"),
    C("trafik", "1f69a", "lastbil", "en", hint="carries goods on the road"),
    C("trafik", "1f69c", "traktor", "en", hint="works on a farm", say="[²traktʊr]"),
    C("trafik", "1f691", "ambulans", "en", hint="takes sick people to hospital", say="[ambɵˈlans]"),
    C("trafik", "1f692", "brandbil", "en", hint="firefighters drive it"),
    C("trafik", "1f693", "polisbil", "en", hint="the police drive it", say="[pʊˈliːsbiːl]"),
    C("trafik", "1f6a6", "trafikljus", "ett", hint="red, yellow, green"),
]


def ascii_name(word: str) -> str:
    """File-system name for a Swedish word: å→a, ä→a, ö→o, others dropped."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    out = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in plain)
    return out.strip("-")


def validate_table() -> None:
    """Fail early on mistakes in the table."""
    folders = [deck.folder for deck in DECKS]
    if len(set(folders)) != len(folders):
        raise ValueError("duplicate deck folder")
    for deck in DECKS:
        cards = [card for card in CARDS if card.deck == deck.folder]
        answers = [card.answer for card in cards]
        emojis = [card.emoji for card in cards]
        files = [ascii_name(card.answer) for card in cards]
        for what, values in (("answer", answers), ("picture", emojis), ("file", files)):
            dupes = {v for v in values if values.count(v) > 1}
            if dupes:
                raise ValueError(f"{deck.folder}: duplicate {what}: {sorted(dupes)}")
        if not 16 <= len(cards) <= 22:
            raise ValueError(f"{deck.folder}: {len(cards)} cards, want 16-22")
    for card in CARDS:
        if card.deck not in folders:
            raise ValueError(f"{card.answer}: unknown deck {card.deck!r}")
        if card.article not in ("en", "ett"):
            raise ValueError(f"{card.answer}: bad article {card.article!r}")
        if card.answer != card.answer.strip().lower() or not card.answer:
            raise ValueError(f"{card.answer!r}: answers are lower case, trimmed")
        if card.answer in card.accept or any("|" in a for a in card.accept):
            raise ValueError(f"{card.answer}: bad accept list {card.accept}")


def fetch_tarball(cache_dir: Path) -> Path:
    """Return the cached Twemoji tarball, fetching it with ``npm pack`` if missing."""
    tarball = cache_dir / TWEMOJI_TARBALL
    if not tarball.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit(f"{tarball} is missing and npm is not installed")
        cache_dir.mkdir(parents=True, exist_ok=True)
        spec = f"{TWEMOJI_PACKAGE}@{TWEMOJI_VERSION}"
        log.info("fetching %s with npm pack into %s", spec, cache_dir)
        done = subprocess.run(
            [npm, "pack", spec, "--pack-destination", str(cache_dir), "--loglevel=error"],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 or not tarball.exists():
            raise SystemExit(f"npm pack {spec} failed:\n{done.stderr.strip()}")
    return tarball


def check_tarball(tarball: Path) -> None:
    """Warn when the tarball is not the release the decks were made from."""
    if not tarball.is_file():
        raise SystemExit(f"no such tarball: {tarball}")
    digest = hashlib.sha1(tarball.read_bytes()).hexdigest()
    if digest != TWEMOJI_SHA1:
        log.warning(
            "%s has sha1 %s, expected %s (%s@%s): pictures may differ",
            tarball,
            digest,
            TWEMOJI_SHA1,
            TWEMOJI_PACKAGE,
            TWEMOJI_VERSION,
        )


def read_svgs(tarball: Path, codes: set[str]) -> dict[str, bytes]:
    """Read the SVG files for ``codes`` out of the npm tarball."""
    found: dict[str, bytes] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if member.isfile() and name.endswith(".svg") and name[:-4] in codes:
                found[name[:-4]] = tar.extractfile(member).read()
    missing = codes - found.keys()
    if missing:
        raise SystemExit(f"code points not in {tarball.name}: {sorted(missing)}")
    return found


VIEWBOX = re.compile(rb'viewBox="([-\d.\s]+)"')


def fit_viewbox(svg: bytes, margin: float, probe: int = 720) -> bytes:
    """Return the SVG with a square viewBox hugging its drawing, plus a margin.

    Emoji sit anywhere in their 36x36 box (a turtle sits low, a snowflake
    fills it); fitting the box to the drawing makes every card fill the
    picture the same way, and cairo still draws it at the final size (crisp).
    """
    match = VIEWBOX.search(svg)
    if match is None:
        raise ValueError("SVG has no viewBox")
    x0, y0, width, height = (float(v) for v in match.group(1).split())
    drawn = cairosvg.svg2png(bytestring=svg, output_width=probe, output_height=probe)
    box = Image.open(io.BytesIO(drawn)).getchannel("A").getbbox()
    if box is None:
        return svg
    left, top, right, bottom = box
    units = width / probe  # the probe is square, like every Twemoji viewBox
    cx = x0 + (left + right) / 2 * units
    cy = y0 + (top + bottom) / 2 * (height / probe)
    side = max(right - left, bottom - top) * units / (1 - 2 * margin)
    viewbox = f'viewBox="{cx - side / 2:.4f} {cy - side / 2:.4f} {side:.4f} {side:.4f}"'
    return svg[: match.start()] + viewbox.encode() + svg[match.end() :]


def render_png(svg: bytes, size: int, margin: float = 0.07) -> bytes:
    """Render an SVG as a square, optimised palette PNG on white."""
    drawn = cairosvg.svg2png(
        bytestring=fit_viewbox(svg, margin),
        output_width=size,
        output_height=size,
        background_color="white",
    )
    picture = Image.open(io.BytesIO(drawn)).convert("RGB")
    # Twemoji art is flat colour: 256 colours without dithering keeps it crisp
    # at about half the size of a truecolour PNG.
    paletted = picture.quantize(colors=256, dither=Image.Dither.NONE)
    out = io.BytesIO()
    paletted.save(out, format="PNG", optimize=True)
    return out.getvalue()


def deck_toml(deck: Deck) -> str:
    fields = {
        "name": deck.name,
        "language": "sv",
        "description": deck.description,
        "author": AUTHOR,
        "license": LICENSE,
        "attribution": ATTRIBUTION,
    }
    return tomli_w.dumps(fields)


def check_deck_folder(folder: Path) -> None:
    """Refuse to overwrite a folder holding files this script does not make."""
    if not folder.exists():
        return
    strangers = [
        p.name
        for p in folder.iterdir()
        if not (p.is_file() and (p.name in DECK_FILES or p.suffix == ".png"))
    ]
    if strangers:
        raise SystemExit(f"{folder} holds files this script did not make: {strangers}")


def write_deck(deck: Deck, out_dir: Path, svgs: dict[str, bytes], size: int) -> int:
    folder = out_dir / deck.folder
    check_deck_folder(folder)
    if folder.exists():
        shutil.rmtree(folder)  # drop pictures of cards no longer in the table
    folder.mkdir(parents=True)
    cards = [card for card in CARDS if card.deck == deck.folder]
    rows = []
    for card in cards:
        image = f"{ascii_name(card.answer)}.png"
        (folder / image).write_bytes(render_png(svgs[card.emoji], size))
        accept = "|".join(card.accept)
        rows.append([image, card.answer, card.article, accept, card.hint, "", card.say])
    with open(folder / "items.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(rows)
    (folder / "deck.toml").write_text(deck_toml(deck), encoding="utf-8")
    log.info("%-8s %2d cards -> %s", deck.folder, len(cards), folder)
    return len(cards)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=here / "decks",
        help="folder to write the deck folders into (default: %(default)s)",
    )
    parser.add_argument(
        "--size",
        type=int,
        default=512,
        help="width and height of each PNG in pixels (default: %(default)s)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "saeg-det-twemoji",
        help="where the Twemoji tarball is kept (default: %(default)s)",
    )
    parser.add_argument(
        "--tarball", type=Path, help="use this @twemoji/svg tarball instead of fetching one"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s"
    )
    if args.size < 32:
        raise SystemExit("--size must be at least 32")
    validate_table()
    for deck in DECKS:
        check_deck_folder(args.out / deck.folder)
    tarball = args.tarball or fetch_tarball(args.cache_dir)
    check_tarball(tarball)
    svgs = read_svgs(tarball, {card.emoji for card in CARDS})
    args.out.mkdir(parents=True, exist_ok=True)
    total = sum(write_deck(deck, args.out, svgs, args.size) for deck in DECKS)
    log.info("wrote %d decks, %d cards", len(DECKS), total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
