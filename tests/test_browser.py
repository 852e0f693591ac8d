"""Real browser (Debian chromium via Playwright) against the real app subprocess."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_app_e2e import PAYLOAD_NAME, PAYLOAD_QUESTION, PAYLOAD_TEXT, SEED_QUESTION, App, make_corpus
from test_formats import make_pdf

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
#: An HTML document whose title and body carry payloads (entities, so they are text, not tags).
HTML_PAYLOAD_NAME = "evil_page.html"
HTML_PAYLOAD = ("<html><head><title>&lt;img src=x onerror=alert(3)&gt; Brellwick Charter</title></head><body>"
                "<h1>&lt;img src=x onerror=alert(3)&gt; Brellwick Charter</h1>"
                "<p>The Brellwick Charter was signed by Odile Varenne &lt;script&gt;alert(4)&lt;/script&gt; "
                "in Marrow Bay on 9 June 2020.</p>"
                "<p><img src='http://example.invalid/remote.png'> Remote images in the page are dropped.</p>"
                "<script>alert(5)</script></body></html>")


PDF_NAME = "tidal_programme.pdf"
PDF_PAGES = ["Tidal Research Programme Opens in Vantor\n\nPublished: 3 May 2021\n\nA tidal research programme "
             "opened in the bay of Vantor on Monday, with three turbines moored off the harbour wall and a "
             "laboratory in the old customs house.",
             "The research programme runs for four years and is paid for by the regional council of Vantor, "
             "which expects the first results in the spring."]
PDF_QUESTION = "How long does the tidal research programme run?"


def ws(s: str) -> str:
    return " ".join(s.split())


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    from qa.engine import Engine

    root = tmp_path_factory.mktemp("browser")
    docs, index = make_corpus(root, {PAYLOAD_NAME: PAYLOAD_TEXT, HTML_PAYLOAD_NAME: HTML_PAYLOAD})
    make_pdf(docs / PDF_NAME, PDF_PAGES, title="Tidal Research Programme")
    engine = Engine(docs_dir=docs, index_dir=index)  # build the index here with the already loaded model
    engine._embedder = embedder
    engine.index(progress=False)
    a = App(docs, index)
    yield a
    a.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.dialogs = []
    pg.remote_requests = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("request", lambda r: None if r.url.startswith(app.url) or r.url.startswith("data:")
          else pg.remote_requests.append(r.url))
    pg.goto(app.url)
    pg.wait_for_selector("#qa-question textarea")
    yield pg
    ctx.close()


def ask(page, question: str, n_replies: int):
    page.fill("#qa-question textarea", question)
    page.click("#qa-ask")
    page.wait_for_function(
        "n => document.querySelectorAll('#qa-chat .message-content').length >= n", arg=n_replies * 2, timeout=120_000)
    return page.locator("#qa-chat .message-content").nth(n_replies * 2 - 1)


def assert_nothing_ran(page):
    assert page.dialogs == []
    assert page.evaluate("() => document.querySelectorAll('img[src=\"x\"], img[src*=\"example.invalid\"]').length") == 0
    assert page.evaluate("() => [...document.scripts].filter(s => s.textContent.includes('alert(')).length") == 0
    assert [u for u in page.remote_requests if "example.invalid" in u] == []


def test_ask_cite_and_open_source(page, app):
    expected = app.client().predict(SEED_QUESTION, [], api_name="/ask")
    reply = ask(page, SEED_QUESTION, 1)
    text = ws(reply.inner_text())
    assert ws(expected["citations"][0]["quote"]) + " [1]" in text
    assert reply.locator("blockquote").count() == len(expected["citations"])
    assert "Sources" in text and expected["citations"][0]["doc"] in text
    # choose the last citation: the panel shows its article with exactly the quote marked
    last = expected["citations"][-1]
    page.locator("#qa-cites label").nth(len(expected["citations"]) - 1).click()
    page.wait_for_function(
        "q => { const m = document.querySelector('#qa-source-view mark');"
        " return m && m.innerText.replace(/\\s+/g, ' ').trim() === q; }", arg=ws(last["quote"]), timeout=60_000)
    head = page.inner_text("#qa-source-view .qa-source-head")
    assert f"[{last['n']}]" in head and last["doc"] in head
    # the marked sentence is scrolled into view inside the panel
    page.wait_for_function(
        "() => { const m = document.querySelector('#qa-source-view mark');"
        " const box = document.querySelector('#qa-source-view .qa-source').getBoundingClientRect();"
        " const r = m.getBoundingClientRect(); return r.top >= box.top - 1 && r.top <= box.bottom; }",
        timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat_with_source.png"), full_page=True)
    # a follow-up uses the history; clear empties the chat
    reply2 = ask(page, "Where was it signed?", 2)
    assert "[1]" in reply2.inner_text() or "do not contain" in reply2.inner_text()
    page.click("#qa-clear")
    page.wait_for_function("() => document.querySelectorAll('#qa-chat .message-content').length === 0")


def test_payload_documents_render_as_text(page, app):
    reply = ask(page, PAYLOAD_QUESTION, 1)
    text = reply.inner_text()
    assert "<img src=x onerror=alert(1)>" in text
    page.wait_for_function("() => document.querySelector('#qa-source-view mark') !== null", timeout=60_000)
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#qa-source-view")
    assert "<script>alert(2)</script>" in page.inner_text("#qa-source-view")
    reply = ask(page, "Who signed the Brellwick Charter?", 2)
    # quotes are exact slices of the file, so the HTML source's entities show as typed in the file
    assert "Odile Varenne &lt;script&gt;alert(4)&lt;/script&gt;" in reply.inner_text()
    page.wait_for_function("() => document.querySelector('#qa-source-view').innerText.includes('Brellwick')",
                           timeout=60_000)
    assert "Odile Varenne <script>alert(4)</script> in Marrow Bay" in ws(page.inner_text("#qa-source-view mark"))
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_function("() => document.querySelector('#qa-docs-table').innerText.includes('Brellwick')")
    assert "<img src=x onerror=alert(3)>" in page.inner_text("#qa-docs-table")
    page.wait_for_timeout(500)  # give any injected handler a chance to fire before checking
    assert_nothing_ran(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "payload_as_text.png"), full_page=True)


def test_upload_then_ask(page, app, tmp_path):
    new = tmp_path / "zephyr news.md"
    new.write_text("# Zephyrine Compact\n\nThe Zephyrine Compact was signed by Halvard Oyelaran of the "
                   "Korrin Foundation in Lusaka on 14 February 2023.\n", encoding="utf-8")
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00binary")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#qa-upload input[type=file]").set_input_files([str(new)])
    page.wait_for_function("() => document.querySelector('#qa-upload').innerText.includes('zephyr')",
                           timeout=60_000)
    page.click("#qa-add")
    page.wait_for_function("() => document.querySelector('#qa-docs-status').innerText.includes('Added')",
                           timeout=300_000)
    status = page.inner_text("#qa-docs-status")
    assert "zephyr_news.md" in status
    assert (app.docs / "zephyr_news.md").exists()
    page.wait_for_function("() => document.querySelector('#qa-docs-table').innerText.includes('zephyr_news.md')")
    page.get_by_role("tab", name="Chat").click()
    reply = ask(page, "Who signed the Zephyrine Compact?", 1)
    assert "Halvard Oyelaran" in reply.inner_text()
    assert "zephyr_news.md" in reply.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "after_upload.png"), full_page=True)


# -- signings ----------------------------------------------------------------------------------------
def expected_signings(app, embedder) -> list[dict]:
    """The signing events of the app's current index, computed here with qa.signings (the reference)."""
    from qa.engine import Engine
    from qa.signings import signings_for_engine

    engine = Engine(docs_dir=app.docs, index_dir=app.index)
    engine._embedder = embedder
    return [e.to_dict() for e in signings_for_engine(engine)]


def marked_text(page, panel: str) -> str:
    return ws(page.evaluate(f"() => [...document.querySelectorAll('{panel} mark')].map(m => m.textContent).join(' ')"))


def wait_marked(page, panel: str, quote: str) -> None:
    page.wait_for_function(
        "([p, q]) => [...document.querySelectorAll(p + ' mark')].map(m => m.textContent).join(' ')"
        ".replace(/\\s+/g, ' ').trim() === q", arg=[panel, ws(quote)], timeout=60_000)


def sign_status(page, text: str) -> None:
    page.wait_for_function("t => document.querySelector('#qa-sign-status').innerText.includes(t)", arg=text,
                           timeout=120_000)


def table_rows(page) -> list[str]:
    """The "#" column of the rows the signings table shows (all of them: the filtered tables here are short)."""
    return page.evaluate("() => [...document.querySelectorAll('#qa-sign-table [role=gridcell][data-col=\"0\"]')]"
                         ".map(c => c.innerText.trim())")


def test_signings_tab_filter_select_and_sort(page, app, embedder):
    from qa.webui import signing_rows

    events = expected_signings(app, embedder)
    person = "Chen Jiming"
    chen = [i + 1 for i, e in enumerate(events) if person in [s["name"] for s in e["signatories"]]]
    assert len(chen) == 1 and events[chen[0] - 1]["doc"].startswith("002_"), events
    page.get_by_role("tab", name="Signings").click()
    sign_status(page, f"{len(events)} of {len(events)} signing events.")
    page.wait_for_function("t => document.querySelector('#qa-sign-table').innerText.includes(t)", arg=person)
    assert "Zeng Rong" in page.inner_text("#qa-sign-table")  # another seed article's signatory
    assert_nothing_ran(page)  # the payload articles' signings are in the table as text

    # typing a person's name narrows the table to that signing
    page.locator("#qa-sign-filter textarea").click()
    page.keyboard.type(person)
    sign_status(page, f"1 of {len(events)} signing events match '{person}'.")
    page.wait_for_function("() => document.querySelectorAll('#qa-sign-table [role=gridcell][data-col=\"0\"]')"
                           ".length === 1")
    assert table_rows(page) == [str(chen[0])]
    assert "Zeng Rong" not in page.inner_text("#qa-sign-table")

    # selecting the row shows its article with exactly the event's quote marked
    ev = events[chen[0] - 1]
    assert (app.docs / ev["doc"]).read_text(encoding="utf-8")[ev["start"]:ev["end"]] == ev["quote"]
    page.locator("#qa-sign-table [data-testid='cell-0-2']").click()
    wait_marked(page, "#qa-sign-source", ev["quote"])
    assert marked_text(page, "#qa-sign-source") == ws(ev["quote"])
    head = page.inner_text("#qa-sign-source .qa-source-head")
    assert ev["doc"] in head and f"characters {ev['start']}\u2013{ev['end']}" in head
    assert person in page.inner_text("#qa-sign-source .qa-article")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "signings.png"), full_page=True)

    # an organization filter, pasted (no key presses) and in another case
    org = "tsinghua"
    want = [str(r[0]) for r in signing_rows(events, org)]
    assert want and len(want) < len(events)
    page.fill("#qa-sign-filter textarea", org)
    sign_status(page, f"{len(want)} of {len(events)} signing events match '{org}'.")
    page.wait_for_function("n => document.querySelectorAll('#qa-sign-table [role=gridcell][data-col=\"0\"]')"
                           ".length === n", arg=len(want))
    assert table_rows(page) == want

    # sorted by "#" descending, the first row is the last event, and selecting it shows that event's quote
    page.fill("#qa-sign-filter textarea", "")
    sign_status(page, f"{len(events)} of {len(events)} signing events.")
    page.locator("#qa-sign-table [data-testid='header-0']").hover()  # the menu button shows on hover
    page.locator("#qa-sign-table [data-testid='header-0'] button.cell-menu-button").click()
    page.locator("button", has_text="Sort descending").click()
    # (the cells keep their data-testid of the unsorted row, so look at the rows in display order)
    page.wait_for_function("n => document.querySelector('#qa-sign-table [role=gridcell][data-col=\"0\"]')"
                           ".innerText.trim() === n", arg=str(len(events)))
    last = events[-1]
    page.locator("#qa-sign-table [role=gridcell][data-col='2']").first.click()
    wait_marked(page, "#qa-sign-source", last["quote"])
    assert last["doc"] in page.inner_text("#qa-sign-source .qa-source-head")
    assert_nothing_ran(page)


# -- documents: rejected uploads and removal ---------------------------------------------------------------
def docs_status(page, text: str) -> None:
    page.wait_for_function("t => document.querySelector('#qa-docs-status').innerText.includes(t)", arg=text,
                           timeout=300_000)


def table_files(page) -> list[str]:
    """The File column of the documents table, sorted."""
    return sorted(page.evaluate("() => [...document.querySelectorAll('#qa-docs-table [role=gridcell][data-col=\"2\"]')]"
                                ".map(c => c.innerText.trim())"))


def test_rejected_uploads_show_a_message(page, app, tmp_path):
    before = sorted(p.name for p in app.docs.iterdir())
    rtf = tmp_path / "report.rtf"
    rtf.write_bytes(b"{\\rtf1\\ansi A report.}")
    fake_pdf = tmp_path / "scan.pdf"
    fake_pdf.write_bytes(b"Plain text named like a PDF.\n")
    empty = tmp_path / "empty notes.txt"
    empty.write_bytes(b"  \n\n")
    binary = tmp_path / "blob.md"
    binary.write_bytes(b"\x00\x01\x02\x03" * 64)
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_function("() => document.querySelector('#qa-docs-table').innerText.includes('.txt')")
    files_before = table_files(page)
    assert files_before == before

    # an unsupported type is refused by the upload box itself, with an error naming the file and the types
    page.locator("#qa-upload input[type=file]").set_input_files([str(rtf)])
    page.wait_for_function("() => document.body.innerText.includes('report.rtf')", timeout=60_000)
    body = page.inner_text("body")
    assert "report.rtf" in body and ".txt" in body and ".pdf" in body and ".docx" in body
    assert re.search(r"invalid file type", body, re.I), body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "upload_rejected_type.png"), full_page=True)

    # an empty file, a binary one and a .pdf that is not a PDF pass the box but the server refuses them,
    # saying why (the type is checked from the content)
    page.locator("#qa-upload input[type=file]").set_input_files([str(empty), str(binary), str(fake_pdf)])
    page.wait_for_function("() => document.querySelector('#qa-upload').innerText.includes('blob')", timeout=60_000)
    page.click("#qa-add")
    docs_status(page, "rejected")
    page.wait_for_function("() => document.querySelector('#qa-docs-status').innerText.includes('blob.md')",
                           timeout=60_000)
    status = page.inner_text("#qa-docs-status")
    assert "empty notes.txt: rejected, the file is empty." in status
    assert "blob.md: rejected, it looks like a binary file, not text." in status
    assert "scan.pdf: rejected, named .pdf but its content is not a PDF." in status
    assert "Added" not in status
    page.screenshot(path=str(ARTIFACTS / "upload_rejected.png"), full_page=True)
    assert sorted(p.name for p in app.docs.iterdir()) == before
    assert table_files(page) == before


def test_remove_document_stops_citations(page, app, tmp_path):
    name, question = "tarnwick.md", "Who signed the Tarnwick Protocol?"
    new = tmp_path / name
    new.write_text("# Tarnwick Protocol\n\nThe Tarnwick Protocol was signed by Idris Vallenholm of the Ostrel "
                   "Maritime League in Port Sabley on 11 October 2019.\n", encoding="utf-8")
    page.get_by_role("tab", name="Documents").click()
    page.locator("#qa-upload input[type=file]").set_input_files([str(new)])
    page.wait_for_function("() => document.querySelector('#qa-upload').innerText.includes('tarnwick')",
                           timeout=60_000)
    page.click("#qa-add")
    docs_status(page, "Added: tarnwick.md")
    page.get_by_role("tab", name="Chat").click()
    reply = ask(page, question, 1)
    assert "Idris Vallenholm" in reply.inner_text() and name in reply.inner_text()

    # remove it through the Documents tab
    page.get_by_role("tab", name="Documents").click()
    page.wait_for_function("n => document.querySelector('#qa-docs-table').innerText.includes(n)", arg=name)
    page.locator("#qa-remove-pick input").click()
    page.get_by_role("option", name=name, exact=True).click()
    page.click("#qa-remove")
    docs_status(page, f"Deleted {name}.")
    assert f"Removed: {name}." in page.inner_text("#qa-docs-status")
    page.wait_for_function("n => !document.querySelector('#qa-docs-table').innerText.includes(n)", arg=name)
    assert not (app.docs / name).exists()
    page.wait_for_function("n => document.querySelector('#qa-header').innerText.includes(n)",
                           arg=f"({len(table_files(page))} indexed)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "after_remove.png"), full_page=True)
    page.locator("#qa-remove-pick input").click()
    options = page.get_by_role("option")
    options.first.wait_for()
    assert name not in options.all_inner_texts() and len(options.all_inner_texts()) > 0
    page.keyboard.press("Escape")

    # the chat (and the API) no longer cite it
    page.get_by_role("tab", name="Chat").click()
    page.click("#qa-clear")
    page.wait_for_function("() => document.querySelectorAll('#qa-chat .message-content').length === 0")
    reply = ask(page, question, 1)
    assert name not in reply.inner_text() and "Idris Vallenholm" not in reply.inner_text()
    ans = app.client().predict(question, [], api_name="/ask")
    assert all(c["doc"] != name for c in ans["citations"]), ans


def test_export_answer_markdown_and_signings_csv(page, app, embedder):
    """The answer downloads as Markdown (question, answer, numbered quotes, sources) and is in the copy
    box; the Signings tab downloads the rows it shows as CSV."""
    import csv
    import io

    expected = app.client().predict(SEED_QUESTION, [], api_name="/ask")
    ask(page, SEED_QUESTION, 1)
    page.wait_for_function("() => { const b = document.querySelector('#qa-export'); return b !== null && !b.disabled; }",
                           timeout=60_000)
    with page.expect_download() as got:
        page.click("#qa-export")
    md = Path(got.value.path()).read_text(encoding="utf-8")
    assert md.startswith(f"# {SEED_QUESTION}")
    for c in expected["citations"]:
        assert f"> {ws(c['quote'])} [{c['n']}]" in md
        assert f"{c['n']}. file {c['doc']}" in md and f"characters {c['start']}\u2013{c['end']} of the file" in md
    if expected.get("answer"):
        assert f"**Answer:** {expected['answer']}" in md
    page.get_by_text("Last answer as Markdown (copy)").click()
    page.wait_for_function("t => { const box = document.querySelector('#qa-answer-md textarea');"
                           " return box !== null && box.value.startsWith(t); }",
                           arg=f"# {SEED_QUESTION}", timeout=30_000)

    events = expected_signings(app, embedder)
    page.get_by_role("tab", name="Signings").click()
    sign_status(page, f"{len(events)} of {len(events)} signing events.")
    page.wait_for_function("() => { const b = document.querySelector('#qa-sign-csv'); return b !== null && !b.disabled; }",
                           timeout=60_000)
    with page.expect_download() as got:
        page.click("#qa-sign-csv")
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["#", "Date", "Agreement", "Parties", "Signatories", "Place", "File"]
    assert len(rows) == len(events) + 1
    assert any("Chen Jiming" in r[4] for r in rows[1:]) and all(r[6] for r in rows[1:])


def test_citation_markers_in_the_reply_open_that_citation(page, app):
    expected = app.client().predict(SEED_QUESTION, [], api_name="/ask")
    assert len(expected["citations"]) >= 2
    reply = ask(page, SEED_QUESTION, 1)
    page.wait_for_function("() => document.querySelector('#qa-source-view mark')", timeout=60_000)
    second = expected["citations"][1]
    reply.locator('a[href="#qa-cite-2"]').click()
    page.wait_for_function(
        "q => { const m = document.querySelector('#qa-source-view mark');"
        " return m && m.innerText.replace(/\\s+/g, ' ').trim() === q; }", arg=ws(second["quote"]), timeout=60_000)
    assert "[2]" in page.inner_text("#qa-source-view .qa-source-head")
    assert page.locator("#qa-cites input[type=radio]").nth(1).is_checked()
    assert page.url.split("#")[0] == app.url or page.url.rstrip("/") == app.url  # no navigation happened
    # back to [1] from its marker
    reply.locator('a[href="#qa-cite-1"]').click()
    page.wait_for_function(
        "q => { const m = document.querySelector('#qa-source-view mark');"
        " return m && m.innerText.replace(/\\s+/g, ' ').trim() === q; }",
        arg=ws(expected["citations"][0]["quote"]), timeout=60_000)


def test_filters_keep_the_answer_inside_the_chosen_documents(page, app):
    docs = sorted(p.name for p in app.docs.iterdir())
    target = next(d for d in docs if d.startswith("002_"))
    page.get_by_text("Filters: only some documents or dates").click()
    box = page.locator("#qa-filter-docs input")
    box.click()
    box.fill(target)
    page.keyboard.press("Enter")
    page.wait_for_function("t => { const d = document.querySelector('#qa-filter-docs');"
                           " return d !== null && d.innerText.includes(t); }", arg=target)
    page.keyboard.press("Escape")
    reply = ask(page, "Who signed the strategic cooperation agreement?", 1)
    text = reply.inner_text()
    assert target in text and not any(d in text for d in docs if d != target), text
    expected = app.client().predict("Who signed the strategic cooperation agreement?", [], 3, [target], None, None,
                                    api_name="/ask")
    assert {c["doc"] for c in expected["citations"]} == {target}
    # a date range nothing is in: said plainly
    page.fill("#qa-filter-from textarea, #qa-filter-from input", "2090-01-01")
    reply = ask(page, "Who signed the strategic cooperation agreement?", 2)
    assert "no indexed document matches the filters" in reply.inner_text()


def test_pdf_citation_shows_its_page_with_boxes_over_exactly_the_quote(page, app):
    """A quote from a PDF: the panel renders its page and puts one box over each of the quote's
    characters, where PDFium (read here independently) says the page prints them."""
    import pypdfium2 as pdfium

    expected = app.client().predict(PDF_QUESTION, [], api_name="/ask")
    first = expected["citations"][0]
    assert first["doc"] == PDF_NAME and first["page"] == 2 and first["offsets_in"] == "extracted_text"
    ask(page, PDF_QUESTION, 1)
    page.wait_for_selector("#qa-source-view .qa-pdf-page img", timeout=60_000)
    assert page.locator("#qa-source-view .qa-pdf-page").get_attribute("data-page") == "2"
    assert "page 2" in page.inner_text("#qa-source-view .qa-source-head")
    got = page.evaluate("""() => [...document.querySelectorAll('#qa-source-view .qa-pdf-box')].map(b => [
        parseFloat(b.style.left), parseFloat(b.style.top), parseFloat(b.style.width), parseFloat(b.style.height)])""")
    pdf = pdfium.PdfDocument(str(app.docs / PDF_NAME))
    try:
        pg = pdf[1]
        tp = pg.get_textpage()
        raw = tp.get_text_range()
        r0 = raw.find(first["quote"].replace("\n", "\r\n"))
        assert r0 >= 0
        want = []
        for i in range(r0, r0 + len(first["quote"].replace("\n", "\r\n"))):
            if raw[i].isspace():
                continue
            left, bottom, right, top = tp.get_charbox(i)
            W, H = pg.get_width(), pg.get_height()  # the boxes are placed in % of the page
            want.append([100 * left / W, 100 * (H - top) / H, 100 * (right - left) / W, 100 * (top - bottom) / H])
    finally:
        pdf.close()
    assert len(got) == len(want) == len("".join(first["quote"].split()))
    for g, w in zip(got, want):  # within 0.2 % of the page (the page image is rendered at whole pixels)
        assert all(abs(a - b) < 0.2 for a, b in zip(g, w)), (g, w)
    # the boxes lie on the page image as the browser lays it out, and the first one is scrolled into view
    inside = page.evaluate("""() => { const img = document.querySelector('#qa-source-view .qa-pdf-page img')
        .getBoundingClientRect(); return [...document.querySelectorAll('#qa-source-view .qa-pdf-box')].every(b => {
        const r = b.getBoundingClientRect(); return r.left >= img.left - 1 && r.right <= img.right + 1
        && r.top >= img.top - 1 && r.bottom <= img.bottom + 1 && r.width > 0 && r.height > 0; }); }""")
    assert inside
    page.wait_for_function(
        "() => { const e = document.querySelector('#qa-source-view .qa-pdf-box');"
        " const p = document.querySelector('#qa-source-view .qa-source'); if (!e || !p) { return false; }"
        " const b = e.getBoundingClientRect(), box = p.getBoundingClientRect();"
        " return b.top >= box.top - 1 && b.top <= box.bottom; }", timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pdf_page_highlight.png"), full_page=True)
