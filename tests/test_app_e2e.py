"""End to end: start the real ``python app.py`` on a free port and call it with gradio_client."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
PY = sys.executable

SEED_QUESTION = "Who signed the agreement with Tsinghua University?"
#: A made-up article whose text carries HTML/JS/remote-image payloads; only it answers PAYLOAD_QUESTION.
PAYLOAD_NAME = "payload_story.txt"
PAYLOAD_TEXT = (
    "Quellmark Accord Signed in Vantor\n\n"
    "The Quellmark Accord was signed by Mira Zandervelt <img src=x onerror=alert(1)> of the Plinth Institute "
    "in Vantor on 3 May 2021.\n\n"
    "Observers <script>alert(2)</script> said the ![beacon](http://example.invalid/beacon.png) accord "
    "covers shared research on tidal turbines.\n"
)
PAYLOAD_QUESTION = "Who signed the Quellmark Accord?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_corpus(root: Path, extra: dict[str, str] | None = None) -> tuple[Path, Path]:
    """A temp copy of seeds/ (plus ``extra`` files) and an empty index folder."""
    docs, index = root / "docs", root / "index"
    shutil.copytree(SEEDS, docs)
    for name, text in (extra or {}).items():
        (docs / name).write_text(text, encoding="utf-8")
    index.mkdir()
    return docs, index


class App:
    """A running ``python app.py`` subprocess."""

    def __init__(self, docs: Path, index: Path, timeout: float = 600, args: list[str] | None = None):
        self.docs, self.index, self.port = docs, index, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [PY, str(ROOT / "app.py"), "--port", str(self.port), "--docs", str(docs), "--index", str(index),
             *(args or [])],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        ready = threading.Event()

        def read():
            for line in self.proc.stdout:
                self.lines.append(line)
                if line.startswith("Serving on "):
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout) or self.proc.poll() is not None:
            self.stop()
            raise RuntimeError("app did not start:\n" + "".join(self.lines))

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def client(self):
        from gradio_client import Client

        return Client(self.url, verbose=False)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    docs, index = make_corpus(tmp_path_factory.mktemp("e2e"), {PAYLOAD_NAME: PAYLOAD_TEXT})
    a = App(docs, index)  # no index yet: the app builds it before serving
    yield a
    a.stop()


@pytest.fixture(scope="module")
def client(app):
    return app.client()


def check_citations_exact(ans: dict, docs: Path) -> None:
    assert ans["citations"], ans
    for c in ans["citations"]:
        text = (docs / c["doc"]).read_text(encoding="utf-8")
        assert text[c["start"]:c["end"]] == c["quote"], c


def test_startup_builds_index_and_reports_time(app):
    out = app.output
    assert "Index ready: 5 documents" in out
    assert "Serving on http://127.0.0.1:" in out and "started in" in out
    assert (app.index / "manifest.json").exists() or any(app.index.iterdir())


def test_seed_question_citations_are_exact(app, client):
    ans = client.predict(SEED_QUESTION, [], api_name="/ask")
    assert ans["abstained"] is False
    assert ans["question"] == SEED_QUESTION
    check_citations_exact(ans, app.docs)
    assert [c["n"] for c in ans["citations"]] == list(range(1, len(ans["citations"]) + 1))
    assert any("Tsinghua" in c["quote"] and "signed" in c["quote"] for c in ans["citations"])


def test_api_matches_cli_json(app, client):
    ans = client.predict(SEED_QUESTION, [], api_name="/ask")
    cli = subprocess.run([PY, "-m", "qa", "ask", SEED_QUESTION, "--json", "--index", str(app.index),
                          "--docs", str(app.docs)], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, HF_HUB_OFFLINE="1"), timeout=600)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == ans


def test_payload_document_answered_with_exact_quote(app, client):
    ans = client.predict(PAYLOAD_QUESTION, [], api_name="/ask")
    assert ans["abstained"] is False
    assert ans["citations"][0]["doc"] == PAYLOAD_NAME
    check_citations_exact(ans, app.docs)
    assert "Mira Zandervelt" in ans["citations"][0]["quote"]
    # the chat reply for it shows the payload as text
    from qa.webui import format_reply

    reply = format_reply(ans)
    assert "<img" not in reply and "<script" not in reply and "onerror" in reply


def test_followup_uses_history(client):
    first = client.predict(SEED_QUESTION, [], api_name="/ask")
    assert not first["abstained"]
    both = client.predict("Where was it signed?", [SEED_QUESTION], api_name="/ask")
    assert both["question"] == "Where was it signed?"
    assert both["resolved_question"] and "Tsinghua" in both["resolved_question"]
    as_json = client.predict("Where was it signed?", json.dumps([SEED_QUESTION]), api_name="/ask")
    assert as_json == both


def test_bad_questions_get_a_message(client):
    assert "empty" in client.predict("   ", [], api_name="/ask")["error"]
    assert "too long" in client.predict("why " * 400, [], api_name="/ask")["error"]


@pytest.mark.parametrize("question, history, k, why", [
    ("Who signed?", [], "abc", "from 1 to 10"),
    ("Who signed?", [], 0, "from 1 to 10"),
    ("Who signed?", [], 11, "from 1 to 10"),
    ("Who signed?", "[not json", 3, "not a valid JSON list"),
    ("Who signed?", ["why " * 400], 3, "earlier question"),
    ("\u202e\u200b", [], 3, "empty"),
    ("?!?", [], 3, "no words"),
])
def test_bad_api_input_gets_a_message_not_a_traceback(app, client, question, history, k, why):
    got = client.predict(question, history, k, api_name="/ask")
    assert set(got) == {"error"} and why in got["error"], got
    assert "Traceback" not in app.output


def test_questions_with_odd_characters_are_answered_like_clean_ones(client):
    clean = client.predict(SEED_QUESTION, [], api_name="/ask")
    odd = client.predict("\u202e" + SEED_QUESTION.replace(" ", " \u200b", 2) + "\x07", [], "3", api_name="/ask")
    assert odd["answer"] == clean["answer"] and odd["citations"] == clean["citations"]


def test_unanswerable_question_abstains(client):
    ans = client.predict("What is the boiling point of liquid helium on Neptune?", [], api_name="/ask")
    assert ans["abstained"] is True and ans["citations"] == []
    assert "not found" in ans["message"].lower()


def test_restart_picks_up_changed_files(tmp_path_factory, app):
    """A second start over the same index sees a file added while the app was down."""
    root = tmp_path_factory.mktemp("restart")
    docs, index = root / "docs", root / "index"
    shutil.copytree(app.docs, docs)
    shutil.copytree(app.index, index)
    (docs / "late.md").write_text("# Orvanto Pact\n\nThe Orvanto Pact was signed by Tomas Eklund in Brisbane.\n",
                                  encoding="utf-8")
    second = App(docs, index)
    try:
        assert "added: 1" in second.output and "late.md" in second.output
        ans = second.client().predict("Who signed the Orvanto Pact?", [], api_name="/ask")
        assert ans["citations"][0]["doc"] == "late.md"
        check_citations_exact(ans, docs)
    finally:
        second.stop()


def same_citations_as_default(other: App, client, docs: Path) -> None:
    """``other`` app cites the same places as the default app for the seed question, exactly."""
    got = other.client().predict(SEED_QUESTION, [], api_name="/ask")
    want = client.predict(SEED_QUESTION, [], api_name="/ask")
    assert [(c["doc"], c["start"], c["end"]) for c in got["citations"]] == \
           [(c["doc"], c["start"], c["end"]) for c in want["citations"]]
    check_citations_exact(got, docs)


def test_app_on_the_milvus_store_answers_like_the_faiss_one(tmp_path, client):
    """`app.py --store milvus` builds its index into milvus-lite and answers the API like the default app."""
    docs, index = make_corpus(tmp_path, {PAYLOAD_NAME: PAYLOAD_TEXT})
    a = App(docs, index, args=["--store", "milvus"])
    try:
        assert "store: milvus" in a.output and (index / "milvus.db").exists()
        same_citations_as_default(a, client, docs)
    finally:
        a.stop()


def test_read_only_app_server_serves_the_index_published_on_a_milvus_server(tmp_path, client):
    """A Milvus server (milvus-lite over gRPC), `qa index --store milvus --milvus-uri` on the writing
    side, and `app.py --read-only` with an empty index folder: it fetches the index (documents too) and
    answers like the default app."""
    from milvus_lite.server import Server

    port = free_port()
    server = Server(str(tmp_path / "served.db"), address=f"127.0.0.1:{port}")
    assert server.init() and server.start()
    uri = f"http://127.0.0.1:{port}"
    try:
        docs, index = make_corpus(tmp_path, {PAYLOAD_NAME: PAYLOAD_TEXT})
        env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
        built = subprocess.run([PY, "-m", "qa", "index", str(docs), "--index", str(index), "--store", "milvus",
                                "--milvus-uri", uri, "-q"], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=600)
        assert built.returncode == 0, built.stderr
        cache = tmp_path / "cache"
        a = App(tmp_path / "no-docs", cache, args=["--read-only", "--store", "milvus", "--milvus-uri", uri])
        try:
            same_citations_as_default(a, client, docs)
            assert (cache / "docs" / PAYLOAD_NAME).is_file()
        finally:
            a.stop()
    finally:
        server.stop()
