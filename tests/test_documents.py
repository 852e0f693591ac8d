"""Reading files: encodings, newlines, HTML, and bad files that must be skipped with a reason."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from qa.documents import IngestError, find_files, load_document
from qa.passages import sentences_of

ARTICLE = ("Tech Firm Opens Research Lab in Lisbon\n\nLisbon, 2023-05-10\n\n"
           "The software company Brightwave opened a research laboratory in Lisbon on Wednesday, hiring 120 "
           "engineers to work on speech recognition.\n"
           "Its chief executive, Ana Costa, said the city was chosen for its universities.\n")

HTML_PAGE = """<!DOCTYPE html>
<html><head><title>River Clean-up Draws Thousands &mdash; Example Times</title>
<meta property="og:title" content="River Clean-up Draws Thousands">
<meta property="article:published_time" content="2023-06-04T09:30:00Z">
<meta name="author" content="Maria Gomez">
<meta property="og:site_name" content="Example Times">
<script>var teaser = "<p>Volunteers were paid 500 dollars each.</p>";</script>
<style>p { color: red }</style></head>
<body>
<nav><a href="/">Home</a> <a href="/news">Rivers news</a> Breaking: dam opened</nav>
<header><div class="menu">Subscribe | Log in | Newsletters</div></header>
<article>
<h1>River Clean-up Draws Thousands</h1>
<p class="byline">By Maria Gomez</p>
<p>More than 3,000 volunteers removed 12&nbsp;tonnes of rubbish from the Avon river on Saturday, the organisers said.</p>
<p>The clean-up, organised by the charity Rivers&nbsp;&amp;&nbsp;Streams, covered 25 kilometres of the river&#39;s
banks between <b>Bath</b> and <a href="/bristol">Bristol</a>.</p>
<p>&ldquo;We were amazed by how many people came,&rdquo; said the charity&#x27;s director, Owen Price.</p>
</article>
<aside>Most read: Ten things to do this weekend</aside>
<footer>&copy; 2023 Example Times. All rights reserved. <a href="/privacy">Privacy</a></footer>
</body></html>
"""


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_plain_utf8(tmp_path):
    p = _write(tmp_path, "lab.txt", ARTICLE.encode("utf-8"))
    doc = load_document(p, tmp_path)
    raw = open(p, encoding="utf-8").read()
    assert doc.text == raw and doc.warnings == []
    assert doc.doc_id == "lab.txt"
    assert doc.date == "2023-05-10"
    sents = sentences_of(doc)
    assert [raw[s.start : s.end] for s in sents] == [s.text for s in sents]
    assert sents[0].kind == "title"


def test_bom_and_crlf_offsets_match_open_read(tmp_path):
    data = b"\xef\xbb\xbf" + ARTICLE.replace("\n", "\r\n").encode("utf-8")
    p = _write(tmp_path, "lab_crlf.txt", data)
    doc = load_document(p, tmp_path)
    raw = open(p, encoding="utf-8").read()  # universal newlines, BOM kept as \ufeff
    assert raw.startswith("\ufeff") and "\r" not in raw
    assert doc.text == raw
    assert doc.title == "Tech Firm Opens Research Lab in Lisbon"
    sents = sentences_of(doc)
    assert sents[0].start == 1  # after the BOM
    for s in sents:
        assert raw[s.start : s.end] == s.text
    assert any("Ana Costa" in s.text for s in sents)
    # old Mac line ends too
    p2 = _write(tmp_path, "lab_cr.txt", ARTICLE.replace("\n", "\r").encode("utf-8"))
    doc2 = load_document(p2, tmp_path)
    raw2 = open(p2, encoding="utf-8").read()
    for s in sentences_of(doc2):
        assert raw2[s.start : s.end] == s.text


def test_cp1252_is_read_with_a_warning(tmp_path):
    text = ("Caf\u00e9 Owners Protest New Rent Rules\n\nThe association of caf\u00e9 owners said on Friday that the "
            "new rent rules \u2013 due in June \u2013 would force many small businesses to close.\n")
    p = _write(tmp_path, "cafe.txt", text.encode("cp1252"))
    doc = load_document(p, tmp_path)
    assert doc.text == text
    assert doc.warnings and "UTF-8" in doc.warnings[0] and "cafe.txt" in doc.warnings[0]
    assert doc.title.startswith("Caf\u00e9 Owners")
    for s in sentences_of(doc):
        assert doc.text[s.start : s.end] == s.text


def test_undecodable_bytes_are_replaced_with_a_warning(tmp_path):
    # 0x81 is undefined in cp1252 too
    p = _write(tmp_path, "odd.txt", b"Budget Vote Delayed Again\n\nThe council delayed the budget vote \x81 "
                                    b"until next Tuesday because two members were ill.\n")
    doc = load_document(p, tmp_path)
    assert doc.warnings and "\ufffd" in doc.text


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\n\t \r\n", "empty"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "binary"),
    ("nul.txt", b"Some text\x00\x00\x00 with NUL bytes inside it", "binary"),
    ("report.pdf", b"%PDF-1.4\n1 0 obj\n", "cannot be read"),
    ("letter.docx", b"PK\x03\x04\x14\x00\x06\x00", "not a Word document"),
    ("notes.pdf", b"Plain words named like a PDF.", "not a PDF"),
    ("scan.rtf", b"{\\rtf1 A report.}", "unsupported"),
    ("noext", b"Plain words in a file without an extension.", "unsupported"),
    ("gzipped.md", b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "binary"),
    ("only_nav.txt", b"Home\nTop\nLinks\n", "no article text"),
])
def test_bad_files_raise_ingest_error(tmp_path, name, data, reason):
    p = _write(tmp_path, name, data)
    with pytest.raises(IngestError) as exc:
        load_document(p, tmp_path)
    msg = str(exc.value)
    assert name in msg and reason in msg


def test_oversized_file(tmp_path):
    p = _write(tmp_path, "big.txt", ARTICLE.encode("utf-8") * 50)
    with pytest.raises(IngestError, match="too large.*QA_MAX_FILE_BYTES"):
        load_document(p, tmp_path, max_bytes=1000)
    assert load_document(p, tmp_path, max_bytes=10**6).content_blocks


def test_missing_file_is_an_ingest_error(tmp_path):
    with pytest.raises(IngestError, match="cannot read"):
        load_document(tmp_path / "gone.txt", tmp_path)
    with pytest.raises(IngestError, match="no such file or folder"):
        find_files([tmp_path / "nowhere"])


def test_html_page(tmp_path):
    p = _write(tmp_path, "river.html", HTML_PAGE.encode("utf-8"))
    doc = load_document(p, tmp_path)
    raw = open(p, encoding="utf-8").read()
    assert doc.text == raw
    assert doc.title == "River Clean-up Draws Thousands"
    assert doc.date == "2023-06-04"
    assert doc.author == "Maria Gomez"
    assert doc.source == "Example Times"
    clean = doc.clean_text()
    # script, style, nav, header menu, aside and footer are gone; entities decoded
    for gone in ("500 dollars", "color", "Rivers news", "dam opened", "Subscribe", "Most read", "©", "Privacy",
                 "&nbsp;", "&amp;", "&#", "By Maria Gomez"):
        assert gone not in clean, gone
    assert "12 tonnes" in clean
    assert "Rivers & Streams" in clean
    assert "between Bath and Bristol." in clean
    assert "\u201cWe were amazed by how many people came,\u201d said the charity's director, Owen Price." in clean
    # every clean character maps to the raw characters it came from
    for b in doc.blocks:
        for i, ch in enumerate(b.text):
            piece = raw[b.raw_start(i) : b.raw_end(i + 1)]
            assert ch == piece or ch in html.unescape(piece) or (ch == " " and not piece.strip()) or \
                (ch == " " and html.unescape(piece) == "\u00a0"), (ch, piece)
    # sentences are exact slices of the page source, from the first to the last raw character
    sents = [s for s in sentences_of(doc) if s.kind == "body"]
    assert len(sents) == 3
    assert raw[sents[0].start : sents[0].end] == ("More than 3,000 volunteers removed 12&nbsp;tonnes of rubbish "
                                                    "from the Avon river on Saturday, the organisers said.")
    q = raw[sents[1].start : sents[1].end]
    assert q.startswith("The clean-up") and q.endswith("Bristol</a>.")
    assert raw[sents[2].start : sents[2].end].startswith("&ldquo;We were amazed")


def test_html_without_metadata_and_broken_markup(tmp_path):
    page = ("<html><body><div><p>Harbour Festival Cancelled<p>The harbour festival planned for August was cancelled "
            "on Monday because of the storm damage to the piers, the organisers said.<div>Fans can get refunds "
            "until the end of the month &amp more<br>details later</body>")
    p = _write(tmp_path, "festival.htm", page.encode("utf-8"))
    doc = load_document(p, tmp_path)
    assert doc.date is None and doc.author is None
    assert "storm damage to the piers" in doc.clean_text()
    for s in sentences_of(doc):
        assert doc.text[s.start : s.end]


def test_markdown_prefixes_are_not_quoted(tmp_path):
    md = ("# Water Prices to Rise\n\n> Households will pay 4 percent more from April, the regulator said on "
          "Thursday.\n\n- The increase is the smallest in five years.\n")
    p = _write(tmp_path, "water.md", md.encode("utf-8"))
    doc = load_document(p, tmp_path)
    raw = open(p, encoding="utf-8").read()
    assert doc.title == "Water Prices to Rise"
    for s in sentences_of(doc):
        assert raw[s.start : s.end] == s.text
        assert not s.text.startswith(("#", ">", "-"))


def test_find_files_recursive_stable_and_skips_hidden(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for rel in ("z.txt", "a/y.txt", "a/b/x.md", ".hidden.txt", ".git/config.txt"):
        (tmp_path / rel).write_text("text")
    names = [f.relative_to(root).as_posix() for f, root in find_files([tmp_path])]
    assert names == sorted(names) and set(names) == {"z.txt", "a/y.txt", "a/b/x.md"}
    single = find_files([tmp_path / "a" / "y.txt"])
    assert single == [(tmp_path / "a" / "y.txt", tmp_path / "a")]


def test_bad_files_do_not_stop_an_index_run(tmp_path, make_engine):
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, "good.txt", ARTICLE.encode("utf-8"))
    _write(docs, "crlf_bom.txt", b"\xef\xbb\xbf" + ARTICLE.replace("Lisbon", "Porto").replace("\n", "\r\n").encode())
    _write(docs, "cafe.txt", "Caf\u00e9 Owners Protest\n\nThe association of caf\u00e9 owners said on Friday that "
                             "the new rent rules would force many small businesses to close.\n".encode("cp1252"))
    _write(docs, "river.html", HTML_PAGE.encode("utf-8"))
    _write(docs, "empty.txt", b"")
    _write(docs, "picture.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    _write(docs, "nul.md", b"abc\x00def")
    _write(docs, "scan.pdf", b"%PDF-1.7\n")
    _write(docs, "memo.docx", b"PK\x03\x04")
    _write(docs, "huge.txt", (ARTICLE * 100).encode("utf-8"))
    engine = make_engine(docs, max_file_bytes=4000)
    report = engine.index(progress=False)
    skipped = dict(report.skipped)
    assert set(skipped) == {"empty.txt", "picture.txt", "nul.md", "scan.pdf", "memo.docx", "huge.txt"}
    assert "empty" in skipped["empty.txt"] and "binary" in skipped["picture.txt"]
    assert "cannot be read" in skipped["scan.pdf"] and "not a Word document" in skipped["memo.docx"]
    assert "too large" in skipped["huge.txt"] and "kB" in skipped["huge.txt"]
    assert sorted(report.added) == ["cafe.txt", "crlf_bom.txt", "good.txt", "river.html"]
    assert any("cafe.txt" in w and "UTF-8" in w for w in report.warnings)
    summary = report.summary()
    assert "skipped: 6" in summary and "may be damaged" in summary
    # the indexed files answer with exact quotes
    ans = engine.ask("Where did Brightwave open a research laboratory?")
    assert not ans.abstained
    for c in ans.citations:
        raw = open(docs / c.doc, encoding="utf-8").read()
        assert raw[c.start : c.end] == c.quote
    ans = engine.ask("How much rubbish did the volunteers remove from the Avon river?")
    assert not ans.abstained and ans.citations[0].doc == "river.html"
    raw = open(docs / "river.html", encoding="utf-8").read()
    for c in ans.citations:
        assert raw[c.start : c.end] == c.quote
    assert any("12&nbsp;tonnes" in c.quote for c in ans.citations)


def test_oversized_via_environment(tmp_path, monkeypatch):
    from qa.config import load_config

    monkeypatch.setenv("QA_MAX_FILE_BYTES", "123")
    assert load_config().max_file_bytes == 123
    monkeypatch.setenv("QA_MAX_FILE_BYTES", "not a number")
    assert load_config().max_file_bytes == 5 * 1024 * 1024


def test_html_stray_ampersand_hash_does_not_leak_markup(tmp_path):
    page = ("<html><body><h1>Chess Club Hosts Open Tournament</h1>"
            "<p>The chess club in Ostend will host an open tournament on Saturday, with prizes for the best "
            "juniors &# and seniors.</p><p>Entries close on Thursday, the club said.</p>"
            "<footer>Contact</footer></body></html>")
    p = _write(tmp_path, "chess.html", page.encode("utf-8"))
    doc = load_document(p, tmp_path)
    clean = doc.clean_text()
    assert "<" not in clean and "Contact" not in clean
    assert "juniors &# and seniors." in clean and "Entries close on Thursday" in clean
    for s in sentences_of(doc):
        assert "</p>" not in doc.text[s.start : s.end]
    for b in doc.blocks:
        for i, ch in enumerate(b.text):
            assert doc.text[b.raw_start(i) : b.raw_end(i + 1)] == ch or ch == " "


def test_decode_fragment_maps_decoded_text_back_to_the_raw_quote():
    from qa.htmltext import decode_fragment

    raw = 'He called it a &quot;racket&quot; in <b>Seven Years&#x27;</b> War &amp; more'
    block = decode_fragment(raw)
    assert block.text == 'He called it a "racket" in Seven Years\' War & more'
    for word in ('"racket"', "Seven Years' War", "&"):
        i = block.text.index(word)
        s, e = block.raw_span(i, i + len(word))
        assert html.unescape(re.sub(r"<[^>]*>", "", raw[s:e])) == word
    assert decode_fragment("").text == ""


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_byte_order_mark_are_read(tmp_path, encoding):
    import codecs

    bom = {"utf-16": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32": codecs.BOM_UTF32_LE}[encoding]
    body = ARTICLE.encode(encoding if encoding != "utf-16" else "utf-16-le")
    if encoding == "utf-32":
        body = ARTICLE.encode("utf-32-le")
    p = _write(tmp_path, "wide.txt", bom + body)
    doc = load_document(p, tmp_path)
    raw = open(p, encoding="utf-16" if "16" in encoding else "utf-32").read()
    assert doc.text == raw == ARTICLE
    assert any("decoded text" in w for w in doc.warnings)
    sents = sentences_of(doc)
    assert [raw[s.start:s.end] for s in sents] == [s.text for s in sents]
    # NUL bytes without a byte-order mark are still binary
    with pytest.raises(IngestError, match="binary"):
        load_document(_write(tmp_path, "raw16.txt", ARTICLE.encode("utf-16-le")), tmp_path)


def test_links_to_outside_the_folder_and_dangling_links_are_skipped_with_a_reason(tmp_path, make_engine):
    outside = tmp_path / "private"
    outside.mkdir()
    secret = _write(outside, "passwd.txt", b"root:x:0:0:root:/root:/bin/bash\nThe secret line of the file.\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, "good.txt", ARTICLE.encode("utf-8"))
    (docs / "passwd.txt").symlink_to(secret)
    (docs / "gone.txt").symlink_to(tmp_path / "nothing.txt")
    (docs / "inside.txt").symlink_to(docs / "good.txt")  # a link within the folder is fine
    (docs / "elsewhere").symlink_to(outside, target_is_directory=True)  # a linked folder out of it
    report = make_engine(docs).index(progress=False)
    skipped = dict(report.skipped)
    assert "outside the documents folder" in skipped["passwd.txt"]
    assert "outside" in skipped["elsewhere"]  # a linked folder is not followed, and said
    assert "does not exist" in skipped["gone.txt"]
    assert sorted(report.added) == ["good.txt", "inside.txt"]
    with pytest.raises(IngestError, match="outside"):
        load_document(docs / "passwd.txt", docs)
