"""Local, cited question answering over a folder of news articles.

The flow: file → :class:`~qa.documents.Document` → sentences/passages with exact
offsets → vectors (FAISS) + BM25 → hybrid retrieval → evidence sentences →
:class:`~qa.answer.Answer`. :class:`~qa.engine.Engine` is the one facade.
"""
from .answer import Answer, Citation, QuestionError

__all__ = ["Answer", "Citation", "QuestionError", "Engine"]


def __getattr__(name):  # lazy: importing qa must stay cheap (the web app starts fast)
    if name == "Engine":
        from .engine import Engine

        return Engine
    raise AttributeError(name)
