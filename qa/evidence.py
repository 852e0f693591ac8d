"""From retrieved passages to evidence sentences, a short answer, or an abstention.

Each candidate sentence (from the top passages) is scored by its dense cosine
with the question, the share of the question's words it contains (IDF-weighted),
its passage's retrieval score, and whether it holds an answer of the asked type.
The answer abstains when the evidence does not cover what the question is
about (its names), or lacks any answer of the asked type, or is too weak.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .answer import Answer, Citation
from .htmltext import decode_fragment
from .bm25 import stopwords, tokenize
from .question import TYPE_LABELS, Question
from .nlp import parse, parse_many
from .retrieve import Hit
from .shortanswer import extract, type_score
from .store import IndexData
from .textmap import Block

#: Evidence sentence score weights (dense, lexical, passage) and the abstention thresholds.
W_DENSE, W_LEX, W_PASSAGE, W_TYPE, W_PHRASE = 0.4, 0.4, 0.2, 0.3, 0.15
#: The best evidence sentence must reach this support (mean of its cosine and its word overlap).
MIN_SUPPORT = 0.365
#: A question naming 2+ entities, one of them known only from other articles, needs this much support.
PAIR_SUPPORT = 0.8
#: ... and this much when the missing name appears nowhere in the corpus.
PAIR_SUPPORT_UNKNOWN = 0.45
#: When the top two sentences score within SWAP_GAP, the second goes first if its short answer's
#: extraction score is SWAP_MARGIN higher (see docs/evaluation.md).
SWAP_GAP, SWAP_MARGIN = 0.1, 1.0
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


HTML_SUFFIXES = (".html", ".htm")


def readable(data: IndexData, sent: int) -> Block:
    """The sentence as a reader sees it, mapped into its quote: for web pages the quote is a raw
    slice of the source, so entities ("&quot;") are decoded before spaCy reads it."""
    quote = data.sent_quotes[sent]
    doc = data.doc_ids[int(data.sent_doc[sent])]
    if doc.lower().endswith(HTML_SUFFIXES) and ("&" in quote or "<" in quote):
        return decode_fragment(quote)
    return Block(quote)


@lru_cache(maxsize=4096)
def _stems_of(text: str) -> frozenset[str]:
    return frozenset(tokenize(text))


_WORD = re.compile(r"\w+")


def _ngrams(text: str) -> frozenset[tuple[str, ...]]:
    """Bigrams and trigrams of content words (unstemmed), to reward the question's exact phrases."""
    toks = [t for t in _WORD.findall(text.lower()) if t not in stopwords()]
    grams = {tuple(toks[i : i + 2]) for i in range(len(toks) - 1)}
    grams |= {tuple(toks[i : i + 3]) for i in range(len(toks) - 2)}
    return frozenset(grams)


@lru_cache(maxsize=4096)
def _sentence_ngrams(text: str) -> frozenset[tuple[str, ...]]:
    return _ngrams(text)


def _doc_sentences(data: IndexData, doc: int) -> range:
    """The rows of one document's sentences."""
    # perf (issue 6): sent_doc is sorted (rows are written document by document), so a binary
    # search replaces a scan of every sentence (~3 ms per call at a million passages)
    lo, hi = np.searchsorted(data.sent_doc, np.array([doc, doc + 1], dtype=data.sent_doc.dtype))
    return range(int(lo), int(hi))


def doc_stems(data: IndexData, doc: int) -> frozenset[str]:
    """All stems of one document (its title and sentences)."""
    title = data.doc_meta(doc).get("title") or ""
    return frozenset(tokenize(title)).union(*[_stems_of(data.sent_texts[i]) for i in _doc_sentences(data, doc)])


def doc_acronyms(data: IndexData, doc: int) -> set[str]:
    """The acronyms one document spells out (see ``acronyms``)."""
    return acronyms(" ".join(data.sent_texts[i] for i in _doc_sentences(data, doc)))


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
    keys = set(q.key_terms)
    q_grams = _ngrams(q.text)
    doc_cache: dict[int, frozenset[str]] = {}
    for s, d in zip(ids, dense):
        c = cands[int(s)]
        text = data.sent_texts[int(s)]
        stems = _stems_of(text)
        doc = int(data.sent_doc[int(s)])
        if keys and doc not in doc_cache:
            doc_cache[doc] = doc_stems(data, doc)
        c.dense = float(d)
        if terms:
            # names the question mentions count half when the sentence's article has them
            # (articles refer back to "the two parties"); other words must be in the sentence
            total = sum(idf.idf(t) for t in terms) or 1.0
            got = sum(idf.idf(t) * (1.0 if t in stems else 0.5 if t in keys and t in doc_cache.get(doc, ()) else 0.0)
                      for t in terms)
            c.lex = got / total
        if q.context_terms:
            c.lex = 0.8 * c.lex + 0.2 * _coverage(q.context_terms, stems, idf)
        phrase = len(q_grams & _sentence_ngrams(text)) / len(q_grams) if q_grams else 0.0
        c.score = W_DENSE * c.dense + W_LEX * c.lex + W_PASSAGE * c.passage_score + W_PHRASE * phrase
    ranked = sorted(cands.values(), key=lambda c: -c.score)
    if TYPE_LABELS.get(q.answer_type) and ranked:
        # the parse is the costly part: only sentences the type bonus could still lift to the top
        front = [c for c in ranked[:4] if c.score >= ranked[0].score - W_TYPE]
        views = {c.sent: readable(data, c.sent).text for c in front}
        parse_many([q.text] + list(views.values()))
        for c in front:
            ts = type_score(views[c.sent], q)
            c.type_ok = ts > 0
            c.score += W_TYPE * min(ts, 2.5) / 2.5
        ranked = sorted(ranked, key=lambda c: -c.score)
    return ranked


def _present(stem: str, stems: frozenset[str]) -> bool:
    """A stem is present when the text has it, or (4+ letters) a word extending it ("german" ~ "germani")."""
    if stem in stems:
        return True
    if len(stem) >= 4 and not stem.isdigit():
        return any(s.startswith(stem) or (len(s) >= 4 and stem.startswith(s)) for s in stems)
    return False


#: Numbers as names write them ("World War II", "World War 2", "the Second World War").
_NUMERALS = {w: str(n) for n, ws in enumerate(
    [(), ("1", "i", "first"), ("2", "ii", "second"), ("3", "iii", "third"), ("4", "iv", "fourth"),
     ("5", "v", "fifth"), ("6", "vi", "sixth"), ("7", "vii", "seventh"), ("8", "viii", "eighth"),
     ("9", "ix", "ninth"), ("10", "x", "tenth")]) for w in ws}
ACRONYM_RE = re.compile(r"\b(?:[A-Z]\.?){2,5}(?![\w])")
_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’\-]*(?:\s+(?:(?:of|for|the|de)\s+)*[A-Z][\w'’\-]*)+")


def acronyms(text: str) -> set[str]:
    """The initials of runs of capitalised words ("United States of America" → "usa", "us")."""
    out = set()
    for run in _CAPITALISED_RUN.findall(text):
        initials = "".join(w[0] for w in run.split() if w[0].isupper()).lower()
        out |= {initials[i:j] for i in range(len(initials)) for j in range(i + 2, len(initials) + 1)}
    return out


def name_present(name: list[str], stems: frozenset[str], weight, initials: set[str]) -> bool:
    """Does a text with these stems name the question's entity? Its words, or its most telling word (
    by ``weight``, e.g. IDF: "Britain" for "Great Britain"), a number written another way ("World War 2"
    for "World War II"), or the words of its acronym (``initials`` holds "us" for "United States")."""
    words = [_NUMERALS.get(t, t) for t in name]
    have = stems | {_NUMERALS[t] for t in stems if t in _NUMERALS}
    if all(_present(t, have) for t in words):
        return True
    telling = max(name, key=weight)
    if len(name) > 1 and _present(_NUMERALS.get(telling, telling), have):
        return True
    return len(name) == 1 and 2 <= len(name[0]) <= 5 and name[0].isalpha() and name[0] in initials


NAME_LABELS = {"ORG", "PERSON", "GPE", "FAC", "LOC", "EVENT", "LAW", "WORK_OF_ART", "PRODUCT"}


def entity_phrases(text: str) -> list[list[str]]:
    """Stems of the named entities (organisations, people, places ...) a question mentions."""
    out = []
    for e in parse(text).ents:
        if e.label_ in NAME_LABELS:
            st = tokenize(e.text)
            if st and st not in out:
                out.append(st)
    return out


#: Words that give a number without digits ("several lakes", "thousands of years", "a single output").
COUNT_WORDS = {"several", "many", "few", "numerous", "dozen", "dozens", "hundreds", "thousands", "millions",
               "billions", "single", "both", "couple", "twice", "thrice", "once"}
TIMES_WORDS = {"once", "twice", "thrice"}


def _counts(text: str, counted: list[str]) -> bool:
    """Does the sentence give a number of the counted thing ("over 800 ... connections")?"""
    doc = parse(text)
    for t in doc:
        if counted[-1:] == ["time"] and t.lower_ in TIMES_WORDS:
            return True  # "won the cup twice"
        if t.like_num or t.ent_type_ in ("CARDINAL", "QUANTITY", "MONEY", "PERCENT") or t.lower_ in COUNT_WORDS:
            window = doc[max(0, t.i - 3) : t.i + 6]
            stems = {s for w in window for s in tokenize(w.text)}
            if any(_present(c, frozenset(stems)) for c in counted[-1:]):
                return True
    return False


def features(data: IndexData, q: Question, ranked: list[Candidate], idf: IdfTable) -> dict:
    """What the abstention looks at, for the best candidate."""
    top = ranked[0]
    doc = int(data.sent_doc[top.sent])
    feats = {"dense": top.dense, "lex": top.lex, "score": top.score, "support": 0.5 * top.dense + 0.5 * top.lex,
             "key_coverage": None, "missing": [], "type_ok": any(c.type_ok for c in ranked[:3])}
    if q.key_terms:
        present = doc_stems(data, doc)
        total = sum(idf.idf(t) for t in q.key_terms) or 1.0
        found = [t for t in q.key_terms if _present(t, present)]
        feats["key_coverage"] = sum(idf.idf(t) for t in found) / total
        feats["missing"] = [t for t in q.key_terms if t not in found]
        # named entities the corpus knows, but not in the evidence's article: the question pairs things
        # the documents never connect ("an organisation from one article with a university it never mentions")
        names = entity_phrases(q.search_text if q.is_followup else q.text)
        # acronyms the question writes in capitals ("US", "U.S.") that the article spells out
        asked = {w.replace(".", "").lower() for w in ACRONYM_RE.findall(q.text)}
        initials = doc_acronyms(data, doc) & asked if asked else set()
        gone = [p for p in names if not name_present(p, present, idf.idf, initials)]
        feats["n_names"] = len(names)
        feats["elsewhere_names"] = [" ".join(p) for p in gone if all(t in idf.vocab for t in p)]
        feats["missing_names"] = [" ".join(p) for p in gone]
    if q.counted:
        feats["count_ok"] = any(_counts(readable(data, c.sent).text, q.counted) for c in ranked[:3])
    return feats


def decide(data: IndexData, q: Question, ranked: list[Candidate], idf: IdfTable) -> tuple[bool, str, dict]:
    """Should we abstain? Returns (abstain, reason, features).

    Thresholds were calibrated on SQuAD 2.0 dev (answerable questions in the index
    vs. questions about articles held out of it); see docs/evaluation.md.
    """
    if not ranked:
        return True, "nothing relevant was retrieved", {}
    feats = features(data, q, ranked, idf)
    if feats["support"] < MIN_SUPPORT:
        if feats["missing"]:
            return True, "the documents do not mention " + ", ".join(feats["missing"][:3]), feats
        return True, "no passage is close enough to the question", feats
    if feats.get("n_names", 0) >= 2 and (
            (feats.get("elsewhere_names") and feats["support"] < PAIR_SUPPORT)
            or (feats.get("missing_names") and feats["support"] < PAIR_SUPPORT_UNKNOWN)):
        names = feats.get("elsewhere_names") or feats.get("missing_names")
        return True, "no article connects " + " and ".join(names[:2]) + " with the rest of the question", feats
    if feats.get("count_ok") is False:
        return True, "no passage gives a number of " + " ".join(q.counted), feats
    if q.answer_type in STRICT_TYPES and TYPE_LABELS.get(q.answer_type) and not feats["type_ok"]:
        return True, f"no {q.answer_type} is stated in the closest passages", feats
    return False, "", feats


def build_answer(data: IndexData, q: Question, ranked: list[Candidate], k: int = 3) -> Answer:
    """Citations for the best sentences (deduplicated), with the short answer in the first one."""
    cites: list[Citation] = []
    top_score = ranked[0].score if ranked else 0.0
    used: list[int] = []  # the sentence of each citation
    for c in ranked:
        if len(cites) >= k:
            break
        if c.sent in used or (cites and c.score < 0.6 * top_score):
            continue
        used.append(c.sent)
        doc = int(data.sent_doc[c.sent])
        meta = data.doc_meta(doc)
        cites.append(Citation(
            n=len(cites) + 1, doc=data.doc_ids[doc], title=meta.get("title"), date=meta.get("date"),
            quote=data.sent_quotes[c.sent], start=int(data.sent_start[c.sent]), end=int(data.sent_end[c.sent]),
            score=c.score,
        ))
    answer_text = None
    views = [readable(data, sent) for sent in used[:2]]
    found = [extract(views[0].text, q)] if views else []
    if len(cites) > 1 and cites[0].score - cites[1].score < SWAP_GAP:
        # two nearly equal sentences: the one holding a clearly better answer goes first
        found.append(extract(views[1].text, q))
        if found[1] is not None and (found[0] is None or found[1].score - found[0].score > SWAP_MARGIN):
            cites[0], cites[1] = cites[1], cites[0]
            views.reverse()
            found.reverse()
            for n, cite in enumerate(cites, 1):
                cite.n = n
    for i, (cite, view) in enumerate(zip(cites, views)):
        sa = found[i] if i < len(found) else extract(view.text, q)
        if sa is not None:
            answer_text = sa.text
            spans = [view.raw_span(s, e) for s, e in sa.spans]
            cite.answer_start = cite.start + spans[0][0]
            cite.answer_end = cite.start + spans[-1][1]
            cite.answer_spans = [[cite.start + s, cite.start + e] for s, e in spans]
            break
    return Answer(question=q.text, answer=answer_text, abstained=False, citations=cites,
                  resolved_question=q.search_text if q.is_followup else None, answer_type=q.answer_type)
