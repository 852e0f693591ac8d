"""Real browser (Debian chromium via Playwright) against the real app subprocess."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from test_app_e2e import PAYLOAD_NAME, PAYLOAD_QUESTION, PAYLOAD_TEXT, SEED_QUESTION, App, make_corpus

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


def ws(s: str) -> str:
    return " ".join(s.split())


@pytest.fixture(scope="module")
def app(tmp_path_factory, embedder):
    from qa.engine import Engine

    root = tmp_path_factory.mktemp("browser")
    docs, index = make_corpus(root, {PAYLOAD_NAME: PAYLOAD_TEXT, HTML_PAYLOAD_NAME: HTML_PAYLOAD})
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
