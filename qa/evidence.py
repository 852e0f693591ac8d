"""From retrieved passages to evidence sentences, a short answer, or an abstention.

Each candidate sentence (from the top passages) is scored by its dense cosine
with the question, the share of the question's words it contains (IDF-weighted),
its passage's retrieval score, and whether it holds an answer of the asked type.
The answer abstains when the evidence does not cover what the question is
about (its names), or lacks any answer of the asked type, or is too weak.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .answer import Answer, Citation
from .bm25 import tokenize
from .question import TYPE_LABELS, Question
from .retrieve import Hit
from .shortanswer import extract, sentence_has_type
from .store import IndexData

#: Evidence sentence score weights (dense, lexical, passage) and the abstention thresholds.
W_DENSE, W_LEX, W_PASSAGE, W_TYPE = 0.4, 0.4, 0.2, 0.15
#: Share of the IDF weight of each name the question mentions that the evidence document must hold.
KEY_COVERAGE = 0.6
#: The best evidence sentence must reach this support (cosine and word overlap mixed).
MIN_SUPPORT = 0.3
#: Types whose absence from the evidence means the documents do not answer the question.
STRICT_TYPES = {"date", "number", "money", "percent", "person"}


@dataclass
class Candidate:
    sent: int
    passage_score: float
    dense: float = 0.0
    lex: float = 0.0
    score: float = 0.0
    type_ok: bool = False


@dataclass
class Evidence:
    """The ranked candidates and the features the abstention looked at."""

    candidates: list[Candidate]
    features: dict = field(default_factory=dict)


class IdfTable:
    """Inverse document frequency of stems over passages, read off the BM25 index."""

    def __init__(self, data: IndexData):
        self.data = data
        bm = data.bm25.retriever
        self.vocab = bm.vocab_dict
        indptr = bm.scores["indptr"]
        self.df = np.diff(np.asarray(indptr))
        self.n = max(1, data.n_passages)

    @lru_cache(maxsize=100_000)
    def idf(self, stem: str) -> float:
        i = self.vocab.get(stem)
        df = int(self.df[i]) if i is not None and i < len(self.df) else 0
        return math.log(1.0 + (self.n - df + 0.5) / (df + 0.5))


def _coverage(stems: list[str], present: set[str], idf: IdfTable) -> float:
    total = sum(idf.idf(t) for t in stems)
    if total <= 0:
        return 1.0
    return sum(idf.idf(t) for t in stems if t in present) / total


@lru_cache(maxsize=4096)
def _stems_of(text: str) -> frozenset[str]:
    return frozenset(tokenize(text))


def doc_stems(data: IndexData, doc: int) -> frozenset[str]:
    """All stems of one document (its title and sentences)."""
    idx = np.nonzero(data.sent_doc == doc)[0]
    title = data.doc_meta(doc).get("title") or ""
    return frozenset(tokenize(title)).union(*[_stems_of(data.sent_texts[int(i)]) for i in idx])


def rank_sentences(data: IndexData, q: Question, qvec: np.ndarray, hits: list[Hit], idf: IdfTable,
                   top_passages: int = 5) -> list[Candidate]:
    """Score the sentences of the best passages; best first."""
    if not hits:
        return []
    best = hits[0].score or 1.0
    cands: dict[int, Candidate] = {}
    for h in hits[:top_passages]:
        lo, hi = int(data.passage_lo[h.passage]), int(data.passage_hi[h.passage])
        for s in range(lo, hi):
            ps = h.score / best
            if s not in cands or cands[s].passage_score < ps:
                cands[s] = Candidate(s, ps)
    ids = np.array(sorted(cands), dtype=np.int64)
    dense = np.asarray(data.sent_vecs[ids], dtype=np.float32) @ qvec
    terms = q.terms or q.context_terms
    for s, d in zip(ids, dense):
        c = cands[int(s)]
        stems = _stems_of(data.sent_texts[int(s)])
        c.dense = float(d)
        c.lex = _coverage(terms, stems, idf) if terms else 0.0
        if q.context_terms:
            c.lex = 0.8 * c.lex + 0.2 * _coverage(q.context_terms, stems, idf)
        c.score = W_DENSE * c.dense + W_LEX * c.lex + W_PASSAGE * c.passage_score
    ranked = sorted(cands.values(), key=lambda c: -c.score)
    if TYPE_LABELS.get(q.answer_type):
        for c in ranked[:6]:  # the parse is the costly part: only for the front runners
            c.type_ok = sentence_has_type(data.sent_texts[c.sent], q.answer_type)
            if c.type_ok:
                c.score += W_TYPE
        ranked = sorted(ranked, key=lambda c: -c.score)
    return ranked


def decide(data: IndexData, q: Question, ranked: list[Candidate], idf: IdfTable) -> tuple[bool, str, dict]:
    """Should we abstain? Returns (abstain, reason, features)."""
    if not ranked:
        return True, "nothing relevant was retrieved", {}
    top = ranked[0]
    doc = int(data.sent_doc[top.sent])
    feats = {"dense": top.dense, "lex": top.lex, "score": top.score}
    if q.key_terms:
        present = doc_stems(data, doc)
        # every name the question mentions must be in the evidence document
        phrase_cov = _coverage(q.key_terms, present, idf)
        missing = [t for t in q.key_terms if t not in present]
        feats["key_coverage"] = phrase_cov
        if phrase_cov < KEY_COVERAGE or (missing and max(idf.idf(t) for t in missing) > 0.75 * max(
                idf.idf(t) for t in q.key_terms) and phrase_cov < 0.85):
            return True, "the documents do not mention " + ", ".join(missing[:3]), feats
    support = 0.5 * top.dense + 0.5 * top.lex
    feats["support"] = support
    if support < MIN_SUPPORT:
        return True, "no passage is close enough to the question", feats
    if q.answer_type in STRICT_TYPES and TYPE_LABELS.get(q.answer_type):
        if not any(c.type_ok for c in ranked[:3]):
            return True, f"no {q.answer_type} is stated in the closest passages", feats
    return False, "", feats


def build_answer(data: IndexData, q: Question, ranked: list[Candidate], k: int = 3) -> Answer:
    """Citations for the best sentences (deduplicated), with the short answer in the first one."""
    cites: list[Citation] = []
    top_score = ranked[0].score if ranked else 0.0
    used: set[int] = set()
    for c in ranked:
        if len(cites) >= k:
            break
        if c.sent in used or (cites and c.score < 0.6 * top_score):
            continue
        used.add(c.sent)
        doc = int(data.sent_doc[c.sent])
        meta = data.doc_meta(doc)
        cites.append(Citation(
            n=len(cites) + 1, doc=data.doc_ids[doc], title=meta.get("title"), date=meta.get("date"),
            quote=data.sent_quotes[c.sent], start=int(data.sent_start[c.sent]), end=int(data.sent_end[c.sent]),
            score=c.score,
        ))
    answer_text = None
    for cite, c in zip(cites[:2], ranked):
        sa = extract(cite.quote, q)
        if sa is not None:
            answer_text = sa.text
            cite.answer_start = cite.start + sa.spans[0][0]
            cite.answer_end = cite.start + sa.spans[-1][1]
            cite.answer_spans = [[cite.start + s, cite.start + e] for s, e in sa.spans]
            break
    return Answer(question=q.text, answer=answer_text, abstained=False, citations=cites,
                  resolved_question=q.search_text if q.is_followup else None, answer_type=q.answer_type)
