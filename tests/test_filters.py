"""Question filters (documents, date range) honoured by retrieval over both stores, the CLI and the API."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.answer import QuestionError
from qa.filters import make_filter
from qa.stores import milvus_store

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who signed the strategic cooperation agreement?"


@pytest.fixture(params=["faiss", "milvus"])
def engine(request, tmp_path, embedder):
    from qa.engine import Engine

    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "seeds", docs)
    e = Engine(docs_dir=docs, index_dir=tmp_path / "index", store=request.param)
    e._embedder = embedder
    e.index(progress=False)
    yield e
    for uri in list(milvus_store._clients):
        milvus_store.forget_client(uri)


def test_document_filter_keeps_every_citation_inside(engine):
    docs = sorted(engine.data.doc_ids)
    unfiltered = {c.doc for c in engine.ask(QUESTION, k=5).citations}
    for doc in docs:
        ans = engine.ask(QUESTION, k=5, filters=make_filter([doc], known=docs))
        assert ans.abstained or {c.doc for c in ans.citations} == {doc}, (doc, ans.to_dict())
    two = docs[:2]
    ans = engine.ask(QUESTION, k=5, filters=make_filter(two, known=docs))
    assert {c.doc for c in ans.citations} <= set(two)
    assert len(unfiltered) >= 1


def test_date_range_filter(engine):
    dates = {d: m.get("date") for d, m in engine.data.manifest["docs"].items()}
    dated = sorted(v for v in dates.values() if v)
    assert len(dated) >= 2, dates
    latest = dated[-1]
    ans = engine.ask(QUESTION, k=5, filters=make_filter(date_from=latest))
    assert ans.citations and all(dates[c.doc] and dates[c.doc] >= latest for c in ans.citations)
    year = dated[0][:4]
    ans = engine.ask(QUESTION, k=5, filters=make_filter(date_from=year, date_to=year))
    # a date range leaves out documents without a date
    assert ans.citations and all(dates[c.doc] and dates[c.doc].startswith(year) for c in ans.citations)
    none = engine.ask(QUESTION, filters=make_filter(date_from="2090-01-01"))
    assert none.abstained and "no indexed document matches the filters" in none.message


def test_bad_filters_are_clear_errors():
    with pytest.raises(QuestionError, match="Not in the index: nope.txt"):
        make_filter(["nope.txt"], known=["a.txt"])
    with pytest.raises(QuestionError, match="must be a date"):
        make_filter(date_to="2024-02-30")
    with pytest.raises(QuestionError, match="reversed"):
        make_filter(date_from="2024-05-01", date_to="2023")
    assert make_filter("a.txt, b.txt").docs == ("a.txt", "b.txt")  # the API's comma-separated form


def test_cli_ask_with_filters(tmp_path, seed_engine):
    import json
    import os
    import subprocess
    import sys

    index = seed_engine.config.index_dir
    doc = sorted(seed_engine.data.doc_ids)[2]
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    run = lambda *a: subprocess.run([sys.executable, "-m", "qa", "ask", QUESTION, "--index", str(index), *a],
                                    cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    out = run("--doc", doc, "--json", "-k", "5")
    assert out.returncode == 0, out.stderr
    assert {c["doc"] for c in json.loads(out.stdout)["citations"]} == {doc}
    bad = run("--from", "2024-13-01", "--json")
    assert bad.returncode == 2 and "must be a date" in json.loads(bad.stdout)["error"]
