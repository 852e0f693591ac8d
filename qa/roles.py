"""People and their roles, extracted at index time: "Name, Title of Org", "Org's Title Name",
"Title Name" give (person, title, organisation) facts, each with its exact quote and the source
offsets of the title inside it.

At question time (``Engine``), a role fact corrects the reader when it picked a title in a sentence
that lists several people: the question names one of them, the span the reader chose is another
one's title, so the answer becomes the named person's own title, quoted from where the article says
it. Which questions ask for a role is left to the reader (it chose a title); nothing here matches
question words.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache

from .signings import ROLE_WORDS, TITLE_PREFIX, _people_in

log = logging.getLogger(__name__)

#: A cheap filter before parsing: sentences that may give someone's role.
ROLE_HINT_RE = re.compile(r"\b(?:" + "|".join(sorted((re.escape(w) for w in ROLE_WORDS), key=len, reverse=True))
                          + r")\b", re.I)
_TITLE_WORDS = {w.lower() for w in ROLE_WORDS | TITLE_PREFIX} | {"member", "secretary", "academician", "engineer",
                                                                 "investigator", "professor", "researcher"}


def _is_title(title: str) -> bool:
    return any(w in _TITLE_WORDS or w.split("-")[-1] in _TITLE_WORDS for w in re.findall(r"[a-z-]+", title.lower()))


def _span(quote: str, text: str, near: tuple[int, int] | None = None) -> tuple[int, int] | None:
    """Where ``text`` is in ``quote`` (whitespace may differ: the quote is the raw source), as ``(start,
    end)``: the first place, or the one nearest the span ``near`` (a title right before or after its
    person's name); None when it is not in it."""
    pattern = re.compile(r"\s+".join(re.escape(w) for w in text.split()))
    found = [(m.start(), m.end()) for m in pattern.finditer(quote)]
    if not found:
        return None
    if near is None:
        return found[0]
    return min(found, key=lambda f: near[0] - f[1] if f[1] <= near[0] else f[0] - near[1] if f[0] >= near[1]
               else len(quote))


def roles_in_document(sent_texts: list[str], sent_quotes: list[str], sent_start, sent_end) -> list[dict]:
    """Role facts of one document's sentences (``sentence``: index into them)."""
    from .nlp import bounded, get_nlp

    idx = [i for i, t in enumerate(sent_texts) if ROLE_HINT_RE.search(t)]
    out: list[dict] = []
    if not idx:
        return out
    for i, doc in zip(idx, get_nlp().pipe([bounded(sent_texts[i]) for i in idx], batch_size=64)):
        try:
            people, _ = _people_in(doc, 0, len(doc))
        except Exception:  # one odd parse must not stop the index
            log.exception("role extraction failed on a sentence")
            continue
        quote = sent_quotes[i]
        for p in people:
            if not p.title or not _is_title(p.title):
                continue
            name = _span(quote, p.name)
            title = _span(quote, p.title, name) if name else None
            if title is None:
                continue
            s0 = int(sent_start[i])
            out.append({"person": p.name, "title": p.title, "organization": p.organization, "sentence": i,
                        "quote": quote, "start": s0, "end": int(sent_end[i]),
                        "title_start": s0 + title[0], "title_end": s0 + title[1]})
    return out


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def named_person(question: str, roles: list[dict]) -> list[dict]:
    """The role facts of the people the question names (every word of the name is in it)."""
    q = _words(question)
    return [r for r in roles if _words(r["person"]) and _words(r["person"]) <= q]


def correct_role(question: str, doc_roles: list[dict], answer_start: int, answer_end: int, sent_start: int
                 ) -> dict | None:
    """The role fact to answer with instead, when the reader's span (source offsets, in the sentence
    starting at ``sent_start``) is the title of someone other than the person the question names."""
    picked = [r for r in doc_roles if r["start"] == sent_start and r["title_start"] < answer_end
              and answer_start < r["title_end"]]
    if not picked:
        return None
    named = named_person(question, doc_roles)
    if not named or any(r["person"] == picked[0]["person"] for r in named):
        return None
    people = {r["person"] for r in named}
    if len(people) != 1:
        return None
    # the named person's role in the same sentence when it gives one, else the first the article gives
    same = [r for r in named if r["start"] == sent_start]
    return (same or named)[0]


def confirmed_role(question: str, doc_roles: list[dict], span_start: int, span_end: int) -> dict | None:
    """The role fact that confirms a span the reader was not sure of: the question names one person with
    stored roles, and the span (source offsets) overlaps that person's title where a fact quotes it
    ("What is A's role?", the reader's best span "Vice-Chancellor Prof. A" holds A's title)."""
    named = named_person(question, doc_roles)
    if len({r["person"] for r in named}) != 1:
        return None
    hit = [r for r in named if r["title_start"] < span_end and span_start < r["title_end"]]
    return hit[0] if hit else None


@lru_cache(maxsize=65_536)
def _stems(text: str | None) -> frozenset[str]:
    from .bm25 import tokenize

    return frozenset(tokenize(text or ""))


#: Stems of the words that make a title a title ("chief", "minist", "chair"), for matching questions.
@lru_cache(maxsize=1)
def _title_stems() -> frozenset[str]:
    from .bm25 import _stemmer

    return frozenset(_stemmer().stemWords(sorted(_TITLE_WORDS)))


#: "Who is the chairman of X?", "who is X's energy minister", "Who chairs X?": who holds a title.
HOLDER_RE = re.compile(r"^\s*(?:who|whom)\b", re.I)


def _says(word: str, stems) -> bool:
    """Whether one of ``stems`` is ``word`` or, from 4 letters on, starts it ("chair" says "chairman")."""
    return any(word == w or (len(w) >= 4 and word.startswith(w)) for w in stems)


#: "Who heads X?", "who leads X", "who runs X": asks for X's top person, whatever the article calls the post.
LEAD_STEMS = frozenset({"head", "lead", "run"})
#: The titles of an organisation's top person (as stems; "group" aside) that answer "who heads X".
TOP_TITLES = ("chief executive", "chief executive officer", "ceo", "president", "chairman", "chairwoman",
              "chairperson", "chair", "managing director", "director general", "director", "head", "leader",
              "governor", "mayor", "vice-chancellor", "rector", "principal", "secretary general", "general manager")


@lru_cache(maxsize=1)
def _top_titles() -> frozenset[frozenset[str]]:
    return frozenset(_stems(t) for t in TOP_TITLES)


def asks_for_holder(question: str) -> bool:
    """Whether a question may ask who holds a title: it starts with "who", names a title word (or asks who
    heads, leads or runs something), and is not about a signing (the stored signings answer "who signed
    ...")."""
    from .signings import CANDIDATE_RE

    if not question or not HOLDER_RE.search(question) or CANDIDATE_RE.search(question):
        return False
    qs = _stems(question)
    return bool(qs & LEAD_STEMS) or any(_says(t, qs) for t in _title_stems())


def holder_of(question: str, docs_roles: dict[str, list[dict]], doc_words) -> dict | None:
    """The role fact answering "who is the <title> of <organisation>" (in any wording that starts with
    "who"): its title's title words are all in the question, every other word of the question is in the
    fact's sentence or (counting half) its article (``doc_words(doc)``: the article's stems; a word of the
    person's own organisation counts most), and the
    question does not name the person. None when no fact fits or two people fit equally."""
    if not asks_for_holder(question):
        return None
    qs = _stems(question)
    titles = _title_stems()
    asked_titles = {w for w in qs if any(_says(t, [w]) for t in titles)}
    # "who heads X": no title asked but "head", and a verb that asks for the top person
    leads = bool(qs & LEAD_STEMS) and asked_titles <= {"head"}
    scored = []
    for doc, roles in docs_roles.items():
        words = None
        for r in roles:
            ts = _stems(r["title"])
            role = ts & titles
            if _stems(r["person"]) <= qs:
                continue
            top = leads and (ts - {"group"}) in _top_titles()
            if not top:
                if not role or not all(_says(t, qs) for t in role):
                    continue
                own = _stems(r["title"] + " " + (r.get("organization") or ""))
                if any(not any(t == w or t.startswith(w) for t in own) for w in asked_titles):
                    continue  # the question asks for a "deputy" or "chief" the title does not say
            sent = _stems(r["quote"]) | ts | _stems(r.get("organization"))
            rest = {w for w in qs if not any(_says(t, [w]) for t in ts) and not (top and w in LEAD_STEMS)}
            if words is None:
                words = doc_words(doc)
            if not rest <= (sent | words):
                continue
            org = _stems(r.get("organization"))  # the person's own organisation counts most
            score = (1 if top else len(role)) + len(qs & ts) + sum(1.5 if w in org else 1.0 if w in sent else 0.5
                                                                   for w in rest)
            scored.append((score, doc, r))
    if not scored:
        return None
    scored.sort(key=lambda x: -x[0])
    best = scored[0]
    if any(s[0] == best[0] and s[2]["person"] != best[2]["person"] for s in scored[1:]):
        return None
    return dict(best[2], doc=best[1])
