"""Search stores: where the passage vectors and the BM25 index live and are searched.

``faiss`` (the default) keeps them as files in the index version folder (FAISS + bm25s);
``milvus`` keeps them in a Milvus collection: an embedded milvus-lite file inside the index
folder, or a Milvus cluster given by URI. The engine sees one interface (:mod:`.base`); the
store is chosen by ``Config.store`` (``QA_STORE``, ``--store``) and recorded in the manifest.
"""
from __future__ import annotations

from .base import SearchBuild, Searcher, StoreOptions

KINDS = ("faiss", "milvus")


def check_kind(kind: str) -> str:
    """``kind`` if it names a store, else ValueError with the choices."""
    if kind not in KINDS:
        raise ValueError(f"unknown store {kind!r}: choose one of {', '.join(KINDS)} (QA_STORE, --store)")
    return kind


def builder(kind: str):
    """The module that builds and opens stores of ``kind`` (imported on demand)."""
    check_kind(kind)
    if kind == "milvus":
        from . import milvus_store

        return milvus_store
    from . import faiss_store

    return faiss_store


__all__ = ["KINDS", "SearchBuild", "Searcher", "StoreOptions", "builder", "check_kind"]
