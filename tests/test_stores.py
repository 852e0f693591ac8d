"""The two search stores behind one interface: FAISS files and a real Milvus engine (milvus-lite, as a
file and served over gRPC on a loopback port), with the real model, indexing and engine."""
from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import index_crashing_at, index_killed_after
from qa import store
from qa.engine import Engine
from qa.stores import milvus_store

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "seeds_dev.jsonl"
FERRY = ("Lake Ferry Service Resumes\n\nPublished: 12 April 2023\n\n"
         "The ferry service across Lake Arden resumed on Tuesday after the new pier was finished, the operator "
         "Bluewater Lines said.\n\nThe crossing takes 25 minutes and runs every hour from 6 a.m.\n")
FERRY_CHANGED = FERRY.replace("Bluewater Lines", "Greenwake Shipping")
FERRY_Q = "Which company operates the ferry across Lake Arden?"
QUESTIONS = ["Who signed the agreement with Tsinghua University?", "When was the agreement signed?",
             "What is the capital of Australia?", FERRY_Q]


@pytest.fixture(autouse=True)
def _close_milvus():
    """Each test's milvus-lite files are closed after it (one process may hold a file at a time)."""
    yield
    for uri in list(milvus_store._clients):
        milvus_store.forget_client(uri)


def _engine(docs: Path, index: Path, embedder, **kw) -> Engine:
    e = Engine(docs_dir=docs, index_dir=index, **kw)
    e._embedder = embedder
    return e


def _seeds(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "seeds", docs)
    return docs


def _exact(ans, docs: Path) -> None:
    for c in ans.citations:
        assert (docs / c.doc).read_text(encoding="utf-8")[c.start : c.end] == c.quote


def _milvus_rows(engine: Engine) -> int:
    entry = engine.data.manifest["store"]
    c = milvus_store.client(milvus_store.resolve_uri(engine.config.store_options(), engine.config.index_dir,
                                                     entry.get("uri")))
    return milvus_store.count(c, entry["collection"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def grpc_milvus(tmp_path):
    """The milvus-lite engine served over gRPC on 127.0.0.1: what a cluster URI talks to."""
    from milvus_lite.server import Server

    port = _free_port()
    server = Server(str(tmp_path / "served.db"), address=f"127.0.0.1:{port}")
    assert server.init() and server.start()
    uri = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:  # wait until it accepts connections
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    yield uri
    milvus_store.forget_client(uri)
    server.stop()


@pytest.mark.parametrize("kind", ["faiss", "milvus", "milvus-grpc"])
def test_incremental_updates_and_deletes_over_each_store(tmp_path, embedder, kind, request):
    """Add, change and delete a document: only it is embedded, answers follow, offsets stay exact, and
    the Milvus collection holds exactly the index's passages after every run."""
    docs = _seeds(tmp_path)
    extra = {"store": "faiss"} if kind == "faiss" else {"store": "milvus"}
    if kind == "milvus-grpc":
        extra["milvus_uri"] = request.getfixturevalue("grpc_milvus")
    engine = _engine(docs, tmp_path / "index", embedder, **extra)
    first = engine.index(progress=False)
    assert first.written and first.embedded_passages == first.passages > 0
    assert store.store_kind(engine.data.manifest) == extra["store"]
    if kind != "faiss":
        assert _milvus_rows(engine) == engine.data.n_passages
        assert engine.data.manifest["store"].get("uri", "").startswith("http" if kind == "milvus-grpc" else "/")
    assert not engine.index(progress=False).written  # nothing changed: nothing written

    (docs / "ferry.txt").write_text(FERRY, encoding="utf-8")
    added = engine.index(progress=False)
    assert added.added == ["ferry.txt"] and added.embedded_passages == engine.data.manifest["docs"]["ferry.txt"]["passages"]
    ans = engine.ask(FERRY_Q)
    assert ans.citations[0].doc == "ferry.txt" and "Bluewater Lines" in ans.citations[0].quote
    _exact(ans, docs)

    (docs / "ferry.txt").write_text(FERRY_CHANGED, encoding="utf-8")
    assert engine.index(progress=False).updated == ["ferry.txt"]
    ans = engine.ask(FERRY_Q)
    assert "Greenwake Shipping" in ans.citations[0].quote and all("Bluewater" not in c.quote for c in ans.citations)
    _exact(ans, docs)
    if kind != "faiss":
        assert _milvus_rows(engine) == engine.data.n_passages  # the old text's rows are gone

    (docs / "ferry.txt").unlink()
    assert engine.index(progress=False).removed == ["ferry.txt"]
    ans = engine.ask(FERRY_Q)
    assert all(c.doc != "ferry.txt" for c in ans.citations)
    if kind != "faiss":
        assert _milvus_rows(engine) == engine.data.n_passages


def test_both_stores_answer_every_dev_question_the_same(tmp_path, embedder):
    """Milvus's BM25 over the project's stems equals bm25s's and its FLAT search is exact: the same
    passages, quotes and answers come back (the whole engine, both stores)."""
    docs = _seeds(tmp_path)
    faiss = _engine(docs, tmp_path / "i-faiss", embedder, store="faiss")
    milvus = _engine(docs, tmp_path / "i-milvus", embedder, store="milvus")
    faiss.index(progress=False)
    milvus.index(progress=False)
    questions = [json.loads(line)["question"] for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    for q in questions + QUESTIONS[:3]:
        a, b = faiss.ask(q).to_dict(), milvus.ask(q).to_dict()
        assert a["answer"] == b["answer"] and a["abstained"] == b["abstained"], q
        assert [(c["doc"], c["start"], c["end"]) for c in a["citations"]] == \
               [(c["doc"], c["start"], c["end"]) for c in b["citations"]], q
    # the raw signals agree too
    qv = faiss.embedder.encode_queries(["Tsinghua agreement signed"])[0]
    for mode in ("dense", "bm25", "hybrid"):
        from qa.retrieve import search

        ha = search(faiss.data, qv, "Tsinghua agreement signed", k=10, mode=mode)
        hb = search(milvus.data, qv, "Tsinghua agreement signed", k=10, mode=mode)
        assert [h.passage for h in ha] == [h.passage for h in hb], mode
        np.testing.assert_allclose([h.bm25 for h in ha], [h.bm25 for h in hb], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose([h.dense for h in ha], [h.dense for h in hb], rtol=1e-4, atol=1e-5)


def test_switching_store_reuses_the_vectors_and_keeps_the_answers(tmp_path, embedder):
    docs = _seeds(tmp_path)
    engine = _engine(docs, tmp_path / "index", embedder)
    engine.index(progress=False)
    before = engine.ask(QUESTIONS[0]).to_dict()
    moved = _engine(docs, tmp_path / "index", embedder, store="milvus")
    report = moved.index(progress=False)
    assert report.written and report.embedded_passages == 0 and not report.rebuilt
    assert any("store changed from faiss to milvus" in w for w in report.warnings)
    assert store.store_kind(moved.data.manifest) == "milvus"
    assert moved.ask(QUESTIONS[0]).to_dict()["citations"] == before["citations"]
    # without --store the index's own store is used; a different explicit one is a clear error
    assert store.store_kind(_engine(docs, tmp_path / "index", embedder).data.manifest) == "milvus"
    with pytest.raises(store.IndexCorrupt, match="--store faiss"):
        _engine(docs, tmp_path / "index", embedder, store="faiss").ask(QUESTIONS[0])


def test_lost_milvus_rows_are_said_then_repaired_by_index(tmp_path, embedder):
    docs = _seeds(tmp_path)
    engine = _engine(docs, tmp_path / "index", embedder, store="milvus")
    engine.index(progress=False)
    before = engine.ask(QUESTIONS[0]).to_dict()
    entry = engine.data.manifest["store"]
    c = milvus_store.client(entry["uri"])
    c.delete(entry["collection"], ids=[int(k) for k in engine.data.passage_key[:5]])
    fresh = _engine(docs, tmp_path / "index", embedder)
    with pytest.raises(store.IndexCorrupt, match="run python -m qa index to repair"):
        fresh.ask(QUESTIONS[0])
    report = fresh.index(progress=False)
    assert report.written and report.embedded_passages == 0
    assert any("repaired" in w for w in report.warnings)
    assert _milvus_rows(fresh) == fresh.data.n_passages
    assert fresh.ask(QUESTIONS[0]).to_dict()["citations"] == before["citations"]
    # a collection that is gone altogether (another Milvus, or dropped) is repaired the same way
    c.drop_collection(entry["collection"])
    fresh.reload()
    with pytest.raises(store.IndexCorrupt, match="not in"):
        fresh.ask(QUESTIONS[0])
    assert fresh.index(progress=False).written
    assert fresh.ask(QUESTIONS[0]).to_dict()["citations"] == before["citations"]


@pytest.mark.parametrize("stage", ["data", "before-rename", "before-manifest"])
def test_interrupted_milvus_update_keeps_the_previous_version_and_is_repaired(tmp_path, embedder, stage):
    docs = _seeds(tmp_path)
    engine = _engine(docs, tmp_path / "index", embedder, store="milvus")
    engine.index(progress=False)
    before = engine.ask(QUESTIONS[0]).to_dict()
    n = engine.data.n_passages
    (docs / "ferry.txt").write_text(FERRY, encoding="utf-8")

    index_crashing_at(engine, stage)
    fresh = _engine(docs, tmp_path / "index", embedder)
    assert fresh.data.n_passages == n and "ferry.txt" not in fresh.data.doc_ids
    assert _milvus_rows(fresh) > n  # the new document's rows were upserted before the crash ...
    # ... and are not used (they only shift Milvus's BM25 statistics a little until the next index run)
    assert fresh.ask(QUESTIONS[0]).to_dict()["citations"][0] == before["citations"][0]
    ans = fresh.ask(FERRY_Q)
    assert all(c.doc != "ferry.txt" for c in ans.citations)
    _exact(ans, docs)
    assert fresh.index(progress=False).added == ["ferry.txt"]
    assert _milvus_rows(fresh) == fresh.data.n_passages
    assert fresh.ask(FERRY_Q).citations[0].doc == "ferry.txt"
    (docs / "ferry.txt").unlink()  # back to the first documents: the first answers again
    fresh.index(progress=False)
    assert fresh.ask(QUESTIONS[0]).to_dict()["citations"] == before["citations"]


def test_milvus_settings_errors_are_clear(tmp_path, embedder):
    docs = _seeds(tmp_path)
    with pytest.raises(ValueError, match="milvus-lite .* has no HNSW index"):
        _engine(docs, tmp_path / "a", embedder, store="milvus", milvus_index="HNSW").index(progress=False)
    with pytest.raises(ValueError, match="unknown store"):
        _engine(docs, tmp_path / "b", embedder, store="elastic")
    with pytest.raises(store.StoreUnavailable, match="Cannot open Milvus at http://127.0.0.1:1"):
        _engine(docs, tmp_path / "c", embedder, store="milvus", milvus_uri="http://127.0.0.1:1").index(progress=False)
    assert not (tmp_path / "c" / store.MANIFEST).exists()


def test_a_second_process_on_the_same_milvus_lite_file_gets_advice(tmp_path, embedder):
    import os
    import subprocess
    import sys

    docs = _seeds(tmp_path)
    engine = _engine(docs, tmp_path / "index", embedder, store="milvus")
    engine.index(progress=False)
    engine.ask(QUESTIONS[0])  # this process holds index/milvus.db
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    proc = subprocess.run([sys.executable, "-m", "qa", "ask", QUESTIONS[0], "--index", str(tmp_path / "index")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "another process" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_kill_9_during_a_milvus_update_never_loses_the_index(tmp_path, embedder):
    """A real `python -m qa index --store milvus` killed with SIGKILL at several moments: what is left
    always loads and answers with exact quotes from the index's own rows, and the next run completes
    the update and leaves exactly the index's rows in the collection."""
    import os
    import subprocess
    import sys

    docs = _seeds(tmp_path)
    index = tmp_path / "index"
    base = _engine(docs, index, embedder, store="milvus")
    base.index(progress=False)
    expected = base.ask(QUESTIONS[0]).to_dict()["citations"]
    milvus_store.forget_client(base.data.manifest["store"]["uri"])
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    (docs / "first.txt").write_text(FERRY, encoding="utf-8")  # an update run to its end first: it works
    done = subprocess.run([sys.executable, "-m", "qa", "index", str(docs), "--index", str(index), "-q"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "added: 1" in done.stdout, done.stderr
    for n, delay in enumerate((1.0, 3.0, 5.0, 8.0)):
        (docs / f"new_{n}.txt").write_text(f"Harbour news {n}\n\n" + "The ferry to Harwich now leaves at dawn. " * 200
                                           + "\n", encoding="utf-8")
        index_killed_after(docs, index, delay)
        for _ in range(40):  # the killed process's milvus-lite server lets the file go
            try:
                fresh = _engine(docs, index, embedder)
                data = fresh.data
                break
            except store.StoreUnavailable:
                time.sleep(0.5)
        assert {p for p in data.doc_ids} >= {p.name for p in (ROOT / "seeds").iterdir()}
        assert fresh.ask(QUESTIONS[0]).to_dict()["citations"][0] == expected[0]
        for c in fresh.ask(FERRY_Q.replace("Lake Arden", "Harwich")).citations:
            assert (docs / c.doc).read_text(encoding="utf-8")[c.start : c.end] == c.quote
        milvus_store.forget_client(data.manifest["store"]["uri"])
    final = _engine(docs, index, embedder)
    final.index(progress=False)
    assert {f"new_{n}.txt" for n in range(4)} <= set(final.data.doc_ids)
    assert _milvus_rows(final) == final.data.n_passages


def test_cli_index_and_ask_on_the_milvus_store(tmp_path):
    """`python -m qa index --store milvus` then `ask` (which finds the store in the manifest)."""
    import os
    import subprocess
    import sys

    docs = _seeds(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    index = tmp_path / "index"
    run = lambda *a: subprocess.run([sys.executable, "-m", "qa", *a], cwd=ROOT, env=env, capture_output=True,
                                    text=True, timeout=600)
    built = run("index", str(docs), "--index", str(index), "--store", "milvus", "-q")
    assert built.returncode == 0, built.stderr
    assert "passages in the index" in built.stdout
    assert json.loads((index / store.MANIFEST).read_text())["store"]["kind"] == "milvus"
    ans = run("ask", QUESTIONS[0], "--index", str(index), "--json")
    assert ans.returncode == 0, ans.stderr
    out = json.loads(ans.stdout)
    assert not out["abstained"] and out["citations"]
    for c in out["citations"]:
        assert (docs / c["doc"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]


def test_app_servers_share_one_index_on_a_milvus_server(tmp_path, embedder, grpc_milvus):
    """The deployment of a cluster: one machine writes (qa index) to a Milvus server and a shared index
    folder; app servers serve them read-only, over gRPC, and pick up each new version by themselves."""
    docs = _seeds(tmp_path)
    writer = _engine(docs, tmp_path / "index", embedder, store="milvus", milvus_uri=grpc_milvus)
    writer.index(progress=False)
    servers = [_engine(docs, tmp_path / "index", embedder, milvus_uri=grpc_milvus, read_only=True) for _ in range(2)]
    want = writer.ask(QUESTIONS[0]).to_dict()["citations"]
    for s in servers:
        assert s.ensure_index(progress=False) is None
        assert s.ask(QUESTIONS[0]).to_dict()["citations"] == want
        with pytest.raises(store.ReadOnly, match="read-only"):
            s.index(progress=False)
    listing = sorted(p.name for p in (tmp_path / "index").iterdir())
    (docs / "ferry.txt").write_text(FERRY, encoding="utf-8")
    assert writer.index(progress=False).added == ["ferry.txt"]
    for s in servers:
        s.refresh()
        ans = s.ask(FERRY_Q)
        assert ans.citations[0].doc == "ferry.txt"
        _exact(ans, docs)
    assert listing != sorted(p.name for p in (tmp_path / "index").iterdir())  # only the writer wrote


def test_an_app_server_without_files_fetches_the_index_published_on_the_milvus_server(tmp_path, embedder,
                                                                                      grpc_milvus):
    """The indexing machine publishes each version to the Milvus server; an app server that has no
    index folder and no documents serves from what it fetches (hash-checked), follows new versions,
    and quotes exactly the documents' text."""
    from qa.stores import published

    docs = _seeds(tmp_path)
    writer = _engine(docs, tmp_path / "writer-index", embedder, store="milvus", milvus_uri=grpc_milvus)
    writer.index(progress=False)
    want = writer.ask(QUESTIONS[0]).to_dict()
    cache = tmp_path / "app-server" / "index"  # does not exist yet
    server = _engine(tmp_path / "nowhere", cache, embedder, milvus_uri=grpc_milvus, read_only=True)
    assert server.ensure_index(progress=False) is None
    got = server.ask(QUESTIONS[0]).to_dict()
    assert got["citations"] == want["citations"] and got["answer"] == want["answer"]
    for c in got["citations"]:  # exact against the fetched copy and against the writer's file
        assert (cache / "docs" / c["doc"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]
        assert (docs / c["doc"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]
    assert server.data.manifest["published_from"] == grpc_milvus
    assert sorted(p.name for p in (cache / "docs").iterdir()) == sorted(p.name for p in docs.iterdir())
    # a new version: only the changed chunks travel, and the app server switches to it by itself
    (docs / "ferry.txt").write_text(FERRY, encoding="utf-8")
    writer.index(progress=False)
    c = milvus_store.client(grpc_milvus)
    assert published.published_version(c, "qa") == writer.data.manifest["data_dir"]
    server._fetched_at = 0.0  # (it looks again every CHECK_EVERY_S seconds)
    ans = server.ask(FERRY_Q)
    assert ans.citations[0].doc == "ferry.txt" and "Bluewater Lines" in ans.citations[0].quote
    _exact(ans, cache / "docs")
    assert len([p for p in cache.iterdir() if p.name.startswith("v-")]) == 1
    # nothing published under another prefix: said, with the command to run
    other = _engine(tmp_path / "nowhere", tmp_path / "other", embedder, milvus_uri=grpc_milvus, read_only=True,
                    milvus_prefix="elsewhere")
    with pytest.raises(store.IndexMissing, match="No index is published"):
        other.ask(QUESTIONS[0])
