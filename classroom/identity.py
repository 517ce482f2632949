"""Join codes, names, tokens, PINs and teacher keys: making them, checking them, hashing them.

Why these choices:
- A join code is read aloud and typed from a projector, so it is 6 characters from an alphabet
  without look-alikes (no 0/O, 1/I/L). 31**6 is about 900 million codes: guessing one is hopeless
  at classroom scale, and a collision on creation is simply retried.
- A name is what other students see on a leaderboard and the teacher sees on a dashboard, so it is
  refused, not cleaned, when it holds anything but letters, digits, spaces and a few marks that
  real names use (- ' ’ . _): markup can never be stored, and the student sees why.
- Tokens are random and long, so a plain SHA-256 of them is as good as a slow hash. A teacher key
  may be the deployer's own password, so it takes a salted scrypt (about 60 ms per check here). A
  PIN has only 10,000 values, which no hash protects from someone holding the database: it gets a
  quick salted SHA-256, and its protection is the service's limit on wrong tries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata

from classroom.errors import InvalidName

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
NAME_MAX = 40
CLASS_NAME_MAX = 80
PIN_DIGITS = 4
NAME_MARKS = "-'’._ "
CLASS_NAME_MARKS = NAME_MARKS + "()/,:!?#+"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def new_code() -> str:
    """A fresh join code, e.g. "K7QX3M"."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What a student typed, as the stored code: case, spaces and dashes do not matter."""
    kept = "".join(ch for ch in str(text).upper() if ch not in " -\t")
    return kept[:32]


def new_token() -> str:
    """A rejoin token for a browser to keep (about 190 bits)."""
    return secrets.token_urlsafe(24)


def new_teacher_key() -> str:
    """A teacher key to show once: four groups a person can copy ("k3ld-9x2q-...")."""
    raw = secrets.token_hex(10)
    return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def token_hash(token: str) -> str:
    """SHA-256 of a random token: enough for a secret nobody chose."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def salted_hash(secret: str, salt: str | None = None) -> str:
    """Returns "salt$digest" by scrypt, for a secret a person may have chosen."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=bytes.fromhex(salt), **_SCRYPT)
    return f"{salt}${digest.hex()}"


def check_salted(secret: str, stored: str) -> bool:
    salt, _, _digest = stored.partition("$")
    try:
        return hmac.compare_digest(salted_hash(secret, salt), stored)
    except ValueError:  # a damaged stored value opens nothing
        return False


def pin_hash(pin: str, salt: str | None = None) -> str:
    """Returns "salt$digest" by SHA-256 (the module docstring says why no slow hash)."""
    salt = salt or secrets.token_hex(8)
    return f"{salt}${hashlib.sha256(f'{salt}:{pin}'.encode()).hexdigest()}"


def check_pin(pin: str, stored: str) -> bool:
    salt, _, _digest = stored.partition("$")
    return hmac.compare_digest(pin_hash(pin, salt), stored)


def check_token(token: str, stored: str | None) -> bool:
    return bool(token) and stored is not None and hmac.compare_digest(token_hash(token), stored)


def clean_name(
    text: object, *, limit: int = NAME_MAX, what: str = "name", marks: str = NAME_MARKS
) -> str:
    """The name as stored: NFC, trimmed, inner spaces single; raises InvalidName with a reason.

    `what` is "name" or "class_name" (the reasons are worded for each). Besides letters and
    digits, only the characters in `marks` are kept; markup characters (< > & " `) are never
    among them.
    """
    if not isinstance(text, str):
        raise InvalidName(key=f"{what}_empty")
    if len(text) > limit * 4:  # refuse huge input before normalising it
        raise InvalidName(key=f"{what}_long", limit=limit)
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise InvalidName(key=f"{what}_empty")
    if len(name) > limit:
        raise InvalidName(key=f"{what}_long", limit=limit)
    bad = sorted({ch for ch in name if not _allowed(ch, marks)})
    if bad:
        shown = " ".join(_visible(ch) for ch in bad[:5])
        allowed = " ".join(marks.replace(" ", "").replace("’", ""))
        raise InvalidName(key=f"{what}_chars", allowed=allowed, shown=shown)
    if not any(ch.isalnum() for ch in name):
        raise InvalidName(key=f"{what}_letter")
    return name


def name_key(name: str) -> str:
    """Two names that read the same are one name: "Anna", "ANNA" and a full-width "Ａnna"."""
    return unicodedata.normalize("NFKC", name).casefold()


def _allowed(ch: str, marks: str) -> bool:
    return ch in marks or unicodedata.category(ch)[0] in "LMN"


def _visible(ch: str) -> str:
    """A refused character as the message can show it: control characters by their code."""
    if unicodedata.category(ch)[0] in "CZ" and ch != " ":
        return f"U+{ord(ch):04X}"
    return ch
