"""Questions about the articles themselves: who wrote one, which outlet it is from, when it came out.

The answer comes from the article's metadata found at index time (``Document.meta()["lines"]``: the
headline, date line, byline and source line with their offsets), quoting that line exactly. Which
questions are about the article is decided by meaning: a logistic model over the question's vector (the
one retrieval already computed; ``qa/intents.py``, fitted by ``python -m qa fit-intents``). Which
article: the one retrieval ranks first, when it holds the question's topic (its names and most of its
key words).
"""
from __future__ import annotations

import re

from dataclasses import dataclass

import numpy as np

#: Words one of which a question about an article has: a word for the article ("story", "report") or
#: for writing or running it ("wrote", "published"). On 4,000 SQuAD 1.1 train questions the intent model
#: alone took 46 for article questions ("Which prominent journalist was victim of ...?"), with this word
#: check 12; it took none of the test splits' 51 other questions either way
#: (scripts/article_intent_check.py).
ARTICLE_WORDS = {"article", "articles", "story", "stories", "report", "reports", "reported", "reporting", "piece",
                 "news", "byline", "item", "coverage", "covered", "wrote", "written", "authored", "author", "writer",
                 "published", "publication", "posted", "ran", "carried", "filed", "agency", "outlet", "source"}
#: Stems of the question's own words about the article, left out of its topic.
META_STEMS = {"articl", "stori", "report", "piec", "news", "bylin", "journalist", "author", "wrote", "write",
              "written", "writer", "publish", "public", "agenc", "outlet", "newspap", "post", "datelin", "sourc", "ran",
              "run", "date", "day", "cover", "carri", "come", "came", "out", "name", "item", "file", "correspond",
              "wire", "servic", "media", "paper", "releas", "appear", "old", "about", "regard", "concern", "tell",
              "me", "on", "that", "the"}

@dataclass
class ArticleAnswer:
    """An answer about one article: the value and the exact line that states it."""

    slot: str
    doc: str
    answer: str
    quote: str
    start: int
    end: int
    answer_start: int | None = None
    answer_end: int | None = None


#: Words for the outlet an article is from: a question about the article with one of them asks its source.
OUTLET_WORDS = {"agency", "agencies", "outlet", "outlets", "wire", "publication", "newspaper", "paper", "source",
                "broadcaster", "channel", "magazine"}
#: Most probability of the classes that are not about the article a question about it may have.
MAX_OTHER = 0.5
#: "who wrote the article on X", "when was the story about X published", "when was the X announcement
#: published": the question says outright that it
#: asks who wrote or published an article on a topic, where the model, swayed by a long topic, may not
#: (docs/evaluation.md: the split questions it adds, and SQuAD questions it takes: none of 4,000).
ABOUT_AN_ARTICLE_RE = re.compile(
    r"^\s*who\s+(?:reported|covered)\s+(?:on|about)\b|"
    r"^\s*(?:which|what)\s+(?:news\s+)?(?:agency|agencies|wire(?:\s+service)?|outlet|news\s+service|media\s+outlet)\s+"
    r"(?:first\s+)?(?:reported|carried|ran|published|filed|covered|broke)\b|"
    r"\b(?:wrote|written|authored|penned|filed|author|writer)\b.*\b(?:article|story|piece|report)\s+(?:on|about)\b|"
    r"\b(?:article|story|piece|report)\s+(?:on|about)\b.*\b(?:published|posted|written|filed)\b|"
    r"^\s*when\s+(?:was|were)\b.*\b(?:article|story|piece|report|announcement|press\s+release|news\s+release|"
    r"statement|news\s+item)\s+(?:first\s+)?(?:published|posted|issued|put\s+out)\b", re.I)


def article_slot(question: str, qvec: np.ndarray, max_other: float = MAX_OTHER) -> str | None:
    """"author", "source" or "date" when the question asks that about an article, else None.

    Whether it is about the article: the intent model of ``qa/intents.py`` on its vector, and one of
    :data:`ARTICLE_WORDS` in it. Which of the three: the kind of answer it asks for ("who" -> the author,
    "when" -> the date), else the model's likeliest article class ("which agency" -> the source)."""
    from .intents import default_model
    from .question import answer_type

    words = {w.strip("?.,!;:'\"’").lower() for w in question.split()}
    if not words & ARTICLE_WORDS:
        return None
    model = default_model()
    if model is None:
        return None
    p = dict(zip(model.labels, model.probabilities(qvec)))
    if p["author"] + p["source"] + p["date"] < 1.0 - max_other and not ABOUT_AN_ARTICLE_RE.search(question):
        return None
    kind = answer_type(question)
    if kind in ("place", "number", "money", "percent", "reason"):
        return None  # "Where was The Times published?" asks something else
    if kind in ("date", "duration"):
        return "date"
    if words & OUTLET_WORDS:
        return "source"  # "which agency / outlet / wire"
    if kind in ("who", "person"):
        return "author"
    return max(("author", "source", "date"), key=lambda k: p[k])


def topic_terms(key_terms: list[str], terms: list[str]) -> list[str]:
    """The question's words about its topic (not about the article): its names, else its content words."""
    own = [t for t in key_terms if t not in META_STEMS]
    return own or [t for t in terms if t not in META_STEMS]


def answer_about(meta: dict, source: str, slot: str, doc: str) -> ArticleAnswer | None:
    """The article's author, source or date, quoting its line in ``source`` (the text quotes index);
    None when the article has no such line."""
    lines = meta.get("lines") or {}
    value = {"author": meta.get("author"), "source": meta.get("source"), "date": meta.get("date")}[slot]
    if not value:
        return None
    order = {"author": ("byline", "date", "source"), "source": ("source", "byline", "date"),
             "date": ("date", "byline")}[slot]
    for kind in order:
        span = lines.get(kind)
        if not span:
            continue
        a, b = int(span[0]), int(span[1])
        quote = source[a:b]
        if not quote.strip():
            continue
        if slot == "date":
            from .dates import find_dates

            found = find_dates(quote)
            if not found:
                continue
            d = found[0]
            return ArticleAnswer(slot, doc, quote[d.start : d.end], quote, a, b, a + d.start, a + d.end)
        i = quote.find(value)
        if i >= 0:
            return ArticleAnswer(slot, doc, value, quote, a, b, a + i, a + i + len(value))
    return None
