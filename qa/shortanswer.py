"""Pull a short answer out of an evidence sentence with spaCy entities, noun chunks and the parse.

The candidate must be of the type the question asks for, must not be something
the question already says, and is preferred when it is the subject/object of
the question's verb or sits close to the question's words. People or
organisations joined by "and" come back together ("A and B").
"""
from __future__ import annotations

from dataclasses import dataclass

from .bm25 import tokenize
from .nlp import parse
from .question import TYPE_LABELS, Question

SUBJ = {"nsubj", "nsubjpass", "agent", "csubj"}
OBJ = {"dobj", "pobj", "attr", "oprd", "dative", "obj"}
NUMBER_LABELS = {"CARDINAL", "QUANTITY", "PERCENT", "MONEY"}


@dataclass
class ShortAnswer:
    text: str
    spans: list[tuple[int, int]]  # character spans inside the sentence text
    label: str
    score: float


def _stems(text: str) -> set[str]:
    return set(tokenize(text))


def _coordinated(span, spans_by_root: dict) -> list:
    """The span plus the spans of the same kind coordinated with it ("A, ... and B")."""
    group = [span]
    for tok in span.root.conjuncts:
        other = spans_by_root.get(tok.i)
        if other is not None and other is not span and other not in group:
            group.append(other)
    # a conjunct of the head can sit on an appositive title ("A, Vice President of X, and B")
    for tok in span.root.head.conjuncts if span.root.dep_ == "appos" else []:
        other = spans_by_root.get(tok.i)
        if other is not None and other not in group:
            group.append(other)
    return sorted(group, key=lambda s: s.start)


def sentence_has_type(text: str, atype: str) -> bool:
    """Does the sentence hold an entity of the asked-for type (numbers also as digits)?"""
    labels = TYPE_LABELS.get(atype) or set()
    if not labels:
        return True
    doc = parse(text)
    if any(e.label_ in labels for e in doc.ents):
        return True
    if atype in ("number",) and any(t.like_num for t in doc):
        return True
    return False


def extract(text: str, q: Question) -> ShortAnswer | None:
    """The best short answer of the asked type in sentence ``text``, or None."""
    labels = TYPE_LABELS.get(q.answer_type, set())
    if q.answer_type == "reason":
        return None
    doc = parse(text)
    q_stems = set(q.terms) | set(q.context_terms) | set(q.key_terms)
    anchors = [t.i for t in doc if not t.is_stop and not t.is_punct and tokenize(t.text) and
               tokenize(t.text)[0] in q_stems]
    verbs = [doc[i] for i in anchors if doc[i].pos_ in ("VERB", "AUX")]
    if labels:
        spans = [e for e in doc.ents if e.label_ in labels]
        if q.answer_type == "who" and any(e.label_ == "PERSON" for e in spans):
            spans = [e for e in spans if e.label_ == "PERSON"]
    else:
        spans = list(doc.noun_chunks)
    spans = [s for s in spans if not (_stems(s.text) and _stems(s.text) <= q_stems) and s.text.strip()]
    if not spans:
        return None
    by_root = {s.root.i: s for s in spans}
    best, best_score = None, -1e9
    for s in spans:
        score = 0.0
        if anchors:
            dist = min(min(abs(a - s.start), abs(a - (s.end - 1))) for a in anchors)
            score += 1.0 / (1.0 + dist / 4.0)
        head = s.root
        for v in verbs:
            if head.head == v or head.head.head == v or any(c.head == v for c in [head] + list(head.conjuncts)):
                if q.answer_type in ("who", "person", "org") and (head.dep_ in SUBJ or head.head.dep_ in SUBJ):
                    score += 1.0
                elif head.dep_ in OBJ:
                    score += 0.6
                else:
                    score += 0.3
        if not labels and head.dep_ in OBJ:
            score += 0.2
        if not labels and _stems(s.text) & q_stems:
            score -= 0.3  # a chunk repeating the question is rarely its answer
        if score > best_score:
            best, best_score = s, score
    group = _coordinated(best, by_root) if best.label_ in ("PERSON", "ORG", "GPE", "") else [best]
    if not labels:
        group = [_expand_noun_list(best)]
    spans_out = [(doc[g.start].idx, doc[g.end - 1].idx + len(doc[g.end - 1].text)) for g in group]
    parts = [text[s:e] for s, e in spans_out]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return ShortAnswer(joined, spans_out, best.label_ or "NP", best_score)


def _expand_noun_list(chunk):
    """A noun chunk plus the chunks coordinated with it, as one contiguous span."""
    doc = chunk.doc
    end = chunk.end
    for tok in chunk.root.conjuncts:
        if tok.i >= chunk.start:
            end = max(end, tok.i + 1)
            # include the rest of that conjunct's own chunk
            for nc in doc.noun_chunks:
                if nc.start <= tok.i < nc.end:
                    end = max(end, nc.end)
    return doc[chunk.start:end]
