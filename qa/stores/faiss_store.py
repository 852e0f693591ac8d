"""The default store: FAISS (dense) and bm25s (BM25) files inside the index version folder."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..bm25 import BM25Index
from ..dense import _as_ivf, build_dense, configure, kind_for
from .base import PassageRows, StoreOptions

KIND = "faiss"


class EmptyBM25:
    """The BM25 part of an index without passages."""

    size = 0

    def __init__(self):
        from types import SimpleNamespace

        # the attributes of a bm25s retriever that callers read (vocabulary, document frequencies)
        self.retriever = SimpleNamespace(vocab_dict={}, scores={"indptr": np.zeros(1, np.int64), "num_docs": 0})

    def scores(self, question: str) -> np.ndarray:
        return np.zeros(0, dtype=np.float32)


class FaissSearcher:
    """Dense search with FAISS, BM25 with bm25s (every passage's score, then the best)."""

    kind = KIND

    def __init__(self, dense, bm25):
        self.dense, self.bm25 = dense, bm25
        self.size = int(dense.ntotal)

    def dense_search(self, qvec: np.ndarray, k: int, where=None) -> tuple[np.ndarray, np.ndarray]:
        q = np.asarray(qvec, np.float32).reshape(1, -1)
        if where is None:
            D, I = self.dense.search(q, min(k, self.size))
        else:  # FAISS skips the other rows itself (exact for flat, same cells visited for IVF)
            import faiss

            sel = faiss.IDSelectorBatch(np.asarray(where.rows, np.int64))
            ivf = _as_ivf(self.dense)
            params = (faiss.SearchParametersIVF(sel=sel, nprobe=int(ivf.nprobe)) if ivf is not None
                      else faiss.SearchParameters(sel=sel))
            D, I = self.dense.search(q, min(k, len(where.rows)), params=params)
        keep = I[0] >= 0
        return I[0][keep].astype(np.int64), D[0][keep]

    def bm25_search(self, text: str, k: int, also: np.ndarray, where=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        full = self.bm25.scores(text)
        if where is not None and len(full):
            kept = np.zeros_like(full)
            kept[where.rows] = full[where.rows]
            full = kept
        # perf (issue 6): only passages with a positive score can be kept, so partition those
        # alone (a partition of all scores took ~35 ms a question at a million passages)
        pos = np.flatnonzero(full > 0)
        if len(pos) > k:
            pos = pos[np.argpartition(-full[pos], k - 1)[:k]]
        pos = pos[np.argsort(-full[pos], kind="stable")]
        also = np.asarray(also, np.int64)
        return pos.astype(np.int64), full[pos], (full[also] if len(full) else np.zeros(len(also), np.float32))

    def term_stats(self) -> tuple[dict[str, int], np.ndarray]:
        r = self.bm25.retriever
        return r.vocab_dict, np.diff(np.asarray(r.scores["indptr"]))


class FaissBuild:
    """A FAISS index and a bm25s index over a version's passages, saved into its folder."""

    def __init__(self, dense, bm25, params: dict, n: int, cfg):
        self.dense, self.bm25, self.params, self.n, self.cfg = dense, bm25, params, n, cfg

    def save(self, folder: Path) -> None:
        import faiss

        faiss.write_index(self.dense, str(folder / "dense.faiss"))
        if self.bm25 is not None:  # None for an index without passages (bm25s cannot index nothing)
            self.bm25.save(folder / "bm25")

    def manifest_entry(self) -> dict:
        return {"store": {"kind": KIND}, "dense": kind_for(self.n, self.cfg), "dense_params": self.params}

    def after_switch(self, index_dir: Path, manifest: dict) -> None:
        pass


def build(rows: PassageRows, cfg, options: StoreOptions, index_dir: Path, progress: bool = False,
          identity: dict | None = None) -> FaissBuild:
    """Build the FAISS and BM25 indexes of the new version's passages (all of them: they are files)."""
    params: dict = {}
    dense = build_dense(rows.vecs, cfg, params)
    bm25 = BM25Index.build(rows.texts) if rows.texts else None
    return FaissBuild(dense, bm25, params, len(rows.texts), cfg)


def check(manifest: dict, options: StoreOptions, index_dir: Path) -> str | None:
    """Nothing to repair outside the version folder (its files are checked by qa.store.load)."""
    return None


def from_parts(dense, bm25, params: dict, n: int, cfg) -> FaissBuild:
    """A build from indexes made elsewhere (the benchmark's synthetic archives)."""
    return FaissBuild(dense, bm25, params, n, cfg)


def open_searcher(folder: Path, manifest: dict, data, options: StoreOptions, index_dir: Path) -> FaissSearcher:
    """Load the version's FAISS and BM25 files (raises ValueError when their sizes disagree)."""
    import faiss

    dense = faiss.read_index(str(folder / "dense.faiss"))
    configure(dense, manifest)  # search-time parameters (nprobe / efSearch)
    n = data.n_passages
    if dense.ntotal != n:
        raise ValueError("FAISS index size disagrees")
    bm25 = BM25Index.load(folder / "bm25") if n else EmptyBM25()
    if bm25.size != n:
        raise ValueError("BM25 index size disagrees")
    data.dense, data.bm25 = dense, bm25
    return FaissSearcher(dense, bm25)
