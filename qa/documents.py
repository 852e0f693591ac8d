"""Files → :class:`Document`: decode, read HTML or text, clean, extract metadata.

Offsets everywhere are character offsets into the text that
``open(path, encoding="utf-8").read()`` returns (universal newlines, a BOM kept
as ``\\ufeff``), so ``text[start:end] == quote`` can be checked by anyone.
"""
from __future__ import annotations

import codecs
import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .cleaning import classify, trim_junk
from .config import SUPPORTED_SUFFIXES
from .htmltext import read_html
from .textmap import Block

log = logging.getLogger(__name__)

MD_PREFIX_RE = re.compile(r"^(?:#{1,6}\s+|[-*+]\s+|>\s*|\d+[.)]\s+)")
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x7fELF", b"MZ", b"\x1f\x8b",
                b"BZh", b"7z\xbc\xaf", b"Rar!", b"ID3", b"OggS", b"RIFF", b"\x00\x00\x01\x00", b"wOFF")


class IngestError(Exception):
    """A file that cannot be used, with a message that says why and what to do."""


@dataclass
class Document:
    """One article: its decoded text, its blocks of clean text and metadata."""

    doc_id: str  # path relative to the corpus folder, with "/" separators
    path: Path
    text: str  # the whole decoded file (offsets point into this)
    sha256: str
    blocks: list[Block]
    title: str | None = None
    date: str | None = None
    author: str | None = None
    source: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def content_blocks(self) -> list[Block]:
        """Blocks that hold article text (title and body)."""
        return [b for b in self.blocks if b.kind in ("title", "body")]

    def clean_text(self) -> str:
        """The cleaned article, paragraphs separated by blank lines."""
        return "\n\n".join(b.text for b in self.content_blocks)

    def meta(self) -> dict:
        """Metadata as a plain dict (for the manifest and the UI)."""
        return {"doc": self.doc_id, "title": self.title, "date": self.date, "author": self.author,
                "source": self.source}


def _human_size(n: int) -> str:
    for unit, factor in (("MB", 1e6), ("kB", 1e3)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} bytes"


def too_large_message(name: str, size: int, limit: int) -> str:
    return (f"{name}: too large ({_human_size(size)} > {_human_size(limit)} limit); "
            "split it or raise QA_MAX_FILE_BYTES")


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def unicode_bom(data: bytes) -> str | None:
    """"utf-16" or "utf-32" when the bytes start with that encoding's byte-order mark."""
    for bom, enc in _BOMS:  # UTF-32 first: its little-endian mark starts like UTF-16's
        if data.startswith(bom):
            return enc
    return None


def looks_binary(data: bytes) -> bool:
    """NUL bytes, a known binary signature, or mostly control characters."""
    head = data[:8192]
    if any(head.startswith(m) for m in BINARY_MAGIC) or b"\x00" in head:
        return True
    if not head:
        return False
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return ctrl / len(head) > 0.1


def decode_any(data: bytes, name: str, warnings: list[str]) -> str:
    """The text of a file's bytes as the index reads it: UTF-16/UTF-32 when a byte-order mark says
    so, else :func:`decode` (quotes and offsets index this text)."""
    wide = unicode_bom(data)
    if not wide:
        return decode(data, name, warnings)
    try:
        text = data.decode(wide)
    except UnicodeDecodeError as exc:
        raise IngestError(f"{name}: starts like {wide.upper()} text but does not decode ({exc.reason}); "
                          "re-save it as UTF-8") from exc
    warnings.append(f"{name}: {wide.upper()} text; quotes and offsets are characters of the decoded text "
                    f"(as open(file, encoding=\"{wide}\") reads it). Re-save it as UTF-8 to quote the file as is.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def source_text(path: Path) -> str:
    """A file's text as it is on disk now, decoded as when it was indexed (to check quotes against)."""
    path = Path(path)
    return decode_any(path.read_bytes(), path.name, [])


def decode(data: bytes, name: str, warnings: list[str]) -> str:
    """Decode bytes as ``open()`` would (UTF-8, universal newlines), with a fallback."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
            warnings.append(f"{name}: not valid UTF-8 (byte {exc.start}); read as Windows-1252. "
                            "Re-save it as UTF-8 so quotes match the file exactly.")
        except UnicodeDecodeError:
            text = data.decode("utf-8", errors="replace")
            warnings.append(f"{name}: not valid UTF-8 (byte {exc.start}); undecodable bytes shown as \ufffd. "
                            "Re-save it as UTF-8.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_blocks(text: str, markdown: bool = False) -> list[Block]:
    """One block per line; hard-wrapped prose lines are joined into one block."""
    blocks: list[Block] = []
    pos = 0
    for line in text.split("\n"):
        block = Block(line, pos).strip()
        pos += len(line) + 1
        if markdown and block.text:
            m = MD_PREFIX_RE.match(block.text)
            if m:
                heading = m.group(0).strip() == "#"
                block = block.sub(m.end(), len(block.text)).strip()
                if heading:
                    block.label = "h1"
        if not block.text:
            if blocks and blocks[-1].text:
                blocks.append(Block("", pos))  # paragraph break marker
            continue
        prev = blocks[-1] if blocks else None
        if (prev is not None and prev.text and not prev.text.endswith(tuple('.!?:;"”’)'))
                and block.text[:1].islower() and len(prev.text) >= 40):
            blocks[-1] = Block(text[prev.raw_begin : block.raw_finish], prev.raw_begin)
        else:
            blocks.append(block)
    return [b for b in blocks if b.text]


def load_document(path: Path, root: Path | None = None, max_bytes: int = 5 * 1024 * 1024) -> Document:
    """Read one file into a :class:`Document` or raise :class:`IngestError`."""
    path = Path(path)
    name = path.relative_to(root).as_posix() if root else path.name
    if root is not None:
        check_link(path, root)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"{name}: unsupported file type '{suffix or 'none'}' "
                          f"(supported: {', '.join(SUPPORTED_SUFFIXES)})")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise IngestError(too_large_message(name, size, max_bytes))
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{name}: cannot read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise IngestError(f"{name}: empty file, skipped")
    warnings: list[str] = []
    if not unicode_bom(data) and looks_binary(data):  # UTF-16/32 text has NUL bytes: judged once decoded
        raise IngestError(f"{name}: looks like a binary file, not text; skipped")
    text = decode_any(data, name, warnings)
    if unicode_bom(data) and looks_binary(text.encode("utf-8", errors="replace")):
        raise IngestError(f"{name}: looks like a binary file, not text; skipped")
    hints: dict = {}
    if suffix in (".html", ".htm"):
        blocks, hints = read_html(text)
    else:
        blocks = text_blocks(text, markdown=suffix in (".md", ".markdown"))
    blocks = [trim_junk(b) for b in blocks]
    blocks = [b for b in blocks if b.text]
    meta = classify(blocks, title_hint=hints.get("title"))
    doc = Document(
        doc_id=name, path=path.resolve(), text=text, sha256=file_sha256(data), blocks=blocks,
        title=meta.title or _title_from_name(path), date=hints.get("date") or meta.date,
        author=hints.get("author") or meta.author, source=hints.get("source") or meta.source,
        warnings=warnings,
    )
    if not doc.content_blocks:
        raise IngestError(f"{name}: no article text found after cleaning; skipped")
    return doc


def _title_from_name(path: Path) -> str:
    return re.sub(r"[_\-]+", " ", path.stem).strip() or path.name


def check_link(path: Path, root: Path) -> None:
    """Refuse a file that is a link to nothing, or whose real location is outside the folder it was
    found in (a link ``passwd.txt -> /etc/passwd`` must not be indexed and quoted)."""
    path, root = Path(path), Path(root)
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
    if path.is_symlink() and not path.exists():
        raise IngestError(f"{name}: a link to {os.readlink(path)}, which does not exist; skipped")
    real, top = path.resolve(), root.resolve()
    if real != top and top not in real.parents:
        raise IngestError(f"{name}: a link to {real}, outside the documents folder {top}; skipped")


def find_files(paths: list[Path]) -> list[tuple[Path, Path]]:
    """Expand folders recursively; return ``(file, root)`` pairs in a stable order.

    ``root`` is the folder a document's name is relative to (the folder given,
    or the file's own folder for a file given directly). Hidden files are skipped.
    """
    found: list[tuple[Path, Path]] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if f.is_symlink() and (not f.exists() or f.is_dir()):
                    # linked folders are not followed; a dangling link or a link to a folder outside
                    # is kept so that the index report names it (check_link)
                    real = f.resolve()
                    if not f.exists() or p.resolve() not in real.parents:
                        found.append((f, p))
                elif f.is_file():
                    found.append((f, p))
        elif p.is_file():
            found.append((p, p.parent))
        else:
            raise IngestError(f"{p}: no such file or folder")
    return found
