"""The benchmark command: a small real run (seed articles, 20 questions) and its JSON shape.

No wall-clock thresholds here: speed targets are reported by ``python -m qa bench``, not asserted.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT

KEYS = {"name", "passages", "synthetic", "index_type", "index_passages_per_s", "encode_passages_per_s",
        "index_to_encode_ratio", "query_ms_p50", "query_ms_p95", "rss_mb", "recall@10_vs_exact"}


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    report = tmp_path_factory.mktemp("bench") / "performance.md"
    env = dict(os.environ, QA_BENCH_REPORT=str(report), HF_HUB_OFFLINE="1")
    proc = subprocess.run([sys.executable, "-m", "qa", "bench", "--sizes", "seeds", "--queries", "20",
                           "--no-cold-start", "--json"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout), report


def test_json_structure(bench_run):
    result, _ = bench_run
    assert {"machine", "date", "cold_start_s", "sizes"} <= set(result)
    assert result["cold_start_s"] is None  # --no-cold-start
    assert result["machine"]["cores"] >= 1
    assert [s["name"] for s in result["sizes"]] == ["seeds"]
    row = result["sizes"][0]
    assert KEYS <= set(row)
    assert row["synthetic"] is False
    assert row["index_type"] == "flat"
    assert row["recall@10_vs_exact"] is None  # exact index: nothing to compare


def test_values_are_sane(bench_run):
    row = bench_run[0]["sizes"][0]
    assert row["passages"] > 10
    assert row["index_passages_per_s"] > 0 and row["encode_passages_per_s"] > 0
    assert row["index_to_encode_ratio"] == pytest.approx(
        row["index_passages_per_s"] / row["encode_passages_per_s"], rel=0.01)
    assert row["queries"] == 20
    assert 0 < row["query_ms_p50"] <= row["query_ms_p95"]
    assert row["rss_mb"] > 50
    assert row["stage_ms_mean"]["encode_query"] > 0
    # signing extraction is its own stage of the build; the first "who signed" question is timed apart
    assert row["signings"] == 4 and 0 < row["extract_s"] < row["index_s"]
    assert row["first_signing_question_ms"] > 0


def test_report_written(bench_run):
    _, report = bench_run
    text = report.read_text()
    assert "python -m qa bench" in text and "| seeds |" in text
    assert "Machine:" in text and "Date:" in text


def test_unknown_size_is_an_error(tmp_path):
    env = dict(os.environ, QA_BENCH_REPORT=str(tmp_path / "p.md"))
    proc = subprocess.run([sys.executable, "-m", "qa", "bench", "--sizes", "seeds,2m"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "2m" in proc.stderr


def test_dense_index_choice_and_recall():
    """Exact below the threshold; IVF above it, tuned to recall@10 >= 0.95 against exact search."""
    from qa.config import load_config
    from qa.dense import build_dense, configure, exact_topk, kind_of, probe_queries, recall_at_k

    rng = np.random.default_rng(1)
    centers = rng.standard_normal((50, 32)).astype(np.float32)
    x = centers[rng.integers(0, 50, 6000)] + 0.5 * rng.standard_normal((6000, 32)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    assert kind_of(build_dense(x, load_config(ann_threshold=10_000))) == "flat"
    params: dict = {}
    index = build_dense(x, load_config(ann_threshold=1_000), params)
    assert kind_of(index).startswith("ivf") and params["nprobe"] >= 1
    index.nprobe = 1
    configure(index, {"dense_params": params})
    assert index.nprobe == params["nprobe"]
    q = probe_queries(x, rng, 100)
    _, found = index.search(q, 10)
    assert recall_at_k(found, exact_topk(x, q, 10)) >= 0.95


def test_vectorised_bm25_matches_bm25s():
    """The synthetic archives' BM25 matrix equals what BM25Index.build makes from the same texts."""
    from qa.bench import bm25_from_tokens
    from qa.bm25 import BM25Index, tokenize

    texts = ["The Normans gave their name to Normandy, a region in France.",
             "Rollo agreed to swear fealty to King Charles III of West Francia.",
             "The Norman dynasty had a major political, cultural and military impact.",
             "Normandy Normandy France France France and the Normans again."]
    vocab: dict[str, int] = {}
    toks = [np.array([vocab.setdefault(w, len(vocab)) for w in tokenize(t)], np.int64) for t in texts]
    mine, ref = bm25_from_tokens(toks, vocab), BM25Index.build(texts)
    for q in ("Normans in France", "King Charles fealty", "military impact of the dynasty"):
        np.testing.assert_allclose(mine.scores(q), ref.scores(q), rtol=1e-5)
