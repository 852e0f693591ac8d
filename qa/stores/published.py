"""An index published to a Milvus server, so that app servers need no files of their own.

The machine that indexes (``qa index --store milvus --milvus-uri http://...``) writes the passages
to the server's collection (:mod:`.milvus_store`) and, after each new version, publishes the rest
of it to a ``<prefix>_files`` collection: the version folder's files (arrays, sentence texts and
vectors, facts, term statistics: what evidence selection and the quote check read) and the
documents' source files, cut into content-addressed chunks (a chunk already on the server is not
sent again), with one ``pointer`` row naming the current listing. The pointer is replaced in one
upsert, after every chunk is in, so a reader sees the previous version or the new one, whole.

An app server started read-only against the same URI (``app.py --read-only --store milvus
--milvus-uri http://...``, or ``QA_READ_ONLY=1``) fetches the current version into its index folder
(a cache: created empty, filled from the server), checks every file against the hashes in the
published manifest as any index load does, and answers from it; it looks at the pointer again at
most every :data:`CHECK_EVERY_S` seconds between questions and fetches a new version when there is
one. Per question it then reads only local files, as with FAISS, plus the server's search requests.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import time
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

CHUNK = 48_000  # raw bytes per row (base64 fits a 65,535-byte VARCHAR)
POINTER = "pointer"
CHECK_EVERY_S = 2.0
DOCS = "docs"


def files_collection(prefix: str) -> str:
    return f"{prefix}_files"


def _ensure(c, name: str) -> None:
    if c.has_collection(name):
        return
    from pymilvus import DataType

    s = c.create_schema(auto_id=False)
    s.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=64)
    s.add_field("data", DataType.VARCHAR, max_length=65535)
    s.add_field("vec", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
    ip = c.prepare_index_params()
    ip.add_index("vec", index_type="FLAT", metric_type="L2")
    c.create_collection(name, schema=s, index_params=ip, consistency_level="Strong")


def _chunk_id(data: bytes) -> str:
    import xxhash

    return xxhash.xxh3_128_hexdigest(data)


def _get(c, name: str, ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for b in range(0, len(ids), 50):
        part = ids[b : b + 50]
        for row in c.query(name, filter=f"pk in {json.dumps(part)}", output_fields=["pk", "data"],
                           consistency_level="Strong"):
            out[row["pk"]] = row["data"]
    return out


def _put_blob(c, name: str, data: bytes, known: set[str]) -> list[str]:
    """Store ``data`` as chunks (those the server lacks); their ids in order."""
    ids, rows = [], []
    for b in range(0, max(len(data), 1), CHUNK):
        part = data[b : b + CHUNK]
        cid = _chunk_id(part)
        ids.append(cid)
        if cid not in known:
            rows.append({"pk": cid, "data": base64.b64encode(part).decode("ascii"), "vec": [0.0, 0.0]})
            known.add(cid)
        if len(rows) >= 20:
            c.upsert(name, rows)
            rows = []
    if rows:
        c.upsert(name, rows)
    return ids


def _read_blob(c, name: str, ids: list[str]) -> bytes:
    got = _get(c, name, list(dict.fromkeys(ids)))
    missing = [i for i in ids if i not in got]
    if missing:
        raise ValueError(f"{len(missing)} chunk(s) of the published index are missing on the server")
    return b"".join(base64.b64decode(got[i]) for i in ids)


def _pointer(c, name: str) -> dict | None:
    rows = _get(c, name, [POINTER]) if c.has_collection(name) else {}
    return json.loads(rows[POINTER]) if POINTER in rows else None


def published_version(c, prefix: str) -> str | None:
    """The version folder name the server's pointer names, or None when nothing is published."""
    p = _pointer(c, files_collection(prefix))
    return p.get("version") if p else None


def publish(c, prefix: str, index_dir: Path, manifest: dict) -> int:
    """Publish the current version of ``index_dir`` (its manifest, files and documents); the chunks sent."""
    name = files_collection(prefix)
    _ensure(c, name)
    vdir = Path(index_dir) / manifest["data_dir"]
    files: dict[str, Path] = {f.relative_to(vdir).as_posix(): f for f in sorted(vdir.rglob("*")) if f.is_file()}
    docs: dict[str, Path] = {}
    for doc_id, meta in manifest.get("docs", {}).items():
        path = Path(meta.get("path") or "")
        if not meta.get("synthetic") and path.is_file():
            docs[doc_id] = path
    listing = {"version": manifest["data_dir"], "manifest": manifest, "files": {}, "docs": {}}
    before = _pointer(c, name)
    # chunks of the previous listing are on the server: do not send them again
    known: set[str] = set()
    if before:
        try:
            prev = json.loads(_read_blob(c, name, before["listing"]))
            known = {i for ids in list(prev["files"].values()) + list(prev["docs"].values()) for i in ids}
        except Exception:  # a damaged previous listing: send everything
            known = set()
    sent = len(known)
    for rel, f in files.items():
        listing["files"][rel] = _put_blob(c, name, f.read_bytes(), known)
    for doc_id, f in docs.items():
        try:
            listing["docs"][doc_id] = _put_blob(c, name, f.read_bytes(), known)
        except OSError as exc:  # removed since indexing: the app servers say so when they quote it
            log.warning("not published: %s (%s)", doc_id, exc)
    ids = _put_blob(c, name, json.dumps(listing, ensure_ascii=False).encode("utf-8"), known)
    sent = len(known) - sent
    pointer = {"version": manifest["data_dir"], "listing": ids, "previous": (before or {}).get("listing", []),
               "published": time.strftime("%Y-%m-%dT%H:%M:%S")}
    c.upsert(name, [{"pk": POINTER, "data": json.dumps(pointer), "vec": [0.0, 0.0]}])
    _collect(c, name, pointer)
    log.info("published version %s to Milvus (%d new chunks)", manifest["data_dir"], sent)
    return sent


def _collect(c, name: str, pointer: dict) -> None:
    """Delete chunks neither the current nor the previous listing uses (a reader may still fetch it)."""
    keep = {POINTER, *pointer["listing"], *pointer.get("previous", [])}
    for lid in (pointer["listing"], pointer.get("previous") or []):
        if not lid:
            continue
        try:
            lst = json.loads(_read_blob(c, name, lid))
        except Exception:
            continue
        keep |= {i for ids in list(lst["files"].values()) + list(lst["docs"].values()) for i in ids}
    stray: list[str] = []
    it = c.query_iterator(name, batch_size=1000, filter="", output_fields=["pk"])
    try:
        while True:
            batch = it.next()
            if not batch:
                break
            stray += [r["pk"] for r in batch if r["pk"] not in keep]
    finally:
        it.close()
    for b in range(0, len(stray), 200):
        c.delete(name, filter=f"pk in {json.dumps(stray[b : b + 200])}")


def _safe(rel: str) -> str:
    parts = Path(rel).parts
    if not rel or Path(rel).is_absolute() or ".." in parts:
        raise ValueError(f"unsafe path in the published index: {rel!r}")
    return rel


def fetch(c, prefix: str, index_dir: Path, uri: str) -> bool:
    """Make ``index_dir`` hold the server's current version (True when a new one was written there).

    Raises :class:`qa.store.IndexMissing` when nothing is published."""
    from .. import store

    name = files_collection(prefix)
    pointer = _pointer(c, name)
    if pointer is None:
        raise store.IndexMissing(f"No index is published on the Milvus server {uri} (prefix {prefix!r}). Write one "
                                 f"from the indexing machine with: python -m qa index DOCS --store milvus "
                                 f"--milvus-uri {uri}")
    index_dir = Path(index_dir)
    try:
        if store.read_manifest(index_dir).get("data_dir") == pointer["version"]:
            return False
    except store.IndexError_:
        pass
    listing = json.loads(_read_blob(c, name, pointer["listing"]))
    version = _safe(listing["version"])
    index_dir.mkdir(parents=True, exist_ok=True)
    tmp = index_dir / f".tmp-{version}-{uuid.uuid4().hex[:6]}"
    tmp.mkdir()
    try:
        for rel, ids in listing["files"].items():
            f = tmp / _safe(rel)
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(_read_blob(c, name, ids))
        manifest = dict(listing["manifest"])
        docs_root = index_dir / DOCS
        manifest["docs"] = {k: dict(v) for k, v in manifest["docs"].items()}
        for doc_id, ids in listing["docs"].items():
            target = docs_root / _safe(doc_id)
            data = _read_blob(c, name, ids)
            if not (target.is_file() and target.read_bytes() == data):
                target.parent.mkdir(parents=True, exist_ok=True)
                part = target.with_name(f".{target.name}.{uuid.uuid4().hex[:6]}.tmp")
                part.write_bytes(data)
                os.replace(part, target)
            manifest["docs"][doc_id]["path"] = str(target.resolve())
        manifest["sources"] = [str(docs_root.resolve())]
        manifest["published_from"] = uri
        os.rename(tmp, index_dir / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    mtmp = index_dir / f".{store.MANIFEST}.{uuid.uuid4().hex[:8]}.tmp"
    mtmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(mtmp, index_dir / store.MANIFEST)
    store.cleanup(index_dir, keep=version)
    wanted = {(docs_root / d).resolve() for d in listing["docs"]}
    if docs_root.is_dir():  # documents no published version holds any more
        for f in docs_root.rglob("*"):
            if f.is_file() and f.resolve() not in wanted:
                f.unlink(missing_ok=True)
    log.info("fetched version %s from %s", version, uri)
    return True
