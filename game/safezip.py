"""One way to read an untrusted zip: a deck folder's zip and an Anki package alike.

Every member is checked from the central directory before anything is unpacked: how many there
are, the declared sizes (each and all together), how far each one shrank (a zip bomb shrinks
1000:1), password protection, and names (no links, absolute paths, `..` or two members that are
one file once their names are normalised). Members are then streamed to disk in chunks, never
held whole in memory, and the bytes are counted as they are written: a header can lie.
Messages name the archive and the member as the uploader knows them, never a server path.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from game.findings import Finding

log = logging.getLogger(__name__)

MB = 1024 * 1024
CHUNK_BYTES = 1 << 16
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError)
_DRIVE = re.compile(r"^[A-Za-z]:")
_UNSAFE_RE = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


@dataclass(frozen=True)
class ZipLimits:
    """Caps on one zip: generous for a class's picture deck, small for a free Space's disk."""

    max_members: int = 5000  # a picture and a recording for each of a deck's 2000 cards, and more
    max_total_bytes: int = 300 * MB  # everything one zip unpacks to, declared and really written
    max_member_bytes: int = 50 * MB  # one member unpacked; a deck's pictures are 10 MB at most
    max_ratio: int = 100  # unpacked:packed size of one member; pictures barely shrink, bombs do
    ratio_grace_bytes: int = 1 * MB  # smaller members skip the ratio check: text shrinks well


class ZipRefused(Exception):
    """A zip that is not unpacked: unsafe, too large, or broken. The message names the archive."""


class BrokenZip(ZipRefused):
    """A file that cannot be read as a zip, or a member that fails to decompress."""

    def __init__(self, archive: str, reason: str) -> None:
        self.archive, self.reason = archive, reason
        super().__init__(Finding("zip_broken", archive=archive, reason=reason))


@dataclass(frozen=True)
class Member:
    """A file in the zip whose name and sizes passed every check."""

    info: zipfile.ZipInfo
    parts: tuple[str, ...]  # its path inside the zip: NFC, never empty, ".", ".." or absolute

    @property
    def path(self) -> str:
        return "/".join(self.parts)


def member_path(name: str) -> str:
    """A member name as `Member.path` spells it: NFC, "/" between folders, no "" or "." parts."""
    text = unicodedata.normalize("NFC", name).replace("\\", "/")  # old Windows tools write \
    return "/".join(p for p in text.split("/") if p not in ("", "."))


def flat_name(source: str, suffix: str, taken: set[str]) -> str:
    """A file name for the untrusted name `source` that stays in its folder, unique among
    `taken` (case-folded names): no folders, control characters or characters Windows forbids;
    `suffix` replaces a wrong one (".png" for a PNG named "bild.dat")."""
    base = unicodedata.normalize("NFC", source.replace("\\", "/").rsplit("/", 1)[-1])
    stem, ext = os.path.splitext(_UNSAFE_RE.sub("_", base).strip(" ."))
    if suffix and ext.lower() != suffix and not (suffix == ".jpg" and ext.lower() == ".jpeg"):
        ext = suffix
    stem, ext = stem[:80].strip(" .") or "media", ext[:10]
    candidate, n = stem + ext, 2
    while candidate.casefold() in taken:  # casefold: macOS and Windows ignore case
        candidate, n = f"{stem}-{n}{ext}", n + 1
    taken.add(candidate.casefold())
    return candidate


class SafeZip:
    """An open zip whose members were all checked; `write` and `extract` unpack them safely.

    `archive` is the zip's name as its uploader knows it (the uploaded file's name). Raises
    `ZipRefused` (`BrokenZip` for a file that is no zip) naming the archive and the member.
    """

    def __init__(self, path: Path, archive: str, limits: ZipLimits | None = None) -> None:
        self.archive, self.limits = archive, limits or ZipLimits()
        self.written = 0  # bytes really unpacked so far
        try:
            self.zf = zipfile.ZipFile(path)
        except OSError as e:
            raise BrokenZip(archive, e.strerror or type(e).__name__) from e
        except _ZIP_ERRORS as e:
            raise BrokenZip(archive, str(e)) from e
        try:
            self.members = self._check()
        except BaseException:
            self.zf.close()
            raise
        self.names = frozenset(m.path for m in self.members)

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zf.close()

    def refuse(self, why: str) -> ZipRefused:
        return ZipRefused(Finding("archive_says", archive=self.archive, why=why))

    def _check(self) -> tuple[Member, ...]:
        infos, limits = self.zf.infolist(), self.limits
        if len(infos) > limits.max_members:
            raise self.refuse(Finding("zip_many_files", count=len(infos), n=limits.max_members))
        members: dict[str, Member] = {}
        for info in infos:
            parts = self._parts(info)
            if not parts or info.is_dir():
                continue
            member = Member(info, parts)
            if member.path in members:  # "äpple.png" twice, once decomposed: one file after NFC
                raise self.refuse(Finding("zip_same_name", name=member.path))
            members[member.path] = member
        for member in members.values():
            self._check_size(member)
        if sum(m.info.file_size for m in members.values()) > limits.max_total_bytes:
            raise self.refuse(self._too_large())
        return tuple(members.values())

    def _parts(self, info: zipfile.ZipInfo) -> tuple[str, ...]:
        """The member's path as NFC parts; refuses links and names that would leave the folder."""
        raw = info.filename
        if not info.flag_bits & 0x800:
            # No UTF-8 flag: zipfile read the name as code page 437, right for Windows' own zips
            # but not for macOS Archive Utility, which writes UTF-8 without saying so.
            with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
                raw = raw.encode("cp437").decode("utf-8")
        shown = unicodedata.normalize("NFC", raw).replace("\\", "/")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise self.refuse(Finding("zip_link", name=shown))
        if shown.startswith("/") or _DRIVE.match(shown):
            raise self.refuse(Finding("zip_absolute", name=shown))
        parts = tuple(p for p in member_path(shown).split("/") if p)
        if ".." in parts:
            raise self.refuse(Finding("zip_leaves", name=shown))
        return parts

    def _check_size(self, member: Member) -> None:
        info, limits = member.info, self.limits
        if info.flag_bits & 0x1:
            raise self.refuse(Finding("zip_password", name=member.path))
        if info.file_size > limits.max_member_bytes:
            raise self.refuse(self._member_too_large(member))
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_grace_bytes and ratio > limits.max_ratio:
            raise self.refuse(Finding("zip_bomb_ratio", name=member.path, ratio=ratio))

    def write(self, member: Member, target: Path) -> None:
        """Stream one member to the new file `target`, counting the bytes really written."""
        limits = self.limits
        ratio_cap = max(limits.ratio_grace_bytes, limits.max_ratio * member.info.compress_size)
        count = 0
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with self.zf.open(member.info) as source, open(target, "xb") as sink:
                while chunk := source.read(CHUNK_BYTES):
                    count += len(chunk)
                    if self.written + count > limits.max_total_bytes:
                        raise self.refuse(self._too_large())
                    if count > limits.max_member_bytes:
                        raise self.refuse(self._member_too_large(member))
                    if count > ratio_cap:
                        raise self.refuse(Finding("zip_bomb_grows", name=member.path))
                    sink.write(chunk)
        except FileExistsError as e:  # "Items.CSV" and "items.csv", both written as items.csv
            raise self.refuse(Finding("zip_same_name", name=target.name)) from e
        except OSError as e:
            why = e.strerror or type(e).__name__
            raise self.refuse(Finding("zip_cannot_unpack", name=member.path, why=why)) from e
        except _ZIP_ERRORS as e:
            raise BrokenZip(self.archive, f"{member.path}: {e}") from e
        self.written += count

    def extract(self, folder: Path, members: Iterable[Member] | None = None) -> dict[str, Path]:
        """Write `members` (by default all) under `folder` at their paths; returns where each
        went, by `Member.path`."""
        written = {}
        folder.mkdir(parents=True, exist_ok=True)
        for member in self.members if members is None else members:
            written[member.path] = folder.joinpath(*member.parts)
            self.write(member, written[member.path])
        log.info("%s: unpacked %d files, %d bytes", self.archive, len(written), self.written)
        return written

    def _too_large(self) -> Finding:
        limit = self.limits.max_total_bytes / MB
        return Finding("zip_too_large", mb=limit)

    def _member_too_large(self, member: Member) -> Finding:
        limit = self.limits.max_member_bytes / MB
        return Finding("zip_member_too_large", name=member.path, mb=limit)
