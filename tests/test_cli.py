"""End to end through ``python -m qa`` in a temporary folder, with the real model and index."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "seeds_dev.jsonl"

HTML_PAGE = """<html><head><title>Harbour Festival Cancelled</title>
<meta property="article:published_time" content="2023-08-02">
<script>document.write("Tickets cost 90 euros")</script></head>
<body><nav>Home | Events | Contact</nav>
<h1>Harbour Festival Cancelled</h1>
<p>The harbour festival planned for August was cancelled on Monday because of storm damage to the piers,
the organisers at Portside Events&nbsp;Ltd said.</p>
<p>Ticket holders will get a full refund before September&nbsp;30.</p>
<footer>&copy; 2023 Coast News</footer></body></html>
"""


def run(*args: str, cwd: Path, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    for key in ("QA_DOCS", "QA_INDEX", "QA_MODEL", "QA_MAX_FILE_BYTES"):
        full_env.pop(key, None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "qa", *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


def check_quotes(answer: dict, docs: Path) -> None:
    for c in answer["citations"]:
        text = open(docs / c["doc"], encoding="utf-8").read()
        assert text[c["start"] : c["end"]] == c["quote"]
        if c.get("answer_start") is not None:
            assert c["start"] <= c["answer_start"] < c["answer_end"] <= c["end"]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A folder with a copy of seeds/ plus odd files, indexed once through the CLI."""
    wd = tmp_path_factory.mktemp("cli")
    docs = wd / "docs"
    shutil.copytree(ROOT / "seeds", docs)
    (docs / "festival.html").write_text(HTML_PAGE, encoding="utf-8")
    (docs / "windows.txt").write_bytes(
        b"\xef\xbb\xbfCity Opens Night Bus Line\r\n\r\nBy Tom Reed | Metro Wire\r\n\r\n"
        b"The city opened a night bus line on Friday that links the airport with the central station every "
        b"20 minutes between midnight and 5 a.m.\r\nThe line is run by Nightway Transit.\r\n")
    (docs / "latin1.txt").write_bytes("Caf\u00e9 Owners Protest\n\nThe association of caf\u00e9 owners in Lyon said "
                                      "on Friday that the new rent rules would close many businesses.\n"
                                      .encode("cp1252"))
    (docs / "empty.txt").write_bytes(b"")
    (docs / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (docs / "scan.pdf").write_bytes(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    (docs / "notes.docx").write_bytes(b"PK\x03\x04\x14\x00")
    (docs / "huge.md").write_text("# Big\n\n" + "A long line of text about nothing in particular. " * 400)
    proc = run("index", "docs", "--index", "idx", "-q", cwd=wd, env={"QA_MAX_FILE_BYTES": "10000"})
    return wd, docs, proc


def test_index_reports_added_and_skipped(work):
    wd, docs, proc = work
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "added: 7" in out and "skipped: 5" in out
    for name, why in (("empty.txt", "empty"), ("photo.txt", "binary"), ("scan.pdf", "cannot be read"),
                      ("notes.docx", "not a Word document"), ("huge.md", "too large")):
        assert any(name in line and why in line for line in out.splitlines()), (name, out)
    assert "latin1.txt: not valid UTF-8" in out
    manifest = json.loads((wd / "idx" / "manifest.json").read_text())
    assert set(manifest["docs"]) == {p.name for p in (ROOT / "seeds").iterdir()} | {
        "festival.html", "windows.txt", "latin1.txt"}
    # running it again changes nothing
    again = run("index", "docs", "--index", "idx", "-q", cwd=wd, env={"QA_MAX_FILE_BYTES": "10000"})
    assert again.returncode == 0 and "unchanged: 7" in again.stdout and "added: 0" in again.stdout


def test_index_rebuild_flag(work, tmp_path):
    wd, docs, _ = work
    small = tmp_path / "articles"
    small.mkdir()
    shutil.copy(docs / "festival.html", small / "festival.html")
    assert run("index", str(small), "--index", "idx", "-q", cwd=tmp_path).returncode == 0
    proc = run("index", str(small), "--index", "idx", "-q", "--rebuild", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0
    assert "Rebuilt the whole index: asked for with --rebuild" in proc.stdout and "added: 1" in proc.stdout


def _ask(wd: Path, question: str, *extra: str) -> dict:
    proc = run("ask", "--json", question, "--index", "idx", *extra, cwd=wd)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_ask_json_real_answer_with_exact_quotes(work):
    wd, docs, _ = work
    items = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    item = next(it for it in items if it["id"] == "dev-01")
    ans = _ask(wd, item["question"])
    assert not ans["abstained"] and ans["citations"]
    assert ans["citations"][0]["doc"] == item["doc"]
    joined = " ".join(c["quote"] for c in ans["citations"])
    for must in item["must_include"]:
        assert must in joined
    check_quotes(ans, docs)
    assert [c["n"] for c in ans["citations"]] == list(range(1, len(ans["citations"]) + 1))


def test_ask_odd_files_quotes_are_exact(work):
    wd, docs, _ = work
    ans = _ask(wd, "Which company runs the night bus line to the airport?")
    assert ans["citations"][0]["doc"] == "windows.txt"
    assert "Nightway Transit" in " ".join(c["quote"] for c in ans["citations"])
    check_quotes(ans, docs)  # BOM + CRLF file: offsets into open(...).read()
    ans = _ask(wd, "Why was the harbour festival cancelled?")
    assert ans["citations"][0]["doc"] == "festival.html"
    assert "storm damage" in ans["citations"][0]["quote"]
    assert "90 euros" not in json.dumps(ans)
    check_quotes(ans, docs)


def test_ask_text_output(work):
    wd, docs, _ = work
    proc = run("ask", "Where was the agreement between the Shanghai government and Tsinghua signed?", "--index",
               "idx", cwd=wd)
    no_traceback(proc)
    assert proc.returncode == 0
    assert "[1]" in proc.stdout and "Sources:" in proc.stdout and "Beijing" in proc.stdout
    assert "001_1ff9cb1ff80a84a5.txt (chars " in proc.stdout


def test_unanswerable_question_abstains(work):
    wd, docs, _ = work
    ans = _ask(wd, "What is the boiling point of liquid nitrogen on Mars?")
    assert ans["abstained"] and not ans["citations"] and "not found" in ans["message"].lower()


@pytest.mark.parametrize("question, why", [
    ("", "empty"),
    ("   \t  ", "empty"),
    ("?!? ...", "no words"),
    ("Who signed the agreement? " * 60, "too long"),
])
def test_bad_questions(work, question, why):
    wd, docs, _ = work
    proc = run("ask", question, "--index", "idx", cwd=wd)
    no_traceback(proc)
    assert proc.returncode != 0
    assert "error:" in proc.stderr and why in proc.stderr
    proc = run("ask", "--json", question, "--index", "idx", cwd=wd)
    assert proc.returncode != 0 and why in json.loads(proc.stdout)["error"]


def test_ask_without_index_builds_it_first(work, tmp_path):
    wd, docs, _ = work
    small = tmp_path / "articles"
    small.mkdir()
    shutil.copy(docs / "windows.txt", small / "bus.txt")
    proc = run("ask", "--json", "Who runs the night bus line?", "--docs", str(small), "--index", "fresh_idx",
               cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "added: 1" in proc.stderr  # the build report goes to stderr, the JSON answer to stdout
    ans = json.loads(proc.stdout)
    assert ans["citations"] and ans["citations"][0]["doc"] == "bus.txt"
    check_quotes(ans, small)
    assert (tmp_path / "fresh_idx" / "manifest.json").is_file()


def test_ask_with_damaged_index_rebuilds(work, tmp_path):
    wd, docs, _ = work
    small = tmp_path / "articles"
    small.mkdir()
    shutil.copy(docs / "festival.html", small / "festival.html")
    (tmp_path / "idx").mkdir()
    (tmp_path / "idx" / "manifest.json").write_text("{broken", encoding="utf-8")
    proc = run("ask", "--json", "When was the harbour festival cancelled?", "--docs", str(small), "--index", "idx",
               cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "Rebuilt the whole index" in proc.stderr
    ans = json.loads(proc.stdout)
    assert ans["citations"][0]["doc"] == "festival.html"
    check_quotes(ans, small)


def test_missing_paths_and_model_are_clear_errors(work, tmp_path):
    wd, docs, _ = work
    proc = run("index", "no_such_folder", "--index", "idx2", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode != 0 and "error:" in proc.stderr and "no_such_folder" in proc.stderr
    proc = run("ask", "Who signed?", "--index", str(wd / "idx"), "--model", str(tmp_path / "nope"), cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode != 0 and "error:" in proc.stderr and "does not exist" in proc.stderr


def test_eval_on_dev_questions(work):
    wd, docs, _ = work
    proc = run("eval", str(DEV), "--index", "idx", "--json", cwd=wd)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    n = sum(1 for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip())
    assert result["questions"] == n
    assert result["evidence_hit@3"] >= 0.8
    text = run("eval", str(DEV), "--index", "idx", cwd=wd)
    no_traceback(text)
    assert text.returncode == 0 and "evidence" in text.stdout.lower()


@pytest.mark.parametrize("args, why", [
    (["-k", "abc"], "invalid int value"),
    (["-k", "0"], "from 1 to 10"),
    (["--no-such-flag"], "unrecognized arguments"),
])
def test_bad_arguments_with_json_answer_in_json(work, args, why):
    wd, _, _ = work
    proc = run("ask", "Who signed the agreement?", "--json", "--index", "idx", *args, cwd=wd)
    no_traceback(proc)
    assert proc.returncode == 2
    assert why in json.loads(proc.stdout)["error"]  # one JSON object on stdout, not usage text
