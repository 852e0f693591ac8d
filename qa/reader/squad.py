"""Training windows from a SQuAD-format file, shaped like what the reader sees at question time.

A positive is the answer's sentence with 0-2 neighbours on each side (the pipeline reads a candidate
evidence sentence with its neighbours). Negatives come from the same article, so that "no answer in
this window" means something at question time: sentences of the same paragraph that do not hold the
answer, and the sentences of another paragraph that share the most words with the question (the
confusions retrieval makes). A negative whose text contains the answer string is dropped.

Optionally (``swaps``), a question whose name or number appears in the answer's window is asked again
about another name (or number) of the same article, against the same window, as a negative: the
window answers a question about something else, as SQuAD 2.0's unanswerable questions do. And
(``pronouns``) such a question is asked again with the name replaced by "it" or "they", against the
same window and with the same answer: follow-up questions in a chat say "it" for the topic.
"""
from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..bm25 import tokenize
from ..passages import split_block
from ..textmap import Block
from .windows import Piece, Window, WordPieces, assemble


@dataclass
class Example:
    """One training window with its labels (``start == end == 0`` and ``has == 0`` for a negative)."""

    window: Window
    has: int
    start: int
    end: int
    qid: str
    answers: tuple[str, ...] = ()
    sentences: tuple[str, ...] = ()  # the texts of the window's sentences (offsets index them)


def load_squad(path: Path) -> list[dict]:
    """The ``data`` list of a SQuAD JSON file (``.json`` or ``.json.gz``)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)["data"]


def split_articles(articles: list[dict], holdout: int) -> tuple[list[dict], list[dict]]:
    """Training articles and the last ``holdout`` articles, kept apart for validation."""
    if holdout <= 0:
        return articles, []
    return articles[:-holdout], articles[-holdout:]


@dataclass
class _Para:
    text: str
    spans: list[tuple[int, int]]  # sentence character spans
    pieces: list[Piece]
    stems: list[frozenset[str]]


def _paragraphs(article: dict, wp: WordPieces) -> list[_Para]:
    out = []
    for para in article["paragraphs"]:
        text = para["context"]
        spans = [(s, e) for s, e in split_block(Block(text))]
        sents = [text[s:e] for s, e in spans]
        out.append(_Para(text, spans, wp.encode_many(sents), [frozenset(tokenize(t)) for t in sents]))
    return out


def _answer_tokens(w: Window, rel_sent: int, a: int, b: int) -> tuple[int, int] | None:
    """Piece indices of the characters ``[a, b)`` of the window's sentence ``rel_sent``."""
    idx = np.flatnonzero((w.sent == rel_sent) & (w.end > a) & (w.start < b))
    if len(idx) == 0:
        return None
    first, last = int(idx[0]), int(idx[-1])
    if w.start[first] > a + 1 or w.end[last] < b - 1:  # cut off by truncation
        return None
    return first, last


def _norm(s: str) -> str:
    return " ".join(s.lower().split())


def _window_text(para: _Para, w: Window) -> str:
    s = para.spans[w.first][0]
    e = para.spans[w.first + w.n_sentences - 1][1]
    return _norm(para.text[s:e])


def _texts(para: _Para, w: Window) -> tuple[str, ...]:
    return tuple(para.text[s:e] for s, e in para.spans[w.first : w.first + w.n_sentences])


def _neighbours(rng: random.Random, most: int = 2) -> int:
    """How many neighbours a window takes on one side: 0-2 (1 most often), or 0 when ``most`` is 0."""
    if most <= 0:
        return 0
    return rng.choices((0, 1, 2), weights=(1, 2, 1))[0] if most >= 2 else rng.choice((0, 1))


def build_examples(articles: list[dict], wp: WordPieces, max_len: int = 192, negatives: float = 0.7,
                   seed: int = 0, limit: int | None = None, progress: bool = False, swaps: float = 0.0,
                   pronouns: float = 0.0, neighbours: int = 2, contrasts: float = 0.0
                   ) -> tuple[list[Example], dict]:
    """Positive and negative windows for every question of ``articles`` (at most ``limit`` questions,
    drawn evenly over the articles); returns the examples and counts of what was made and skipped.
    ``neighbours`` is the most sentences a window takes on each side of its candidate (0: the sentence
    alone); ``contrasts`` the share of questions also asked with an opposite word or a negation."""
    rng = random.Random(seed)
    stats = {"questions": 0, "positives": 0, "negatives": 0, "swapped": 0, "pronouns": 0, "contrasts": 0,
             "skipped_cross_sentence": 0, "skipped_truncated": 0}
    todo = [(a, p, q) for a, art in enumerate(articles) for p, para in enumerate(art["paragraphs"])
            for q in range(len(para["qas"]))]
    if limit and limit < len(todo):
        todo = sorted(rng.sample(todo, limit))
    by_article: dict[int, list[tuple[int, int]]] = {}
    for a, p, q in todo:
        by_article.setdefault(a, []).append((p, q))
    out: list[Example] = []
    it = by_article.items()
    if progress:
        from tqdm import tqdm

        it = tqdm(list(it), desc="building windows", unit="article")
    for a, items in it:
        paras = _paragraphs(articles[a], wp)
        names = _article_names(articles[a]) if swaps else []
        for p, qi in items:
            qa = articles[a]["paragraphs"][p]["qas"][qi]
            para = paras[p]
            ans = qa["answers"][0]
            s0 = int(ans["answer_start"])
            s1 = s0 + len(ans["text"])
            stats["questions"] += 1
            k = next((i for i, (s, e) in enumerate(para.spans) if s <= s0 and s1 <= e), None)
            if k is None:
                stats["skipped_cross_sentence"] += 1
                continue
            question = wp.encode(qa["question"])
            answers = tuple(dict.fromkeys(x["text"] for x in qa["answers"]))
            off = para.spans[k][0]
            sub = para.pieces[k]
            tok = [i for i, (s, e) in enumerate(sub.offsets) if e > s0 - off and s < s1 - off]
            keep_span = (tok[0], tok[-1] + 1) if tok else None
            w = assemble(wp.cls, wp.sep, question, para.pieces, max_len, keep=k, keep_span=keep_span,
                         before=_neighbours(rng, neighbours), after=_neighbours(rng, neighbours))
            span = _answer_tokens(w, k - w.first, s0 - off, s1 - off)
            if span is None:
                stats["skipped_truncated"] += 1
                continue
            out.append(Example(w, 1, span[0], span[1], qa["id"], answers, _texts(para, w)))
            stats["positives"] += 1
            if pronouns and rng.random() < pronouns:
                other = _with_pronoun(rng, qa["question"], _window_text(para, w))
                if other is not None:
                    pw = assemble(wp.cls, wp.sep, wp.encode(other), para.pieces, max_len, keep=k,
                                  keep_span=keep_span, before=k - w.first, after=w.first + w.n_sentences - 1 - k)
                    got = _answer_tokens(pw, k - pw.first, s0 - off, s1 - off)
                    if got is not None:
                        out.append(Example(pw, 1, got[0], got[1], qa["id"] + "-pronoun", answers, _texts(para, pw)))
                        stats["pronouns"] += 1
            if swaps and rng.random() < swaps:
                other = _swapped(rng, qa["question"], _window_text(para, w), names)
                if other is not None:
                    sw = assemble(wp.cls, wp.sep, wp.encode(other), para.pieces, max_len, keep=k,
                                  keep_span=keep_span, before=k - w.first, after=w.first + w.n_sentences - 1 - k)
                    out.append(Example(sw, 0, 0, 0, qa["id"] + "-swap", answers, _texts(para, sw)))
                    stats["swapped"] += 1
            if contrasts and rng.random() < contrasts:
                other = _contrasted(rng, qa["question"], _window_text(para, w))
                if other is not None:
                    cw = assemble(wp.cls, wp.sep, wp.encode(other), para.pieces, max_len, keep=k,
                                  keep_span=keep_span, before=k - w.first, after=w.first + w.n_sentences - 1 - k)
                    out.append(Example(cw, 0, 0, 0, qa["id"] + "-contrast", answers, _texts(para, cw)))
                    stats["contrasts"] += 1
            if rng.random() >= negatives:
                continue
            neg = _negative(rng, paras, p, k, question, qa["question"], wp, max_len, neighbours)
            if neg is not None and not any(_norm(x) in _window_text(paras[neg[0]], neg[1]) for x in answers):
                out.append(Example(neg[1], 0, 0, 0, qa["id"], answers, _texts(paras[neg[0]], neg[1])))
                stats["negatives"] += 1
    return out, stats


def _negative(rng: random.Random, paras: list[_Para], p: int, k: int, question: Piece, qtext: str,
              wp: WordPieces, max_len: int, most: int = 2) -> tuple[int, Window] | None:
    """A window without the answer: from the same paragraph (half the time, when it has other
    sentences) or from the article's paragraph closest to the question in words."""
    para = paras[p]
    if len(para.spans) > 1 and rng.random() < 0.5:
        j = rng.choice([i for i in range(len(para.spans)) if i != k])
        if j < k:
            before, after = _neighbours(rng, most), min(_neighbours(rng, most), k - 1 - j)
        else:
            before, after = min(_neighbours(rng, most), j - k - 1), _neighbours(rng, most)
        return p, assemble(wp.cls, wp.sep, question, para.pieces, max_len, keep=j, before=before, after=after)
    q = frozenset(tokenize(qtext))
    if not q or len(paras) < 2:
        return None
    scored = [(len(q & st), rng.random(), i, j) for i, para_i in enumerate(paras) if i != p
              for j, st in enumerate(para_i.stems)]
    if not scored:
        return None
    _, _, i, j = max(scored)
    return i, assemble(wp.cls, wp.sep, question, paras[i].pieces, max_len, keep=j, before=_neighbours(rng, most),
                       after=_neighbours(rng, most))


def _article_names(article: dict) -> list[str]:
    """Capitalised phrases (names) of an article, for swapped questions."""
    from ..question import CAP_RE

    from ..bm25 import stopwords

    seen: dict[str, None] = {}
    for para in article["paragraphs"]:
        text = para["context"]
        for m in CAP_RE.finditer(text):
            words = m.group(0).split(". ")[0].strip(" .'’-").split()
            while words and words[0].lower() in stopwords():
                words = words[1:]
            opens = m.start() == 0 or text[: m.start()].rstrip().endswith((".", "!", "?", ":", ";"))
            if not words or (opens and len(words) == 1) or len(" ".join(words)) <= 2:
                continue  # a capitalised sentence opening is no name
            seen[" ".join(words)] = None
    return list(seen)


def _swapped(rng: random.Random, question: str, window_text: str, names: list[str]) -> str | None:
    """The question about another name of the article (one the window does not mention), or about
    another number; None when the question names nothing the window says."""
    from ..question import NUM_RE, key_phrases

    found = [p for p in key_phrases(question) if _norm(p) in window_text and len(p) > 1]
    if not found:
        return None
    target = rng.choice(found)
    if NUM_RE.fullmatch(target):
        digits = target.replace(",", "")
        if not digits.isdigit():
            return None
        n = int(digits)
        other = str(n + rng.choice([-1, 1]) * rng.randint(1, max(2, n // 10 if n < 1000 else 30)))
    else:
        pool = [x for x in names if _norm(x) not in window_text and _norm(target) not in _norm(x)
                and _norm(x) not in _norm(target)]
        if not pool:
            return None
        other = rng.choice(pool)
    return question.replace(target, other, 1)


#: Words and their opposites for contrasted questions ("the first" -> "the last"): SQuAD 2.0's
#: unanswerable questions are often an answerable one with an antonym or a negation (Rajpurkar et al.
#: 2018 count 20 % antonyms, 9 % negations). A training-data resource only; nothing reads it at question time.
_OPPOSITES = dict(pair for a, b in (
    ("first", "last"), ("largest", "smallest"), ("biggest", "smallest"), ("most", "least"), ("highest", "lowest"),
    ("higher", "lower"), ("earliest", "latest"), ("earlier", "later"), ("before", "after"), ("older", "younger"),
    ("oldest", "youngest"), ("longest", "shortest"), ("longer", "shorter"), ("north", "south"),
    ("northern", "southern"), ("east", "west"), ("eastern", "western"), ("increase", "decrease"),
    ("increased", "decreased"), ("won", "lost"), ("win", "lose"), ("maximum", "minimum"), ("more", "less"),
    ("best", "worst"), ("better", "worse"), ("major", "minor"), ("began", "ended"), ("private", "public"),
    ("male", "female"), ("men", "women"), ("inside", "outside"), ("upper", "lower"), ("above", "below"),
    ("richest", "poorest"), ("strongest", "weakest"), ("fastest", "slowest"), ("top", "bottom"),
    ("successful", "unsuccessful"), ("legal", "illegal"), ("accepted", "rejected"), ("supported", "opposed"),
    ("allowed", "banned"), ("positive", "negative"), ("always", "never"), ("hottest", "coldest"),
    ("closest", "farthest"), ("common", "rare"), ("primary", "secondary"), ("internal", "external"),
    ("ancient", "modern"), ("domestic", "foreign"), ("urban", "rural"), ("opened", "closed"),
    ("import", "export"), ("imports", "exports"), ("rise", "fall"), ("rose", "fell"), ("gained", "lost"),
    ("start", "end"), ("beginning", "end"), ("minority", "majority"), ("full", "empty"), ("wet", "dry"),
) for pair in ((a, b), (b, a)))
_NEGATABLE = re.compile(r"^((?:who|what|which(?: \w+)?) (?:is|was|are|were|has|had|have|can|could|will|would)) ",
                        re.IGNORECASE)


def _contrasted(rng: random.Random, question: str, window_text: str) -> str | None:
    """The question with one word turned to its opposite (one the window does not say), or with
    "not" after its verb ("Who was the first ..." -> "Who was not the first ..."): a negative for the
    window that answers the original; None when neither applies."""
    words = [m for m in re.finditer(r"[A-Za-z]+", question) if m.group(0).lower() in _OPPOSITES]
    words = [m for m in words if not re.search(rf"\b{_OPPOSITES[m.group(0).lower()]}\b", window_text)]
    options = [("word", m) for m in words]
    neg = _NEGATABLE.match(question)
    if neg and " not " not in question.lower() and "n't" not in question.lower():
        options.append(("not", neg))
    if not options:
        return None
    kind, m = rng.choice(options)
    if kind == "not":
        return question[: m.end(1)] + " not" + question[m.end(1):]
    word = _OPPOSITES[m.group(0).lower()]
    if m.group(0)[0].isupper():
        word = word[0].upper() + word[1:]
    return question[: m.start()] + word + question[m.end():]


_PRONOUN_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"}


def _with_pronoun(rng: random.Random, question: str, window_text: str) -> str | None:
    """The question with one of its names that the window mentions said as a pronoun ("Where did
    the Normans settle?" -> "Where did they settle?"): a named entity that is a whole noun phrase,
    as "he"/"she" for a person, "they" for a plural, else "it" (object forms after a verb or a
    preposition). spaCy runs here at training time only."""
    from ..nlp import parse

    doc = parse(question)
    chunks = {c.root.i: c for c in doc.noun_chunks}
    options = []
    for ent in doc.ents:
        chunk = chunks.get(ent.root.i)
        if ent.label_ not in _PRONOUN_LABELS or chunk is None or _norm(ent.text) not in window_text:
            continue
        if chunk.start < ent.start and any(t.pos_ not in ("DET",) for t in doc[chunk.start : ent.start]):
            continue  # "the first Norman king": the name only modifies the phrase
        options.append((chunk, ent))
    if not options:
        return None
    chunk, ent = rng.choice(options)
    obj = chunk.root.dep_ in ("dobj", "pobj", "dative", "obj")
    if ent.label_ == "PERSON" and chunk.root.tag_ != "NNPS" and " and " not in chunk.text:
        word = rng.choice(("him", "her") if obj else ("he", "she"))
    elif chunk.root.tag_ in ("NNS", "NNPS") or " and " in chunk.text:
        word = "them" if obj else "they"
    else:
        word = "it"
    start, end = chunk.start_char, chunk.end_char
    return question[:start] + word + question[end:]
