"""Hybrid passage retrieval: dense (FAISS) and BM25, fused by a normalised-score mix.

Each passage's score mixes (a) its dense cosine, (b) its BM25 score and (c) the
best dense cosine of one of its sentences (sentence vectors come free with the
passage encoding), each min-max normalised over the candidate pool. Measured on
SQuAD 2.0 dev (``python -m qa eval --squad``), this beats both BM25-only and
dense-only, while reciprocal-rank fusion lost to BM25 alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .store import IndexData

#: Weights of the score mix (dense passage, BM25, best sentence), set by measurement.
MIX = {"dense": 0.1, "bm25": 0.4, "sentence": 0.5}


@dataclass
class Hit:
    passage: int
    score: float
    dense: float  # cosine of the question and the passage
    bm25: float  # raw BM25 score
    sentence: float  # best cosine of the question and one sentence of the passage


def _minmax(x: np.ndarray) -> np.ndarray:
    if len(x) == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-9:
        return np.ones_like(x) if hi > 0 else np.zeros_like(x)
    return (x - lo) / (hi - lo)


def sentence_max(data: IndexData, qvec: np.ndarray, passages: np.ndarray) -> np.ndarray:
    """Best sentence cosine inside each passage."""
    # perf (issue 6): one gather and one matrix product for all passages instead of a
    # memory-mapped slice per passage (~30 ms a question at a million passages, now ~2 ms)
    out = np.zeros(len(passages), dtype=np.float32)
    passages = np.asarray(passages, dtype=np.int64)
    lo = np.asarray(data.passage_lo[passages], dtype=np.int64)
    n = np.maximum(np.asarray(data.passage_hi[passages], dtype=np.int64) - lo, 0)
    has = n > 0
    if not has.any():
        return out
    lo, n = lo[has], n[has]
    rows = np.repeat(lo - np.concatenate([[0], np.cumsum(n)[:-1]]), n) + np.arange(int(n.sum()))
    sims = np.asarray(data.sent_vecs[rows], dtype=np.float32) @ qvec
    out[has] = np.maximum.reduceat(sims, np.concatenate([[0], np.cumsum(n)[:-1]]))
    return out


def search(data: IndexData, qvec: np.ndarray, text: str, k: int = 20, mode: str = "hybrid",
           pool: int = 100, bm25_scores: np.ndarray | None = None) -> list[Hit]:
    """The ``k`` best passages for a question. ``mode``: hybrid | dense | bm25."""
    n = data.n_passages
    if n == 0:
        return []
    pool = min(max(pool, k), n)
    qvec = np.asarray(qvec, dtype=np.float32).reshape(-1)
    cand: list[int] = []
    if mode in ("hybrid", "dense"):
        _, I = data.dense.search(qvec[None, :], pool)
        cand += [int(i) for i in I[0] if i >= 0]
    full_bm25 = bm25_scores if bm25_scores is not None else (
        data.bm25.scores(text) if mode in ("hybrid", "bm25") else None)
    if mode in ("hybrid", "bm25") and full_bm25 is not None:
        # perf (issue 6): only passages with a positive score can be kept, so partition those
        # alone (a partition of all scores took ~35 ms a question at a million passages)
        pos = np.flatnonzero(full_bm25 > 0)
        if len(pos) > pool:
            pos = pos[np.argpartition(-full_bm25[pos], pool - 1)[:pool]]
        cand += pos.tolist()
    idx = np.array(sorted(set(cand)), dtype=np.int64)
    if len(idx) == 0:
        return []
    dense = np.asarray(data.passage_vecs[idx], dtype=np.float32) @ qvec
    bm = full_bm25[idx] if full_bm25 is not None else np.zeros(len(idx), np.float32)
    if mode == "dense":
        score = dense
        sent = np.zeros(len(idx), np.float32)
    elif mode == "bm25":
        score = bm
        sent = np.zeros(len(idx), np.float32)
    else:
        sent = sentence_max(data, qvec, idx)
        bm_n = bm / bm.max() if bm.max() > 0 else bm
        score = MIX["dense"] * _minmax(dense) + MIX["bm25"] * bm_n + MIX["sentence"] * _minmax(sent)
    order = np.argsort(-score, kind="stable")[:k]
    return [Hit(int(idx[o]), float(score[o]), float(dense[o]), float(bm[o]), float(sent[o])) for o in order]
