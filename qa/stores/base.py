"""What the engine needs of a search store, whatever holds it.

A store is written in two steps around the atomic switch of the manifest
(:func:`qa.store.write`): :meth:`SearchBuild.save` puts what the store keeps in the new
version folder (FAISS: all of it; Milvus: the term statistics and the collection's name,
after the new documents' rows were upserted into the collection), and
:meth:`SearchBuild.after_switch` removes what the previous version needed and the new one
does not (Milvus: rows of changed and deleted documents). A crash between the two leaves
rows nobody points at; searches drop them and the next ``index`` run deletes them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class StoreOptions:
    """Where a store lives (``milvus``: URI, collection prefix, dense index type)."""

    milvus_uri: str | None = None  # None: a milvus-lite file ``milvus.db`` inside the index folder
    milvus_prefix: str = "qa"
    milvus_index: str = "FLAT"  # FLAT | IVF_FLAT | AUTOINDEX (milvus-lite); HNSW on a cluster


@dataclass(frozen=True)
class RowFilter:
    """The passages a question may use: their rows, and the documents they belong to."""

    rows: np.ndarray  # int64, sorted
    docs: tuple[str, ...]


class Searcher(Protocol):
    """Search over one index version's passages (rows numbered as in the version's arrays)."""

    kind: str
    size: int

    def dense_search(self, qvec: np.ndarray, k: int, where: RowFilter | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows and inner products of the ``k`` passages nearest to ``qvec``, best first (only rows
        ``where`` allows, when given)."""

    def bm25_search(self, text: str, k: int, also: np.ndarray,
                    where: RowFilter | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows and BM25 scores of the ``k`` best passages for ``text`` (score > 0; only rows ``where``
        allows), and the BM25 scores of the rows ``also`` (0 where a row has none of the words)."""

    def term_stats(self) -> tuple[dict[str, int], np.ndarray]:
        """The vocabulary of stems (stem → id) and each stem's document frequency over passages."""


class SearchBuild(Protocol):
    """A store's part of a new index version, between building and the manifest switch."""

    def save(self, folder: Path) -> None:
        """Write what the store keeps in the version folder."""

    def manifest_entry(self) -> dict:
        """What the manifest records of the store (``{"kind": ...}`` and its own fields)."""

    def after_switch(self, index_dir: Path, manifest: dict) -> None:
        """Clean up (and publish) after the manifest of ``index_dir`` points at the new version."""


@dataclass
class PassageRows:
    """The passages of a new index version, as a store receives them."""

    vecs: np.ndarray  # float32 [n, dim], L2-normalised
    texts: list[str]
    docs: list[str]  # document id of each passage
    dates: list[str]  # the document's date ("" when none), for filters
    keys: np.ndarray  # int64: a key that stays the same while the document does (see passage_keys)
    old_keys: np.ndarray | None = None  # the previous version's keys (None: no usable previous version)


def passage_keys(doc_id: str, sha256: str, n: int) -> np.ndarray:
    """Keys of a document's ``n`` passages: a 63-bit hash of (document, content hash, position), so
    an unchanged document keeps its keys from version to version and a changed one gets new ones."""
    import xxhash

    return np.array([xxhash.xxh3_64_intdigest(f"{doc_id}\0{sha256}\0{j}".encode()) & 0x7FFF_FFFF_FFFF_FFFF for j in range(n)],
                    dtype=np.int64)
