"""Reply formatting, escaping, the source viewer and upload checks of the web chat (no server)."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from qa.documents import load_document
from qa.webui import (format_reply, highlight_blocks, md_text, parse_history, safe_upload_name, save_uploads,
                      signing_rows, source_html)

PAYLOAD = "<img src=x onerror=alert(1)> <script>alert(2)</script> ![p](http://example.invalid/p.png)"


def _answer(quote: str, doc: str = "a.txt", title: str = "T", answer: str | None = "Ann", start: int = 10) -> dict:
    return {"question": "Who?", "answer": answer, "abstained": False, "message": "", "resolved_question": None,
            "answer_type": "who",
            "citations": [{"n": 1, "doc": doc, "title": title, "date": "2024-07-26", "quote": quote, "start": start,
                           "end": start + len(quote), "score": 1.0, "answer_start": None, "answer_end": None,
                           "answer_spans": None}]}


def _no_raw_markup(text: str) -> None:
    """No HTML tag or Markdown image/link syntax survives except the ones the formatter itself writes."""
    tags = set(re.findall(r"<\s*([a-zA-Z]+)", text))
    assert tags <= {"strong", "small"}, tags
    text = re.sub(r"\[\\\[\d+\\\]\]\(#qa-cite-\d+\)", "", text)  # the [n] links to the citations
    assert "![" not in text and "](" not in text


def test_md_text_escapes_html_and_markdown():
    out = md_text(PAYLOAD + " *bold* _it_ [l](u) `c` $x$ # h")
    _no_raw_markup(out)
    assert "&lt;img src\\=x onerror\\=alert\\(1\\)&gt;" in out
    assert "&lt;script&gt;" in out
    assert "\\*bold\\*" in out and "\\_it\\_" in out and "\\$x\\$" in out


def test_reply_has_answer_quotes_with_numbers_and_sources():
    ans = _answer("Qiu Yong and Wu Lei signed the agreement in Shanghai.")
    ans["citations"].append(dict(ans["citations"][0], n=2, doc="b.md", title="Other", date=None,
                                 quote="The pact was signed on Monday."))
    text = format_reply(ans)
    assert text.startswith("**Answer:** Ann")
    quotes = [line for line in text.splitlines() if line.startswith("> ")]
    assert len(quotes) == 2
    assert quotes[0].endswith("[\\[1\\]](#qa-cite-1)") and quotes[1].endswith("[\\[2\\]](#qa-cite-2)")
    assert "Qiu Yong and Wu Lei signed the agreement in Shanghai\\." in quotes[0]
    sources = text.split("**Sources**")[1]
    assert "\\[1\\] **T** \u00b7 2024\\-07\\-26 \u00b7 file a\\.txt" in sources
    assert "\\[2\\] **Other** \u00b7 file b\\.md" in sources


def test_reply_without_short_answer_starts_with_quotes():
    text = format_reply(_answer("Some quote.", answer=None))
    assert text.startswith("> Some quote\\. [\\[1\\]](#qa-cite-1)")


def test_reply_bolds_the_short_answer_inside_the_quote():
    quote = "The Shanghai government has signed an agreement."
    ans = _answer(quote, start=100)
    ans["citations"][0]["answer_spans"] = [[104, 112]]
    assert "> The <strong>Shanghai</strong> government has signed an agreement\\. [\\[1\\]](#qa-cite-1)" in format_reply(ans)


def test_reply_escapes_document_text_everywhere():
    ans = _answer("He said " + PAYLOAD + " and left.", doc="<b>x</b>.txt", title=PAYLOAD, answer="<script>x</script>")
    text = format_reply(ans)
    _no_raw_markup(text)
    assert "onerror" in text  # shown as text, not dropped


def test_multiline_quote_stays_one_blockquote():
    text = format_reply(_answer("First line\nsecond line\n\n# not a heading"))
    quote_lines = [line for line in text.splitlines() if "First line" in line]
    assert quote_lines == ["> First line second line \\# not a heading [\\[1\\]](#qa-cite-1)"]


def test_abstention_says_plainly_not_found():
    ans = {"question": "Who won?", "answer": None, "abstained": True, "citations": [],
           "message": "The answer was not found in the documents. (<b>low</b> score)", "resolved_question": None}
    text = format_reply(ans)
    assert "The documents do not contain the answer" in text
    assert "> " not in text and "Sources" not in text
    _no_raw_markup(text)


def test_followup_shows_resolved_question():
    ans = _answer("Quote.")
    ans["resolved_question"] = "Who signed the agreement? When?"
    assert "Follow-up searched as: Who signed the agreement? When?" in format_reply(ans).replace("\\", "")


def _txt(tmp_path: Path, name: str, text: str):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return load_document(p)


def test_source_panel_marks_exact_quote_in_cleaned_text(tmp_path):
    text = ("A Headline About a Pact\n\nThe first paragraph says little.\n\n"
            "The pact was signed by Ann Lee in Paris. Then there was lunch.\n")
    doc = _txt(tmp_path, "pact.txt", text)
    quote = "The pact was signed by Ann Lee in Paris."
    start = text.index(quote)
    body, found = highlight_blocks(doc.content_blocks, start, start + len(quote))
    assert found
    assert body.count("<mark>") == 1
    assert f"<mark>{quote}</mark> Then there was lunch." in body
    assert "The first paragraph says little." in body


def test_source_panel_maps_html_offsets_and_escapes(tmp_path):
    src = ("<html><head><title>Pact &amp; Co</title></head><body><h1>Pact &amp; Co</h1>"
           "<p>Intro text that is long enough to be kept as a paragraph of body text here.</p>"
           "<p>The deal was signed by <b>Ann&nbsp;Lee</b> &lt;img src=x onerror=alert(1)&gt; today.</p>"
           "<script>alert(2)</script></body></html>")
    doc = _txt(tmp_path, "pact.html", src)
    start = src.index("The deal")
    end = src.index(" today.</p>")
    page = source_html(doc, start, end, n=2)
    marked = re.findall(r"<mark>(.*?)</mark>", page, re.S)
    assert len(marked) == 1
    assert html.unescape(re.sub(r"<[^>]+>", "", marked[0])).replace("\xa0", " ") == \
        "The deal was signed by Ann Lee <img src=x onerror=alert(1)>"
    assert "<img" not in page and "<script" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "[2]" in page and "pact.html" in page


def test_source_panel_answer_in_strong_inside_mark(tmp_path):
    text = "Title of the story here\n\nThe pact was signed by Ann Lee in Paris.\n"
    doc = _txt(tmp_path, "s.txt", text)
    q = "The pact was signed by Ann Lee in Paris."
    s = text.index(q)
    a = text.index("Ann Lee")
    body, _ = highlight_blocks(doc.content_blocks, s, s + len(q), [(a, a + 7)])
    assert "<mark>The pact was signed by <strong>Ann Lee</strong> in Paris.</mark>" in body


def test_source_panel_falls_back_to_raw_text(tmp_path):
    text = "Title of the story here\n\nBody paragraph with words.\n"
    doc = _txt(tmp_path, "s.txt", text)
    page = source_html(doc, 0, 0 + len("Title"), n=1)  # a span of the title line is still marked
    assert "<mark>" in page


@pytest.mark.parametrize("name,expected", [
    ("report.txt", "report.txt"),
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\win\\evil.md", "evil.md"),
    ("my file (1).HTML", "my_file_1.html"),
    (".hidden.txt", "hidden.txt"),
    ("<script>.txt", "script.txt"),
    ("notes.exe", None),
    ("noext", None),
    ("....txt", None),
])
def test_safe_upload_name(name, expected):
    assert safe_upload_name(name) == expected


class _Upload:
    """What gradio hands over for an uploaded file: a temp path and the user's file name."""

    def __init__(self, path: Path, orig_name: str):
        self.name = str(path)
        self.orig_name = orig_name


def test_save_uploads_checks_type_size_content_and_names(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    up = tmp_path / "up"
    up.mkdir()

    def mk(fname, data: bytes):
        p = up / fname
        p.write_bytes(data)
        return p

    files = [
        _Upload(mk("a.txt", b"A good article about a pact signed in Paris."), "../../a.txt"),
        _Upload(mk("b.rtf", b"{\\rtf1 ...}"), "b.rtf"),
        _Upload(mk("g.pdf", b"Plain text named like a PDF."), "g.pdf"),
        _Upload(mk("c.txt", b"x" * 2000), "c.txt"),
        _Upload(mk("d.txt", b"\x00\x01binary"), "d.txt"),
        _Upload(mk("e.md", b"   \n"), "e.md"),
        mk("f.html", b"<p>Plain path upload.</p>"),
    ]
    saved, rejected = save_uploads(files, docs, max_bytes=1000)
    assert sorted(p.name for p in saved) == ["a.txt", "f.html"]
    assert all(p.parent == docs.resolve() for p in saved)
    assert (docs / "a.txt").read_bytes() == b"A good article about a pact signed in Paris."
    assert sorted(p.name for p in docs.iterdir()) == ["a.txt", "f.html"]  # no temp files left behind
    joined = "\n".join(rejected)
    assert len(rejected) == 5
    assert "b.rtf: rejected, only .txt, .md, .html, .pdf, .docx" in joined
    assert "g.pdf: rejected, named .pdf but its content is not a PDF" in joined
    assert "c.txt: rejected, too large" in joined
    assert "d.txt: rejected, it looks like a binary file" in joined
    assert "e.md: rejected, the file is empty" in joined


def test_parse_history_forms():
    assert parse_history(None) == []
    assert parse_history([]) == []
    assert parse_history(["Who signed?", " ", "When?"]) == ["Who signed?", "When?"]
    assert parse_history('["Who signed?"]') == ["Who signed?"]
    assert parse_history("Who signed?") == ["Who signed?"]
    assert parse_history([{"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A"}]) == ["Q1"]
    from qa.answer import QuestionError

    with pytest.raises(QuestionError):
        parse_history("[not json")


def test_signing_rows_filter_by_person_or_organization():
    events = [
        {"doc": "a.txt", "date": "2024-07-23", "place": "Shanghai", "parties": ["Acme Corp", "Beta University"],
         "signatories": [{"name": "Ann Lee", "title": "President", "organization": "Beta University"}],
         "agreement": "strategic cooperation agreement", "quote": "q", "start": 0, "end": 1},
        {"doc": "b.txt", "date": None, "place": None, "parties": ["Gamma Inc"],
         "signatories": [{"name": "Bo Chen", "title": None, "organization": "Gamma Inc"}],
         "agreement": "framework agreement", "quote": "q", "start": 0, "end": 1},
    ]
    rows = signing_rows(events)
    assert [r[0] for r in rows] == [1, 2]
    assert rows[0][4] == "Ann Lee (President, Beta University)"
    assert [r[0] for r in signing_rows(events, "ann lee")] == [1]
    assert [r[0] for r in signing_rows(events, "gamma")] == [2]
    assert [r[0] for r in signing_rows(events, "university")] == [1]
    assert signing_rows(events, "nobody") == []


def test_signings_tab_callbacks_on_seed_articles(seed_engine):
    """The Signings tab's callbacks of the real UI over the real seed index (the browser test drives the page)."""
    import gradio as gr

    from qa.signings import signings_for_engine
    from qa.webui import SIGNING_COLUMNS, build_ui

    demo = build_ui(seed_engine)
    fns = {f.fn.__name__: f.fn for f in demo.fns.values() if f.fn is not None}
    events = [e.to_dict() for e in signings_for_engine(seed_engine)]
    assert events
    rows, status, csv_file = fns["show_signings"]("")
    assert len(rows) == len(events) and all(len(r) == len(SIGNING_COLUMNS) for r in rows)
    assert len(Path(csv_file["value"]).read_text(encoding="utf-8").splitlines()) == len(events) + 1  # the CSV export
    assert f"{len(events)} of {len(events)} signing events." in status
    rows, status, csv_file = fns["show_signings"]("  chen   JIMING ")
    assert len(Path(csv_file["value"]).read_text(encoding="utf-8").splitlines()) == 2  # only the rows shown
    assert len(rows) == 1 and "Chen Jiming" in rows[0][4] and rows[0][6].startswith("002_")
    assert "match 'chen JIMING'" in html.unescape(status)
    ev = events[rows[0][0] - 1]
    text = (Path(seed_engine.config.docs_dir) / ev["doc"]).read_text(encoding="utf-8")
    assert text[ev["start"]:ev["end"]] == ev["quote"]
    page = fns["pick_signing"](gr.SelectData(None, {"index": [0, 2], "value": rows[0][2], "row_value": rows[0]}))
    marked = " ".join(html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", page, re.S))
    assert " ".join(marked.split()) == " ".join(ev["quote"].split())
    assert f"characters {ev['start']}\u2013{ev['end']}" in page
    # a row from a table shown before a re-index (another file under that number) is not shown as this event
    stale = list(rows[0])
    stale[6] = "gone.txt"
    page = fns["pick_signing"](gr.SelectData(None, {"index": [0, 2], "value": stale[2], "row_value": stale}))
    assert "<mark>" not in page and "Refresh" in page


def test_answer_markdown_export_names_pages_and_escapes_document_text(seed_engine):
    from qa.webui import answer_markdown

    ans = seed_engine.ask("Who signed the agreement with Tsinghua University?").to_dict()
    md = answer_markdown(ans)
    assert md.startswith("# Who signed the agreement with Tsinghua University?\n")
    for c in ans["citations"]:
        assert f"> {' '.join(c['quote'].split())} [{c['n']}]" in md
        assert f"{c['n']}. file {c['doc']}" in md and "of the file" in md
    pdf_like = dict(ans, citations=[dict(ans["citations"][0], quote="<img src=x onerror=alert(1)> signed",
                                         page=4, offsets_in="extracted_text")])
    md2 = answer_markdown(pdf_like)
    assert "<img" not in md2 and "&lt;img src=x onerror=alert(1)&gt; signed" in md2
    assert "page 4" in md2 and "of the text extracted from the file" in md2
    nf = answer_markdown(seed_engine.ask("What is the boiling point of liquid helium on Neptune?").to_dict())
    assert "**Not found in the documents.**" in nf and "## Quotes" not in nf


def test_signings_csv_has_the_header_and_defuses_formulas():
    import csv
    import io

    from qa.webui import SIGNING_COLUMNS, signings_csv

    text = signings_csv([[1, "2024-07-26", "agreement", "=HYPERLINK(\"http://x\")", "Zeng Rong, Zhu Zhaokai",
                          "Shanghai", "000_a.txt"]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == SIGNING_COLUMNS and len(rows) == 2
    assert rows[1][3].startswith("'=") and rows[1][4] == "Zeng Rong, Zhu Zhaokai"
