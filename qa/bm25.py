"""BM25 over passage texts with ``bm25s`` (English stopwords, Snowball stemming)."""
from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
QUESTION_WORDS = frozenset({"who", "whom", "whose", "what", "when", "where", "which", "why", "how", "did", "does",
                            "do", "many", "much"})
TOKEN_RE = re.compile(r"(?u)\b\w\w+\b|\b\d\b")


_local = threading.local()


def _stemmer():
    """A Snowball stemmer for this thread (PyStemmer's objects must not be shared across threads)."""
    st = getattr(_local, "stemmer", None)
    if st is None:
        import Stemmer

        st = _local.stemmer = Stemmer.Stemmer("english")
    return st


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | QUESTION_WORDS


_FOLD = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "ð": "d", "þ": "th"})


def fold(text: str) -> str:
    """Lower case without accents ("Céloron" → "celoron", "Skłodowska" → "sklodowska")."""
    text = text.lower().translate(_FOLD)
    if text.isascii():
        return text
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    """Lower-cased, accent-folded, stopword-free, stemmed tokens (the same for passages and questions)."""
    toks = [t for t in TOKEN_RE.findall(fold(text)) if t not in stopwords()]
    return _stemmer().stemWords(toks)


def _bm25s():
    """bm25s, with its logger (which it sets to DEBUG on import) quietened."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class BM25Index:
    """A persisted bm25s index; ``scores`` gives every passage's score for a question."""

    def __init__(self, retriever, size: int):
        self.retriever = retriever
        self.size = size
        self._vocab = retriever.vocab_dict

    @classmethod
    def build(cls, texts, show_progress: bool = False) -> "BM25Index":
        """Index an iterable of passage texts."""
        bm25s = _bm25s()

        corpus_tokens = [tokenize(t) or ["\u2205"] for t in texts]
        retriever = bm25s.BM25()
        retriever.index(corpus_tokens, show_progress=show_progress)
        return cls(retriever, len(corpus_tokens))

    def _query_ids(self, question: str) -> list[int]:
        return [self._vocab[t] for t in dict.fromkeys(tokenize(question)) if t in self._vocab]

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every passage (zeros when no question word is known)."""
        ids = self._query_ids(question)
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(ids), dtype=np.float32)

    def top(self, question: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of the ``k`` best passages, best first."""
        s = self.scores(question)
        k = min(k, len(s))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        idx = np.argpartition(-s, k - 1)[:k]
        idx = idx[np.argsort(-s[idx], kind="stable")]
        keep = s[idx] > 0
        return idx[keep], s[idx][keep]

    def save(self, path: Path) -> None:
        self.retriever.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path) -> "BM25Index":
        bm25s = _bm25s()

        retriever = bm25s.BM25.load(str(path), show_progress=False, verbosity=0)
        n = int(retriever.scores.get("num_docs", 0)) if isinstance(retriever.scores, dict) else 0
        return cls(retriever, n)
