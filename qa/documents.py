"""Files → :class:`Document`: decode, read HTML or text, clean, extract metadata.

Offsets everywhere are character offsets into the text that
``open(path, encoding="utf-8").read()`` returns (universal newlines, a BOM kept
as ``\\ufeff``), so ``text[start:end] == quote`` can be checked by anyone. PDF and
Word files are the exception: their offsets index the text extracted from them
(:mod:`qa.pdftext`, :mod:`qa.docxtext`), which the index stores.
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
from .config import EXTRACTED_SUFFIXES, SUPPORTED_SUFFIXES
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
    #: PDF and Word files: ``text`` is the extracted text (stored in the index; quotes index it) and
    #: ``pages`` the offset at which each page starts. None for text and web pages (quotes index the file).
    pages: list[int] | None = None

    @property
    def extracted(self) -> bool:
        return self.pages is not None

    @property
    def content_blocks(self) -> list[Block]:
        """Blocks that hold article text (title and body)."""
        return [b for b in self.blocks if b.kind in ("title", "body")]

    def clean_text(self) -> str:
        """The cleaned article, paragraphs separated by blank lines."""
        return "\n\n".join(b.text for b in self.content_blocks)

    def meta(self) -> dict:
        """Metadata as a plain dict (for the manifest and the UI)."""
        m = {"doc": self.doc_id, "title": self.title, "date": self.date, "author": self.author, "source": self.source,
             "lines": meta_lines(self.blocks)}
        if self.extracted:
            m.update(text="extracted", pages=list(self.pages))
        return m


#: Labels of metadata lines (``qa.cleaning.classify``) by what they tell about the article.
LINE_KINDS = {"date": {"date", "time", "dated", "published", "published on", "posted", "posted on", "updated",
                       "updated on", "release time"},
              "byline": {"byline", "author", "authors", "by", "written by", "reporter", "reported by",
                         "correspondent", "writer", "reporting by"},
              "source": {"source", "from"}}


def meta_lines(blocks: list[Block]) -> dict[str, list[int]]:
    """Where the article's headline, date line, byline and source line are: ``{"date": [start, end],
    ...}`` in the document's text (the first line of each kind), so that an answer about the article
    can quote them exactly."""
    out: dict[str, list[int]] = {}
    for b in blocks:
        if not b.text:
            continue
        if b.kind == "title":
            kind = "title"
        elif b.kind == "meta":
            kind = next((k for k, labels in LINE_KINDS.items() if b.label in labels), None)
        else:
            continue
        if kind and kind not in out:
            out[kind] = [b.raw_begin, b.raw_finish]
    return out


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
    if suffix in EXTRACTED_SUFFIXES:
        return _load_extracted(path, name, data, suffix)
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


def check_type(data: bytes, suffix: str, name: str) -> None:
    """Raise IngestError when a .pdf or .docx file's content is not of that type (checked from the
    bytes, not the name)."""
    if suffix == ".pdf" and b"%PDF-" not in data[:1024]:
        raise IngestError(f"{name}: named .pdf but its content is not a PDF; skipped")
    if suffix == ".docx":
        import io
        import zipfile

        try:
            ok = data.startswith(b"PK") and "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            ok = False
        if not ok:
            raise IngestError(f"{name}: named .docx but its content is not a Word document; skipped "
                              "(old .doc files must be saved as .docx)")


def pdf_blocks(text: str, pages: list[int]) -> list[Block]:
    """Paragraph blocks of extracted page text: a PDF ends every printed line with a line break, so a
    line nearly as long as the page's longest lines continues on the next one (the sentence splitter
    finds the sentences inside), as does a line without final punctuation before a lower-case one; a
    shorter line (a paragraph's last line, a heading) ends its block."""
    blocks: list[Block] = []
    bounds = list(pages) + [len(text)]
    for p in range(len(pages)):
        lo, hi = bounds[p], bounds[p + 1]
        lines, pos = [], lo
        for line in text[lo:hi].split("\n"):
            lines.append((pos, line))
            pos += len(line) + 1
        width = max((len(line.strip()) for _, line in lines), default=0)
        start = None  # raw offset where the open block starts
        prev_full = prev_end = False
        for at, line in lines:
            b = Block(line, at).strip()
            if not b.text:
                if start is not None:
                    blocks.append(Block(text[start:end], start))
                start, prev_full = None, False
                continue
            if start is not None and (prev_full or (b.text[:1].islower() and not prev_end)):
                end = b.raw_finish
            else:
                if start is not None:
                    blocks.append(Block(text[start:end], start))
                start, end = b.raw_begin, b.raw_finish
            prev_full = len(b.text) >= 0.7 * width and not b.text.endswith(":")
            prev_end = b.text.endswith(tuple('.!?:;"”’)'))
        if start is not None:
            blocks.append(Block(text[start:end], start))
    return [b for b in blocks if b.text]


def _extracted_blocks(text: str, pages: list[int], suffix: str) -> list[Block]:
    blocks = pdf_blocks(text, pages) if suffix == ".pdf" else text_blocks(text)
    return [b for b in (trim_junk(b) for b in blocks) if b.text]


def stored_document(path: Path, doc_id: str, text: str, meta: dict) -> Document:
    """A PDF or Word document rebuilt from the text the index stored (no extraction, no OCR again)."""
    blocks = _extracted_blocks(text, list(meta.get("pages") or [0]), Path(path).suffix.lower())
    classify(blocks, title_hint=meta.get("title"))  # marks the blocks' kinds (title, meta, body)
    return Document(doc_id=doc_id, path=Path(path), text=text, sha256=meta.get("sha256") or "", blocks=blocks,
                    title=meta.get("title"), date=meta.get("date"), author=meta.get("author"),
                    source=meta.get("source"), warnings=list(meta.get("warnings") or []),
                    pages=list(meta.get("pages") or [0]))


def _load_extracted(path: Path, name: str, data: bytes, suffix: str) -> Document:
    """A PDF or Word file: its extracted text (what the index stores and quotes), pages and metadata."""
    from .docxtext import read_docx
    from .pdftext import read_pdf

    check_type(data, suffix, name)
    try:
        ex = read_pdf(data, name) if suffix == ".pdf" else read_docx(data, name)
    except ValueError as exc:
        raise IngestError(str(exc)) from exc
    if not ex.text.strip():
        detail = " ".join(ex.warnings) or f"{name}: no text"
        raise IngestError(f"{detail}; skipped")
    blocks = _extracted_blocks(ex.text, ex.pages, suffix)
    meta = classify(blocks, title_hint=ex.title)
    doc = Document(doc_id=name, path=path.resolve(), text=ex.text, sha256=file_sha256(data), blocks=blocks,
                   title=meta.title or ex.title or _title_from_name(path), date=meta.date or ex.date,
                   author=meta.author or ex.author, source=meta.source, warnings=list(ex.warnings),
                   pages=list(ex.pages))
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
