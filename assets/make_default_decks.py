#!/usr/bin/env python3
"""Build the default picture decks of "Säg det!" under assets/decks/.

Every card is one everyday Swedish noun, shown as a Twemoji picture
(https://github.com/jdecked/twemoji, graphics © Twitter, Inc and other
contributors, licensed CC-BY 4.0). The pictures come from the npm package
``@twemoji/svg`` (fetched with ``npm pack`` when no tarball is at hand) and are
rendered to square PNGs on a white background.

Each deck folder gets exactly: ``deck.toml``, ``items.csv`` and the PNGs. Names, descriptions,
hints and the pictures' credit come in English (``name``, ``description``, ``hint``,
``attribution``: what an English page shows) and Swedish (``name_sv``, ``description_sv``,
``hint_sv``, ``attribution_sv``: a Swedish page's).

    python assets/make_default_decks.py                # rebuild assets/decks/
    python assets/make_default_decks.py --out /tmp/decks --size 256
    python assets/make_default_decks.py --text-only    # rewrite deck.toml and items.csv only

The table below is the single source of truth: edit it and run the script. It needs
``pip install cairosvg`` and npm (neither is needed to play or to run the tests), except with
``--text-only``, which keeps the pictures there are.
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

import tomli_w

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
ATTRIBUTION_SV = (
    "Bilder: Twemoji (https://github.com/jdecked/twemoji), "
    "© Twitter, Inc och andra bidragsgivare, licensierade under CC-BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/); återgivna som PNG på vit bakgrund"
)

CSV_HEADER = ["image", "answer", "article", "accept", "hint", "hint_sv", "audio", "pronunciation"]
DECK_FILES = {"deck.toml", "items.csv"}


@dataclass(frozen=True)
class Deck:
    folder: str  # ASCII folder name under assets/decks/
    name: str  # the deck's key in learners' rounds and class records: never change it
    description: str  # in English
    name_sv: str  # the deck menu's label on a Swedish page
    description_sv: str


@dataclass(frozen=True)
class Card:
    deck: str  # Deck.folder
    emoji: str  # Twemoji code point(s), as in the SVG file name
    answer: str  # indefinite singular, lower case, no article
    article: str  # "en" or "ett"
    accept: tuple[str, ...] = ()  # other accepted answers (true synonyms)
    hint: str = ""  # short English hint
    hint_sv: str = ""  # the same hint in Swedish, for a learner whose page is in Swedish
    say: str = ""  # how Listen says the answer where espeak-ng gets it wrong: IPA in [ ]


DECKS = [
    Deck(
        "djur",
        "Djur (animals)",
        "Animals on the farm, in the wild and in the garden.",
        "Djur",
        "Djur på gården, i det vilda och i trädgården.",
    ),
    Deck(
        "mat",
        "Mat (food)",
        "Fruit, vegetables and everyday food.",
        "Mat",
        "Frukt, grönsaker och vardagsmat.",
    ),
    Deck(
        "hemma",
        "Hemma (at home)",
        "Furniture and things you use at home.",
        "Hemma",
        "Möbler och saker du använder hemma.",
    ),
    Deck(
        "klader",
        "Kläder (clothes and accessories)",
        "Clothes, shoes and things you wear or carry.",
        "Kläder",
        "Kläder, skor och saker du har på dig eller bär med dig.",
    ),
    Deck(
        "ute",
        "Ute (nature, weather and buildings)",
        "Sky and weather, plants and landscape, and buildings you see outdoors.",
        "Ute",
        "Himmel och väder, växter och landskap, och byggnader du ser utomhus.",
    ),
    Deck(
        "trafik",
        "Trafik (transport)",
        "Vehicles on roads, rails, water and in the air.",
        "Trafik",
        "Fordon på vägar, räls, vatten och i luften.",
    ),
]

C = Card
CARDS = [
    # --- djur -------------------------------------------------------------
    C("djur", "1f415", "hund", "en", hint="says woof", hint_sv="säger voff"),
    C("djur", "1f408", "katt", "en", hint="says meow", hint_sv="säger mjau"),
    C("djur", "1f40e", "häst", "en", hint="you can ride it", hint_sv="man kan rida på den"),
    C("djur", "1f404", "ko", "en", hint="gives milk", hint_sv="ger mjölk"),
    C(
        "djur",
        "1f416",
        "gris",
        "en",
        hint="pink farm animal, says oink",
        hint_sv="rosa djur på gården, säger nöff",
    ),
    C("djur", "1f40f", "får", "ett", hint="gives wool", hint_sv="ger ull"),
    C(
        "djur",
        "1f410",
        "get",
        "en",
        hint="farm animal with a beard",
        hint_sv="djur på gården med skägg",
    ),
    C(
        "djur",
        "1f407",
        "kanin",
        "en",
        hint="long ears, eats carrots",
        hint_sv="långa öron, äter morötter",
    ),
    C(
        "djur",
        "1f401",
        "mus",
        "en",
        hint="small, grey, likes cheese",
        hint_sv="liten och grå, tycker om ost",
    ),
    C(
        "djur",
        "1f426",
        "fågel",
        "en",
        hint="has wings and feathers",
        hint_sv="har vingar och fjädrar",
        say="[ˈfoːɡɛl]",
    ),
    C(
        "djur",
        "1f986",
        "anka",
        "en",
        ("and",),
        hint="swims, says quack",
        hint_sv="simmar och säger kvack",
    ),
    C("djur", "1f41f", "fisk", "en", hint="lives in water", hint_sv="bor i vattnet"),
    C(
        "djur",
        "1f40d",
        "orm",
        "en",
        hint="long, no legs",
        hint_sv="lång, har inga ben",
        say="[ʊrm]",
    ),
    C(
        "djur",
        "1f422",
        "sköldpadda",
        "en",
        hint="slow, carries its shell",
        hint_sv="långsam, bär sitt skal",
    ),
    C(
        "djur",
        "1f981",
        "lejon",
        "ett",
        hint="king of the animals",
        hint_sv="djurens kung",
        say="[²lɛjɔn]",
    ),
    C(
        "djur",
        "1f43b",
        "björn",
        "en",
        hint="big, brown, sleeps all winter",
        hint_sv="stor och brun, sover hela vintern",
        say="[bjœːɳ]",
    ),
    C(
        "djur",
        "1f418",
        "elefant",
        "en",
        hint="has a trunk",
        hint_sv="har en snabel",
        say="[ɛlɛˈfant]",
    ),
    C(
        "djur",
        "1f98b",
        "fjäril",
        "en",
        hint="insect with big coloured wings",
        hint_sv="insekt med stora färgglada vingar",
        say="[²fjæːrɪl]",
    ),
    C(
        "djur",
        "1f41e",
        "nyckelpiga",
        "en",
        hint="red beetle with black dots",
        hint_sv="röd skalbagge med svarta prickar",
    ),
    C("djur", "1f41d", "bi", "ett", hint="makes honey", hint_sv="gör honung"),
    C(
        "djur",
        "1f989",
        "uggla",
        "en",
        hint="bird awake at night",
        hint_sv="fågel som är vaken på natten",
    ),
    C(
        "djur",
        "1f994",
        "igelkott",
        "en",
        hint="small and covered in spines",
        hint_sv="liten och full av taggar",
        say="[²iːɡɛlkɔt]",
    ),
    # --- mat --------------------------------------------------------------
    C("mat", "1f34e", "äpple", "ett", hint="red or green fruit", hint_sv="röd eller grön frukt"),
    C(
        "mat",
        "1f350",
        "päron",
        "ett",
        hint="green fruit, wide at the bottom",
        hint_sv="grön frukt, bred nedtill",
        say="[²pæːrɔn]",
    ),
    C(
        "mat",
        "1f34c",
        "banan",
        "en",
        hint="long yellow fruit",
        hint_sv="lång gul frukt",
        say="[baˈnɑːn]",
    ),
    C(
        "mat",
        "1f34a",
        "apelsin",
        "en",
        hint="round orange fruit",
        hint_sv="rund orange frukt",
        say="[apɛlˈsiːn]",
    ),
    C("mat", "1f34b", "citron", "en", hint="yellow and sour", hint_sv="gul och sur"),
    C(
        "mat",
        "1f353",
        "jordgubbe",
        "en",
        hint="small red summer berry",
        hint_sv="litet rött sommarbär",
        say="[²juːɖɡɵbɛ]",
    ),
    C(
        "mat",
        "1f349",
        "vattenmelon",
        "en",
        hint="big, green outside, red inside",
        hint_sv="stor, grön utanpå och röd inuti",
        say="[²vatɛnmɛˌluːn]",
    ),
    C(
        "mat",
        "1f34d",
        "ananas",
        "en",
        hint="tropical fruit with a leafy top",
        hint_sv="tropisk frukt med blad på toppen",
        say="[²ananas]",
    ),
    C(
        "mat",
        "1f345",
        "tomat",
        "en",
        hint="red, goes in a salad",
        hint_sv="röd, finns i salladen",
        say="[tʊˈmɑːt]",
    ),
    C(
        "mat",
        "1f955",
        "morot",
        "en",
        hint="orange vegetable, rabbits love it",
        hint_sv="orange grönsak, kaniner älskar den",
    ),
    C(
        "mat",
        "1f954",
        "potatis",
        "en",
        hint="grows in the ground, often boiled",
        hint_sv="växer i jorden, kokas ofta",
        say="[pʊˈtɑːtɪs]",
    ),
    C("mat", "1f952", "gurka", "en", hint="long green vegetable", hint_sv="lång grön grönsak"),
    C(
        "mat",
        "1f9c5",
        "lök",
        "en",
        hint="makes you cry when you cut it",
        hint_sv="man gråter när man skär den",
    ),
    C(
        "mat",
        "1f9c4",
        "vitlök",
        "en",
        hint="strong smell, keeps vampires away",
        hint_sv="luktar starkt, håller vampyrer borta",
        say="[²viːtløːk]",
    ),
    C("mat", "1f344", "svamp", "en", hint="grows in the forest", hint_sv="växer i skogen"),
    C(
        "mat",
        "1f35e",
        "bröd",
        "ett",
        hint="baked, sliced for breakfast",
        hint_sv="bakas, skivas till frukost",
    ),
    C("mat", "1f9c0", "ost", "en", hint="made from milk, yellow", hint_sv="görs av mjölk, gul"),
    C("mat", "1f95a", "ägg", "ett", hint="a hen lays it", hint_sv="hönan värper det"),
    C("mat", "1f366", "glass", "en", ("mjukglass",), hint="cold and sweet", hint_sv="kall och söt"),
    C(
        "mat",
        "1f36a",
        "kaka",
        "en",
        ("småkaka",),
        hint="small sweet biscuit",
        hint_sv="litet sött bakverk",
        say="[²kɑːka]",
    ),
    C(
        "mat",
        "1f382",
        "tårta",
        "en",
        ("födelsedagstårta",),
        hint="for a birthday, with candles",
        hint_sv="på födelsedagen, med ljus",
        say="[²tʰoːʈa]",
    ),
    C(
        "mat",
        "1f96a",
        "smörgås",
        "en",
        ("macka",),
        hint="bread with something on it",
        hint_sv="bröd med något på",
    ),
    # --- hemma ------------------------------------------------------------
    C("hemma", "1f6cf", "säng", "en", hint="you sleep in it", hint_sv="man sover i den"),
    C("hemma", "1fa91", "stol", "en", hint="you sit on it", hint_sv="man sitter på den"),
    C("hemma", "1f6aa", "dörr", "en", hint="open it to go in", hint_sv="öppna den för att gå in"),
    C(
        "hemma",
        "1fa9f",
        "fönster",
        "ett",
        hint="you look out through it",
        hint_sv="man tittar ut genom det",
    ),
    C("hemma", "1f511", "nyckel", "en", hint="opens a lock", hint_sv="öppnar ett lås"),
    C(
        "hemma",
        "23f0",
        "väckarklocka",
        "en",
        ("klocka",),
        hint="rings in the morning",
        hint_sv="ringer på morgonen",
    ),
    C(
        "hemma",
        "1fa9e",
        "spegel",
        "en",
        hint="you see yourself in it",
        hint_sv="där ser du dig själv",
    ),
    C("hemma", "1faa5", "tandborste", "en", hint="for your teeth", hint_sv="för tänderna"),
    C(
        "hemma",
        "1f9fc",
        "tvål",
        "en",
        hint="wash your hands with it",
        hint_sv="tvätta händerna med den",
    ),
    C(
        "hemma",
        "1f6bd",
        "toalett",
        "en",
        ("toa",),
        hint="in the bathroom",
        hint_sv="finns i badrummet",
        say="[tʊaˈlɛt]",
    ),
    C(
        "hemma",
        "1f6c1",
        "badkar",
        "ett",
        hint="take a bath in it",
        hint_sv="man badar i det",
        say="[²bɑːdkɑːr]",
    ),
    C(
        "hemma",
        "1f6bf",
        "dusch",
        "en",
        hint="wash standing up",
        hint_sv="man tvättar sig stående",
        say="[dɵɧ]",
    ),
    C("hemma", "2702", "sax", "en", hint="cuts paper", hint_sv="klipper papper"),
    C(
        "hemma",
        "270f",
        "penna",
        "en",
        ("blyertspenna",),
        hint="write or draw with it",
        hint_sv="skriv eller rita med den",
    ),
    C("hemma", "1f4d5", "bok", "en", hint="you read it", hint_sv="du läser den"),
    C(
        "hemma",
        "1f4f1",
        "mobil",
        "en",
        ("mobiltelefon", "telefon"),
        hint="call and text with it",
        hint_sv="ring och sms:a med den",
        say="[mʊˈbiːl]",
    ),
    C("hemma", "1f52a", "kniv", "en", hint="cuts food", hint_sv="skär mat"),
    C("hemma", "1f944", "sked", "en", hint="eat soup with it", hint_sv="ät soppa med den"),
    C(
        "hemma",
        "1f56f",
        "ljus",
        "ett",
        ("stearinljus",),
        hint="burns with a small flame",
        hint_sv="brinner med en liten låga",
    ),
    C(
        "hemma",
        "1f4a1",
        "glödlampa",
        "en",
        ("lampa",),
        hint="gives light, screw it in",
        hint_sv="ger ljus, skruvas i",
        say="[²ɡløːdlampa]",
    ),
    C(
        "hemma",
        "1f4fa",
        "tv",
        "en",
        ("teve",),
        hint="watch programmes on it",
        hint_sv="titta på program på den",
    ),
    C(
        "hemma",
        "1f4bb",
        "dator",
        "en",
        ("laptop",),
        hint="you type and browse on it",
        hint_sv="skriv och surfa på den",
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
        hint_sv="överdel med korta ärmar",
        say="[²trœja]",
    ),
    C(
        "klader",
        "1f457",
        "klänning",
        "en",
        hint="one-piece garment with a skirt",
        hint_sv="ett plagg med kjol",
    ),
    C(
        "klader",
        "1f9e5",
        "jacka",
        "en",
        hint="warm, worn outdoors",
        hint_sv="varm, har du på dig ute",
    ),
    C(
        "klader",
        "1f9e3",
        "halsduk",
        "en",
        hint="keeps your neck warm",
        hint_sv="håller halsen varm",
    ),
    C(
        "klader",
        "1f9e2",
        "keps",
        "en",
        hint="cap with a peak",
        hint_sv="mössa med skärm",
        say="[kɛps]",
    ),
    C(
        "klader",
        "1f3a9",
        "hatt",
        "en",
        hint="worn on the head, has a brim",
        hint_sv="sitter på huvudet, har brätte",
    ),
    C("klader", "1fa96", "hjälm", "en", hint="protects your head", hint_sv="skyddar huvudet"),
    C(
        "klader",
        "1fa71",
        "baddräkt",
        "en",
        hint="one piece, for swimming",
        hint_sv="i ett stycke, att simma i",
        say="[²bɑːdrɛkt]",
    ),
    C(
        "klader",
        "1f459",
        "bikini",
        "en",
        hint="two pieces, for the beach",
        hint_sv="två delar, för stranden",
        say="[bɪˈkiːnɪ]",
    ),
    C("klader", "1f45e", "sko", "en", hint="worn on the foot", hint_sv="har du på foten"),
    C("klader", "1f462", "stövel", "en", hint="tall shoe", hint_sv="hög sko", say="[ˈstœvɛl]"),
    C(
        "klader",
        "1f45c",
        "väska",
        "en",
        ("handväska",),
        hint="carry your things in it",
        hint_sv="bär dina saker i den",
    ),
    C("klader", "1f392", "ryggsäck", "en", hint="carried on your back", hint_sv="bärs på ryggen"),
    C("klader", "1f48d", "ring", "en", hint="worn on a finger", hint_sv="sitter på ett finger"),
    C(
        "klader",
        "231a",
        "klocka",
        "en",
        ("armbandsur",),
        hint="tells the time, on your wrist",
        hint_sv="visar tiden, sitter på handleden",
    ),
    C(
        "klader",
        "2602",
        "paraply",
        "ett",
        hint="keeps the rain off",
        hint_sv="skyddar mot regnet",
        say="[paraˈplyː]",
    ),
    C(
        "klader",
        "1f451",
        "krona",
        "en",
        hint="a king or queen wears it",
        hint_sv="en kung eller drottning bär den",
    ),
    # --- ute --------------------------------------------------------------
    C(
        "ute",
        "2600",
        "sol",
        "en",
        hint="shines in the sky by day",
        hint_sv="lyser på himlen på dagen",
    ),
    C(
        "ute",
        "1f319",
        "måne",
        "en",
        hint="shines in the sky at night",
        hint_sv="lyser på himlen på natten",
    ),
    C(
        "ute",
        "2b50",
        "stjärna",
        "en",
        hint="twinkles at night",
        hint_sv="tindrar på natten",
        say="[²ɧæːɳa]",
    ),
    C(
        "ute",
        "2601",
        "moln",
        "ett",
        hint="white or grey, in the sky",
        hint_sv="vitt eller grått, på himlen",
        say="[moːln]",
    ),
    C(
        "ute",
        "1f308",
        "regnbåge",
        "en",
        hint="colours in the sky after rain",
        hint_sv="färger på himlen efter regn",
        say="[²rɛŋnboːɡɛ]",
    ),
    C(
        "ute",
        "26c4",
        "snögubbe",
        "en",
        hint="made of snow, has a carrot nose",
        hint_sv="gjord av snö, har en morot till näsa",
    ),
    C(
        "ute",
        "2744",
        "snöflinga",
        "en",
        hint="falls from the sky in winter",
        hint_sv="faller från himlen på vintern",
        say="[²snøːflɪŋa]",
    ),
    C("ute", "26a1", "blixt", "en", hint="comes with thunder", hint_sv="kommer med åskan"),
    C("ute", "1f333", "träd", "ett", hint="tall plant with leaves", hint_sv="hög växt med löv"),
    C(
        "ute",
        "1f332",
        "gran",
        "en",
        hint="evergreen tree, a Christmas tree is one",
        hint_sv="barrträd som är grönt hela året",
    ),
    C(
        "ute",
        "1f33c",
        "blomma",
        "en",
        hint="grows in a garden, smells nice",
        hint_sv="växer i trädgården, doftar gott",
        say="[²blʊma]",
    ),
    C(
        "ute",
        "1f341",
        "löv",
        "ett",
        hint="falls from trees in autumn",
        hint_sv="faller från träden på hösten",
    ),
    C(
        "ute",
        "1f335",
        "kaktus",
        "en",
        hint="prickly desert plant",
        hint_sv="taggig växt i öknen",
        say="[ˈkaktɵs]",
    ),
    C(
        "ute",
        "26f0",
        "berg",
        "ett",
        hint="very high, you can climb it",
        hint_sv="väldigt högt, man kan klättra upp",
        say="[bærj]",
    ),
    C(
        "ute",
        "1f30b",
        "vulkan",
        "en",
        hint="mountain that spits fire",
        hint_sv="berg som sprutar eld",
        say="[vɵlˈkɑːn]",
    ),
    C(
        "ute",
        "1f30a",
        "våg",
        "en",
        hint="moving water at sea",
        hint_sv="vatten som rör sig på havet",
    ),
    C("ute", "1f525", "eld", "en", hint="hot and bright, burns", hint_sv="varm och ljus, bränner"),
    C("ute", "1f3e0", "hus", "ett", hint="people live in it", hint_sv="människor bor i det"),
    C(
        "ute",
        "26ea",
        "kyrka",
        "en",
        hint="has a tower and bells",
        hint_sv="har ett torn och klockor",
    ),
    C("ute", "1f3f0", "slott", "ett", hint="a king lives in it", hint_sv="en kung bor i det"),
    C("ute", "1f3e5", "sjukhus", "ett", hint="doctors work there", hint_sv="läkare jobbar där"),
    C(
        "ute",
        "26fa",
        "tält",
        "ett",
        hint="sleep in it when camping",
        hint_sv="sov i det när du campar",
    ),
    # --- trafik -----------------------------------------------------------
    C(
        "trafik",
        "1f697",
        "bil",
        "en",
        hint="four wheels, you drive it",
        hint_sv="fyra hjul, man kör den",
    ),
    C(
        "trafik",
        "1f68c",
        "buss",
        "en",
        hint="many passengers, stops at stops",
        hint_sv="många passagerare, stannar vid hållplatser",
    ),
    C(
        "trafik",
        "1f695",
        "taxi",
        "en",
        hint="pay the driver to take you",
        hint_sv="betala föraren för att köra dig",
        say="[ˈtaksɪ]",
    ),
    C(
        "trafik",
        "1f6b2",
        "cykel",
        "en",
        hint="two wheels and pedals",
        hint_sv="två hjul och pedaler",
    ),
    C(
        "trafik",
        "1f6f4",
        "sparkcykel",
        "en",
        hint="stand on it and push with a foot",
        hint_sv="stå på den och sparka med en fot",
        say="[²sparksʏkɛl]",
    ),
    C(
        "trafik",
        "1f3cd",
        "motorcykel",
        "en",
        ("mc",),
        hint="two wheels and an engine",
        hint_sv="två hjul och en motor",
        say="[²muːtʊʂʏkɛl]",
    ),
    C("trafik", "1f686", "tåg", "ett", hint="runs on rails", hint_sv="går på räls"),
    C(
        "trafik",
        "1f68b",
        "spårvagn",
        "en",
        hint="runs on rails in the street",
        hint_sv="går på räls på gatan",
    ),
    C(
        "trafik",
        "26f5",
        "båt",
        "en",
        ("segelbåt",),
        hint="floats on water",
        hint_sv="flyter på vattnet",
    ),
    C(
        "trafik",
        "1f6f6",
        "kanot",
        "en",
        hint="small boat, you paddle it",
        hint_sv="liten båt, man paddlar den",
    ),
    C(
        "trafik",
        "2708",
        "flygplan",
        "ett",
        ("plan",),
        hint="flies, has wings",
        hint_sv="flyger, har vingar",
        say="[²flyːɡplɑːn]",
    ),
    C(
        "trafik",
        "1f681",
        "helikopter",
        "en",
        hint="flies with rotor blades",
        hint_sv="flyger med rotorblad",
        say="[hɛlɪˈkɔptɛr]",
    ),
    C(
        "trafik",
        "1f680",
        "raket",
        "en",
        hint="flies to space",
        hint_sv="flyger ut i rymden",
        say="[raˈkeːt]",
    ),
    C(
        "trafik",
        "1f69a",
        "lastbil",
        "en",
        hint="carries goods on the road",
        hint_sv="kör varor på vägen",
    ),
    C(
        "trafik",
        "1f69c",
        "traktor",
        "en",
        hint="works on a farm",
        hint_sv="jobbar på gården",
        say="[²traktʊr]",
    ),
    C(
        "trafik",
        "1f691",
        "ambulans",
        "en",
        hint="takes sick people to hospital",
        hint_sv="kör sjuka till sjukhuset",
        say="[ambɵˈlans]",
    ),
    C(
        "trafik",
        "1f692",
        "brandbil",
        "en",
        hint="firefighters drive it",
        hint_sv="brandmän kör den",
    ),
    C(
        "trafik",
        "1f693",
        "polisbil",
        "en",
        hint="the police drive it",
        hint_sv="polisen kör den",
        say="[pʊˈliːsbiːl]",
    ),
    C(
        "trafik",
        "1f6a6",
        "trafikljus",
        "ett",
        hint="red, yellow, green",
        hint_sv="rött, gult, grönt",
    ),
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
        if bool(card.hint) != bool(card.hint_sv):
            raise ValueError(f"{card.answer}: a hint needs both its English and Swedish text")
    for deck in DECKS:
        if not (deck.name_sv and deck.description_sv):
            raise ValueError(f"{deck.folder}: no Swedish name or description")


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
    import cairosvg  # only to draw pictures: --text-only needs neither it nor Pillow
    from PIL import Image

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
    import cairosvg
    from PIL import Image

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
        "name_sv": deck.name_sv,
        "language": "sv",
        "description": deck.description,
        "description_sv": deck.description_sv,
        "author": AUTHOR,
        "license": LICENSE,
        "attribution": ATTRIBUTION,
        "attribution_sv": ATTRIBUTION_SV,
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
    for card in cards:
        (folder / f"{ascii_name(card.answer)}.png").write_bytes(render_png(svgs[card.emoji], size))
    return write_text_files(deck, folder)


def write_text_files(deck: Deck, folder: Path) -> int:
    """Write the deck's ``deck.toml`` and ``items.csv`` into ``folder``; return its cards."""
    cards = [card for card in CARDS if card.deck == deck.folder]
    rows = []
    for card in cards:
        image = f"{ascii_name(card.answer)}.png"
        accept = "|".join(card.accept)
        rows.append(
            [image, card.answer, card.article, accept, card.hint, card.hint_sv, "", card.say]
        )
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
    parser.add_argument(
        "--text-only",
        action="store_true",
        help="rewrite only deck.toml and items.csv of decks already there, keeping their pictures",
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
    if args.text_only:
        missing = [d.folder for d in DECKS if not (args.out / d.folder).is_dir()]
        if missing:
            raise SystemExit(f"--text-only rewrites decks already made; missing: {missing}")
        total = sum(write_text_files(deck, args.out / deck.folder) for deck in DECKS)
        log.info("rewrote the text of %d decks, %d cards", len(DECKS), total)
        return 0
    tarball = args.tarball or fetch_tarball(args.cache_dir)
    check_tarball(tarball)
    svgs = read_svgs(tarball, {card.emoji for card in CARDS})
    args.out.mkdir(parents=True, exist_ok=True)
    total = sum(write_deck(deck, args.out, svgs, args.size) for deck in DECKS)
    log.info("wrote %d decks, %d cards", len(DECKS), total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
