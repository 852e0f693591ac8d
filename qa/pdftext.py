"""PDF → text with page starts, with PDFium (``pypdfium2``), and Tesseract for pages without text.

The text a PDF is indexed and quoted by is what this module extracts: each page's characters in
PDFium's reading order, lines ending in ``\\n``, pages separated by a blank line. The index stores it
(quotes are exact slices of the stored text, not of the file's bytes) with the character offset at
which each page starts, so a citation can say its page.

A page without a text layer (a scan) is read by Tesseract (Debian's ``tesseract-ocr``) when it is
installed, and said in the document's warnings either way: never indexed silently as empty.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: Resolution pages are rendered at for OCR.
OCR_DPI = 300
OCR_TIMEOUT_S = 120


@dataclass
class Extracted:
    """A document's text as extracted, the offset of each page's first character, and metadata."""

    text: str
    pages: list[int]
    title: str | None = None
    author: str | None = None
    date: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: 1-based numbers of the pages read by OCR, and of pages with no text at all.
    ocr_pages: list[int] = field(default_factory=list)
    empty_pages: list[int] = field(default_factory=list)


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def _ocr(page) -> str:
    """Tesseract's text of one rendered page ("" when it finds none)."""
    image = page.render(scale=OCR_DPI / 72).to_pil()
    with tempfile.TemporaryDirectory(prefix="qa-ocr-") as tmp:
        png = Path(tmp) / "page.png"
        image.save(png)
        proc = subprocess.run(["tesseract", str(png), "-", "-l", "eng"], capture_output=True, text=True,
                              timeout=OCR_TIMEOUT_S)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip()[-300:] or f"tesseract exited with {proc.returncode}")
    return proc.stdout


def _pdf_date(raw: str | None) -> str | None:
    """``D:20240726...`` → ``2024-07-26``."""
    if not raw:
        return None
    s = raw[2:] if raw.startswith("D:") else raw
    if len(s) >= 8 and s[:8].isdigit():
        return f"{s[:4]}-{s[4:6]}-{s[6:8]}"
    return None


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").replace("\ufffe", "")


def read_pdf(data: bytes, name: str, ocr: bool | None = None) -> Extracted:
    """Extract a PDF's text page by page (raises ValueError with a message for encrypted or damaged files)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise ValueError(f"{name}: the PDF is encrypted (it needs a password); save an unprotected copy") from exc
        raise ValueError(f"{name}: the PDF cannot be read ({exc}); it may be damaged") from exc
    use_ocr = ocr_available() if ocr is None else ocr
    parts: list[str] = []
    pages: list[int] = []
    out = Extracted(text="", pages=pages)
    pos = 0
    try:
        meta = pdf.get_metadata_dict()
        for i in range(len(pdf)):
            page = pdf[i]
            text = _clean(page.get_textpage().get_text_range()).strip("\n")
            if not text.strip():
                if use_ocr:
                    try:
                        text = _clean(_ocr(page)).strip()
                    except Exception as exc:  # OCR failed on this page: said below as a page without text
                        log.warning("%s: OCR of page %d failed: %s", name, i + 1, exc)
                        text = ""
                    if text.strip():
                        out.ocr_pages.append(i + 1)
                if not text.strip():
                    out.empty_pages.append(i + 1)
                    text = ""
            if parts:
                parts.append("\n\n")
                pos += 2
            pages.append(pos)
            parts.append(text)
            pos += len(text)
    finally:
        pdf.close()
    out.text = "".join(parts)
    out.title = (meta.get("Title") or "").strip() or None
    out.author = (meta.get("Author") or "").strip() or None
    out.date = _pdf_date(meta.get("CreationDate"))
    if out.ocr_pages:
        out.warnings.append(f"{name}: no text layer on page(s) {_pages(out.ocr_pages)}: read by OCR (Tesseract); "
                            "its text may differ from the print")
    if out.empty_pages:
        why = ("OCR found no text" if use_ocr else "OCR is not available: install Debian's tesseract-ocr and index "
               "again")
        out.warnings.append(f"{name}: no text on page(s) {_pages(out.empty_pages)} (a scan without a text layer? "
                            f"{why})")
    return out


def _pages(numbers: list[int]) -> str:
    return ", ".join(str(n) for n in numbers)


def page_of(pages: list[int] | None, offset: int) -> int | None:
    """1-based page number of a character offset, given the offsets at which pages start."""
    if not pages:
        return None
    import bisect

    return max(1, bisect.bisect_right(pages, offset))


@dataclass
class PageView:
    """A PDF page rendered as an image, with the boxes of a quote's characters on it (pixels)."""

    page: int  # 1-based
    png: bytes
    width: int
    height: int
    #: (offset in the stored text, left, top, width, height) of each non-space character of the quote
    boxes: list[tuple[int, float, float, float, float]]
    #: False when the page's text is not the stored text (a page read by OCR, or a file changed since)
    exact: bool


def _clean_map(raw: str) -> tuple[str, list[int]]:
    """:func:`_clean` that also gives, for each character it keeps, its index in ``raw`` (PDFium's
    character index on the page)."""
    out: list[str] = []
    idx: list[int] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\r":
            out.append("\n")
            idx.append(i)
            i += 2 if raw[i + 1 : i + 2] == "\n" else 1
            continue
        if ch not in ("\x00", "\ufffe"):
            out.append(ch)
            idx.append(i)
        i += 1
    return "".join(out), idx


def page_view(path: Path, text: str, pages: list[int], start: int, end: int, scale: float = 1.5) -> PageView:
    """The page holding ``text[start:end]`` (the stored text of a PDF) rendered, with the character
    boxes PDFium gives for the quote's characters on that page."""
    import io

    import pypdfium2 as pdfium

    p = (page_of(pages, start) or 1) - 1
    page_start = pages[p]
    page_end = pages[p + 1] - 2 if p + 1 < len(pages) else len(text)
    pdf = pdfium.PdfDocument(Path(path).read_bytes())
    try:
        page = pdf[p]
        raw = page.get_textpage().get_text_range()
        clean, idx = _clean_map(raw)
        lead = len(clean) - len(clean.lstrip("\n"))
        exact = clean.strip("\n") == text[page_start:page_end]
        boxes = []
        if exact:
            tp = page.get_textpage()
            height = page.get_height()
            for k in range(max(start, page_start), min(end, page_end)):
                if text[k].isspace():
                    continue
                left, bottom, right, top = tp.get_charbox(idx[lead + k - page_start])
                boxes.append((k, left * scale, (height - top) * scale, (right - left) * scale, (top - bottom) * scale))
        image = page.render(scale=scale).to_pil()
        buf = io.BytesIO()
        image.save(buf, "PNG", optimize=True)
        return PageView(page=p + 1, png=buf.getvalue(), width=image.width, height=image.height, boxes=boxes,
                        exact=exact)
    finally:
        pdf.close()
