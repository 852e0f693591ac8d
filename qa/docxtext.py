"""Word (.docx) → text with page starts, with ``python-docx``.

Paragraphs (and table cells, row by row) in document order, one per line; a page starts after an
explicit page break or where Word last rendered one (``w:lastRenderedPageBreak``), so page numbers
follow the document as it was last laid out. Title, author and date come from the document's
properties; the first Title or Heading paragraph stands in for a missing title.
"""
from __future__ import annotations

import io

from .pdftext import Extracted

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraph_text(p) -> tuple[str, int]:
    """The paragraph's text and the number of page breaks inside it (before its text continues)."""
    parts, breaks = [], 0
    for node in p._p.iter():
        tag = node.tag
        if tag == f"{W}t":
            parts.append(node.text or "")
        elif tag == f"{W}tab":
            parts.append("\t")
        elif tag == f"{W}br":
            if node.get(f"{W}type") == "page":
                breaks += 1
            else:
                parts.append("\n")
        elif tag == f"{W}lastRenderedPageBreak" and parts:
            breaks += 1
    return "".join(parts), breaks


def read_docx(data: bytes, name: str) -> Extracted:
    """Extract a .docx file's text (raises ValueError with a message for damaged or encrypted files)."""
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ValueError(f"{name}: the Word file cannot be read ({exc}); it may be damaged, encrypted or not "
                         "a .docx (old .doc files must be saved as .docx)") from exc
    except Exception as exc:  # lxml and docx raise various errors on damaged parts
        raise ValueError(f"{name}: the Word file cannot be read ({type(exc).__name__}: {exc})") from exc
    lines: list[str] = []
    pages = [0]
    pos = 0
    first_heading = None
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == f"{W}p":
            paras = [docx.text.paragraph.Paragraph(child, document)]
        elif child.tag == f"{W}tbl":
            paras = [docx.text.paragraph.Paragraph(p, document) for p in child.iter(f"{W}p")]
        else:
            continue
        for p in paras:
            text, breaks = _paragraph_text(p)
            text = text.replace("\r", "")
            if breaks:
                pages.extend([pos] * breaks)
            style = (p.style.name if p.style is not None else "") or ""
            if first_heading is None and text.strip() and (style == "Title" or style.startswith("Heading")):
                first_heading = text.strip()
            lines.append(text)
            pos += len(text) + 1
    text = "\n".join(lines)
    pages = sorted(set(min(p, max(len(text) - 1, 0)) for p in pages))
    props = document.core_properties
    date = None
    for d in (props.created, props.modified):
        if d is not None:
            date = d.date().isoformat()
            break
    out = Extracted(text=text, pages=pages, title=(props.title or "").strip() or first_heading,
                    author=(props.author or "").strip() or None, date=date)
    if not text.strip():
        out.warnings.append(f"{name}: the Word file has no text")
    return out
