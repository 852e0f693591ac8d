"""The web chat: reply formatting, escaping, the source viewer, uploads and the gr.Blocks UI.

Everything a document contributes to the page (quotes, titles, file names, whole
articles) goes through :func:`md_text` (for Markdown in the chat) or
:func:`html.escape` (for HTML panels), so an article containing ``<script>``,
``<img onerror=...>`` or a Markdown image shows as text and loads nothing.

Gradio is imported only inside :func:`build_ui`, so the formatting helpers are
cheap to import and test.
"""
from __future__ import annotations

import html
import json
import logging
import re
import threading
import weakref
from pathlib import Path

log = logging.getLogger(__name__)

TITLE = "News QA \u2014 cited answers from your articles"
#: Generic example questions (they fit any corpus of news about agreements; no engine logic depends on them).
EXAMPLES = [
    "Who signed the agreement?",
    "When was the cooperation agreement signed?",
    "Where was the agreement signed?",
    "What will the two parties cooperate on?",
]
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".pdf", ".docx")
#: Markdown / KaTeX punctuation that is backslash-escaped in chat text.
_MD_SPECIAL = set("\\`*_{}[]()#+-.!|~:$=^")
_HTML_SPECIAL = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;"}
_WS = re.compile(r"\s+")
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# -- escaping ------------------------------------------------------------------------------
def md_text(text: str | None) -> str:
    """Text that Markdown (and the HTML it produces) shows literally: HTML-escaped and Markdown-escaped."""
    out = []
    for ch in str(text or ""):
        if ch in _HTML_SPECIAL:
            out.append(_HTML_SPECIAL[ch])
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def one_line(text: str | None) -> str:
    """Collapse all whitespace (newlines included) to single spaces."""
    return _WS.sub(" ", str(text or "")).strip()


def esc(text) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


# -- chat replies ----------------------------------------------------------------------------
def _quote_md(c: dict) -> str:
    """One quote as Markdown text, the short answer in <strong>, whitespace collapsed."""
    quote, start = c.get("quote") or "", int(c.get("start") or 0)
    spans = c.get("answer_spans") or ([[c["answer_start"], c["answer_end"]]]
                                      if c.get("answer_start") is not None and c.get("answer_end") is not None else [])
    marks = sorted((max(0, s - start), min(len(quote), e - start)) for s, e in spans if e - start > 0 and s - start < len(quote))
    parts, pos = [], 0
    for s, e in marks:
        if s < pos or e <= s:
            continue
        parts.append(md_text(_WS.sub(" ", quote[pos:s])))
        parts.append("<strong>" + md_text(_WS.sub(" ", quote[s:e])) + "</strong>")
        pos = e
    parts.append(md_text(_WS.sub(" ", quote[pos:])))
    return "".join(parts).strip()


def source_line(c: dict) -> str:
    """``[n] title · date · file`` (escaped Markdown)."""
    bits = [f"**{md_text(one_line(c.get('title')) or c.get('doc'))}**"]
    if c.get("date"):
        bits.append(md_text(c["date"]))
    bits.append(f"file {md_text(c.get('doc'))}")
    return f"\\[{int(c['n'])}\\] " + " \u00b7 ".join(bits)


def format_reply(ans: dict) -> str:
    """The chat reply for ``Answer.to_dict()``: short answer, quotes as blockquotes with [n], then sources."""
    lines: list[str] = []
    resolved = ans.get("resolved_question")
    if ans.get("abstained"):
        lines.append("**Not found.** The documents do not contain the answer to this question.")
        why = one_line(ans.get("message"))
        if why:
            lines.append("")
            lines.append(f"<small>{md_text(why)}</small>")
        if resolved:
            lines += ["", f"<small>Searched as: {md_text(one_line(resolved))}</small>"]
        return "\n".join(lines)
    if ans.get("answer"):
        lines += [f"**Answer:** {md_text(one_line(ans['answer']))}", ""]
    for c in ans.get("citations", []):  # [n] opens the citation in the source panel (CITE_LINKS_JS)
        lines += [f"> {_quote_md(c)} [\\[{int(c['n'])}\\]](#qa-cite-{int(c['n'])})", ""]
    if ans.get("citations"):
        lines.append("**Sources**")
        lines.append("")
        for c in ans["citations"]:
            lines += [source_line(c), ""]
    if resolved:
        lines.append(f"<small>Follow-up searched as: {md_text(one_line(resolved))}</small>")
    return "\n".join(lines).rstrip()


def _plain(text) -> str:
    """Text for the Markdown export: one line, HTML escaped (a viewer shows it as text, never runs it)."""
    import html

    return html.escape(_WS.sub(" ", str(text or "")).strip(), quote=False)


def answer_markdown(ans: dict) -> str:
    """An answer as a Markdown document to copy or save: question, answer, numbered quotes, sources
    (file, title, date, page, characters). Text from the documents has its HTML escaped."""
    lines = [f"# {_plain(one_line(ans.get('question')))}", ""]
    if ans.get("abstained"):
        lines += ["**Not found in the documents.**", ""]
        if ans.get("message"):
            lines += [_plain(one_line(ans["message"])), ""]
        return "\n".join(lines).rstrip() + "\n"
    if ans.get("answer"):
        lines += [f"**Answer:** {_plain(one_line(ans['answer']))}", ""]
    cites = ans.get("citations") or []
    if cites:
        lines += ["## Quotes", ""]
        for c in cites:
            lines += [f"> {_plain(c.get('quote'))} [{int(c['n'])}]", ""]
        lines += ["## Sources", ""]
        for c in cites:
            where = "of the file" if c.get("offsets_in", "file") == "file" else "of the text extracted from the file"
            bits = [f"file {_plain(c.get('doc'))}"]
            if c.get("title"):
                bits.append(_plain(one_line(c["title"])))
            if c.get("date"):
                bits.append(_plain(c["date"]))
            if c.get("page"):
                bits.append(f"page {int(c['page'])}")
            bits.append(f"characters {int(c['start'])}\u2013{int(c['end'])} {where}")
            lines += [f"{int(c['n'])}. " + " \u00b7 ".join(bits)]
        lines.append("")
    if ans.get("resolved_question"):
        lines += [f"Follow-up searched as: {_plain(one_line(ans['resolved_question']))}", ""]
    return "\n".join(lines).rstrip() + "\n"


def signings_csv(rows: list[list]) -> str:
    """The Signings table's rows (as shown, filter applied) as CSV text with its header."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(SIGNING_COLUMNS)
    for r in rows:
        # a cell that a spreadsheet would run as a formula is quoted as text
        w.writerow([("'" + str(v)) if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in r])
    return buf.getvalue()


def citation_choices(ans: dict | None) -> list[tuple[str, str]]:
    """(label, value) pairs for the citation picker."""
    out = []
    for c in (ans or {}).get("citations", []):
        title = one_line(c.get("title")) or c.get("doc")
        if len(title) > 70:
            title = title[:67] + "..."
        out.append((f"[{c['n']}] {title} ({c.get('doc')})", str(c["n"])))
    return out


# -- source viewer -----------------------------------------------------------------------------
def highlight_blocks(blocks, start: int, end: int, extra: list[tuple[int, int]] = ()) -> tuple[str, bool]:
    """The cleaned article as escaped HTML paragraphs, clean characters whose raw span lies in
    ``[start, end)`` wrapped in ``<mark>`` (and ``extra`` raw spans, e.g. the short answer, in ``<strong>``).

    Returns (html, whether anything was marked).
    """
    paras, found = [], False
    for b in blocks:
        text = b.text
        flags = []
        for i in range(len(text)):
            rs, re_ = b.raw_start(i), b.raw_end(i + 1)
            inq = start <= rs < end and re_ <= end
            ina = any(rs >= s and re_ <= e for s, e in extra) if inq else False
            flags.append((inq, ina))
        if any(f[0] for f in flags):
            found = True
        out, i = [], 0
        while i < len(text):  # runs of quote / not quote; inside a run, the answer in <strong>
            j = i
            while j < len(text) and flags[j][0] == flags[i][0]:
                j += 1
            inner, a = [], i
            while a < j:
                z = a
                while z < j and flags[z][1] == flags[a][1]:
                    z += 1
                piece = esc(text[a:z])
                inner.append(f"<strong>{piece}</strong>" if flags[a][1] else piece)
                a = z
            out.append(f"<mark>{''.join(inner)}</mark>" if flags[i][0] else "".join(inner))
            i = j
        tag = "h3" if getattr(b, "kind", "body") == "title" else "p"
        paras.append(f"<{tag}>{''.join(out)}</{tag}>")
    return "\n".join(paras), found


def pdf_page_html(doc, start: int, end: int) -> str:
    """For a PDF: the quote's page rendered, with a box over each of the quote's characters (where
    PDFium places them), above the page's text. "" when the page cannot be shown."""
    import base64

    from .pdftext import page_view

    try:
        v = page_view(doc.path, doc.text, doc.pages, int(start), int(end), scale=1.5)
    except Exception as exc:  # moved, damaged or changed since: the text view below still shows the quote
        log.warning("cannot render the page of %s: %s", doc.doc_id, exc)
        return ""
    # positions in % of the page, so the page can take the panel's width
    W, H = float(v.width), float(v.height)
    boxes = "".join(f"<div class='qa-pdf-box' data-offset='{k}' style='left:{100 * x / W:.4f}%;top:{100 * y / H:.4f}%;"
                    f"width:{100 * w / W:.4f}%;height:{100 * h / H:.4f}%'></div>" for k, x, y, w, h in v.boxes)
    note = (f"Page {v.page}: the boxes are the quote's characters where the PDF prints them." if v.boxes else
            f"Page {v.page}" + ("" if v.exact else " (read by OCR: its characters have no boxes)") + ".")
    img = base64.b64encode(v.png).decode("ascii")
    return (f"<div class='qa-pdf-note'>{esc(note)}</div><div class='qa-pdf-page' data-page='{v.page}' "
            f"style='position:relative'>"
            f"<img src='data:image/png;base64,{img}' alt='page {v.page}' style='width:100%;height:auto'>"
            f"{boxes}</div>")


def source_html(doc, start: int, end: int, n: int | None = None, title: str | None = None, date: str | None = None,
                answer_spans: list | None = None) -> str:
    """The source panel: header (citation, title, date, file) and the whole cleaned article with the quote marked."""
    extra = [(int(s), int(e)) for s, e in (answer_spans or [])]
    body, found = highlight_blocks(doc.content_blocks, start, end, extra)
    if not found:  # the quote is outside the cleaned text: show the raw file with the exact slice marked
        t = doc.text
        body = (f"<pre class='qa-raw'>{esc(t[:start])}<mark>{esc(t[start:end])}</mark>{esc(t[end:])}</pre>")
    head = []
    if n is not None:
        head.append(f"<span class='qa-cite-n'>[{int(n)}]</span>")
    head.append(f"<b>{esc(one_line(title or doc.title) or doc.doc_id)}</b>")
    if date or doc.date:
        head.append(esc(date or doc.date))
    page_html = ""
    if getattr(doc, "pages", None):
        from .pdftext import page_of

        head.append(f"page {page_of(doc.pages, int(start))}")
        if Path(doc.path).suffix.lower() == ".pdf":
            page_html = pdf_page_html(doc, start, end)
    head.append(f"file <code>{esc(doc.doc_id)}</code>, characters {int(start)}\u2013{int(end)}"
                + (" of the text extracted from it" if getattr(doc, "pages", None) else ""))
    sep = " \u00b7 "
    return (f"<div class='qa-source'><div class='qa-source-head'>{sep.join(head)}</div>{page_html}"
            f"<div class='qa-article'>{body}</div></div>")


EMPTY_SOURCE = "<div class='qa-source qa-empty'>Choose a citation to see it in its article.</div>"


def _message_html(text: str) -> str:
    return f"<div class='qa-source qa-empty'>{esc(text)}</div>"


# -- uploads ------------------------------------------------------------------------------------------
def safe_upload_name(name: str) -> str | None:
    """A file name safe to create in the docs folder (no folders, no hidden files), or None."""
    base = Path(str(name).replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    stem = SAFE_NAME.sub("_", stem).strip("._-")[:100]
    if not stem or suffix not in UPLOAD_SUFFIXES:
        return None
    return stem + suffix


def save_uploads(files: list, docs_dir: Path, max_bytes: int) -> tuple[list[Path], list[str]]:
    """Check and copy uploaded files into ``docs_dir``; returns (saved paths, rejection messages)."""
    from .config import EXTRACTED_SUFFIXES
    from .documents import IngestError, check_type, looks_binary

    docs_dir = Path(docs_dir).resolve()
    saved, rejected = [], []
    for f in files or []:
        if isinstance(f, (str, Path)):
            src = Path(f)
        else:  # a gradio FileData / tempfile wrapper
            src = Path(getattr(f, "path", None) or getattr(f, "name", None) or str(f))
        orig = getattr(f, "orig_name", None) or src.name
        shown = one_line(Path(str(orig).replace("\\", "/")).name) or "file"
        suffix = Path(shown).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            rejected.append(f"{shown}: rejected, only {', '.join(UPLOAD_SUFFIXES)} files can be added "
                            f"(this is '{suffix or 'no extension'}').")
            continue
        name = safe_upload_name(shown)
        try:
            size = src.stat().st_size
            data = src.read_bytes() if size <= max_bytes else b""
        except OSError as exc:
            rejected.append(f"{shown}: rejected, the upload could not be read ({exc.strerror or exc}).")
            continue
        if size > max_bytes:
            rejected.append(f"{shown}: rejected, too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB).")
            continue
        if not data.strip():
            rejected.append(f"{shown}: rejected, the file is empty.")
            continue
        if suffix in EXTRACTED_SUFFIXES:  # the real type, from the content
            try:
                check_type(data, suffix, shown)
            except IngestError as exc:
                rejected.append(f"{shown}: rejected, {str(exc).split(': ', 1)[-1].replace('; skipped', '')}.")
                continue
        elif looks_binary(data):
            rejected.append(f"{shown}: rejected, it looks like a binary file, not text.")
            continue
        if name is None:
            rejected.append(f"{shown}: rejected, the file name has no usable letters or digits.")
            continue
        dest = (docs_dir / name).resolve()
        if dest.parent != docs_dir:
            rejected.append(f"{shown}: rejected, unsafe file name.")
            continue
        tmp = dest.with_name(f".{dest.name}.uploading")
        tmp.write_bytes(data)
        tmp.replace(dest)
        saved.append(dest)
    return saved, rejected


def document_notes(meta: dict) -> str:
    """What the Documents tab says about a document beyond its title: pages, and what indexing noticed
    (pages without text, pages read by OCR, a decoding fallback)."""
    notes = []
    if meta.get("pages"):
        notes.append(f"{len(meta['pages'])} page(s)")
    for w in meta.get("warnings") or []:
        notes.append(one_line(str(w).split(": ", 1)[-1]))
    return "; ".join(notes)


def document_rows(engine) -> list[list]:
    return [[one_line(d.get("title")), d.get("date") or "", d["doc"], int(d.get("passages") or 0), document_notes(d)]
            for d in engine.documents()]


# -- signings -----------------------------------------------------------------------------------------
SIGNING_COLUMNS = ["#", "Date", "Agreement", "Parties", "Signatories", "Place", "File"]
#: Fixed widths, so long party and signatory lists wrap inside the page instead of widening the table.
SIGNING_WIDTHS = ["5%", "9%", "18%", "20%", "26%", "11%", "11%"]


def _signatory(s: dict) -> str:
    extra = ", ".join(x for x in (s.get("title"), s.get("organization")) if x)
    return f"{s.get('name') or '?'}" + (f" ({extra})" if extra else "")


def signing_rows(events: list[dict], query: str = "") -> list[list]:
    """Table rows for signing events, filtered by a person or organization (case-insensitive substring)."""
    q = one_line(query).lower()
    rows = []
    for i, e in enumerate(events):
        people = [s.get("name") or "" for s in e.get("signatories") or []]
        orgs = list(e.get("parties") or []) + [s.get("organization") or "" for s in e.get("signatories") or []]
        hay = " | ".join(people + orgs + [s.get("title") or "" for s in e.get("signatories") or []]).lower()
        if q and q not in hay:
            continue
        rows.append([i + 1, e.get("date") or "", one_line(e.get("agreement")), "; ".join(e.get("parties") or []),
                     "; ".join(_signatory(s) for s in e.get("signatories") or []), e.get("place") or "", e.get("doc")])
    return rows


# -- the app ------------------------------------------------------------------------------------------
CSS = """
.qa-source { max-height: 560px; overflow-y: auto; padding: 8px 12px; border: 1px solid var(--border-color-primary);
  border-radius: 8px; line-height: 1.5; }
.qa-source-head { font-size: 0.9em; margin: -8px 0 8px 0; border-bottom: 1px solid var(--border-color-primary);
  padding: 8px 0 6px 0; position: sticky; top: -8px; z-index: 1; background: var(--block-background-fill); }
.qa-source mark { background: #ffe066; color: #000; padding: 0 1px; }
.qa-pdf-page { border: 1px solid var(--border-color-primary); margin: 0 0 10px 0; max-width: none; }
.qa-pdf-page img { display: block; }
.qa-pdf-box { position: absolute; background: rgba(255, 208, 0, 0.45); outline: 1px solid rgba(200, 120, 0, 0.8); }
.qa-pdf-note { font-size: 0.85em; margin: 0 0 4px 0; }
.qa-source h3 { margin: 4px 0 8px 0; }
.qa-source p { margin: 0 0 10px 0; }
.qa-raw { white-space: pre-wrap; font-family: inherit; }
.qa-empty { color: var(--body-text-color-subdued); }
"""

SCROLL_JS = """() => { setTimeout(() => { for (const panel of document.querySelectorAll('.qa-source')) {
  const m = panel.querySelector('.qa-pdf-box') || panel.querySelector('mark');
  if (m && m.offsetParent !== null) { m.scrollIntoView({block: 'center', behavior: 'instant'}); } } }, 50); }"""


#: Makes the [n] markers of the latest reply open that citation in the source panel (they are links to
#: ``#qa-cite-n``; a click picks the citation's entry in the picker, which shows it). Markers of older
#: replies stay plain: the panel and the picker hold the latest answer's citations.
CITE_LINKS_JS = """() => { if (window.__qaCiteLinks) { return; } window.__qaCiteLinks = true;
  document.addEventListener('click', (e) => {
    const a = e.target && e.target.closest ? e.target.closest('a[href^="#qa-cite-"]') : null;
    if (!a) { return; }
    e.preventDefault(); e.stopPropagation();
    const replies = document.querySelectorAll('#qa-chat .message-content');
    if (!replies.length || a.closest('.message-content') !== replies[replies.length - 1]) { return; }
    const n = a.getAttribute('href').slice('#qa-cite-'.length);
    const label = [...document.querySelectorAll('#qa-cites label')].find(
      (l) => l.innerText.trim().startsWith('[' + n + ']'));
    if (label) { label.click(); }
  }, true); }"""


def parse_history(history) -> list[str]:
    """The /ask history argument: a list of earlier questions, or a JSON list as a string, or one question."""
    if history is None:
        return []
    if isinstance(history, str):
        s = history.strip()
        if not s:
            return []
        if s.startswith("["):
            try:
                history = json.loads(s)
            except json.JSONDecodeError as exc:
                from .answer import QuestionError

                raise QuestionError(f"history is not a valid JSON list of questions ({exc.msg}).") from exc
        else:
            return [s]
    if not isinstance(history, (list, tuple)):
        from .answer import QuestionError

        raise QuestionError("history must be a list of earlier questions (oldest first).")
    out = []
    for h in history:
        if isinstance(h, dict):  # tolerate chat messages {"role": "user", "content": ...}
            if h.get("role") != "user":
                continue
            h = h.get("content")
        if isinstance(h, str) and h.strip():
            out.append(h)
    return out


def ask_json(engine, question: str, history=None, k: int = 3, docs=None, date_from=None, date_to=None) -> dict:
    """What ``python -m qa ask --json`` prints: ``Answer.to_dict()``, or ``{"error": message}``
    (``docs``, ``date_from``, ``date_to``: the filters, see :mod:`qa.filters`)."""
    from .answer import QuestionError
    from .filters import make_filter
    from .store import IndexError_

    try:
        filters = make_filter(docs or None, date_from, date_to, known=engine.data.doc_ids if docs else None)
        return engine.ask_within(question, history=parse_history(history),
                                 k=3 if k is None or k == "" else k, filters=filters).to_dict()
    except (QuestionError, IndexError_) as exc:
        return {"error": str(exc)}


def build_ui(engine, examples: list[str] | None = None):
    """The gr.Blocks app for ``engine`` (the caller launches it)."""
    import gradio as gr

    from .answer import QuestionError
    from .store import IndexError_

    docs_dir = Path(engine.config.docs_dir)
    max_bytes = int(engine.config.max_file_bytes)
    index_lock = threading.Lock()
    signing_cache: dict = {"data": None, "events": []}
    import tempfile

    export_dir = Path(tempfile.mkdtemp(prefix="qa-exports-"))  # under the temp folder Gradio serves files from
    signing_lock = threading.Lock()

    def doc_source(doc_id, start, end, **kw) -> str:
        try:
            doc = engine.document(doc_id)
        except Exception as exc:  # deleted or unreadable since it was cited
            return _message_html(f"{doc_id}: cannot show this document ({exc}).")
        return source_html(doc, int(start), int(end), **kw)

    def cite_source(ans: dict | None, n) -> str:
        for c in (ans or {}).get("citations", []):
            if str(c["n"]) == str(n):
                return doc_source(c["doc"], c["start"], c["end"], n=c["n"], title=c.get("title"), date=c.get("date"),
                                  answer_spans=c.get("answer_spans"))
        return EMPTY_SOURCE

    # -- chat callbacks
    def respond(message, chat, questions, f_docs=None, f_from="", f_to=""):
        from .filters import make_filter

        chat = list(chat or [])
        questions = list(questions or [])
        text = message if isinstance(message, str) else ""
        chat.append({"role": "user", "content": md_text(one_line(text)) or "(empty)"})
        try:
            filters = make_filter(list(f_docs or []) or None, f_from, f_to,
                                  known=engine.data.doc_ids if f_docs else None)
            ans = engine.ask_within(text, history=questions, filters=filters).to_dict()
        except (QuestionError, IndexError_) as exc:
            chat.append({"role": "assistant", "content": "\u26a0\ufe0f " + md_text(str(exc))})
            return (chat, message, {"error": str(exc)}, gr.update(choices=[], value=None), EMPTY_SOURCE, None,
                    questions, "", gr.update(value=None, interactive=False))
        questions.append(text)
        chat.append({"role": "assistant", "content": format_reply(ans)})
        choices = citation_choices(ans)
        first = choices[0][1] if choices else None
        panel = cite_source(ans, first) if first else _message_html("No citation for this reply.")
        md = answer_markdown(ans)
        return (chat, "", ans, gr.update(choices=choices, value=first), panel, ans, questions, md,
                gr.update(value=export_file(f"answer-{len(questions)}.md", md), interactive=True))

    def export_file(name: str, text: str) -> str:
        """Write an export (answer Markdown, signings CSV) where the app serves downloads from."""
        path = export_dir / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def clear():
        return ([], "", None, gr.update(choices=[], value=None), EMPTY_SOURCE, None, [], "",
                gr.update(value=None, interactive=False))

    def api_ask(question: str, history: list[str] | str | None = None, k: int = 3,
                docs: list[str] | str | None = None, date_from: str | None = None, date_to: str | None = None) -> dict:
        """Answer a question from the documents with exact, cited quotes.

        Args:
            question: the question.
            history: earlier user questions of the conversation, oldest first (a list, or a JSON list as a string); [] for none.
            k: how many quotes to return (default 3).
            docs: only these documents (names as the index lists them; a list or a comma-separated string); none: all.
            date_from: only documents dated on or after this day (YYYY-MM-DD, YYYY-MM or YYYY).
            date_to: only documents dated on or before this day.
        Returns:
            The same JSON object as `python -m qa ask --json`, or {"error": message} for an empty or too long question.
        """
        return ask_json(engine, question, history, k, docs, date_from, date_to)

    # -- documents callbacks
    def doc_choices():
        return [d["doc"] for d in engine.documents()]

    def reindex(progress) -> str:
        def on_progress(done, total):
            progress(done / max(total, 1), desc=f"Embedding passages {done}/{total}")

        progress(0, desc="Updating the index")
        with index_lock:
            report = engine.index(progress=False, on_progress=on_progress)
        parts = []
        for label, items in (("Added", report.added), ("Updated", report.updated), ("Removed", report.removed)):
            if items:
                parts.append(f"{label}: {', '.join(items)}.")
        for name, reason in report.skipped:
            parts.append(f"Skipped {reason}")
        parts.append(f"The index holds {len(engine.documents())} documents ({report.passages} passages).")
        return " ".join(parts)

    def upload(files, progress=gr.Progress()):
        files = files if isinstance(files, list) else ([files] if files else [])
        if engine.config.read_only:
            msg = ("This app serves the index read-only: add documents where the index is written "
                   "(python -m qa index there); they appear here by themselves.")
        elif not files:
            msg = "Choose one or more .txt, .md, .html, .pdf or .docx files first."
        else:
            saved, rejected = save_uploads(files, docs_dir, max_bytes)
            msg = " ".join(rejected)
            if saved:
                msg = (msg + " " if msg else "") + reindex(progress)
        return (f"<div class='qa-status'>{esc(msg)}</div>", document_rows(engine),
                gr.update(choices=doc_choices(), value=None), None, header_html())

    def remove(doc_id, progress=gr.Progress()):
        known = {d["doc"]: d for d in engine.documents()}
        if engine.config.read_only:
            msg = "This app serves the index read-only: remove documents where the index is written."
        elif not doc_id or doc_id not in known:
            msg = "Choose a document to remove."
        else:
            path = Path(known[doc_id].get("path") or docs_dir / doc_id).resolve()
            if docs_dir.resolve() not in path.parents:
                msg = f"{doc_id} is not in {docs_dir}; not removed."
            else:
                try:
                    path.unlink()
                    msg = f"Deleted {doc_id}. " + reindex(progress)
                except OSError as exc:
                    msg = f"{doc_id}: could not delete ({exc.strerror or exc})."
        return (f"<div class='qa-status'>{esc(msg)}</div>", document_rows(engine),
                gr.update(choices=doc_choices(), value=None), header_html())

    def refresh_docs():
        return document_rows(engine), gr.update(choices=doc_choices()), header_html(), gr.update(choices=doc_choices())

    # -- signings callbacks
    def signing_events() -> tuple[list[dict], str]:
        try:
            from .signings import signings_for_engine
        except ImportError as exc:
            return [], f"Signing extraction is not available ({exc})."
        try:
            data = engine.data  # the loaded index version; a new object after every (re)index
            with signing_lock:
                # a weak reference to the object itself (not a reusable id()), so an old index is not kept alive
                if signing_cache["data"] is None or signing_cache["data"]() is not data:
                    signing_cache["events"] = [e.to_dict() for e in signings_for_engine(engine)]
                    signing_cache["data"] = weakref.ref(data)
                return signing_cache["events"], ""
        except Exception as exc:  # no index yet, or an unreadable one: say so in the tab
            log.exception("signing extraction failed")
            return [], f"Signings are not available: {exc}"

    def show_signings(query):
        events, err = signing_events()
        rows = signing_rows(events, query or "")
        q = one_line(query)
        note = err or f"{len(rows)} of {len(events)} signing events" + (f" match '{q}'" if q else "") + "."
        csv_file = export_file("signings.csv", signings_csv(rows)) if rows else None
        return (rows, f"<div class='qa-status'>{esc(note)}</div>",
                gr.update(value=csv_file, interactive=csv_file is not None))

    def pick_signing(evt: gr.SelectData):
        row = getattr(evt, "row_value", None) or []
        events, _ = signing_events()
        try:  # the "#" column, not the row position: the table may be filtered or sorted
            e = events[int(row[0]) - 1]
        except (ValueError, TypeError, IndexError):
            return EMPTY_SOURCE
        if len(row) >= len(SIGNING_COLUMNS) and row[-1] != e.get("doc"):  # re-indexed since the table was shown
            return _message_html("The documents changed since this table was shown; press Refresh.")
        if e.get("start") is None or e.get("end") is None:
            return _message_html("This signing has no source quote.")
        return doc_source(e["doc"], e["start"], e["end"], date=e.get("date"))

    pick_signing.__annotations__["evt"] = gr.SelectData  # real class: this module uses postponed annotations

    def header_html() -> str:  # refreshed with the documents table, so the count follows uploads and removals
        return (f"<h1 style='margin:0'>{esc(TITLE)}</h1>"
                f"<p class='qa-desc'>Answers questions only from the articles in <code>{esc(docs_dir)}</code> "
                f"({len(engine.documents())} indexed), with exact quotes you can check in the source. "
                "If the articles do not say, it tells you so.</p>")

    with gr.Blocks(title=TITLE, analytics_enabled=False) as demo:
        header = gr.HTML(header_html(), elem_id="qa-header")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label="Chat", elem_id="qa-chat", height=520, latex_delimiters=[],
                                             feedback_options=None, buttons=["copy"])
                        with gr.Row():
                            box = gr.Textbox(placeholder="Ask a question about the articles\u2026", show_label=False,
                                             scale=5, elem_id="qa-question", max_lines=3, autofocus=True)
                            send = gr.Button("Ask", variant="primary", scale=1, elem_id="qa-ask")
                        clear_btn = gr.Button("Clear chat", elem_id="qa-clear", size="sm")
                        with gr.Accordion("Filters: only some documents or dates", open=False, elem_id="qa-filters"):
                            f_docs = gr.Dropdown(choices=[], value=[], multiselect=True, label="Documents (none: all)",
                                                 elem_id="qa-filter-docs")
                            with gr.Row():
                                f_from = gr.Textbox(label="From date (YYYY-MM-DD)", elem_id="qa-filter-from",
                                                    max_lines=1)
                                f_to = gr.Textbox(label="To date (YYYY-MM-DD)", elem_id="qa-filter-to", max_lines=1)
                        gr.Examples(examples=[[q] for q in (examples or EXAMPLES)], inputs=[box],
                                    label="Example questions")
                    with gr.Column(scale=2):
                        picker = gr.Radio(choices=[], label="Show a citation in its article", elem_id="qa-cites")
                        panel = gr.HTML(EMPTY_SOURCE, elem_id="qa-source-view")
                with gr.Row():
                    export_btn = gr.DownloadButton("Export answer (Markdown)", value=None, interactive=False,
                                                   size="sm", elem_id="qa-export")
                with gr.Accordion("Last answer as Markdown (copy)", open=False):
                    answer_md = gr.Textbox(show_label=False, lines=8, interactive=False, buttons=["copy"],
                                           elem_id="qa-answer-md")
                with gr.Accordion("Last answer as JSON (same as python -m qa ask --json)", open=False):
                    answer_json = gr.JSON(elem_id="qa-json")
            with gr.Tab("Documents", id="documents") as docs_tab:
                gr.Markdown(f"Indexed articles from `{md_text(docs_dir)}`. Add .txt, .md, .html, .pdf or .docx files "
                            f"(at most {max_bytes // (1024 * 1024)} MB each); the index updates at once.")
                docs_table = gr.Dataframe(headers=["Title", "Date", "File", "Passages", "Notes"], value=[],
                                          datatype=["str", "str", "str", "number", "str"], interactive=False,
                                          column_widths=["38%", "10%", "20%", "8%", "24%"], elem_id="qa-docs-table",
                                          wrap=True)
                with gr.Row():
                    files = gr.File(label="Upload articles", file_count="multiple", file_types=list(UPLOAD_SUFFIXES),
                                    type="filepath", elem_id="qa-upload")
                    with gr.Column():
                        add_btn = gr.Button("Add to index", variant="primary", elem_id="qa-add")
                        doc_pick = gr.Dropdown(choices=[], label="Document to remove", value=None,
                                               elem_id="qa-remove-pick")
                        remove_btn = gr.Button("Remove document", variant="stop", elem_id="qa-remove")
                status = gr.HTML("", elem_id="qa-docs-status")
            with gr.Tab("Signings", id="signings") as sign_tab:
                gr.Markdown("Every signing found in the articles. Sort with the \u22ee menu of a column header; "
                            "select a row to see its source quote highlighted in the article.")
                with gr.Row():
                    sign_filter = gr.Textbox(label="Filter by organization or person", scale=4,
                                             elem_id="qa-sign-filter")
                    sign_refresh = gr.Button("Refresh", scale=1)
                    sign_csv = gr.DownloadButton("Export CSV", value=None, interactive=False, scale=1,
                                                 elem_id="qa-sign-csv")
                sign_status = gr.HTML("", elem_id="qa-sign-status")
                sign_table = gr.Dataframe(headers=SIGNING_COLUMNS, interactive=False, wrap=True,
                                          datatype=["number", "str", "str", "str", "str", "str", "str"],
                                          column_widths=SIGNING_WIDTHS, elem_id="qa-sign-table")
                sign_panel = gr.HTML(EMPTY_SOURCE.replace("a citation", "a signing"), elem_id="qa-sign-source")

        state_ans = gr.State(None)
        state_q = gr.State([])
        outs = [chatbot, box, answer_json, picker, panel, state_ans, state_q, answer_md, export_btn]
        for ev in (box.submit, send.click):
            ev(respond, [box, chatbot, state_q, f_docs, f_from, f_to], outs, api_visibility="private").then(
                None, None, None, js=SCROLL_JS)
        clear_btn.click(clear, None, outs, api_visibility="private")
        picker.input(cite_source, [state_ans, picker], panel, api_visibility="private").then(
            None, None, None, js=SCROLL_JS)
        gr.api(api_ask, api_name="ask")

        # document data is loaded after the page, never embedded in the page's inline config script
        demo.load(refresh_docs, None, [docs_table, doc_pick, header, f_docs], api_visibility="private")
        demo.load(None, None, None, js=CITE_LINKS_JS)
        docs_tab.select(refresh_docs, None, [docs_table, doc_pick, header, f_docs], api_visibility="private")
        add_btn.click(upload, [files], [status, docs_table, doc_pick, files, header], api_visibility="private")
        remove_btn.click(remove, [doc_pick], [status, docs_table, doc_pick, header], api_visibility="private")

        sign_tab.select(show_signings, [sign_filter], [sign_table, sign_status, sign_csv], api_visibility="private")
        sign_refresh.click(show_signings, [sign_filter], [sign_table, sign_status, sign_csv], api_visibility="private")
        sign_filter.submit(show_signings, [sign_filter], [sign_table, sign_status, sign_csv], api_visibility="private")
        # .change, not .input: Gradio's textbox fires "input" only on key presses, so a pasted filter would not apply
        sign_filter.change(show_signings, [sign_filter], [sign_table, sign_status, sign_csv], api_visibility="private",
                           trigger_mode="always_last")
        sign_table.select(pick_signing, None, sign_panel, api_visibility="private").then(
            None, None, None, js=SCROLL_JS)
    demo.qa_css = CSS  # Gradio 6 takes css in launch()
    return demo
