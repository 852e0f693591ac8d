"""Build or update the index: only new or changed documents are embedded."""
from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import store
from .config import PIPELINE_VERSION, Config
from .documents import Document, IngestError, check_link, file_sha256, find_files, load_document, too_large_message
from .embedder import Embedder
from .passages import make_passages, sentences_of
from .stores import builder
from .stores.base import PassageRows, passage_keys

log = logging.getLogger(__name__)


@dataclass
class IndexReport:
    """What an ``index`` run did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[str] = field(default_factory=list)
    rebuilt: str | None = None  # why everything was re-embedded, if it was
    passages: int = 0
    embedded_passages: int = 0
    seconds: float = 0.0
    written: bool = False
    extracted_docs: int = 0  # documents whose signings were extracted in this run
    signings: int = 0  # signing events stored in the index
    extract_seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt)

    def summary(self) -> str:
        """Human-readable report for the terminal."""
        lines = []
        if self.rebuilt:
            lines.append(f"Rebuilt the whole index: {self.rebuilt}")
        for label, items in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            lines.append(f"{label:>9}: {len(items)}" + (f"  ({', '.join(items)})" if items else ""))
        lines.append(f"{'unchanged':>9}: {len(self.unchanged)}")
        lines.append(f"{'skipped':>9}: {len(self.skipped)}")
        for name, reason in self.skipped:
            lines.append(f"           - {reason}")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        lines.append(f"{self.passages} passages in the index; {self.embedded_passages} embedded in {self.seconds:.1f}s")
        if self.extracted_docs:
            lines.append(f"signings and roles extracted from {self.extracted_docs} document(s) in {self.extract_seconds:.1f}s; "
                         f"{self.signings} signing(s) in the index")
        return "\n".join(lines)


@dataclass
class _DocData:
    """One document's rows, ready to be concatenated into the index arrays."""

    doc_id: str
    meta: dict
    sent_start: np.ndarray
    sent_end: np.ndarray
    sent_kind: np.ndarray
    sent_texts: list[str]
    sent_quotes: list[str]
    passage_lo: np.ndarray  # local sentence indices
    passage_hi: np.ndarray
    passage_texts: list[str]
    passage_vecs: np.ndarray | None = None
    sent_vecs: np.ndarray | None = None
    facts: dict | None = None  # what extraction found (``{"signings": [...]}``); None: not extracted yet
    text: str | None = None  # the extracted text of a PDF or Word document (stored; quotes index it)


def _from_document(doc: Document, cfg: Config) -> _DocData:
    sents = sentences_of(doc)
    passages = make_passages(doc.doc_id, doc.title, sents, cfg.passage_words, cfg.passage_sentences,
                             cfg.passage_overlap)
    dd = _DocData(
        doc_id=doc.doc_id,
        meta={**doc.meta(), "path": str(doc.path), "sha256": doc.sha256, "sentences": len(sents),
              "passages": len(passages), "warnings": doc.warnings},
        sent_start=np.array([s.start for s in sents], np.int64),
        sent_end=np.array([s.end for s in sents], np.int64),
        sent_kind=np.array([1 if s.kind == "title" else 0 for s in sents], np.int8),
        sent_texts=[s.text for s in sents],
        sent_quotes=[doc.text[s.start : s.end] for s in sents],
        passage_lo=np.array([p.lo for p in passages], np.int64),
        passage_hi=np.array([p.hi for p in passages], np.int64),
        passage_texts=[p.text for p in passages],
        text=doc.text if doc.extracted else None,
    )
    offsets = [list(p.offsets) for p in passages]
    # the headline is the prefix of every passage text: pool its tokens in the first passage for its
    # sentence vector (no extra model call)
    heads = [i for i, s in enumerate(sents) if s.kind == "title" and not any(p.lo <= i < p.hi for p in passages)]
    dd._title = None  # type: ignore[attr-defined]
    if heads and passages and doc.title and passages[0].text.startswith(doc.title):
        offsets[0].append((0, len(doc.title)))
        dd._title = heads[0]  # type: ignore[attr-defined]
    dd._offsets = offsets  # type: ignore[attr-defined]
    return dd


def _stored_facts(data: store.IndexData) -> dict:
    """The facts an index stored per document, when of the current extraction version (else none)."""
    from .signings import FACTS_VERSION

    try:
        facts = data.facts()
    except store.IndexCorrupt as exc:
        log.warning("%s: extracting every document's signings again", exc)
        return {}
    if not facts or facts.get("version") != FACTS_VERSION:
        return {}
    return facts["docs"]


def _preload_nlp(embedder) -> None:
    """Load spaCy in a thread while the passages are embedded (extraction needs it afterwards). The
    embedding model is loaded first: spaCy's loader hides torch while it runs if torch is not loaded."""
    import threading

    from . import nlp

    if nlp._nlp is not None:
        return
    try:
        embedder.model
    except Exception:  # reported by the embedding itself
        return
    def load() -> None:
        try:
            nlp.get_nlp()
        except Exception:  # said again, with advice, when extraction calls it
            pass

    threading.Thread(target=load, name="qa-load-spacy", daemon=True).start()


def _extract(docs: list[_DocData], progress: bool) -> float:
    """Extract the signings and people's roles of documents that have none stored yet (a progress bar
    over documents)."""
    from tqdm import tqdm

    from .roles import roles_in_document
    from .signings import extract_document

    todo = [dd for dd in docs if dd.facts is None]
    t0 = time.perf_counter()
    for dd in tqdm(todo, desc="Extracting signings and roles", unit="doc", file=sys.stderr, disable=not (progress and todo),
                   dynamic_ncols=True):
        try:
            events = extract_document(dd.doc_id, dd.meta, list(dd.sent_texts), list(dd.sent_quotes), dd.sent_start,
                                      dd.sent_end, dd.sent_kind)
        except Exception:  # one odd document must not stop the index
            log.exception("signing extraction failed on %s", dd.doc_id)
            events = []
        try:
            roles = roles_in_document(list(dd.sent_texts), list(dd.sent_quotes), dd.sent_start, dd.sent_end)
        except Exception:
            log.exception("role extraction failed on %s", dd.doc_id)
            roles = []
        dd.facts = {"signings": [e.to_dict() for e in events], "roles": roles}
    return time.perf_counter() - t0


def _from_index(data: store.IndexData, d: int) -> _DocData:
    """Rows of document ``d`` of an existing index (no re-embedding).

    Rows are stored grouped by document in ``doc_order``, so a binary search finds them
    (a scan per document made incremental runs quadratic in the corpus size).
    """
    doc_id = data.doc_ids[d]
    # (the values get the array's dtype: mixed dtypes would make numpy copy the whole array)
    p0, p1 = (int(v) for v in np.searchsorted(data.passage_doc, np.array([d, d + 1], data.passage_doc.dtype)))
    s0, s1 = (int(v) for v in np.searchsorted(data.sent_doc, np.array([d, d + 1], data.sent_doc.dtype)))
    return _DocData(
        doc_id=doc_id, meta=dict(data.manifest["docs"][doc_id]),
        sent_start=np.asarray(data.sent_start[s0:s1]), sent_end=np.asarray(data.sent_end[s0:s1]),
        sent_kind=np.asarray(data.sent_kind[s0:s1]),
        sent_texts=data.sent_texts.slice(s0, s1), sent_quotes=data.sent_quotes.slice(s0, s1),
        passage_lo=np.asarray(data.passage_lo[p0:p1]) - s0, passage_hi=np.asarray(data.passage_hi[p0:p1]) - s0,
        passage_texts=data.passage_texts.slice(p0, p1),
        passage_vecs=np.asarray(data.passage_vecs[p0:p1], np.float32),
        sent_vecs=np.asarray(data.sent_vecs[s0:s1], np.float32),
        text=data.stored_text(d),
    )


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="Embedding passages", unit="passage", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True)


def update_index(cfg: Config, sources: list[Path], embedder: Embedder, progress: bool = True,
                 on_progress=None, crash_hook=None, force_rebuild: str | None = None) -> IndexReport:
    """Make the index in ``cfg.index_dir`` mirror the documents under ``sources``.

    Unchanged documents (same content hash, same model) keep their vectors; new and
    changed ones are embedded; documents no longer present are dropped. A different
    model, format or a damaged index forces a full rebuild, said in the report.
    """
    t0 = time.perf_counter()
    report = IndexReport()
    index_dir = Path(cfg.index_dir)
    info = embedder.info
    model_entry = {"name": info.name, "path": info.path, "fingerprint": info.fingerprint, "dim": info.dim}
    # bump PIPELINE_VERSION (qa/config.py) when cleaning, splitting or tokenising changes: forces a rebuild
    pipeline = {"version": PIPELINE_VERSION, "passage_words": cfg.passage_words, "passage_sentences": cfg.passage_sentences,
                "passage_overlap": cfg.passage_overlap}

    with store.write_lock(index_dir):
        old: store.IndexData | None = None
        try:
            old = store.load(index_dir, with_search=False)
            old_model = old.manifest.get("model", {})
            if old_model.get("fingerprint") != info.fingerprint:
                if old_model.get("name") == info.name and old_model.get("path") == info.path:
                    report.rebuilt = f"the files of model '{info.name}' changed since the index was built"
                else:
                    report.rebuilt = (f"the index was built with model '{old_model.get('name')}' and the current "
                                      f"model is '{info.name}'")
                old = None
            elif old.manifest.get("pipeline") != pipeline:
                report.rebuilt = "the passage settings changed"
                old = None
        except store.IndexMissing:
            pass
        except store.IndexCorrupt as exc:
            report.rebuilt = f"the previous index could not be read ({exc})"
            old = None

        prev_kind, prev_store = None, {}
        try:
            prev = store.read_manifest(index_dir)
            prev_kind, prev_store = store.store_kind(prev), prev.get("store") or {}
        except store.IndexError_:
            pass
        kind = cfg.store or prev_kind or "faiss"
        if kind == prev_kind == "milvus" and not cfg.milvus_uri and prev_store.get("uri"):
            cfg = cfg.with_(milvus_uri=prev_store["uri"])  # the Milvus the index was written to
        store_builder = builder(kind)
        options = cfg.store_options()
        rewrite_store = False  # every passage goes to the store again (vectors are reused)
        if old is not None and prev_kind != kind:
            report.warnings.append(f"the search store changed from {prev_kind} to {kind}: every passage is written "
                                   "to the new store (no re-embedding)")
            rewrite_store = True
        elif old is not None:
            reason = store_builder.check(old.manifest, options, index_dir)
            if reason:
                report.warnings.append(f"{reason}: repaired from the index's own vectors")
                rewrite_store = True
        if force_rebuild and old is not None:  # e.g. the search files are damaged in a way load() cannot see
            report.rebuilt = force_rebuild
            old = None
        old_pos = {d: i for i, d in enumerate(old.doc_ids)} if old else {}
        old_facts = _stored_facts(old) if old else {}
        files = find_files(sources)
        meta_added = False
        seen: dict[str, Path] = {}
        kept: list[_DocData] = []
        fresh: list[_DocData] = []
        for path, root in files:
            doc_id = path.relative_to(root).as_posix()
            if doc_id in seen:
                doc_id = f"{root.name}/{doc_id}"
            seen[doc_id] = path
            try:
                check_link(path, root)
                size = path.stat().st_size
                if size > cfg.max_file_bytes:
                    raise IngestError(too_large_message(doc_id, size, cfg.max_file_bytes))
                if old and doc_id in old_pos:
                    sha = file_sha256(path.read_bytes())
                    if old.manifest["docs"][doc_id].get("sha256") == sha:
                        dd = _from_index(old, old_pos[doc_id])
                        dd.meta["path"] = str(path.resolve())
                        if "lines" not in dd.meta:  # an index from before metadata lines were kept
                            dd.meta["lines"] = load_document(path, root, cfg.max_file_bytes).meta()["lines"]
                            meta_added = True
                        dd.facts = old_facts.get(doc_id)
                        kept.append(dd)
                        report.unchanged.append(doc_id)
                        continue
                doc = load_document(path, root, cfg.max_file_bytes)
                doc.doc_id = doc_id
                report.warnings += doc.warnings
                dd = _from_document(doc, cfg)
                dd.meta["doc"] = doc_id
                fresh.append(dd)
                (report.updated if doc_id in old_pos else report.added).append(doc_id)
            except IngestError as exc:
                report.skipped.append((doc_id, str(exc)))
                log.warning("skipped %s", exc)
            except OSError as exc:  # unreadable, or removed while indexing
                report.skipped.append((doc_id, f"{doc_id}: cannot read ({exc.strerror or exc})"))
                log.warning("skipped %s: %s", doc_id, exc)
        report.removed = [d for d in old_pos if d not in {x.doc_id for x in kept + fresh}]

        facts_missing = any(dd.facts is None for dd in kept)  # an index from before facts were stored
        if not report.changed and old is not None and not facts_missing and not rewrite_store and not meta_added:
            report.passages = old.n_passages
            report.seconds = time.perf_counter() - t0
            return report

        # embed new and changed documents, longest passages first in batches
        texts = [t for dd in fresh for t in dd.passage_texts]
        offsets = [o for dd in fresh for o in dd._offsets]  # type: ignore[attr-defined]
        bar = _progress_bar(len(texts), progress and bool(texts))
        done = [0]

        def step(n: int) -> None:
            bar.update(n)
            done[0] += n
            if on_progress:
                on_progress(done[0], len(texts))

        if fresh or any(dd.facts is None for dd in kept):
            _preload_nlp(embedder)
        if texts:
            log.info("embedding %d passages of %d documents", len(texts), len(fresh))
            P, S = embedder.encode_passages(texts, offsets, cfg.batch_size, progress=step)
        else:
            P, S = np.zeros((0, info.dim), np.float32), []
        bar.close()
        k = 0
        pending: list[tuple[_DocData, int]] = []
        for dd in fresh:
            n = len(dd.passage_texts)
            dd.passage_vecs = P[k : k + n]
            svecs = np.zeros((len(dd.sent_texts), info.dim), np.float32)
            counts = np.zeros(len(dd.sent_texts), np.float32)
            for j in range(n):  # a sentence in several passages gets the mean of its vectors
                lo, hi = int(dd.passage_lo[j]), int(dd.passage_hi[j])
                svecs[lo:hi] += S[k + j][: hi - lo]
                counts[lo:hi] += 1
                if j == 0 and dd._title is not None:  # type: ignore[attr-defined]
                    svecs[dd._title] += S[k][-1]  # type: ignore[attr-defined]
                    counts[dd._title] += 1  # type: ignore[attr-defined]
            missing = np.nonzero(counts == 0)[0]  # e.g. a headline folded into every passage
            counts[missing] = 1
            svecs /= counts[:, None]
            dd.sent_vecs = svecs
            pending += [(dd, int(i)) for i in missing]
            k += n
        if pending:  # sentences in no passage: one batched model call for all documents
            vecs = embedder.encode_texts([dd.sent_texts[i] for dd, i in pending], cfg.batch_size)
            for (dd, i), v in zip(pending, vecs):
                dd.sent_vecs[i] = v
        for dd in fresh:
            dd.sent_vecs = dd.sent_vecs / np.clip(np.linalg.norm(dd.sent_vecs, axis=1, keepdims=True), 1e-12, None)
        report.embedded_passages = len(texts)

        report.extracted_docs = sum(dd.facts is None for dd in kept + fresh)
        report.extract_seconds = _extract(kept + fresh, progress)
        order = {d: i for i, d in enumerate(seen)}
        docs = sorted(kept + fresh, key=lambda dd: order[dd.doc_id])
        report.signings = sum(len(dd.facts["signings"]) for dd in docs)
        old_keys = None if (old is None or rewrite_store) else old.passage_key
        _write(cfg, index_dir, docs, model_entry, pipeline, [str(Path(s).resolve()) for s in sources], crash_hook,
               kind=kind, old_keys=old_keys, progress=progress)
        report.passages = sum(len(dd.passage_texts) for dd in docs)
        report.written = True
        report.seconds = time.perf_counter() - t0
        log.info("index written to %s: %d documents, %d passages", index_dir, len(docs), report.passages)
        return report


def _write(cfg: Config, index_dir: Path, docs: list[_DocData], model_entry: dict, pipeline: dict, sources: list[str],
           crash_hook=None, kind: str = "faiss", old_keys: np.ndarray | None = None, progress: bool = False) -> None:
    dim = model_entry["dim"]
    sent_off = 0
    arrays = {k: [] for k in ("passage_doc", "passage_lo", "passage_hi", "sent_doc", "sent_start", "sent_end",
                              "sent_kind")}
    for i, dd in enumerate(docs):
        arrays["passage_doc"].append(np.full(len(dd.passage_texts), i, np.int32))
        arrays["passage_lo"].append(dd.passage_lo + sent_off)
        arrays["passage_hi"].append(dd.passage_hi + sent_off)
        arrays["sent_doc"].append(np.full(len(dd.sent_texts), i, np.int32))
        arrays["sent_start"].append(dd.sent_start)
        arrays["sent_end"].append(dd.sent_end)
        arrays["sent_kind"].append(dd.sent_kind)
        sent_off += len(dd.sent_texts)
    dtypes = {"passage_doc": np.int32, "sent_doc": np.int32, "sent_kind": np.int8}
    arrays = {k: (np.concatenate(v) if v else np.zeros(0, dtypes.get(k, np.int64))).astype(dtypes.get(k, np.int64))
              for k, v in arrays.items()}
    P = np.concatenate([dd.passage_vecs for dd in docs]) if docs else np.zeros((0, dim), np.float32)
    S = np.concatenate([dd.sent_vecs for dd in docs]) if docs else np.zeros((0, dim), np.float32)
    passage_texts = [t for dd in docs for t in dd.passage_texts]
    keys = [passage_keys(dd.doc_id, dd.meta.get("sha256") or "", len(dd.passage_texts)) for dd in docs]
    arrays["passage_key"] = np.concatenate(keys) if keys else np.zeros(0, np.int64)
    rows = PassageRows(vecs=P, texts=passage_texts, keys=arrays["passage_key"], old_keys=old_keys,
                       docs=[dd.doc_id for dd in docs for _ in dd.passage_texts],
                       dates=[str(dd.meta.get("date") or "") for dd in docs for _ in dd.passage_texts])
    search = builder(kind).build(rows, cfg, cfg.store_options(), index_dir, progress=progress,
                                 identity={"model": model_entry["fingerprint"], "dim": dim, "pipeline": pipeline})
    manifest = {
        "model": model_entry,
        "pipeline": pipeline,
        "sources": sources,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "counts": {"documents": len(docs), "passages": len(passage_texts), "sentences": int(len(S))},
        "doc_order": [dd.doc_id for dd in docs],
        "docs": {dd.doc_id: dd.meta for dd in docs},
    }
    from .signings import FACTS_VERSION

    facts = {"version": FACTS_VERSION, "docs": {dd.doc_id: dd.facts for dd in docs}}
    store.write(index_dir, manifest, arrays, P, S, [t for dd in docs for t in dd.sent_texts],
                [t for dd in docs for t in dd.sent_quotes], passage_texts, search, crash_hook=crash_hook, facts=facts,
                doc_texts=[dd.text or "" for dd in docs])
