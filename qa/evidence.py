"""From retrieved passages to evidence sentences, the reader's short answer, or an abstention.

Each candidate sentence (from the top passages) is scored by its dense cosine with the question, the
share of the question's words it contains (IDF-weighted), exact phrases and its passage's retrieval
score. The trained reader (``qa/reader``) reads the best candidates with their neighbours; its span is
the short answer, and its "holds the answer" probability with the evidence features (support, names
of the question the evidence's article lacks) feeds the fitted abstention model (``qa/abstain.py``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .abstain import DEFAULT_MIN_HAS, AbstainModel
from .answer import Answer, Citation
from .htmltext import decode_fragment
from .bm25 import stopwords, tokenize
from .question import Question
from .reader.reader import Reader, WindowSpec
from .retrieve import Hit
from .store import IndexData
from .textmap import Block

#: Evidence sentence score weights (dense, lexical, passage, exact phrase).
W_DENSE, W_LEX, W_PASSAGE, W_PHRASE = 0.4, 0.4, 0.2, 0.15
#: The reader reads windows of the best candidate sentences not yet read, each with
#: ``read_neighbours`` of ``reader.json`` neighbours on either side (this value for a reader without
#: one), and ranks its spans by log P(window holds the answer) + W_EVIDENCE *
#: the candidate's evidence score (chosen on the reader's held-out split; the span's own probability
#: did not help there: see docs/evaluation.md).
READ_NEIGHBOURS = 1
W_EVIDENCE = 2.0


@dataclass
class Candidate:
    sent: int
    passage_score: float
    dense: float = 0.0
    lex: float = 0.0
    score: float = 0.0


@dataclass
class Read:
    """The reader's best span in one window, placed in the index."""

    sent: int  # sentence row holding the span
    start: int  # character offsets of the span in ``readable(data, sent).text``
    end: int
    has: float  # probability that the window holds the answer
    span: float  # log-probability of the span inside its window
    evidence: float  # evidence score of the candidate sentence the window was built around
    window: int = 0  # rank of the window (0: built around the best candidate)
    score: float = 0.0


class IdfTable:
    """Inverse document frequency of stems over passages, read off the BM25 index."""

    def __init__(self, data: IndexData):
        self.data = data
        self.vocab, self.df = data.search.term_stats()
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
    for h in hits[:top_passages] + _naming_passages(data, q, hits, top_passages):
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
    return sorted(cands.values(), key=lambda c: -c.score)


def _naming_passages(data: IndexData, q: Question, hits: list[Hit], top_passages: int) -> list[Hit]:
    """The first passage past the best ``top_passages`` that has every name the question asks about,
    when none of those does ("What is A's job?": a passage about jobs can outrank the one naming A)."""
    keys = set(q.key_terms)
    if not keys or len(hits) <= top_passages:
        return []

    def stems(h: Hit) -> set[str]:
        lo, hi = int(data.passage_lo[h.passage]), int(data.passage_hi[h.passage])
        return set().union(*(_stems_of(data.sent_texts[s]) for s in range(lo, hi)))

    if any(keys <= stems(h) for h in hits[:top_passages]):
        return []
    return next(([h] for h in hits[top_passages:] if keys <= stems(h)), [])


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


def name_phrases(text: str) -> list[list[str]]:
    """Stems of the names a question mentions, read off its capitalised phrases (no parser): "the
    deal between Acme Corp and Globex" gives [acm, corp] and [globex]."""
    from .question import NUM_RE, key_phrases

    out = []
    for phrase in key_phrases(text):
        if NUM_RE.fullmatch(phrase):
            continue
        for part in re.split(r"\s+(?:and|&)\s+", phrase):
            st = tokenize(part)
            if st and st not in out:
                out.append(st)
    return out


def features(data: IndexData, q: Question, ranked: list[Candidate], idf: IdfTable) -> dict:
    """What the abstention looks at, for the best candidate."""
    top = ranked[0]
    doc = int(data.sent_doc[top.sent])
    feats = {"dense": top.dense, "lex": top.lex, "score": top.score, "support": 0.5 * top.dense + 0.5 * top.lex,
             "key_coverage": None, "missing": []}
    if q.key_terms:
        present = doc_stems(data, doc)
        total = sum(idf.idf(t) for t in q.key_terms) or 1.0
        found = [t for t in q.key_terms if _present(t, present)]
        feats["key_coverage"] = sum(idf.idf(t) for t in found) / total
        feats["missing"] = [t for t in q.key_terms if t not in found]
        # named entities the corpus knows, but not in the evidence's article: the question pairs things
        # the documents never connect ("an organisation from one article with a university it never mentions")
        names = name_phrases(q.search_text if q.is_followup else q.text)
        # acronyms the question writes in capitals ("US", "U.S.") that the article spells out
        asked = {w.replace(".", "").lower() for w in ACRONYM_RE.findall(q.text)}
        initials = doc_acronyms(data, doc) & asked if asked else set()
        gone = [p for p in names if not name_present(p, present, idf.idf, initials)]
        feats["n_names"] = len(names)
        feats["elsewhere_names"] = [" ".join(p) for p in gone if all(t in idf.vocab for t in p)]
        feats["missing_names"] = [" ".join(p) for p in gone]
    return feats


def decide(data: IndexData, q: Question, ranked: list[Candidate], idf: IdfTable) -> tuple[bool, str, dict]:
    """Abstain before reading only when retrieval found nothing; otherwise the features the abstention
    model weighs after reading. Returns (abstain, reason, features).

    The hand-set thresholds that used to decide here (minimum support; names the evidence's article
    lacks) are now inputs of the fitted abstention model (``qa/abstain.py``): without them it turns away
    fewer answerable and more out-of-corpus questions (docs/evaluation.md).
    """
    if not ranked:
        return True, "nothing relevant was retrieved", {}
    return False, "", features(data, q, ranked, idf)


def read_candidates(data: IndexData, q: Question, ranked: list[Candidate], reader: Reader, windows: int,
                    neighbours: int | None = None) -> list[Read]:
    """Let the reader read ``windows`` of the best candidate sentences with their neighbours; its
    spans, best first.

    Neighbours are body sentences (a headline is read only as a candidate of its own: training windows
    are runs of body text). A follow-up is read in the article of its best candidate only: "they" and
    "it" are the earlier question's topic, which that article is about. All windows are read in one
    batch: stopping after a confident first window was as good on the held-out split but got a seed
    question wrong (docs/evaluation.md).
    """
    if neighbours is None:
        neighbours = int(reader.meta.get("read_neighbours", READ_NEIGHBOURS))
    rows_of: list[list[int]] = []
    cands: list[Candidate] = []
    specs: list[WindowSpec] = []
    covered: set[int] = set()
    topic_doc = int(data.sent_doc[ranked[0].sent]) if q.is_followup and ranked else None
    for c in ranked:
        if len(specs) >= windows:
            break
        doc = int(data.sent_doc[c.sent])
        if c.sent in covered or (topic_doc is not None and doc != topic_doc):
            continue
        doc_rows = _doc_sentences(data, doc)
        rows = [c.sent]
        for side in (-1, 1):
            r = c.sent
            for _ in range(neighbours):
                r += side
                if not (doc_rows.start <= r < doc_rows.stop) or data.sent_kind[r] == 1:
                    break
                rows.append(r)
        rows.sort()
        specs.append(WindowSpec([readable(data, r).text for r in rows], rows.index(c.sent)))
        rows_of.append(rows)
        cands.append(c)
        covered.update(rows)
    readings = reader.read(q.text, specs)
    out = []
    for r in readings:
        if r is None:
            continue
        c = cands[r.window]
        score = math.log(max(r.has, 1e-6)) + W_EVIDENCE * c.score
        out.append(Read(rows_of[r.window][r.sentence], r.start, r.end, r.has, r.span, c.score, r.window, score))
    return sorted(out, key=lambda x: -x.score)


def gate_decision(feats: dict, model: AbstainModel | None) -> tuple[bool, str]:
    """Abstain before reading when the evidence alone says the documents do not answer it (the
    calibrated gate of ``abstain.json``, set to turn away almost no answerable question)."""
    if model is None or not model.gated(feats):
        return False, ""
    return True, _why(feats)


def reader_decision(reads: list[Read], feats: dict, model: AbstainModel | None) -> tuple[bool, str]:
    """Abstain when the reader's best window and the evidence say the documents do not answer it
    (the calibrated model beside the reader; without one, when no window likely holds the answer)."""
    best = max((r.has for r in reads), default=0.0)
    feats["has_answer"] = best
    if model is None:
        no = best < DEFAULT_MIN_HAS
    else:
        feats["abstain_logit"] = model.logit(feats, best)
        no = feats["abstain_logit"] > model.threshold
    if not no:
        return False, ""
    return True, _why(feats)


def _why(feats: dict) -> str:
    """What the user is told when the documents do not answer: what they lack, as far as we can say."""
    names = feats.get("elsewhere_names") or feats.get("missing_names")
    if feats.get("n_names", 0) >= 2 and names and len(names) < feats["n_names"]:
        return "no article connects " + " and ".join(names[:2]) + " with the rest of the question"
    if feats.get("missing") and (feats.get("key_coverage") or 0.0) < 0.5:
        return "the documents do not mention " + ", ".join(feats["missing"][:3])
    return "the closest passages do not answer it"


def _citation(data: IndexData, sent: int, score: float, n: int) -> Citation:
    doc = int(data.sent_doc[sent])
    meta = data.doc_meta(doc)
    return Citation(n=n, doc=data.doc_ids[doc], title=meta.get("title"), date=meta.get("date"),
                    quote=data.sent_quotes[sent], start=int(data.sent_start[sent]), end=int(data.sent_end[sent]),
                    score=score)


def build_answer(data: IndexData, q: Question, ranked: list[Candidate], reads: list[Read], k: int = 3) -> Answer:
    """Citations: the sentence of the reader's best span first (with the short answer in it), then the
    other sentences the reader found spans in, then the best remaining candidates (deduplicated)."""
    top_score = ranked[0].score if ranked else 0.0
    # after the best span's sentence, only sentences whose evidence is within 60 % of the best
    order: list[tuple[int, float]] = [(r.sent, r.evidence) for r in reads[:1]]
    order += [(r.sent, r.evidence) for r in reads[1:] if r.evidence >= 0.6 * top_score]
    order += [(c.sent, c.score) for c in ranked if c.score >= 0.6 * top_score]
    cites: list[Citation] = []
    for sent, score in order:
        if len(cites) >= k:
            break
        if any(c.start == int(data.sent_start[sent]) and c.doc == data.doc_ids[int(data.sent_doc[sent])]
               for c in cites):
            continue
        cites.append(_citation(data, sent, score, len(cites) + 1))
    answer_text = None
    if reads and cites:
        best = reads[0]
        view = readable(data, best.sent)
        a, b = _trim(view.text, best.start, best.end)
        if b > a:
            answer_text = view.text[a:b]
            s, e = view.raw_span(a, b)
            first = cites[0]
            first.answer_start, first.answer_end = first.start + s, first.start + e
            first.answer_spans = [[first.answer_start, first.answer_end]]
    return Answer(question=q.text, answer=answer_text, abstained=False, citations=cites,
                  resolved_question=q.search_text if q.is_followup else None, answer_type=q.answer_type)


_EDGE = " \t\n,;:.!?\"'“”‘’()[]"


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    """The span without surrounding spaces and punctuation (a closing bracket or quote stays when the
    span opens it)."""
    while a < b and text[a] in _EDGE and not (text[a] in "(\"“" and any(ch in text[a:b] for ch in ")\"”")):
        a += 1
    while b > a and text[b - 1] in _EDGE and not (text[b - 1] in ")\"”" and any(ch in text[a:b - 1] for ch in "(\"“")):
        b -= 1
    return a, b
