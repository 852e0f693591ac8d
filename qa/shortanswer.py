"""Pull a short answer out of an evidence sentence with spaCy entities, noun chunks and the parse.

The candidate must be of the type the question asks for, must not be something
the question already says, and is preferred when it is the subject/object of
the question's verb (or the object of "in/at/on" attached to it, for places and
dates) or sits close to the question's words. People or organisations joined by
"and" come back together ("A and B").
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .bm25 import tokenize
from .nlp import lemma, parse
from .question import AUXILIARIES, TYPE_LABELS, Question, preferred_labels

SUBJ = {"nsubj", "nsubjpass", "agent", "csubj"}
OBJ = {"dobj", "pobj", "attr", "oprd", "dative", "obj"}
PLACE_PREPS = {"in", "at", "near", "inside", "within", "to", "from"}
DATE_PREPS = {"on", "in", "at", "since", "until", "by", "during", "from"}
#: Preferred labels inside a type (full credit); the other labels of the type get part credit.
PREFERRED = {"who": {"PERSON"}, "place": {"GPE", "LOC", "FAC"}, "org": {"ORG"}}


@dataclass
class ShortAnswer:
    text: str
    spans: list[tuple[int, int]]  # character spans inside the sentence text
    label: str
    score: float


def _stems(text: str) -> set[str]:
    return set(tokenize(text))


def _matches(tok, stems: set[str]) -> bool:
    """Does a content word of the sentence say one of the question's words (irregular forms too:
    "fled" for "flee", "won" for "win")?"""
    if tok.is_stop or tok.is_punct:
        return False
    st = tokenize(tok.text)
    if not st:
        return False
    if st[0] in stems:
        return True
    if tok.pos_ in ("VERB", "AUX", "NOUN"):
        lt = tokenize(lemma(tok))
        return bool(lt) and lt[0] in stems
    return False


def _question_stems(q: Question) -> set[str]:
    """What the question itself says (history topic excluded: 'Where did they sign it?' may answer with it)."""
    own = set(q.terms) | set(tokenize(" ".join(q.text.split())))
    return own


def _coordinated(span, spans_by_root: dict) -> list:
    """The span plus the spans of the same kind coordinated with it ("A, ... and B")."""
    group = [span]
    heads = [span.root]
    if span.root.dep_ == "appos":
        heads.append(span.root.head)
    for h in heads:
        for tok in list(h.conjuncts) + [c for c in h.children if c.dep_ == "appos"]:
            other = spans_by_root.get(tok.i)
            if other is not None and other not in group:
                group.append(other)
            for c in tok.children:  # "A, title of X, and B" parses B as conj of the title
                if c.dep_ == "conj" and c.i in spans_by_root and spans_by_root[c.i] not in group:
                    group.append(spans_by_root[c.i])
    # a conj chain hanging off an appositive title of the first span
    for tok in span.root.children:
        if tok.dep_ == "appos":
            for c in tok.conjuncts:
                other = spans_by_root.get(c.i)
                if other is not None and other not in group:
                    group.append(other)
    same = [g for g in group if g.label_ == span.label_]
    return sorted(same, key=lambda s: s.start)


#: Dates and amounts answer "when"/"how many", not "what".
EXCLUDED = {"CARDINAL", "ORDINAL", "DATE", "TIME", "MONEY", "PERCENT", "QUANTITY"}


def _candidates(doc, q: Question, labels: set[str]):
    """Entity spans of the asked type (or noun chunks and entities for 'what' questions).

    Pronouns and spans that mostly repeat the question are never answers.
    """
    if labels:
        spans = [e for e in doc.ents if e.label_ in labels]
    else:
        ents = [e for e in doc.ents if e.label_ not in EXCLUDED]
        spans = ents + [nc for nc in doc.noun_chunks if not any(e.start <= nc.start and nc.end <= e.end for e in ents)
                        and not all(t.ent_type_ in EXCLUDED or t.is_stop for t in nc)]
    q_stems = _question_stems(q)
    # the noun the question asks for is not something it already says ("Kellport University" for "which
    # university ...", "the 11th century" for "in what century ...")
    known = q_stems - set(_wh_nouns(q.text)[:1]) if labels else q_stems
    out = []
    for s in spans:
        if not labels and not _is_entity(s):
            s = _trim_known(s, q_stems)
        if not s.text.strip() or s.root.pos_ == "PRON" or all(t.is_stop or t.is_punct for t in s):
            continue
        st = _stems(s.text)
        # a named answer must be mostly new; a "what" answer only needs something new ("Fort X" for "what fort")
        if st and (st <= q_stems or (labels and len(st & known) >= 0.5 * len(st))):
            continue
        out.append(s)
    return out


def _group_nouns(doc, spans: list) -> list:
    """For "who" questions, people named by a common noun: a nationality or place that only modifies
    one ("Hamburg merchants", "Bolshevik leaders") stands for the whole phrase."""
    chunks = {nc.root.i: nc for nc in doc.noun_chunks}
    out = []
    for s in spans:
        head = s.root.head
        if s.label_ in ("NORP", "GPE", "ORG") and s.root.dep_ in ("compound", "amod") and head.pos_ == "NOUN" \
                and head.i in chunks and head.i >= s.end:
            nc = chunks[head.i]
            s = _labelled(doc[s.start : nc.end], "NP")
        out.append(s)
    return out


def _is_entity(span) -> bool:
    """A named entity (noun chunks carry the label "NP")."""
    return getattr(span, "label_", "") not in ("", "NP")


def _trim_known(chunk, q_stems: set[str]):
    """A noun chunk without its leading words the question already says
    ("the worldwide Seven Years' War" for "... what worldwide conflict?" → "Seven Years' War")."""
    start = chunk.start
    while start < chunk.end - 1:
        tok = chunk.doc[start]
        st = tokenize(tok.text)
        if tok.is_stop or tok.is_punct or (st and st[0] in q_stems):
            start += 1
        else:
            break
    return chunk.doc[start : chunk.end]


def _relation_bonus(span, verbs, atype: str) -> float:
    """How the candidate hangs off a verb of the question."""
    head = span.root
    chain = [head] + [t for t in head.ancestors][:3]
    bonus = 0.0
    for v in verbs:
        if v not in chain and not any(c.head == v for c in [head] + list(head.conjuncts)):
            continue
        # direct dependents of the verb, possibly through a conjunct or an appositive
        node = head
        while node.dep_ in ("conj", "appos", "compound") and node.head != v and node.head.i != node.i:
            node = node.head
        if atype in ("who", "person", "org") and node.dep_ in SUBJ | {"pobj"} and (
                node.head == v or node.head.dep_ == "agent"):
            bonus = max(bonus, 1.0)
        elif atype in ("place", "date") and node.dep_ == "pobj" and node.head.dep_ == "prep" and \
                node.head.lower_ in (PLACE_PREPS if atype == "place" else DATE_PREPS) and node.head.head == v:
            bonus = max(bonus, 1.0)
        elif node.dep_ in OBJ:
            bonus = max(bonus, 0.3 if atype in ("place", "date") else 0.6)
        else:
            bonus = max(bonus, 0.3)
    return bonus


WH_TAGS = {"WDT", "WP", "WP$", "WRB"}


@dataclass
class WhRole:
    """Where the wh-phrase sits in the question: its verb, its role and preposition."""

    verb: str | None  # lemma of the verb the wh-phrase depends on
    role: str | None  # nsubj / dobj / pobj / attr / nsubjpass ...
    prep: str | None  # for pobj: the preposition ("in", "of" ...)
    passive: bool = False


def wh_role(question: str) -> WhRole:
    """The role of the question's wh-phrase, read from its word order and POS tags.

    "What did X build?" → dobj of build; "What causes X?" → nsubj of cause;
    "What was built by X?" → nsubjpass; "In which city ...?" → pobj of "in";
    "What is the capital of X?" → attr. (The small parser often misparses
    do-support questions, so the order of words decides, not the tree.)
    """
    doc = parse(question)
    toks = [t for t in doc if not t.is_punct]
    w = next((i for i, t in enumerate(toks) if t.tag_ in WH_TAGS), None)
    if w is None:
        return WhRole(None, None, None)
    prep = toks[w - 1].lower_ if w > 0 and toks[w - 1].pos_ == "ADP" else None
    j = w + 1
    if toks[w].tag_ in ("WDT", "WP$") or toks[w].lower_ in ("what", "which"):
        while j < len(toks) and (toks[j].pos_ in ("NOUN", "PROPN", "ADJ", "NUM") or
                                 (toks[j].lower_ == "of" and j + 1 < len(toks) and toks[j + 1].pos_ in ("NOUN", "PROPN"))):
            j += 1
    while j < len(toks) - 1 and toks[j].pos_ == "ADV" and toks[j + 1].tag_.startswith("VB"):
        j += 1  # "What members typically open debates?"
    verbs_after = [t for t in toks[j + 1 :] if t.tag_.startswith("VB") and t.pos_ != "AUX"]
    main = lemma(verbs_after[-1]).lower() if verbs_after else None
    if main is None:  # the tagger often calls the verb of "What did X conquer" a noun
        rest = toks[j + 1 :]
        cut = next((k for k, t in enumerate(rest) if t.pos_ == "ADP"), len(rest))
        cands = [t for t in rest[:cut] if t.text.isalpha() and t.text.islower() and t.pos_ not in ("DET", "PRON")]
        main = lemma(cands[-1]).lower() if cands else None
    stranded = toks[-1].pos_ == "ADP" or toks[-1].tag_ == "TO"  # "... flee to?" tags "to" as a particle
    if toks and stranded and not prep:  # "Who was it signed by?" / "What did they look at?"
        return WhRole(main, "pobj", toks[-1].lower_, toks[-1].lower_ == "by")
    if prep:
        role = "pobj"
    elif j >= len(toks):
        return WhRole(None, None, None)
    elif lemma(toks[j]).lower() == "do":
        role = "dobj"
        base = next((t for t in verbs_after if t.tag_ in ("VB", "VBP")), None)
        if base is not None:  # "What did X make that could be used in Y?": make, not use
            main = lemma(base).lower()
    elif lemma(toks[j]).lower() == "be":
        passive = any(t.tag_ == "VBN" for t in toks[j + 1 :])
        if passive:
            main = next(lemma(t).lower() for t in reversed(toks[j + 1 :]) if t.tag_ == "VBN")
            return WhRole(main, "nsubjpass", None, True)
        return WhRole("be", "attr", None)
    elif toks[j].pos_ == "AUX" and lemma(toks[j]).lower() != "be":
        nxt = toks[j + 1] if j + 1 < len(toks) else None
        if nxt is not None and nxt.tag_.startswith("VB"):  # "What can cause X?" / "What has caused X?"
            return WhRole(lemma(nxt).lower(), "nsubj", None)
        role = "dobj"  # "What had the Yuan used ...?" / "What will X build ...?": the subject's verb
        base = next((t for t in verbs_after if t.tag_ in (("VBN",) if lemma(toks[j]).lower() == "have" else ("VB",))),
                    None)
        if base is not None:
            main = lemma(base).lower()
    elif toks[j].tag_.startswith("VB"):
        return WhRole(lemma(toks[j]).lower(), "nsubj", None)
    else:
        role = "dobj"
    return WhRole(main, role, prep)


def _role_targets(doc, role: WhRole, verbs) -> set[int]:
    """Tokens of the sentence that fill the question's wh-role for a matching verb."""
    if role.role is None:
        return set()
    targets: set[int] = set()
    for v in verbs:
        kids = list(v.children)
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in kids)
        if role.role == "nsubj" and not role.passive:
            if passive:  # "X was built by Y": Y answers "Who built X?"
                targets |= {g.i for c in kids if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"}
            else:
                targets |= _subject(v, ("nsubj", "csubj"))
        elif role.role in ("dobj", "nsubjpass") or (role.role == "nsubj" and role.passive):
            if passive:
                targets |= _subject(v, ("nsubjpass",))
            else:
                targets |= {c.i for c in kids if c.dep_ in ("dobj", "obj", "attr")}
        elif role.role == "pobj" and role.prep == "by" and role.passive:
            targets |= {g.i for c in kids if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"}
            targets |= {c.i for c in kids if c.dep_ == "nsubj"}
        elif role.role == "pobj" and role.prep:
            for c in kids:
                if c.dep_ == "prep" and c.lower_ == role.prep:
                    targets |= {g.i for g in c.children if g.dep_ == "pobj"}
        elif role.role in ("attr", "acomp"):
            targets |= {c.i for c in kids if c.dep_ in ("attr", "nsubj", "acomp")}
    return {_antecedent(doc[i]) for i in targets}


def _subject(v, deps: tuple[str, ...]) -> set[int]:
    """The subject of verb ``v``, or the one it shares: "X continues to constitute", "X were introduced or
    popularized"."""
    for _ in range(3):
        found = {c.i for c in v.children if c.dep_ in deps}
        if found:
            return found
        if v.dep_ not in ("xcomp", "conj") or v.head.i == v.i:
            return set()
        v = v.head
    return set()


RELATIVES = {"which", "that", "who", "whom"}


def _antecedent(tok) -> int:
    """A relative pronoun stands for the noun its clause modifies ("the Edict of X, which abolished ..."
    → Edict); any other token stands for itself."""
    v = tok.head
    if tok.lower_ in RELATIVES and v.dep_ in ("relcl", "acl") and v.head.pos_ in ("NOUN", "PROPN"):
        return v.head.i
    return tok.i


#: Candidate scoring: filling the question's wh-role, being a named thing in a "what" question, being an
#: object, being the modifiers of the asked noun, the relation to the question's verb, and (subtracted) the
#: share of words repeating the question. A flat optimum: ±50% on any of them moves F1 by < 0.5 point.
TARGET_BONUS = 1.6
ENT_BONUS, OBJ_BONUS, REL_W = 0.15, 0.2, 1.0
MOD_BONUS = 1.0
PENALTY = 1.0

KIND_RE = re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?(?:type|kind|sort|form|variety|category|class|style|brand|genre)s?\b")
WH_NOUN_RE = re.compile(rf"\b(?:what|which)\s+(?!{AUXILIARIES}\b)(?:(?:type|kind|sort|form|variety|category|class|style|brand|genre)s?"
                        r"\s+of\s+)?([\w'’\-]+)(?:\s+([\w'’\-]+))?")


def _wh_nouns(question: str) -> list[str]:
    """Stems of the noun a "what/which N" question asks about ("what kind of cell" → cell); the word
    after it too, in case the noun is a compound ("what type of Turing machine")."""
    m = WH_NOUN_RE.search(question.lower())
    if not m:
        return []
    out = []
    for w in m.groups():
        st = tokenize(w) if w else []
        if st and st[0] not in out:
            out.append(st[0])
    return out


def _modifier_spans(doc, q: Question) -> list:
    """Where the sentence names the question's wh-noun with modifiers the question lacks:
    the modifiers are the answer ("What kind of cell ...?" → "B" of "A B cell")."""
    wanted = _wh_nouns(q.text)
    if not wanted:
        return []
    q_stems = _question_stems(q)
    out = []
    for t in doc:
        st = tokenize(t.text)
        if t.pos_ not in ("NOUN", "PROPN") or not st or st[0] not in wanted:
            continue
        # "the fields of A, B and C": what follows "of" names them
        for p in t.children:
            if p.dep_ == "prep" and p.lower_ in ("of", "including", "like") and p.i == t.i + 1:
                obj = next((g for g in p.children if g.dep_ == "pobj"), None)
                if obj is not None:
                    hi = max([_phrase_end(obj)] + [_phrase_end(c) for c in obj.conjuncts if c.i > obj.i])
                    span = doc[obj.left_edge.i : _extend_list(doc, hi + 1)]
                    if not _repeats(span.text, q_stems):
                        out.append(span)
        left = [c for c in t.lefts if c.dep_ in ("amod", "compound", "nmod", "npadvmod") and not c.is_stop]
        mods = [m for m in left if not _repeats(m.text, q_stems)]
        if mods:
            lo = min(m.left_edge.i for m in mods)
            # with the modifiers coordinated with them ("commercial, scientific, and cultural growth")
            hi = max(m.right_edge.i if m.right_edge.i < t.i else m.i for m in mods) + 1
            span = doc[lo:hi]
            if any(ch.isalnum() for ch in span.text) and not _repeats(span.text, q_stems):
                out.append(span)
    return out


WH_WORDS = {"what", "which", "who", "whom", "whose", "when", "where", "how"}


def _blank(question: str) -> list | None:
    """The words right before the blank of a fill-in question ("... a duty to what?", "... was called?"),
    or None when the question is not one (its wh-phrase opens it or is followed by more words)."""
    toks = [t for t in parse(question) if not t.is_punct]
    w = next((i for i, t in enumerate(toks) if t.lower_ in WH_WORDS), None)
    if w is None:
        return toks[-4:] if toks and toks[-1].pos_ in ("VERB", "ADP", "AUX") else None
    j = w + 1
    while j < len(toks) and (toks[j].pos_ in ("NOUN", "PROPN", "ADJ") or toks[j].lower_ == "of"):
        j += 1
    if w < 2 or j < len(toks):
        return None
    return toks[max(0, w - 4) : w]


def _same_word(a, b) -> bool:
    if a.lower_ == b.lower_:
        return True
    sa, sb = tokenize(a.text), tokenize(b.text)
    return bool(sa) and sa == sb


def _cloze_spans(doc, q: Question) -> list:
    """For a fill-in question, the phrase that follows the question's words before the blank in the sentence:
    "... its greatest what?" + "The greatest distinction of ..." → "distinction"."""
    before = _blank(q.text)
    if not before:
        return []
    out = []
    for k in range(len(before), 0, -1):
        ctx = before[-k:]
        if k == 1 and (ctx[0].is_stop and ctx[0].pos_ != "ADP"):
            break
        if not any(not t.is_stop for t in ctx) and k < 2 and ctx[0].pos_ != "ADP":
            continue
        hits = [i for i in range(len(doc) - k) if all(_same_word(doc[i + m], ctx[m]) for m in range(k))]
        if len(hits) != 1 or (k == 1 and ctx[0].pos_ == "ADP" and len(before) > 1 and
                              not any(not t.is_stop for t in before)):
            continue
        span = _phrase_at(doc, hits[0] + k)
        if span is not None and not _repeats(span.text, _question_stems(q)):
            out.append(span)
        break
    return out


DO_RE = re.compile(r"\bwhat (?:did|does|do|will|would|could|can|should|must|might|was|were|is|are) (.+?) (?:do|doing)\b"
                   r"|\bwhat (?:happened|happens|will happen|would happen) to (.+?)\??$")


def _predicate(doc, q: Question, anchors: list[int]):
    """For "What did X do?" / "What happened to X?": what the sentence says X did, or what was done to X
    (the verb phrase whose subject or object holds X's words)."""
    m = DO_RE.search(q.text.lower())
    if not m:
        return None
    who = set(tokenize(m.group(1) or m.group(2)))
    happened = m.group(2) is not None
    for a in anchors:
        st = tokenize(doc[a].text)
        if not st or st[0] not in who:
            continue
        node = doc[a]
        while node.dep_ in ("compound", "amod", "poss", "conj", "appos", "pobj", "prep") and node.head.i != node.i:
            node = node.head
        v = node.head
        if v.pos_ not in ("VERB", "AUX") or node.dep_ not in (SUBJ | OBJ if happened else SUBJ):
            continue
        return _verb_phrase(v)
    return None


def _verb_phrase(v):
    """Verb ``v`` with what follows it in its clause, up to a semicolon, colon or a comma closing it."""
    doc = v.doc
    end = v.right_edge.i + 1
    for t in doc[v.i + 1 : end]:
        if t.text in (";", ":") or (t.text == "," and t.head.i == v.i and t.i > v.i + 2):
            end = t.i
            break
    return _strip_punct(doc[v.i : end])


PURPOSE_NOUNS = {"goal", "objective", "purpose", "aim", "mission", "intent", "intention", "task", "job", "function"}


def _purpose(doc, q: Question):
    """For "What was the goal of X?": the to-infinitive that states it ("The goal ... was to formalize Y",
    "with the goal to provide Y")."""
    if _focus(q.text) not in PURPOSE_NOUNS:
        return None
    for t in doc:
        if lemma(t).lower() not in PURPOSE_NOUNS or t.pos_ != "NOUN":
            continue
        heads = [t.head] if t.dep_ == "nsubj" and lemma(t.head) == "be" else []
        for h in heads + [t]:
            for c in h.children:
                if c.dep_ in ("xcomp", "acl", "relcl", "advcl", "ccomp") and c.pos_ == "VERB" and c.i > t.i and \
                        any(g.lower_ == "to" for g in c.children if g.dep_ == "aux"):
                    return _strip_punct(doc[c.i : c.right_edge.i + 1])
    return None


MEANING_Q = re.compile(r"\bmean(?:s|t|ing)?\b|\bin english\b|\btranslat")
GLOSS_RE = re.compile(r"\b(?:meaning|means|meant|literally|lit\.|translated as|translates as|translates to|"
                      r"in english)\s*:?\s*")
QUOTED_RE = re.compile(r"[\"“‘']([^\"”’']{2,80})[\"”’']")


def _gloss(doc, q: Question):
    """For "What does X mean?": the gloss the sentence gives ("... meaning 'empty land'",
    "X (lit. "Great State")", "X (Chinese: ..., "the comprehensive institutions")")."""
    if not MEANING_Q.search(q.text.lower()):
        return None
    text = doc.text
    own = _question_stems(q)
    for m in GLOSS_RE.finditer(text.lower()):
        quoted = QUOTED_RE.match(text, m.end())
        if quoted and not _repeats(quoted.group(1), own):
            return doc.char_span(quoted.start(1), quoted.end(1), alignment_mode="expand")
        tok = doc.char_span(m.end(), m.end() + 1, alignment_mode="expand")
        if tok is not None:
            span = _phrase_at(doc, tok.start)
            if span is not None and not _repeats(span.text, own):
                return span
    for paren in re.finditer(r"\(([^()]{2,200})\)", text):  # a quoted gloss in parentheses
        quoted = QUOTED_RE.search(paren.group(1))
        if quoted and not _repeats(quoted.group(1), own):
            start = paren.start(1) + quoted.start(1)
            return doc.char_span(start, start + len(quoted.group(1)), alignment_mode="expand")
    return None


def _strip_punct(span):
    """The span without trailing punctuation (at least one token is kept)."""
    end = span.end
    while end > span.start + 1 and span.doc[end - 1].is_punct:
        end -= 1
    return span.doc[span.start : end]


def _phrase_at(doc, i: int):
    """The phrase that starts at token ``i``: a verb phrase, or a noun phrase (with its "of" part)."""
    while i < len(doc) and doc[i].pos_ in ("DET", "PART") and doc[i].lower_ != "not":
        i += 1
    if i >= len(doc) or doc[i].is_punct:
        return None
    tok = doc[i]
    if tok.pos_ in ("VERB", "AUX"):
        end = i + 1
        for t in doc[i + 1 :]:
            if t.is_punct and t.text in ",;:." or t.lower_ in ("and", "but", "which", "while") and t.head.i < i:
                break
            if not (t.is_ancestor(tok) or tok.is_ancestor(t)) and t.head.i < i:
                break
            end = t.i + 1
        return doc[i:end]
    for e in doc.ents:
        if e.start <= i < e.end:
            return doc[i : e.end]
    for nc in doc.noun_chunks:
        if nc.start <= i < nc.end:
            return _with_of(doc[i : nc.end])
    if tok.pos_ in ("ADJ", "ADV", "NUM", "NOUN", "PROPN"):
        return doc[i : i + 1]
    return None


NP_POS = ("ADJ", "NOUN", "PROPN", "NUM")


def _extend_list(doc, end: int) -> int:
    """Extend a phrase over a following ", B, C and D" list of noun phrases (the small parser often
    hangs the later items elsewhere). Returns the new end."""
    j = end
    while j < len(doc) and (doc[j].text == "," or doc[j].lower_ in ("and", "or")):
        k = j + 1
        if k < len(doc) and doc[k].lower_ in ("and", "or"):
            k += 1
        m = k
        while m < len(doc) and (doc[m].pos_ in NP_POS or (doc[m].text == "-" and m > k)):
            m += 1
        if m == k or (m < len(doc) and doc[m].pos_ in ("VERB", "AUX")):
            break
        end = j = m
    return end


def _repeats(text: str, q_stems: set[str]) -> bool:
    """Is ``text`` only words the question already says (a bare letter like "B" is new information)?"""
    st = set(tokenize(text))
    if not st:
        return not any(ch.isalnum() for ch in text)
    return st <= q_stems


FOCUS_SKIP = {"name", "term", "title", "word", "kind", "type", "sort", "example", "part", "one"}


def _focus(question: str) -> str | None:
    """The noun a copular question asks about: "What is the largest city of X?" → "city"."""
    doc = parse(question)
    be = next((t for t in doc if lemma(t) == "be" and t.dep_ in ("ROOT", "aux", "auxpass", "cop") or
               (lemma(t) == "be" and t.head == t)), None)
    if be is None:
        return None
    for c in be.children:
        if c.dep_ in ("nsubj", "attr") and c.tag_ not in WH_TAGS and c.pos_ in ("NOUN", "PROPN"):
            node = c
            if lemma(node).lower() in FOCUS_SKIP:
                of = next((g for p in node.children if p.dep_ == "prep" and p.lower_ == "of"
                           for g in p.children if g.dep_ == "pobj"), None)
                if of is not None and of.pos_ == "NOUN":
                    node = of
            return lemma(node).lower()
    return None


def _copula_targets(doc, question: str) -> set[int]:
    """Where the sentence says "X, the <focus> of ..." or "X is the <focus>": X's tokens."""
    focus = _focus(question)
    if not focus:
        return set()
    out: set[int] = set()
    for t in doc:
        if lemma(t).lower() != focus or t.pos_ not in ("NOUN", "PROPN"):
            continue
        if t.dep_ == "appos":
            out.add(t.head.i)
        out |= {c.i for c in t.children if c.dep_ == "appos"}
        if t.dep_ == "attr" and lemma(t.head) == "be":
            out |= {c.i for c in t.head.children if c.dep_ in ("nsubj", "nsubjpass")}
        if t.dep_ == "nsubj" and lemma(t.head) == "be":
            out |= {c.i for c in t.head.children if c.dep_ == "attr"}
        if t.dep_ == "pobj" and t.head.lower_ == "as" and t.head.head.pos_ in ("VERB", "AUX"):
            # "X was established as the <focus>" / "they regarded X as the <focus>"
            v = t.head.head
            kids = list(v.children)
            passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in kids)
            out |= {c.i for c in kids if c.dep_ in (("nsubjpass",) if passive else ("dobj",))}
    if not out:  # the focus as a verb: "major exports?" ← "had been exporting fighting horsemen"
        stem = tokenize(focus)[:1]
        for t in doc:
            if t.pos_ == "VERB" and stem and tokenize(t.text)[:1] == stem:
                out |= {c.i for c in t.children if c.dep_ in ("dobj", "obj")}
    return out


EXAMPLE_RE = ("such as", "including", "like", "e.g.", "for example", "for instance", "namely")


NAMING_RE = ("known as", "called", "termed", "named", "referred to as", "dubbed", "nicknamed")


def _token_at(doc, pos: int) -> int | None:
    """Index of the token that starts at (or spans) character ``pos``."""
    span = doc.char_span(pos, min(len(doc.text), pos + 1), alignment_mode="expand")
    return span.start if span is not None else None


def _example_targets(doc, question: str) -> set[int]:
    """Where the sentence introduces the answer by a marker: for "what N", the words after "N such as" /
    "N known as"; for "what is an example of ...", after "such as"/"including"; for "what is X known
    as/called", after "known as"/"called"."""
    ql = question.lower()
    low = doc.text.lower()
    starts: list[int] = []
    wanted = _wh_nouns(question)[:1]
    if wanted:  # "What theory ...?" ← "theories such as X", "the style of lace known as X"
        for t in doc:
            if t.pos_ in ("NOUN", "PROPN") and tokenize(t.text)[:1] == wanted:
                end = t.idx + len(t.text)
                for marker in EXAMPLE_RE + NAMING_RE:
                    m = re.match(rf"(?:\s+of\s+\w+)?,?\s+{re.escape(marker)}\s+", low[end:])
                    if m:
                        starts.append(end + m.end())
    markers = EXAMPLE_RE if "example" in ql else NAMING_RE if any(m in ql for m in NAMING_RE + (" name", " call")) else ()
    for marker in markers:
        starts += [m.end() for m in re.finditer(re.escape(marker) + " ", low)]
    out = {i for i in (_token_at(doc, p) for p in starts) if i is not None}
    # "known as the X" / "known as 'X'": the name, not its article or quote mark
    return {i + 1 if (doc[i].pos_ == "DET" or doc[i].is_quote) and i + 1 < len(doc) else i for i in out}


def extract(text: str, q: Question) -> ShortAnswer | None:
    """The best short answer of the asked type in sentence ``text``, or None."""
    atype = q.answer_type
    if atype == "reason":
        return _verb_dependent(text, q) or _reason(text, q)
    labels = TYPE_LABELS.get(atype, set())
    doc = parse(text)
    q_stems = set(q.terms) | set(q.context_terms) | set(q.key_terms)
    own = _question_stems(q)  # what the question itself says (not its history)
    anchors = [t.i for t in doc if _matches(t, q_stems)]
    verbs = [doc[i] for i in anchors if doc[i].pos_ in ("VERB", "AUX")]
    role = wh_role(q.text)
    if role.verb:
        verbs += [t for t in doc if lemma(t).lower() == role.verb and t.pos_ in ("VERB", "AUX") and t not in verbs]
    targets = _role_targets(doc, role, verbs)
    examples: set[int] = set()
    if not targets and role.role == "pobj" and role.prep:
        # the question's verb is not there: its preposition on a word the question says ("a monopoly on
        # X" for "... have a monopoly on?"), else the only such preposition ("a compromise between X")
        preps = [t for t in doc if t.lower_ == role.prep and t.dep_ == "prep"]
        near = [p for p in preps if _matches(p.head, q_stems)] or (preps if len(preps) == 1 else [])
        targets = {g.i for p in near for g in p.children if g.dep_ in ("pobj", "pcomp")}
    if not labels:
        examples = _example_targets(doc, q.text)
        special = _copula_targets(doc, q.text) | examples
        if special:
            targets = special
    elif atype in ("who", "person", "org", "place"):  # "Who was X's father?" ← "His father was Y"
        targets |= _copula_targets(doc, q.text)
    # "his brother, Arik Bora,": the name in apposition to the noun filling the role fills it too
    targets |= {c.i for i in list(targets) for c in doc[i].children if c.dep_ == "appos" and c.pos_ == "PROPN"}
    spans = _candidates(doc, q, labels)
    modifiers = _modifier_spans(doc, q) if not labels else []
    if atype == "number":
        spans += [n for n in _bare_numbers(doc, spans) if not re.search(rf"\b{re.escape(n.text)}\b", q.text)]
    if atype == "date":  # years the NER left unlabelled ("founded in 911", "(1249–1314)")
        spans += [n for n in _bare_numbers(doc, spans) if n.text.isdigit() and 3 <= len(n.text) <= 4
                  and n.text not in q.text]
        spans += [_labelled(doc[t.i : t.i + 1], "DATE") for t in doc if YEAR_RANGE.fullmatch(t.text)
                  and not any(s.start <= t.i < s.end for s in spans)]
    preferred = PREFERRED.get(atype)
    soft = preferred_labels(q.text) if not labels else set()
    if atype == "who" and any(s.label_ == "PERSON" for s in spans):
        # people first, unless another name fills the question's role ("its governor, the Marquis de V.")
        spans = [s for s in spans if s.label_ == "PERSON" or any(s.start <= t < s.end for t in targets)]
    if atype in ("who", "org"):
        spans = _group_nouns(doc, spans)
    if atype in ("who", "place") and targets and not any(s.start <= t < s.end for s in spans for t in targets):
        # no name fills the question's role: the noun phrase that does ("the Presiding Officer is ...")
        # (for "where", a proper noun that is not the doer of the verb: "X and Y signed it" names people)
        where = re.search(r"\bwhere\b", q.text.lower()) is not None
        spans += [nc for nc in doc.noun_chunks if nc.root.i in targets and
                  (nc.root.pos_ in ("NOUN", "PROPN") if atype == "who" else
                   nc.root.pos_ == "PROPN" and not (where and nc.root.dep_ in ("nsubj", "csubj")))
                  and not _repeats(nc.text, own)]
    if not spans and atype in ("who", "org"):
        # NER missed it: the subject noun phrase of the question's verb ("Five regional governments ...")
        spans = [nc for nc in doc.noun_chunks for v in verbs
                 if nc.root.head == v and nc.root.dep_ in SUBJ and nc.root.pos_ != "PRON"]
        spans = [s for s in spans if not _repeats(s.text, own)]
    if not spans and atype == "place":
        # no named place: the object of "in/at/near ..." on the question's verb ("done in committee")
        spans = _objects_of(doc, verbs, PLACE_PREPS, own)
    if not spans and atype == "date":
        # no date: the time phrase on the question's verb ("during the Second World War", "at Decision Time")
        spans = [_time_phrase(nc) for nc in _objects_of(doc, verbs, TIME_PREPS, own)]
    if not labels:
        vp = _predicate(doc, q, anchors) or _purpose(doc, q)
        if vp is not None:
            return ShortAnswer(vp.text, [(vp.start_char, vp.end_char)], "VP", 2.0)
        gloss = _gloss(doc, q)
        if gloss is not None:
            return ShortAnswer(gloss.text, [(gloss.start_char, gloss.end_char)], "GLOSS", 2.0)
    cloze = _cloze_spans(doc, q) if not labels or atype in ("date", "place", "who") else []
    if labels:  # "... was built when?" is not answered by "to serve the town"
        cloze = [c for c in cloze if any(t.ent_type_ in labels for t in c)]
    if cloze:
        best = cloze[0]
        return ShortAnswer(best.text, [(best.start_char, best.end_char)], "CLOZE", 2.0)
    if modifiers and KIND_RE.search(q.text.lower()) and not examples:  # "lace known as X" names a kind too
        # "What type of machine ...?" answered by "non-deterministic (Turing) machine"
        best = modifiers[0]
        return ShortAnswer(best.text, [(best.start_char, best.end_char)], "MOD", 2.0)
    mod_ids = set()
    if modifiers:  # "what N" without "kind of": the modifiers are one candidate among the others
        for m in modifiers:
            m.label_ = "MOD"
            mod_ids.add((m.start, m.end))
        spans = spans + modifiers
    if not spans:
        return None
    by_root = {s.root.i: s for s in spans}
    best, best_score, best_rank = None, -1e9, -1e9
    for s in spans:
        score = 0.0
        if anchors:
            # near the question's words, and among many of them
            dists = [s.start - a if a < s.start else a - (s.end - 1) if a >= s.end else 0 for a in anchors]
            score += 1.0 / (1.0 + min(dists) / 4.0)
            density = 2.0 * sum(math.exp(-d / 8.0) for d in dists) / len(dists)
        else:
            density = 0.0
        score += REL_W * _relation_bonus(s, verbs, atype)
        if targets and any(s.start <= t < s.end for t in targets):
            score += TARGET_BONUS
        if preferred and getattr(s, "label_", "") in preferred:
            score += 0.5
        if atype == "place" and s.root.dep_ == "pobj" and s.root.head.lower_ in PLACE_PREPS:
            score += 0.6  # "in X", "at X": a place as a place
        if soft and getattr(s, "label_", "") in soft:
            score += 0.6
        elif not labels and _is_entity(s):
            score += ENT_BONUS  # in "what" questions a named thing beats a generic phrase
        if not labels and s.root.dep_ in OBJ:
            score += OBJ_BONUS
        if (s.start, s.end) in mod_ids:
            score += MOD_BONUS
        st = _stems(s.text)
        if not labels and st & q_stems:
            score -= PENALTY * len(st & q_stems) / len(st)  # a phrase repeating the question is rarely its answer
        if score + density > best_rank:  # the score (what type_score reports) leaves density out
            best, best_score, best_rank = s, score, score + density
    label = getattr(best, "label_", "") or "NP"
    if labels and label in ("PERSON", "ORG", "GPE", "NORP"):
        group = [_with_title(g) for g in _coordinated(best, by_root)]
    elif not labels:
        group = [_with_of(_expand_noun_list(_with_name(best), own), own)]
    else:
        group = [_year_only(_with_modifier(best), q.text)]
    spans_out = [_lifespan(g, q.text) or (doc[g.start].idx, doc[g.end - 1].idx + len(doc[g.end - 1].text))
                 for g in group]
    parts = [text[s:e] for s, e in spans_out]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return ShortAnswer(joined, spans_out, label, best_score)


REASON_MARKERS = ("because of", "because", "due to", "owing to", "as a result of", "thanks to", "in order to",
                  "so that", "since", "by")


WHY_MARKS = {"to", "because", "since", "as", "so", "for"}
WHY_PREPS = {"for", "because", "due", "owing", "from", "out"}
HOW_PREPS = {"by", "via", "through", "with", "without", "using", "according", "under", "into", "in", "on", "as"}
VAGUE_ADVERBS = {"also", "not", "then", "still", "now", "typically", "usually", "often", "later", "again", "just",
                 "only", "even", "first", "finally", "eventually", "however", "thus", "therefore", "ever", "never"}


def _verb_dependent(text: str, q: Question) -> ShortAnswer | None:
    """For why/how questions: the part of the sentence hanging off the question's verb that the question
    lacks: a purpose or cause ("... to encourage investment", "for fear of betrayal") for why, a means or
    manner ("through intermediaries", "by rationing", "iteratively") for how."""
    doc = parse(text)
    qdoc = parse(q.text)
    how = any(t.lower_ == "how" for t in qdoc)
    q_stems = _question_stems(q)
    qverbs = {lemma(t).lower() for t in qdoc if t.pos_ == "VERB"} - {"be", "have", "do"}
    verbs = [t for t in doc if t.pos_ in ("VERB", "AUX") and lemma(t).lower() in qverbs]
    if not verbs and how and qverbs:
        # "How did X respond?" worded differently: what the sentence says X did
        for t in doc:
            if t.dep_ == "nsubj" and t.head.pos_ == "VERB" and t.head.i > t.i and \
                    any(_matches(w, q_stems) for w in t.subtree):
                span = _verb_phrase(t.head)
                if not _repeats(span.text, q_stems):
                    return ShortAnswer(span.text, [(span.start_char, span.end_char)], "VP", 1.0)
    if not verbs:  # worded differently: the verbs of the sentence, the root first
        verbs = sorted((t for t in doc if t.pos_ == "VERB"), key=lambda t: t.dep_ != "ROOT")
    found = []
    for v in verbs:
        for c in v.children:
            rank = None
            if how:
                if c.dep_ in ("prep", "agent") and c.lower_ in HOW_PREPS:
                    rank = 0 if c.lower_ in ("by", "via", "through", "using", "according", "with") else 1 if c.lower_ == "as" else 2
                elif c.dep_ in ("advmod", "npadvmod") and c.lower_ not in VAGUE_ADVERBS and c.pos_ == "ADV":
                    rank = 1
            else:
                marks = {g.lower_ for g in c.children if g.dep_ in ("mark", "aux")}
                if c.dep_ in ("advcl", "xcomp") and marks & WHY_MARKS:
                    rank = 0
                elif c.dep_ == "prep" and c.lower_ in WHY_PREPS:
                    rank = 1
                elif c.dep_ == "prep" and c.lower_ == "in" and any(g.lower_ in ("response", "order") for g in c.children):
                    rank = 0
            if rank is None:
                continue
            span = doc[c.left_edge.i : c.right_edge.i + 1]
            if span.start <= v.i < span.end or _repeats(span.text, q_stems):
                continue
            found.append((rank, span.start, span))
    if not found:
        return None
    span = _strip_punct(min(found, key=lambda f: (f[0], f[1]))[2])
    return ShortAnswer(span.text, [(span.start_char, span.end_char)], "REASON", 1.0)


def _reason(text: str, q: Question) -> ShortAnswer | None:
    """For why/how questions: the clause after "because", "due to", "by" ... (up to the next comma)."""
    low = text.lower()
    want = ("by",) if re.match(r"\s*how\b", q.text.lower()) else REASON_MARKERS
    best = None
    for marker in want:
        for m in re.finditer(rf"\b{re.escape(marker)}\b\s+", low):
            start = m.end()
            stop = re.search(r"[,;.]\s|[,;.]$|\s(?:and|but|which|while)\s", text[start:])
            end = start + (stop.start() if stop else len(text[start:].rstrip(" .")))
            if end - start >= 3 and (best is None or m.start() < best[0]):
                best = (m.start(), start, end)
    if best is None:
        return None
    _, s, e = best
    return ShortAnswer(text[s:e], [(s, e)], "REASON", 1.0)


def _bare_numbers(doc, taken) -> list:
    """Numbers the NER did not label ("over 800 connections"), as CARDINAL spans."""
    used = {i for s in taken for i in range(s.start, s.end)}
    out = []
    i = 0
    while i < len(doc):
        if doc[i].like_num and i not in used:
            j = i + 1
            while j < len(doc) and doc[j].like_num and j not in used:
                j += 1
            out.append(_labelled(doc[i:j], "CARDINAL"))
            i = j
        else:
            i += 1
    return out


def _with_name(span):
    """A common noun with the name that follows it ("the soap opera Dallas", "the concept Distributed
    Adaptive Message Block Switching")."""
    doc = span.doc
    if span.root.pos_ != "NOUN" or span.root.i != span.end - 1:
        return span
    j = span.end
    while j < len(doc) and doc[j].text[:1].isupper() and doc[j].pos_ in ("PROPN", "NOUN", "ADJ", "VERB") \
            and not doc[j].is_sent_start:
        j += 1
    return doc[span.start : j] if j > span.end else span


def _with_title(span):
    """A person with the title the NER left out ("Colonel Monckton", "King George III")."""
    doc = span.doc
    start = span.start
    if getattr(span, "label_", "") != "PERSON":
        return span
    while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].dep_ == "compound" and \
            doc[start - 1].head.i >= span.start and not doc[start - 1].ent_type_:
        start -= 1
    return doc[start : span.end] if start < span.start else span


YEAR_RANGE = re.compile(r"\d{3,4}[–-]\d{2,4}")
BORN_Q = re.compile(r"\b(?:born|birth)\b")
DIED_Q = re.compile(r"\b(?:die|died|death)\b")
#: Prepositions whose object says when, for "when" questions without a date.
TIME_PREPS = {"during", "after", "before", "since", "until", "following", "upon", "at"}


def _objects_of(doc, verbs, preps: set[str], own: set[str]) -> list:
    """Noun phrases governed by one of ``preps`` on one of the question's verbs, not repeating the question."""
    return [nc for nc in doc.noun_chunks for v in verbs if nc.root.dep_ == "pobj" and nc.root.head.lower_ in preps
            and nc.root.head.head == v and nc.root.pos_ != "PRON" and not _repeats(nc.text, own)]


def _time_phrase(chunk):
    """The time phrase with its preposition ("after liberation"), except a bare "at"."""
    prep = chunk.root.head
    start = prep.i if prep.lower_ != "at" and prep.i == chunk.start - 1 else chunk.start
    return _labelled(chunk.doc[start : chunk.end], "DATE")


def _labelled(span, label: str):
    """The span with an entity label (spaCy is imported lazily: see nlp.get_nlp)."""
    span.label_ = label
    return span


def _lifespan(span, question: str) -> tuple[int, int] | None:
    """For "when was X born / did X die?", the matching year of a life span "(1249–1314)"."""
    if len(span) != 1 or not YEAR_RANGE.fullmatch(span.text):
        return None
    first, second = re.split(r"[–-]", span.text)
    q = question.lower()
    if BORN_Q.search(q):
        return span.start_char, span.start_char + len(first)
    if DIED_Q.search(q) and len(second) == len(first):
        return span.end_char - len(second), span.end_char
    return None


YEAR_Q = re.compile(r"\b(?:what|which) year\b")


def _year_only(span, question: str):
    """For "what year ...?": the year of a longer date ("April 1191" → "1191")."""
    if not YEAR_Q.search(question.lower()):
        return span
    years = [t for t in span if t.text.isdigit() and len(t.text) in (3, 4)]
    return span.doc[years[0].i : years[0].i + 1] if len(years) == 1 and len(span) > 1 else span


def _with_modifier(span):
    """Keep a quantity's modifier ("over 800", "more than 1000", "about $5 million")."""
    doc = span.doc
    start = span.start
    while start > 0 and doc[start - 1].lower_ in ("over", "about", "around", "nearly", "almost", "some", "roughly",
                                                   "approximately", "than", "more", "less", "fewer", "up", "to",
                                                   "at", "least", "most"):
        if doc[start - 1].lower_ in ("to", "at") and not (start > 1 and doc[start - 2].lower_ in ("up", "at")):
            break
        start -= 1
    return doc[start : span.end]


def _phrase_end(tok) -> int:
    """The last token of the noun phrase headed by ``tok``, without a relative clause ("free trade
    that gave it dominance ..." ends at "trade")."""
    end = tok.i
    for c in tok.rights:
        if c.dep_ == "relcl":
            break
        if c.is_punct and any(g.dep_ == "relcl" for g in tok.rights if g.i > c.i):
            break
        end = max(end, c.right_edge.i)
    return end


def _with_of(span, q_stems: set[str] = frozenset()):
    """A noun phrase with the "of" phrase completing it ("the concept" → "the concept of block switching"),
    unless that part only repeats the question."""
    doc = span.doc
    end = span.end
    if end + 1 < len(doc) and doc[end].lower_ == "of" and doc[end].head.i == span.root.i:
        obj = next((g for g in doc[end].children if g.dep_ == "pobj"), None)
        if obj is not None and not _repeats(doc[end + 1 : _phrase_end(obj) + 1].text, q_stems):
            return doc[span.start : _phrase_end(obj) + 1]
    return span


def _expand_noun_list(chunk, q_stems: set[str] = frozenset()):
    """A noun chunk plus the following chunks coordinated with it (not ones the question names)."""
    doc = chunk.doc
    end = chunk.end
    for tok in sorted(chunk.root.conjuncts, key=lambda t: t.i):
        if tok.i >= chunk.start:
            st = _stems(tok.text)
            if st & q_stems:
                break
            end = max(end, tok.i + 1)
            for nc in doc.noun_chunks:
                if nc.start <= tok.i < nc.end:
                    end = max(end, nc.end)
    return doc[chunk.start:end]


def type_score(text: str, q: Question) -> float:
    """How well the sentence can answer: 0 when it holds nothing of the asked type.

    1 + relation bonus for a preferred-type candidate tied to the question's verb,
    less for other labels of the type or bare numbers.
    """
    labels = TYPE_LABELS.get(q.answer_type) or set()
    if not labels:
        return 1.0
    sa = extract(text, q)
    if sa is None:
        if q.answer_type == "number" and any(t.like_num for t in parse(text)):
            return 0.5
        return 0.0
    return sa.score
