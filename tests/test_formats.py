"""PDF and Word articles: extracted text stored with the index, exact quotes into it, page numbers,
scanned pages read by OCR (or reported), and bad files refused with a message. The files are made
here (fpdf2, python-docx, Pillow), indexed by the real engine and read by PDFium."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from qa import store
from qa.documents import IngestError, load_document
from qa.pdftext import ocr_available, read_pdf

P1 = ("Harbour Accord Signed in Vantor\n\nPublished: 3 May 2021\n\n"
      "The Harbour Accord was signed by Mira Zandervelt of the Plinth Institute in Vantor on 3 May 2021, the "
      "institute said in a statement on Monday. It is the first accord of its kind in the region and it was "
      "welcomed by the mayor of Vantor and by the fishing cooperatives of the coast.")
P2 = ("The accord covers shared research on tidal turbines in the bay of Vantor. "
      "The research programme runs for four years and is paid for by the regional council.")
SCANNED = ["The lighthouse on Corran Point was", "restored by the Kestrel Trust in", "March 2022 for four million", "pounds."]
DOCX_P1 = "The operator Bluewater Lines agreed a ten-year ferry contract with the town of Arden on Tuesday, the mayor said."
DOCX_P2 = "The new crossing will take 25 minutes and run every hour from 6 a.m., Bluewater Lines said."


def _scan_png(lines: list[str]) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (1700, 2200), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=44)
    for i, line in enumerate(lines):
        draw.text((120, 200 + i * 70), line, fill="black", font=font)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def make_pdf(path: Path, pages: list[str | bytes], title: str | None = "Harbour Accord Signed") -> Path:
    """A PDF with one page per item: text (a text layer) or PNG bytes (an image-only, scanned page)."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_author("Jane Roe")
    for page in pages:
        pdf.add_page()
        if isinstance(page, bytes):
            pdf.image(io.BytesIO(page), x=0, y=0, w=210)
        else:
            pdf.set_font("helvetica", size=12)
            pdf.multi_cell(0, 6, page)
    path.write_bytes(bytes(pdf.output()))
    return path


def make_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = "Ferry Deal Agreed"
    d.core_properties.author = "Ann Lee"
    d.add_heading("Ferry Deal Agreed in Arden", 0)
    d.add_paragraph("Published: 12 April 2023")
    d.add_paragraph(DOCX_P1)
    d.add_page_break()
    d.add_paragraph(DOCX_P2)
    d.save(path)
    return path


@pytest.fixture(scope="module")
def formats_engine(tmp_path_factory, embedder):
    from qa.engine import Engine

    root = tmp_path_factory.mktemp("formats")
    docs = root / "docs"
    docs.mkdir()
    make_pdf(docs / "harbour.pdf", [P1, P2, _scan_png(SCANNED)])
    make_docx(docs / "ferry.docx")
    (docs / "fake.pdf").write_text("This is plain text named like a PDF.\n", encoding="utf-8")
    (docs / "fake.docx").write_bytes(b"PK\x03\x04 not really a zip")
    make_pdf(docs / "scan_only.pdf", [_scan_png([" "])], title=None)
    engine = Engine(docs_dir=docs, index_dir=root / "index")
    engine._embedder = embedder
    report = engine.index(progress=False)
    return engine, docs, report


def _check_exact(engine, ans) -> None:
    """Every quote is an exact slice of the document's stored text (``Engine.document``)."""
    data = engine.data
    for c in ans.citations:
        meta = data.manifest["docs"][c.doc]
        stored = data.stored_text(data.doc_ids.index(c.doc))
        assert c.offsets_in == "extracted_text" and meta["text"] == "extracted"
        assert stored[c.start : c.end] == c.quote
        assert engine.document(c.doc).text[c.start : c.end] == c.quote
        assert c.page is not None and c.page >= 1


def test_pdf_quotes_are_exact_slices_of_the_stored_text_with_their_page(formats_engine):
    engine, docs, report = formats_engine
    assert {"harbour.pdf", "ferry.docx"} <= set(report.added)
    ans = engine.ask("How long does the research programme run?")
    assert not ans.abstained and ans.citations[0].doc == "harbour.pdf"
    assert "four years" in ans.citations[0].quote and ans.citations[0].page == 2
    _check_exact(engine, ans)
    first = engine.ask("Who signed the Harbour Accord?")
    assert first.citations[0].doc == "harbour.pdf" and first.citations[0].page == 1
    assert "Mira Zandervelt" in (first.answer or "")
    _check_exact(engine, first)
    meta = engine.data.manifest["docs"]["harbour.pdf"]
    assert meta["title"] == "Harbour Accord Signed" and meta["date"] == "2021-05-03"  # title: the properties
    assert len(meta["pages"]) == 3
    d = ans.to_dict()["citations"][0]  # the JSON says which text the offsets index, and the page
    assert d["offsets_in"] == "extracted_text" and d["page"] == 2


def test_docx_paragraphs_pages_and_metadata(formats_engine):
    engine, _, _ = formats_engine
    ans = engine.ask("How long will the new ferry crossing take?")
    assert ans.citations[0].doc == "ferry.docx" and "25 minutes" in ans.citations[0].quote
    assert ans.citations[0].page == 2  # after the page break
    _check_exact(engine, ans)
    meta = engine.data.manifest["docs"]["ferry.docx"]
    assert meta["title"] in ("Ferry Deal Agreed", "Ferry Deal Agreed in Arden") and meta["date"] == "2023-04-12"
    assert meta["author"] == "Ann Lee"


def test_scanned_page_is_read_by_ocr_or_reported_never_silent(formats_engine):
    engine, _, report = formats_engine
    warnings = " ".join(report.warnings)
    meta = engine.data.manifest["docs"]["harbour.pdf"]
    if ocr_available():
        assert "harbour.pdf: no text layer on page(s) 3: read by OCR" in warnings
        ans = engine.ask("Who restored the lighthouse on Corran Point?")
        assert ans.citations[0].doc == "harbour.pdf" and ans.citations[0].page == 3
        assert "Kestrel Trust" in ans.citations[0].quote
        _check_exact(engine, ans)
    else:
        assert "harbour.pdf: no text on page(s) 3" in warnings and "tesseract-ocr" in warnings
    assert any("page(s) 3" in w for w in meta["warnings"])  # the Documents tab shows the document's warnings
    # a PDF whose only page holds no text (OCR finds none) is skipped with the reason, not indexed empty
    skipped = dict(report.skipped)
    assert "scan_only.pdf" in skipped and "no text on page(s) 1" in skipped["scan_only.pdf"]
    assert "scan_only.pdf" not in engine.data.doc_ids


def test_without_ocr_a_scanned_page_is_reported(tmp_path, monkeypatch):
    import qa.pdftext as pdftext

    monkeypatch.setattr(pdftext, "ocr_available", lambda: False)
    f = make_pdf(tmp_path / "a.pdf", [P1, _scan_png(SCANNED)])
    doc = load_document(f)
    assert doc.pages is not None and len(doc.pages) == 2
    assert any("no text on page(s) 2" in w and "install Debian's tesseract-ocr" in w for w in doc.warnings)
    assert "Kestrel" not in doc.text


def test_files_that_are_not_what_their_name_says_are_refused(formats_engine, tmp_path):
    _, _, report = formats_engine
    skipped = dict(report.skipped)
    assert "content is not a PDF" in skipped["fake.pdf"]
    assert "content is not a Word document" in skipped["fake.docx"]
    good = make_pdf(tmp_path / "x.pdf", [P1])
    data = good.read_bytes()
    (tmp_path / "cut.pdf").write_bytes(data[: len(data) // 3])
    with pytest.raises(IngestError, match="cannot be read"):
        load_document(tmp_path / "cut.pdf")
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 6, P1)
    pdf.set_encryption(owner_password="owner", user_password="secret")
    (tmp_path / "locked.pdf").write_bytes(bytes(pdf.output()))
    with pytest.raises(IngestError, match="encrypted"):
        load_document(tmp_path / "locked.pdf")


def test_uploads_check_the_real_type(tmp_path):
    from qa.webui import save_uploads

    up = tmp_path / "up"
    up.mkdir()
    real = make_pdf(up / "real.pdf", [P1])
    doc = make_docx(up / "real.docx")
    (up / "fake.pdf").write_text("just text", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    saved, rejected = save_uploads([real, doc, up / "fake.pdf"], docs, 5_000_000)
    assert sorted(p.name for p in saved) == ["real.docx", "real.pdf"]
    assert len(rejected) == 1 and "fake.pdf" in rejected[0] and "not a PDF" in rejected[0]


def test_a_pdf_changed_after_indexing_is_not_quoted_as_exact(tmp_path, embedder):
    from qa.engine import Engine

    docs = tmp_path / "docs"
    docs.mkdir()
    make_pdf(docs / "harbour.pdf", [P1, P2])
    engine = Engine(docs_dir=docs, index_dir=tmp_path / "index")
    engine._embedder = embedder
    engine.index(progress=False)
    q = "How long does the research programme run?"
    assert engine.ask(q).citations[0].page == 2
    make_pdf(docs / "harbour.pdf", [P1, P2.replace("four years", "six years")])
    ans = engine.ask(q)
    assert ans.abstained or all(c.doc != "harbour.pdf" for c in ans.citations)
    assert "changed on disk" in ans.message
    assert engine.index(progress=False).updated == ["harbour.pdf"]
    again = engine.ask(q)
    assert "six years" in again.citations[0].quote
    # the stored text survives an update of another document (kept rows carry it over)
    make_docx(docs / "ferry.docx")
    engine.index(progress=False)
    assert engine.ask(q).citations[0].quote == again.citations[0].quote
    assert store.load(engine.config.index_dir).stored_text(engine.data.doc_ids.index("harbour.pdf")) == \
        engine.document("harbour.pdf").text
