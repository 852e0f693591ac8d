"""The Milvus store: passages, their vectors and BM25 in one Milvus collection.

* Where: ``QA_MILVUS_URI`` (``--milvus-uri``); by default an embedded milvus-lite file
  ``milvus.db`` inside the index folder (one process at a time may open it). A cluster is
  ``http://host:19530``: the same code, over gRPC.
* Schema: ``pk`` (the passage key, :func:`~.base.passage_keys`), ``doc`` and ``date`` (scalars
  for filters), ``text`` (the passage text), ``terms`` (its stems, as BM25 in this project
  tokenises them: accent folding, stopwords, Snowball) with Milvus's BM25 function writing the
  ``sparse`` field, and ``vec`` (the passage vector). Feeding Milvus our own stems through its
  whitespace analyzer, with k1 1.5 and b 0.75, makes its BM25 score of every passage the
  bm25s score times (k1 + 1): the scores are divided back, so both stores fuse the same numbers.
* Dense index: FLAT (exact; the default), IVF_FLAT or AUTOINDEX; HNSW on a cluster (milvus-lite
  refuses it). Scores are fused on the client from each request's raw scores
  (:mod:`qa.retrieve`), not with Milvus's rankers (its WeightedRanker turns BM25 round).
* Versions: the manifest stays the source of truth. An update upserts the rows of new and
  changed documents before the manifest switch and deletes the rows no version needs after it;
  the collection's name carries a hash of the model and the passage settings, so a model change
  writes a new collection and drops the old one after the switch.
* What stays in the version folder: the arrays, texts and sentence vectors the evidence and
  quote checks read, and the term statistics (``terms.json``).
"""
from __future__ import annotations

import json
import logging
import re
import sys
import threading
import warnings
from pathlib import Path

import numpy as np

from ..bm25 import tokenize
from ..store import StoreUnavailable
from .base import PassageRows, StoreOptions

log = logging.getLogger(__name__)
# milvus-lite imports pkg_resources (hence setuptools<81 in requirements.txt), which warns on import
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
KIND = "milvus"
K1, B = 1.5, 0.75  # as bm25s (method "lucene")
TERMS = "terms.json"
DEFAULT_FILE = "milvus.db"
#: Dense index types milvus-lite accepts; a cluster also takes HNSW.
LITE_INDEXES = ("FLAT", "IVF_FLAT", "AUTOINDEX")
INDEXES = LITE_INDEXES + ("HNSW",)
MAX_BYTES = 65_000  # VARCHAR fields hold at most 65,535 bytes
BATCH = 500

_clients: dict[str, object] = {}
_clients_lock = threading.Lock()


def is_file_uri(uri: str) -> bool:
    return not re.match(r"^[a-z]+://", uri)


def resolve_uri(options: StoreOptions, index_dir: Path, recorded: str | None = None) -> str:
    """The Milvus to use: the configured URI, else the one the index recorded, else ``milvus.db`` in the index."""
    uri = options.milvus_uri or recorded or str(Path(index_dir).resolve() / DEFAULT_FILE)
    return str(Path(uri).expanduser().resolve()) if is_file_uri(uri) else uri


def client(uri: str):
    """One MilvusClient per URI and process (milvus-lite allows one process per file)."""
    with _clients_lock:
        c = _clients.get(uri)
        if c is None:
            with warnings.catch_warnings():  # milvus-lite imports pkg_resources
                warnings.simplefilter("ignore")
                from pymilvus import MilvusClient
            if is_file_uri(uri):
                name = Path(uri).name
                if not re.match(r"^[a-zA-Z0-9.\-_]{1,36}$", name) or not name.endswith(".db"):
                    raise StoreUnavailable(f"A milvus-lite file must be named like 'milvus.db' (letters, digits, "
                                           f"'.', '-', '_'; at most 36 characters), not {name!r}")
                Path(uri).parent.mkdir(parents=True, exist_ok=True)
            try:
                c = MilvusClient(uri)
            except Exception as exc:
                hint = ("another process (the web app, or another 'qa index') has it open: stop it, or index from "
                        "the app's Documents tab, or serve the file with a Milvus server and use its URI"
                        if is_file_uri(uri) else "check that the Milvus server is running and the URI is right")
                raise StoreUnavailable(f"Cannot open Milvus at {uri} ({type(exc).__name__}: {exc}); {hint}.") from exc
            _clients[uri] = c
        return c


def forget_client(uri: str) -> None:
    """Close and forget the client of ``uri`` (tests; a milvus-lite file can then be opened elsewhere)."""
    with _clients_lock:
        c = _clients.pop(uri, None)
    if c is not None:
        try:
            c.close()
        except Exception:
            pass
    if is_file_uri(uri):  # stop this process's milvus-lite server of the file (it holds the file's lock)
        try:
            from milvus_lite.server_manager import server_manager_instance

            if str(Path(uri).resolve()) in server_manager_instance._servers:
                server_manager_instance.release_server(uri)
        except Exception:
            pass


def collection_name(prefix: str, identity: dict) -> str:
    """``<prefix>_<hash of the model and passage settings>``: a new model writes a new collection."""
    import xxhash

    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$", prefix):
        raise ValueError(f"a Milvus collection prefix is letters, digits and '_' (not starting with a digit): {prefix!r}")
    return f"{prefix}_{xxhash.xxh3_64_hexdigest(json.dumps(identity, sort_keys=True).encode())[:12]}"


def _clip(text: str) -> str:
    raw = text.encode("utf-8")
    return text if len(raw) <= MAX_BYTES else raw[:MAX_BYTES].decode("utf-8", "ignore")


def terms_of(text: str) -> str:
    """What the ``terms`` field holds: the BM25 stems of ``text``, space-separated."""
    return _clip(" ".join(tokenize(text))) or "\u2205"


def _dense_params(index_type: str, n: int) -> tuple[dict, dict]:
    """(build params, search params) of the dense index."""
    if index_type == "IVF_FLAT":
        nlist = int(2 ** round(np.log2(max(16.0, 2.0 * np.sqrt(max(n, 1))))))
        return {"nlist": nlist}, {"nprobe": max(16, nlist // 16)}
    if index_type == "HNSW":
        return {"M": 16, "efConstruction": 200}, {"ef": 128}
    return {}, {}


def _create(c, name: str, dim: int, index_type: str, n: int) -> None:
    from pymilvus import DataType, Function, FunctionType

    s = c.create_schema(auto_id=False)
    s.add_field("pk", DataType.INT64, is_primary=True)
    s.add_field("doc", DataType.VARCHAR, max_length=4096)
    s.add_field("date", DataType.VARCHAR, max_length=64)
    s.add_field("text", DataType.VARCHAR, max_length=65535)
    s.add_field("terms", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                analyzer_params={"tokenizer": "whitespace"})
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=dim)
    s.add_function(Function(name="terms_bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                            output_field_names=["sparse"]))
    ip = c.prepare_index_params()
    build, _ = _dense_params(index_type, n)
    ip.add_index("vec", index_type=index_type, metric_type="IP", params=build)
    ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                 params={"bm25_k1": K1, "bm25_b": B})
    c.create_collection(name, schema=s, index_params=ip, consistency_level="Strong")
    log.info("created Milvus collection %s (%s, dim %d)", name, index_type, dim)


def count(c, name: str) -> int:
    """Rows in the collection (deleted rows not counted)."""
    res = c.query(name, filter="", output_fields=["count(*)"], consistency_level="Strong")
    return int(res[0]["count(*)"]) if res else 0


def _term_stats(rows: PassageRows) -> tuple[list[str], list[int]]:
    df: dict[str, int] = {}
    for t in rows.texts:
        for stem in set(tokenize(t)):
            df[stem] = df.get(stem, 0) + 1
    stems = sorted(df)
    return stems, [df[s] for s in stems]


class MilvusBuild:
    """The new version's rows upserted into the collection; the term statistics for its folder."""

    def __init__(self, c, uri: str, name: str, index_type: str, prefix: str, keys: np.ndarray,
                 old_keys: np.ndarray | None, stems: list[str], df: list[int], upserted: int):
        self.c, self.uri, self.name, self.index_type, self.prefix = c, uri, name, index_type, prefix
        self.keys, self.old_keys, self.stems, self.df, self.upserted = keys, old_keys, stems, df, upserted

    def save(self, folder: Path) -> None:
        (folder / TERMS).write_text(json.dumps({"stems": self.stems, "df": self.df}, ensure_ascii=False),
                                    encoding="utf-8")

    def manifest_entry(self) -> dict:
        entry = {"kind": KIND, "collection": self.name, "index_type": self.index_type}
        if is_file_uri(self.uri) or "@" not in self.uri:  # never record credentials
            entry["uri"] = self.uri
        return {"store": entry, "dense": f"milvus-{self.index_type.lower()}", "dense_params": {}}

    def after_switch(self, index_dir: Path, manifest: dict) -> None:
        """Delete the rows only the previous version needed; drop collections of an older model; on a
        Milvus server, publish the version for app servers without files (:mod:`.published`)."""
        keys = set(self.keys.tolist())
        if self.old_keys is not None:
            gone = [int(k) for k in self.old_keys.tolist() if k not in keys]
            for b in range(0, len(gone), 1000):
                self.c.delete(self.name, ids=gone[b : b + 1000])
        if count(self.c, self.name) > len(keys):  # rows of an interrupted update: find them all
            stray: list[int] = []
            it = self.c.query_iterator(self.name, batch_size=1000, filter="", output_fields=["pk"])
            try:
                while True:
                    batch = it.next()
                    if not batch:
                        break
                    stray += [int(r["pk"]) for r in batch if int(r["pk"]) not in keys]
            finally:
                it.close()
            for b in range(0, len(stray), 1000):
                self.c.delete(self.name, ids=stray[b : b + 1000])
            log.info("deleted %d rows of interrupted updates from %s", len(stray), self.name)
        for other in self.c.list_collections():
            if other != self.name and re.fullmatch(re.escape(self.prefix) + r"_[0-9a-f]{12}", other):
                log.info("dropping Milvus collection %s (an older model or passage settings)", other)
                self.c.drop_collection(other)
        if not is_file_uri(self.uri) and not manifest.get("synthetic"):
            from .published import publish

            publish(self.c, self.prefix, index_dir, manifest)


def build(rows: PassageRows, cfg, options: StoreOptions, index_dir: Path, progress: bool = False,
          identity: dict | None = None) -> MilvusBuild:
    """Upsert the rows the collection lacks (new and changed documents; all of them when rows are
    missing, e.g. after a crash or on a new Milvus) and compute the term statistics."""
    from tqdm import tqdm

    index_type = options.milvus_index.upper()
    if index_type not in INDEXES:
        raise ValueError(f"unknown Milvus index type {options.milvus_index!r}: choose one of {', '.join(INDEXES)}")
    uri = resolve_uri(options, index_dir)
    if is_file_uri(uri) and index_type not in LITE_INDEXES:
        raise ValueError(f"milvus-lite (the file {uri}) has no {index_type} index: use one of "
                         f"{', '.join(LITE_INDEXES)} (QA_MILVUS_INDEX), or a Milvus cluster URI")
    c = client(uri)
    name = collection_name(options.milvus_prefix, identity or {})
    dim = int(rows.vecs.shape[1]) if rows.vecs.ndim == 2 else 0
    if not c.has_collection(name):
        _create(c, name, dim, index_type, len(rows.keys))
    todo = np.ones(len(rows.keys), bool)
    if rows.old_keys is not None and count(c, name) >= len(rows.old_keys):
        todo = ~np.isin(rows.keys, rows.old_keys)  # the previous version's rows are all there
    idx = np.flatnonzero(todo)
    bar = tqdm(total=len(idx), desc="Writing passages to Milvus", unit="passage", file=sys.stderr,
               disable=not (progress and len(idx)), dynamic_ncols=True)
    for b in range(0, len(idx), BATCH):
        part = idx[b : b + BATCH]
        c.upsert(name, [{"pk": int(rows.keys[i]), "doc": _clip(rows.docs[i])[:4000], "date": (rows.dates[i] or "")[:60],
                         "text": _clip(rows.texts[i]), "terms": terms_of(rows.texts[i]),
                         "vec": np.asarray(rows.vecs[i], np.float32).tolist()} for i in part])
        bar.update(len(part))
    bar.close()
    stems, df = _term_stats(rows)
    log.info("Milvus %s: %d rows upserted, %d kept", name, len(idx), len(rows.keys) - len(idx))
    return MilvusBuild(c, uri, name, index_type, options.milvus_prefix, rows.keys, rows.old_keys, stems, df, len(idx))


def check(manifest: dict, options: StoreOptions, index_dir: Path) -> str | None:
    """Why the collection needs repair (rows missing or extra), or None when it matches the manifest."""
    entry = manifest.get("store") or {}
    expected = int(manifest.get("counts", {}).get("passages", 0))
    try:
        c = client(resolve_uri(options, index_dir, entry.get("uri")))
        have = count(c, entry["collection"]) if c.has_collection(entry.get("collection", "")) else -1
    except StoreUnavailable:
        raise
    except Exception as exc:
        return f"the Milvus collection could not be read ({exc})"
    if have == expected:
        uri = resolve_uri(options, index_dir, entry.get("uri"))
        if not is_file_uri(uri):
            from .published import published_version

            if published_version(c, options.milvus_prefix) != manifest.get("data_dir"):
                return "the index's current version is not published on the Milvus server"
        return None
    return ("the Milvus collection is missing" if have < 0 else
            f"the Milvus collection holds {have} passages, the index {expected}")


class MilvusSearcher:
    """Dense and BM25 requests to the collection; keys mapped back to this version's rows."""

    kind = KIND

    def __init__(self, c, name: str, keys: np.ndarray, index_type: str, stems: list[str], df: list[int]):
        self.c, self.name = c, name
        self.size = len(keys)
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        self._keys = keys
        _, self._search_params = _dense_params(index_type, self.size)
        self._vocab = {s: i for i, s in enumerate(stems)}
        self._df = np.asarray(df, np.int64)

    def rows_of(self, pks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, mask): this version's rows of the keys that belong to it (others are dropped)."""
        pks = np.asarray(pks, np.int64)
        if not self.size or not len(pks):
            return np.zeros(0, np.int64), np.zeros(len(pks), bool)
        i = np.minimum(np.searchsorted(self._sorted, pks), self.size - 1)
        ok = self._sorted[i] == pks
        return self._order[i[ok]].astype(np.int64), ok

    def _hits(self, res) -> tuple[np.ndarray, np.ndarray]:
        hits = res[0] if res else []
        pks = np.array([h["id"] for h in hits], np.int64)
        scores = np.array([h["distance"] for h in hits], np.float32)
        rows, ok = self.rows_of(pks)
        return rows, scores[ok]

    @staticmethod
    def _where(where) -> str:
        """A Milvus filter expression for a question's documents ("" for none)."""
        return f"doc in {json.dumps(list(where.docs), ensure_ascii=False)}" if where is not None else ""

    def dense_search(self, qvec: np.ndarray, k: int, where=None) -> tuple[np.ndarray, np.ndarray]:
        if not self.size:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        res = self.c.search(self.name, data=[np.asarray(qvec, np.float32).reshape(-1).tolist()], anns_field="vec",
                            limit=min(k, self.size), output_fields=[], filter=self._where(where),
                            search_params={"metric_type": "IP", "params": self._search_params})
        return self._hits(res)

    def bm25_search(self, text: str, k: int, also: np.ndarray, where=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        also = np.asarray(also, np.int64)
        empty = np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(len(also), np.float32)
        stems = [t for t in dict.fromkeys(tokenize(text)) if t in self._vocab]
        if not self.size or not stems:
            return empty
        query = " ".join(stems)
        params = {"metric_type": "BM25"}
        rows, scores = self._hits(self.c.search(self.name, data=[query], anns_field="sparse", limit=min(k, self.size),
                                                output_fields=[], search_params=params, filter=self._where(where)))
        scores = scores / (K1 + 1.0)  # Milvus's BM25 is bm25s's times (k1 + 1)
        also_scores = np.zeros(len(also), np.float32)
        found = dict(zip(rows.tolist(), scores.tolist()))
        missing = [int(r) for r in also.tolist() if r not in found]
        if missing:  # the dense candidates' BM25 scores, from one filtered request
            keys = self._keys[missing].tolist()
            mrows, mscores = self._hits(self.c.search(self.name, data=[query], anns_field="sparse", limit=len(keys),
                                                      filter=f"pk in {keys}", output_fields=[], search_params=params))
            found.update(zip(mrows.tolist(), (mscores / (K1 + 1.0)).tolist()))
        if len(also):
            also_scores = np.array([found.get(int(r), 0.0) for r in also.tolist()], np.float32)
        return rows, scores.astype(np.float32), also_scores

    def term_stats(self) -> tuple[dict[str, int], np.ndarray]:
        return self._vocab, self._df


def open_searcher(folder: Path, manifest: dict, data, options: StoreOptions, index_dir: Path) -> MilvusSearcher:
    """Connect to the version's collection (raises ValueError when it is missing or lacks rows)."""
    entry = manifest.get("store") or {}
    uri = resolve_uri(options, index_dir, entry.get("uri"))
    name = entry.get("collection")
    keys = getattr(data, "passage_key", None)
    if not isinstance(name, str) or keys is None or len(keys) != data.n_passages:
        raise ValueError("the manifest does not name its Milvus collection or the passage keys are missing")
    terms = json.loads((folder / TERMS).read_text(encoding="utf-8"))
    c = client(uri)
    if not c.has_collection(name):
        raise ValueError(f"the Milvus collection {name} is not in {uri} (set QA_MILVUS_URI to the Milvus the "
                         "index was built with, or run python -m qa index to write it again)")
    have = count(c, name)
    if have < data.n_passages:
        raise ValueError(f"the Milvus collection {name} holds {have} passages, the index {data.n_passages}: "
                         "run python -m qa index to repair it")
    if have > data.n_passages:
        log.warning("the Milvus collection %s holds %d rows, the index %d (an interrupted update): they are not "
                    "used; the next python -m qa index deletes them", name, have, data.n_passages)
    try:
        c.load_collection(name)
    except Exception:  # already loaded (milvus-lite loads on creation)
        pass
    return MilvusSearcher(c, name, np.asarray(keys, np.int64), entry.get("index_type", "FLAT"),
                          terms["stems"], terms["df"])
