"""Configuration: where documents, the index and the model live, and the limits.

Every setting has a default, can be overridden by an environment variable, and
by a keyword argument (which the CLI and the web app fill from their flags).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Version of the text pipeline (cleaning, sentence splitting, tokenising); a change rebuilds indexes.
PIPELINE_VERSION = 9  # 9: a labelled line's value ends at " | " ("Source: X | Editor: Y"); 8: "(Reporting by A; Editing by B)" at a story's end names its author; 7: no sentence ends after "Ir.", "Ing.", "Hj." and other titles before a name; 6: an outlet's line after the date line or byline is the source, "PRESS STATEMENT" no author, "By A binti B" a byline; 5: a sentence cut inside an abbreviation ("S.p." + "A. and ...") is joined again

#: File types the ingester reads.
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
#: Formats whose text is extracted (not the file's own characters): the index stores that text and
#: quotes are exact slices of it; citations carry page numbers.
EXTRACTED_SUFFIXES = (".pdf", ".docx")


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError:
        return default


@dataclass(frozen=True)
class Config:
    """All knobs of the engine. Build one with :func:`load_config`."""

    docs_dir: Path = PROJECT_ROOT / "seeds"
    #: Whether the documents folder was given (``--docs``, ``QA_DOCS``): if not, an existing index is
    #: updated and rebuilt from the folders its manifest records, never from the default.
    docs_explicit: bool = False
    index_dir: Path = PROJECT_ROOT / "index"
    #: A local sentence-transformers folder; None means the bundled all-MiniLM-L6-v2.
    model_path: Path | None = None
    #: "auto" uses the int8 ONNX copy of the model for questions when the index was built
    #: with the bundled model; "torch" always uses sentence-transformers.
    query_encoder: str = "auto"
    max_question_chars: int = 1000
    max_file_bytes: int = 5 * 1024 * 1024
    #: Passage shape: sentences are grouped into windows of at most this many words ...
    passage_words: int = 90
    #: ... and at most this many sentences, overlapping by this many sentences.
    passage_sentences: int = 4
    passage_overlap: int = 1
    #: How many passages retrieval hands to evidence selection.
    candidates: int = 20
    #: Folder of the trained reader (``python -m qa train-reader``); None: the one in models/reader.
    reader_path: Path | None = None
    #: How many windows (a candidate sentence with its neighbours) the reader reads per question.
    reader_windows: int = 3
    #: Questions the web app answers at the same time, and the time one may take before it gets a message.
    concurrency: int = 4
    answer_timeout_s: float = 30.0
    #: Corpus size above which FAISS switches from exact to approximate search.
    ann_threshold: int = 200_000
    batch_size: int = 32
    #: Where passages are searched: "faiss" (files in the index folder) or "milvus"; None: the store
    #: the index was built with (faiss for a new index). See qa/stores.
    store: str | None = None
    #: Milvus: a server URI (``http://host:19530``) or a milvus-lite file; None: ``milvus.db`` in the index folder.
    milvus_uri: str | None = None
    milvus_prefix: str = "qa"
    #: Milvus dense index: FLAT (exact), IVF_FLAT, AUTOINDEX; HNSW on a cluster.
    milvus_index: str = "FLAT"
    #: Serve an index that another machine writes (app servers sharing one index folder and one Milvus
    #: cluster): never index, never write to the index folder.
    read_only: bool = False
    extra: dict = field(default_factory=dict)

    def store_options(self):
        """Where the Milvus store lives (a :class:`qa.stores.StoreOptions`)."""
        from .stores import StoreOptions

        return StoreOptions(milvus_uri=self.milvus_uri, milvus_prefix=self.milvus_prefix,
                            milvus_index=self.milvus_index)

    def with_(self, **changes) -> "Config":
        """A copy with some fields changed (None values are ignored; a documents folder given here
        counts as given explicitly)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        if "store" in changes:
            from .stores import check_kind

            check_kind(changes["store"])
        if "docs_dir" in changes and "docs_explicit" not in changes:
            changes["docs_explicit"] = True
        for key in ("docs_dir", "index_dir", "model_path", "reader_path"):
            if key in changes:
                changes[key] = Path(changes[key]).expanduser()
        return replace(self, **changes)


def load_config(**overrides) -> Config:
    """Defaults, then ``QA_*`` environment variables, then explicit overrides."""
    base = Config()
    model_env = os.environ.get("QA_MODEL")
    cfg = replace(
        base,
        docs_dir=_env_path("QA_DOCS", base.docs_dir),
        docs_explicit=bool(os.environ.get("QA_DOCS")),
        index_dir=_env_path("QA_INDEX", base.index_dir),
        model_path=Path(model_env).expanduser() if model_env else None,
        query_encoder=os.environ.get("QA_QUERY_ENCODER", base.query_encoder),
        reader_path=Path(os.environ["QA_READER"]).expanduser() if os.environ.get("QA_READER") else None,
        reader_windows=_env_int("QA_READER_WINDOWS", base.reader_windows),
        max_file_bytes=_env_int("QA_MAX_FILE_BYTES", base.max_file_bytes),
        concurrency=max(1, _env_int("QA_CONCURRENCY", base.concurrency)),
        answer_timeout_s=float(_env_int("QA_ANSWER_TIMEOUT", int(base.answer_timeout_s))),
        milvus_uri=os.environ.get("QA_MILVUS_URI") or None,
        milvus_prefix=os.environ.get("QA_MILVUS_PREFIX") or base.milvus_prefix,
        milvus_index=os.environ.get("QA_MILVUS_INDEX") or base.milvus_index,
        read_only=os.environ.get("QA_READ_ONLY", "").lower() in ("1", "true", "yes"),
    )
    if os.environ.get("QA_STORE") and overrides.get("store") is None:
        overrides["store"] = os.environ["QA_STORE"]
    return cfg.with_(**overrides)


def setup_offline_env() -> None:
    """Make sure nothing tries to reach the network (models are local)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
