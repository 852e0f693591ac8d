"""The index on disk: manifest, arrays, FAISS and BM25, written atomically.

Layout of the index folder::

    manifest.json        format version, model, documents (with content hashes), data folder name
    v-<id>/              one complete version of the data
        arrays.npz       passage → sentences, sentence → document and exact source span
        passage_vecs.npy sentence_vecs.npy (float16)
        sentences.bin/.off, passages.bin/.off   UTF-8 texts
        doctexts.bin/.off   the extracted text of each PDF and Word document (quotes index it)
        dense.faiss      FAISS index over passage vectors
        bm25/            bm25s index over passage texts

A new version is written to a temporary folder, renamed into place, and only
then does ``manifest.json`` (replaced atomically) point to it. A crash at any
moment leaves the previous manifest pointing at the previous complete version.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FORMAT_VERSION = 3
MANIFEST = "manifest.json"
FACTS = "facts.json"
DOC_ORDER = "doc_order.json"


class IndexError_(Exception):
    """Base for index problems; the message says what to do."""


class IndexMissing(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


class ModelMismatch(IndexCorrupt):
    """The index was built with another embedding model (``ask`` refuses it; ``index`` rebuilds)."""


class StoreUnavailable(IndexError_):
    """The search store (a Milvus server or file) cannot be reached or opened; the message says what to do."""


class ReadOnly(IndexError_):
    """This engine serves the index read-only (``--read-only``, ``QA_READ_ONLY``): it never writes it."""


class SourcesUnknown(IndexError_):
    """The index must be (re)built but where its documents are is not known: the message says how."""


def _close(fd: int | None) -> None:
    """Close a file descriptor opened for on-demand reads (owners call it when collected)."""
    if fd is not None:
        try:
            os.close(fd)
        except OSError:
            pass


class RowReader:
    """Rows of a 2-D ``.npy`` file read on demand with ``os.pread``.

    Serving reads a few hundred scattered rows per question. Memory-mapping would do
    the same work but the kernel maps a window of cached pages around every row it
    faults in, so the process's resident memory grows towards the whole file; plain
    reads leave those pages in the (shared, reclaimable) page cache instead.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        with open(self.path, "rb") as fh:
            major, _ = np.lib.format.read_magic(fh)
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(fh)
            self.offset = fh.tell()
        if fortran or len(shape) != 2:
            raise ValueError(f"{self.path} is not a C-ordered 2-D array")
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.row_bytes = self.shape[1] * self.dtype.itemsize
        if self.path.stat().st_size < self.offset + self.shape[0] * self.row_bytes:
            raise IndexCorrupt(f"{self.path} is truncated")
        self.fd = os.open(self.path, os.O_RDONLY)

    def __del__(self):
        _close(getattr(self, "fd", None))

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def ndim(self) -> int:
        return 2

    def _read(self, lo: int, hi: int) -> np.ndarray:
        n = max(0, hi - lo)
        buf = os.pread(self.fd, n * self.row_bytes, self.offset + lo * self.row_bytes) if n else b""
        return np.frombuffer(buf, dtype=self.dtype).reshape(n, self.shape[1])

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            k = int(key) + (self.shape[0] if key < 0 else 0)
            return self._read(k, k + 1)[0]
        if isinstance(key, slice):
            lo, hi, step = key.indices(self.shape[0])
            rows = self._read(lo, hi) if hi > lo else self._read(0, 0)
            return rows[::step] if step != 1 else rows
        idx = np.asarray(key)
        if idx.dtype == bool:  # a mask over the rows
            idx = np.nonzero(idx)[0]
        idx = idx.astype(np.int64).reshape(-1)
        idx = np.where(idx < 0, idx + self.shape[0], idx)
        if len(idx) == 0:
            return self._read(0, 0)
        order = np.argsort(idx, kind="stable")
        sorted_idx = idx[order]
        out = np.empty((len(idx), self.shape[1]), self.dtype)
        # read runs of neighbouring rows with one call each
        breaks = np.nonzero(np.diff(sorted_idx) > 1)[0] + 1
        start = 0
        for stop in list(breaks) + [len(sorted_idx)]:
            lo, hi = int(sorted_idx[start]), int(sorted_idx[stop - 1]) + 1
            block = self._read(lo, hi)
            out[order[start:stop]] = block[sorted_idx[start:stop] - lo]
            start = stop
        return out

    def __array__(self, dtype=None, copy=None):
        arr = self._read(0, self.shape[0])
        return arr.astype(dtype) if dtype is not None else arr


class TextTable:
    """Many strings stored as one UTF-8 blob plus offsets; decoded on access (memory-mapped)."""

    def __init__(self, blob: np.ndarray | None, offsets: np.ndarray, fd: int | None = None):
        self.blob = blob  # in memory (while building) ...
        self.offsets = offsets
        self.fd = fd  # ... or read from the file on demand (a loaded index)

    @classmethod
    def from_list(cls, texts: list[str]) -> "TextTable":
        encoded = [t.encode("utf-8") for t in texts]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        if encoded:
            offsets[1:] = np.cumsum([len(e) for e in encoded])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else np.zeros(0, np.uint8)
        return cls(blob, offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> str:
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        try:
            if self.fd is not None:
                return os.pread(self.fd, hi - lo, lo).decode("utf-8") if hi > lo else ""
            return bytes(self.blob[lo:hi]).decode("utf-8")
        except UnicodeDecodeError as exc:  # damaged bytes: say so, with the way out
            raise IndexCorrupt(f"a text table of the index is damaged (row {i}: {exc.reason}). Rebuild it with: "
                               "python -m qa index --rebuild") from exc

    def slice(self, lo: int, hi: int) -> list[str]:
        return [self[i] for i in range(lo, hi)]

    def save(self, path: Path) -> None:
        with open(path.with_suffix(".bin"), "wb") as f:
            if self.blob is not None:
                f.write(self.blob.tobytes())
            else:  # copy from the file it was loaded from, in chunks
                total, pos, chunk = int(self.offsets[-1]), 0, 1 << 24
                while pos < total:
                    data = os.pread(self.fd, min(chunk, total - pos), pos)
                    if not data:
                        raise IndexCorrupt(f"{path} source text table is truncated")
                    f.write(data)
                    pos += len(data)
        np.save(path.with_suffix(".off.npy"), self.offsets)

    def __del__(self):
        _close(getattr(self, "fd", None))

    @classmethod
    def load(cls, path: Path) -> "TextTable":
        offsets = np.load(path.with_suffix(".off.npy"))
        size = path.with_suffix(".bin").stat().st_size
        if size != int(offsets[-1]):
            raise IndexCorrupt(f"{path.with_suffix('.bin')} is truncated")
        return cls(None, offsets, os.open(path.with_suffix(".bin"), os.O_RDONLY))


@dataclass
class IndexData:
    """Everything the retriever needs, loaded from one version folder."""

    manifest: dict
    doc_ids: list[str]
    passage_doc: np.ndarray  # int32, index into doc_ids
    passage_lo: np.ndarray  # int64, first sentence (global index)
    passage_hi: np.ndarray  # int64, one past the last sentence
    sent_doc: np.ndarray  # int32
    sent_start: np.ndarray  # int64 offsets into the source text
    sent_end: np.ndarray
    sent_kind: np.ndarray  # int8: 1 = headline
    passage_vecs: np.ndarray  # float32 [n_passages, dim]
    sent_vecs: np.ndarray  # float16 [n_sentences, dim]
    sent_texts: TextTable  # clean sentence text (what is scored)
    sent_quotes: TextTable  # exact source slice of each sentence (what is quoted)
    passage_texts: TextTable
    dense: object = None  # faiss index (the faiss store)
    bm25: object = None  # bm25s index (the faiss store)
    search: object = None  # the store's searcher (qa.stores.base.Searcher)
    passage_key: np.ndarray | None = None  # int64 key of each passage (qa.stores.base.passage_keys)
    doc_texts: TextTable | None = None  # per document: its extracted text (PDF, Word), "" for files quoted as is

    def stored_text(self, i: int) -> str | None:
        """Document ``i``'s extracted text as the index stored it (None when its file is quoted as is)."""
        if self.doc_texts is None or self.doc_meta(i).get("text") != "extracted":
            return None
        return self.doc_texts[i]
    extra: dict = field(default_factory=dict)
    folder: Path | None = None  # the version folder

    def facts(self) -> dict | None:
        """What extraction stored at index time (``facts.json``: signing events per document), read on
        first use; None when this version has none (an index from before they were stored)."""
        if "facts" not in self.extra:
            path = self.folder / FACTS if self.folder else None
            if path is None or not path.is_file():
                self.extra["facts"] = None
            else:
                try:
                    facts = json.loads(path.read_text(encoding="utf-8"))
                    if not isinstance(facts, dict) or not isinstance(facts.get("docs"), dict):
                        raise ValueError("not an object with docs")
                except (ValueError, OSError) as exc:
                    raise IndexCorrupt(f"The stored facts {path} are damaged ({exc}). Rebuild the index with: "
                                       f"python -m qa index --rebuild --index {self.folder.parent}") from exc
                self.extra["facts"] = facts
        return self.extra["facts"]

    @property
    def n_passages(self) -> int:
        return int(len(self.passage_doc))

    def doc_meta(self, i: int) -> dict:
        return self.manifest["docs"][self.doc_ids[i]]


def check_manifest(m) -> None:
    """Raise ValueError naming the first field of a manifest that has the wrong type or value."""
    if not isinstance(m, dict):
        raise ValueError("not a JSON object")
    for key in ("data_dir", "docs"):
        if key not in m:
            raise ValueError(f"no '{key}'")
    d = m["data_dir"]
    if not isinstance(d, str) or not d.startswith("v-") or "/" in d or "\\" in d or ".." in d:
        raise ValueError(f"'data_dir' is not a version folder name: {d!r}")
    if not isinstance(m["docs"], dict) or not all(isinstance(v, dict) for v in m["docs"].values()):
        raise ValueError("'docs' is not an object of documents")
    order = m.get("doc_order", [])
    if not isinstance(order, list) or not all(isinstance(x, str) for x in order):
        raise ValueError("'doc_order' is not a list of document names")
    if len(set(order)) != len(order) or set(order) != set(m["docs"]):
        raise ValueError("'doc_order' and 'docs' do not list the same documents")
    files = m.get("files", {})
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                                              for k, v in files.items()):
        raise ValueError("'files' is not an object of file sizes")
    for key in ("model", "counts", "pipeline"):
        if key in m and not isinstance(m[key], dict):
            raise ValueError(f"'{key}' is not an object")
    counts = m.get("counts", {})
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts.values()):
        raise ValueError("'counts' holds something other than counts")


def read_manifest(index_dir: Path) -> dict:
    """The manifest, or raise IndexMissing / IndexCorrupt with advice."""
    path = Path(index_dir) / MANIFEST
    if not path.is_file():
        raise IndexMissing(f"No index in {index_dir}. Build it with: python -m qa index [PATH ...] --index {index_dir}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        check_manifest(manifest)
    except (ValueError, OSError) as exc:
        raise IndexCorrupt(f"The index manifest {path} is unreadable ({exc}). "
                           f"Rebuild it with: python -m qa index --index {index_dir}") from exc
    return manifest


def store_kind(manifest: dict) -> str:
    """The store an index was built with (``faiss`` for indexes from before stores were named)."""
    entry = manifest.get("store")
    return entry.get("kind", "faiss") if isinstance(entry, dict) else "faiss"


def load(index_dir: Path, with_search: bool = True, verify: bool = True, options=None) -> IndexData:
    """Load the current version of the index (and open its search store when ``with_search``, with
    ``options``: a :class:`qa.stores.StoreOptions`), after checking every file's size and
    (``verify``) content hash against the manifest."""
    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorrupt(f"The index in {index_dir} has format {manifest.get('format_version')}, this version "
                           f"reads {FORMAT_VERSION}. Rebuild it with: python -m qa index --index {index_dir}")
    vdir = index_dir / manifest["data_dir"]
    try:
        _check_files(vdir, manifest.get("files"))
        if verify:
            verify_checksums(vdir, manifest.get("checksums"))
        if (vdir / DOC_ORDER).is_file() and \
                json.loads((vdir / DOC_ORDER).read_text(encoding="utf-8")) != manifest.get("doc_order"):
            raise IndexCorrupt("the manifest's document order is not the one the data was written in")
        arrays = np.load(vdir / "arrays.npz")
        data = IndexData(
            manifest=manifest,
            doc_ids=list(manifest["doc_order"]),
            passage_doc=arrays["passage_doc"], passage_lo=arrays["passage_lo"], passage_hi=arrays["passage_hi"],
            sent_doc=arrays["sent_doc"], sent_start=arrays["sent_start"], sent_end=arrays["sent_end"],
            sent_kind=arrays["sent_kind"],
            passage_vecs=RowReader(vdir / "passage_vecs.npy"),
            sent_vecs=RowReader(vdir / "sentence_vecs.npy"),
            sent_texts=TextTable.load(vdir / "sentences"),
            sent_quotes=TextTable.load(vdir / "quotes"),
            passage_texts=TextTable.load(vdir / "passages"),
            folder=vdir,
            passage_key=arrays["passage_key"] if "passage_key" in arrays.files else None,
            doc_texts=TextTable.load(vdir / "doctexts") if (vdir / "doctexts.bin").is_file() else None,
        )
        if data.doc_texts is not None and len(data.doc_texts) != len(data.doc_ids):
            raise ValueError("the stored document texts do not match the documents")
        n_p, n_s = data.n_passages, len(data.sent_doc)
        if (len(data.passage_vecs) != n_p or len(data.sent_vecs) != n_s or len(data.sent_texts) != n_s or len(data.sent_quotes) != n_s
                or len(data.passage_texts) != n_p or n_p != manifest.get("counts", {}).get("passages")):
            raise ValueError("array sizes disagree")
        if with_search:
            from .stores import StoreOptions, builder

            data.search = builder(store_kind(manifest)).open_searcher(vdir, manifest, data, options or StoreOptions(),
                                                                      index_dir)
    except StoreUnavailable:
        raise
    except IndexError_ as exc:
        raise IndexCorrupt(f"The index in {index_dir} is damaged ({exc}). "
                           f"Rebuild it with: python -m qa index --rebuild --index {index_dir}") from exc
    except Exception as exc:
        raise IndexCorrupt(f"The index in {index_dir} is damaged ({type(exc).__name__}: {exc}). "
                           f"Rebuild it with: python -m qa index --rebuild --index {index_dir}") from exc
    return data


def has_versions(index_dir: Path) -> bool:
    """Whether ``index_dir`` holds index data (a version folder), with or without a manifest."""
    index_dir = Path(index_dir)
    return index_dir.is_dir() and any(p.is_dir() and p.name.startswith("v-") for p in index_dir.iterdir())


def recorded_sources(index_dir: Path) -> list[Path]:
    """The document folders (or files) the index's manifest says it was built from, those that still
    exist; raises :class:`SourcesUnknown` with advice when they are not known or all gone (and
    :class:`IndexMissing` when there is no index at all)."""
    index_dir = Path(index_dir)
    advice = f"Give the documents folder: python -m qa index PATH --index {index_dir} (or --docs PATH)"
    try:
        manifest = read_manifest(index_dir)
    except IndexMissing:
        if has_versions(index_dir):
            raise SourcesUnknown(f"The index in {index_dir} has lost its manifest.json, which says where its "
                                 f"documents are. {advice}") from None
        raise
    except IndexCorrupt as exc:
        raise SourcesUnknown(f"The index in {index_dir} is damaged and does not say where its documents are "
                             f"({str(exc).split(' Rebuild')[0]}). {advice}") from None
    sources = manifest.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(x, str) and x for x in sources):
        raise SourcesUnknown(f"The manifest of the index in {index_dir} does not say where its documents are. "
                             f"{advice}")
    paths = [Path(x) for x in sources]
    here = [p for p in paths if p.exists()]
    if not here:
        raise SourcesUnknown(f"The documents the index in {index_dir} was built from are gone "
                             f"({', '.join(map(str, paths))}). {advice}")
    return here


def _file_sizes(vdir: Path) -> dict[str, int]:
    return {f.relative_to(vdir).as_posix(): f.stat().st_size for f in sorted(vdir.rglob("*")) if f.is_file()}


def checksums(vdir: Path) -> dict[str, str]:
    """A fast content hash (xxh3-64) of every file of a version folder."""
    from .embedder import file_digest

    return {f.relative_to(vdir).as_posix(): file_digest(f) for f in sorted(vdir.rglob("*")) if f.is_file()}


def verify_checksums(vdir: Path, expected: dict | None) -> None:
    """Raise IndexCorrupt naming the first file whose content is not what was written (damage that
    keeps the size: flipped bytes, a replaced file)."""
    if not expected:
        return
    if not isinstance(expected, dict) or not all(isinstance(v, str) for v in expected.values()):
        raise IndexCorrupt("the manifest's checksums are not an object of hashes")
    from .embedder import file_digest

    for name, digest in expected.items():
        f = vdir / name
        if not f.is_file():
            raise IndexCorrupt(f"{name} is missing")
        if file_digest(f) != digest:
            raise IndexCorrupt(f"{name} is damaged (its content is not what was written)")


def _check_files(vdir: Path, expected: dict | None) -> None:
    """Every file the manifest lists exists with its recorded size (cheap check for truncation)."""
    if not vdir.is_dir():
        raise IndexCorrupt(f"its data folder {vdir.name} is missing")
    for name, size in (expected or {}).items():
        f = vdir / name
        if not f.is_file():
            raise IndexCorrupt(f"{name} is missing")
        if f.stat().st_size != size:
            raise IndexCorrupt(f"{name} is truncated or damaged ({f.stat().st_size} bytes, expected {size})")


@contextmanager
def write_lock(index_dir: Path):
    """Exclusive lock so two processes never write the same index at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


def write(index_dir: Path, manifest: dict, arrays: dict[str, np.ndarray], passage_vecs: np.ndarray,
          sent_vecs: np.ndarray, sent_texts: list[str] | TextTable, sent_quotes: list[str] | TextTable,
          passage_texts: list[str] | TextTable,
          search, crash_hook=None, facts: dict | None = None, doc_texts: list[str] | None = None) -> None:
    """Write a new complete version and switch the manifest to it atomically (``search``: the
    store's part, a :class:`qa.stores.SearchBuild`; ``facts``: what extraction found per
    document, written as ``facts.json`` in the same version).

    ``crash_hook(stage)`` is called between steps (tests use it to simulate a crash).
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"v-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = index_dir / f".tmp-{name}"
    tmp.mkdir()
    try:
        np.savez(tmp / "arrays.npz", **arrays)
        np.save(tmp / "passage_vecs.npy", np.ascontiguousarray(passage_vecs, dtype=np.float32))
        np.save(tmp / "sentence_vecs.npy", np.ascontiguousarray(sent_vecs, dtype=np.float16))
        st = sent_texts if isinstance(sent_texts, TextTable) else TextTable.from_list(sent_texts)
        pt = passage_texts if isinstance(passage_texts, TextTable) else TextTable.from_list(passage_texts)
        qt = sent_quotes if isinstance(sent_quotes, TextTable) else TextTable.from_list(sent_quotes)
        st.save(tmp / "sentences")
        qt.save(tmp / "quotes")
        pt.save(tmp / "passages")
        if doc_texts is not None:  # extracted texts (PDF, Word) that quotes index, in document order
            TextTable.from_list(doc_texts).save(tmp / "doctexts")
        if facts is not None:
            with open(tmp / FACTS, "w", encoding="utf-8") as fh:
                json.dump(facts, fh, ensure_ascii=False)
        # the version's own copy of the document order: rows are grouped by it, so a manifest whose
        # order was changed would make citations name the wrong file
        (tmp / DOC_ORDER).write_text(json.dumps(manifest.get("doc_order", []), ensure_ascii=False), encoding="utf-8")
        if crash_hook:
            crash_hook("data")
        search.save(tmp)
        for f in tmp.rglob("*"):
            if f.is_file():
                with open(f, "rb+") as fh:
                    os.fsync(fh.fileno())
        if crash_hook:
            crash_hook("before-rename")
        os.rename(tmp, index_dir / name)
        _fsync_dir(index_dir)
        manifest = dict(manifest, **search.manifest_entry(), data_dir=name, format_version=FORMAT_VERSION, files=_file_sizes(index_dir / name),
                        checksums=checksums(index_dir / name))
        mtmp = index_dir / f".{MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
        with open(mtmp, "w", encoding="utf-8") as fh:
            json.dump(manifest, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        if crash_hook:
            crash_hook("before-manifest")
        os.replace(mtmp, index_dir / MANIFEST)
        _fsync_dir(index_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    cleanup(index_dir, keep=name)
    try:
        search.after_switch(index_dir, manifest)
    except Exception as exc:  # the new version is in place; the next index run finishes the clean-up
        log.warning("cleaning up the search store after the switch failed (%s): the next index run does it", exc)


def cleanup(index_dir: Path, keep: str) -> None:
    """Remove old versions and leftovers of interrupted writes."""
    for p in Path(index_dir).iterdir():
        if p.name == keep:
            continue
        if p.is_dir() and (p.name.startswith("v-") or p.name.startswith(".tmp-")):
            shutil.rmtree(p, ignore_errors=True)
        elif p.is_file() and p.name.startswith(f".{MANIFEST}.") and p.name.endswith(".tmp"):
            p.unlink(missing_ok=True)
