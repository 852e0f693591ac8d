"""The FAISS index over passage vectors: exact below ``cfg.ann_threshold`` passages, approximate above.

* up to the threshold: ``IndexFlatIP`` (exact inner product = cosine, vectors are normalised);
* above it: an inverted file (IVF, k-means cells) whose vectors are stored as float16
  (``IndexIVFScalarQuantizer`` with ``QT_fp16``): half the memory of a flat float32 copy and
  near-exact scores. ``nprobe`` (cells visited per query) is tuned at build time: the smallest
  value reaching recall@10 :data:`TARGET_RECALL` against exact search on question-like probe
  vectors, doubled as a margin (real questions sit differently from the probes), and recorded
  in the manifest (``dense_params``); :func:`configure` applies it when the index is loaded.

Why IVF and not HNSW (measured on 300,000 synthetic passages of the benchmark, 200 SQuAD
questions, 2 busy cores): IVF1024-fp16 built in 14 s, recall@10 0.983 at 0.22 ms a search;
HNSW32 (efConstruction 64) built in 43 s and reached only 0.61 / 0.67 / 0.76 recall@10 at
efSearch 32 / 64 / 128 (the archive holds many near-duplicate passages, which HNSW handles
badly), and keeps a float32 copy plus the graph in memory. At 1,000,000 passages (IVF2048):
nprobe 8 → recall 0.957, 16 → 0.981 (0.37 ms a search), 32 → 0.982.
"""
from __future__ import annotations

import logging
import math
import os

import numpy as np

log = logging.getLogger(__name__)

#: recall@10 against exact search that the nprobe tuning aims for (with a margin over the 0.95 target).
TARGET_RECALL = 0.98
NPROBE_CANDIDATES = (8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
#: HNSW search depth, for indexes built by older versions.
EF_SEARCH = 128


def kind_for(n: int, cfg) -> str:
    """``"flat"`` (exact) or ``"ivf"`` (approximate) for a corpus of ``n`` passages."""
    return "ivf" if n > cfg.ann_threshold else "flat"


def _nlist(n: int) -> int:
    """Number of IVF cells: a power of two near 2·sqrt(n) (2048 at a million passages)."""
    return int(2 ** round(math.log2(max(16.0, 2.0 * math.sqrt(n)))))


def build_dense(vectors: np.ndarray, cfg, params: dict | None = None):
    """A FAISS index over ``vectors`` (float32, L2-normalised rows).

    ``params``, if given, receives the search parameters to store in the manifest.
    """
    import faiss

    x = np.ascontiguousarray(vectors, dtype=np.float32)
    with _all_threads():
        return _build(x, cfg, params)


def _build(x: np.ndarray, cfg, params: dict | None):
    import faiss

    n, dim = x.shape
    if kind_for(n, cfg) == "flat":
        index = faiss.IndexFlatIP(dim)
        if n:
            index.add(x)
        return index
    nlist = _nlist(n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_fp16,
                                          faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 10
    rng = np.random.default_rng(0)
    train = x[np.sort(rng.choice(n, size=min(n, 40 * nlist), replace=False))]
    index.train(train)
    for b in range(0, n, 100_000):
        index.add(x[b : b + 100_000])
    index.nprobe = tune_nprobe(index, x, rng)
    if params is not None:
        params.update(nlist=nlist, nprobe=int(index.nprobe), storage="fp16")
    log.info("IVF index: %d passages, %d cells, nprobe %d", n, nlist, index.nprobe)
    return index


def probe_queries(x: np.ndarray, rng, count: int = 200) -> np.ndarray:
    """Question-like probes: stored vectors moved about as far as a question is from its passage (cos ≈ 0.6)."""
    q = x[rng.choice(len(x), size=min(count, len(x)), replace=False)].astype(np.float32)
    noise = rng.standard_normal(q.shape).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    q = q + 1.3 * noise
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def exact_topk(x: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """Exact top-k ids by inner product (brute force, in blocks)."""
    import faiss

    flat = faiss.IndexFlatIP(x.shape[1])
    best_s = np.full((len(queries), k), -np.inf, np.float32)
    best_i = np.full((len(queries), k), -1, np.int64)
    block = 200_000
    for b in range(0, len(x), block):
        flat.reset()
        flat.add(np.ascontiguousarray(x[b : b + block], dtype=np.float32))
        s, i = flat.search(queries, k)
        s_all = np.concatenate([best_s, s], 1)
        i_all = np.concatenate([best_i, i + b], 1)
        top = np.argsort(-s_all, axis=1)[:, :k]
        best_s = np.take_along_axis(s_all, top, 1)
        best_i = np.take_along_axis(i_all, top, 1)
    return best_i


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    k = truth.shape[1]
    return float(np.mean([len(set(f[:k].tolist()) & set(t.tolist())) / k for f, t in zip(found, truth)]))


def tune_nprobe(index, x: np.ndarray, rng) -> int:
    """Twice the smallest nprobe whose recall@10 against exact search reaches :data:`TARGET_RECALL`."""
    q = probe_queries(x, rng)
    truth = exact_topk(x, q, 10)
    for nprobe in NPROBE_CANDIDATES:
        index.nprobe = nprobe
        _, found = index.search(q, 10)
        r = recall_at_k(found, truth)
        log.info("nprobe %d: recall@10 %.3f", nprobe, r)
        if r >= TARGET_RECALL:
            return min(2 * nprobe, index.nlist)
    return min(2 * NPROBE_CANDIDATES[-1], index.nlist)


def kind_of(index) -> str:
    """A short name of a FAISS index type, for reports."""
    import faiss

    if isinstance(index, faiss.IndexFlat):
        return "flat"
    ivf = _as_ivf(index)
    if ivf is not None:
        return f"ivf{ivf.nlist}-sq-fp16" if isinstance(ivf, faiss.IndexIVFScalarQuantizer) else f"ivf{ivf.nlist}"
    if hasattr(index, "hnsw"):
        return "hnsw"
    return type(index).__name__


def _as_ivf(index):
    import faiss

    try:
        return faiss.extract_index_ivf(index)
    except Exception:  # not an IVF index
        return None


#: OpenMP threads for searching: one question is one small search, and on a busy 2-core machine
#: FAISS's OpenMP threads spin against each other (measured at 100k passages, flat: p50 34 ms with
#: 2 threads, 6 ms with 1). Builds use all cores (see :func:`_all_threads`).
SEARCH_THREADS = 1


class _all_threads:
    """Use every core inside the block (index building), then go back to the search setting."""

    def __enter__(self):
        import faiss

        self.prev = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                      else (os.cpu_count() or 1)))

    def __exit__(self, *exc):
        import faiss

        faiss.omp_set_num_threads(self.prev)


def configure(index, manifest: dict | None = None) -> None:
    """Set search-time parameters on a loaded index (nprobe from the manifest; efSearch for HNSW; threads)."""
    import faiss

    faiss.omp_set_num_threads(SEARCH_THREADS)
    params = (manifest or {}).get("dense_params") or {}
    ivf = _as_ivf(index)
    if ivf is not None and params.get("nprobe"):
        ivf.nprobe = int(params["nprobe"])
    elif hasattr(index, "hnsw"):
        index.hnsw.efSearch = int(params.get("efSearch", EF_SEARCH))
