"""Who signed what: signing events extracted from every indexed article.

For each article the sentences that talk about a signing ("signed", "inked a
deal", "entered into an agreement", "concluded a pact", "the signing ceremony
...") are parsed with spaCy. Every such sentence gives a *mention*: the
signatories (people, with the title and organisation an appositive gives them,
or descriptions such as "the head of the college"), the parties (organisations
or governments), the agreement, the date and the place. Mentions of one article
that are about the same agreement are merged into one :class:`SigningEvent`,
which keeps the exact quote (and its character offsets in the source file) of
the sentence that reports it best.

Nothing here knows any particular article: only English grammar and a few
lists of common words.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field

from .dates import resolve_date
from .nlp import lemma

log = logging.getLogger(__name__)

#: A cheap filter before parsing: sentences that may report a signing.
CANDIDATE_RE = re.compile(
    r"\b(?:sign(?:s|ed|ing)?|co-?sign(?:s|ed|ing)?|ink(?:s|ed|ing)?|seal(?:s|ed|ing)?|conclud(?:e|es|ed|ing)|"
    r"clinch(?:es|ed|ing)?|enter(?:s|ed|ing)?\s+into|struck|strikes?|signator(?:y|ies)|signatures?|"
    r"names?\s+to|pen\s+to\s+paper|represented\s+by)\b", re.I)

SIGN_VERBS = {"sign", "signed", "signs", "signing", "cosign", "co-sign", "countersign", "countersigned"}
#: Verbs that count as a signing only with an agreement-like object.
OBJECT_VERBS = {"ink", "inked", "inks", "inking", "seal", "sealed", "seals", "sealing", "conclude", "concluded",
                "concludes", "concluding", "clinch", "clinched", "clinches", "clinching", "strike", "struck",
                "strikes", "enter", "entered", "enters", "entering"}
AGREEMENT_NOUNS = {"agreement", "agreements", "deal", "deals", "contract", "contracts", "pact", "pacts",
                   "memorandum", "memoranda", "memorandums", "mou", "mous", "moa", "treaty", "treaties", "accord",
                   "accords", "protocol", "protocols", "charter", "declaration", "letter", "partnership",
                   "framework", "convention", "document", "documents", "deed", "lease", "compact", "arrangement",
                   "understanding", "covenant", "alliance", "bill", "law", "order", "petition", "statement",
                   "memo", "legislation", "decree", "act", "resolution", "communique", "communiqué", "roadmap",
                   "programme", "program", "plan", "initiative", "concession", "licence", "license", "guarantee",
                   "commitment", "undertaking", "loi", "mou", "consensus", "cooperation", "collaboration",
                   "partnerships", "frameworks", "letters", "orders", "bills", "laws", "acts", "plans", "moas"}
#: What a signing verb signs ("the 15-year facility was signed"): an agreement, or a deal named by
#: what it is for.
SIGNED_NOUNS = AGREEMENT_NOUNS | {"loan", "loans", "facility", "facilities", "sponsorship", "twinning", "offtake",
                                  "bond", "bonds", "concessions", "mandate"}
#: Forms of address that the parser may take for a name.
HONORIFICS = {"hon", "honourable", "honorable", "ir", "excellency", "his excellency", "her excellency", "sir", "dame",
              "col", "gen", "lt", "maj", "capt", "brig", "adm", "sgt", "cpl", "cmdr", "rev", "amb", "sen", "rep", "gov",
              "h.e", "datuk", "dato", "dato'", "datin", "tan sri", "tun", "haji", "hajjah", "alhaji", "sheikh",
              "eng", "engr", "shri", "smt"}
#: Words before a name that are part of a title, not of an organisation ("Vice", "Deputy").
TITLE_PREFIX = {"vice", "deputy", "senior", "junior", "acting", "interim", "executive", "general", "mr", "mrs", "ms",
                "dr", "prof", "professor", "sir", "madam", "first", "chief", "managing", "assistant", "associate"}
#: Head nouns of descriptions of people ("the head of the college").
ROLE_WORDS = {"head", "heads", "chief", "chiefs", "director", "directors", "president", "presidents", "chairman",
              "chairwoman", "chairperson", "chair", "minister", "ministers", "secretary", "ceo", "cfo", "coo",
              "representative", "representatives", "official", "officials", "mayor", "governor", "manager",
              "managers", "ambassador", "envoy", "leader", "leaders", "dean", "officer", "executive",
              "executives", "founder", "owner", "principal", "rector", "chancellor", "premier", "delegate",
              "delegates", "deputy", "spokesman", "spokeswoman", "commissioner", "counterpart", "counterparts",
              "partner", "boss", "general", "vice-president", "chairmen", "envoys", "negotiator", "negotiators"}
#: Subjects that stand for the parties named elsewhere ("the two parties signed").
PLACEHOLDER_WORDS = {"parties", "party", "sides", "side", "they", "both", "two", "all", "we", "partners",
                     "institutions", "organizations", "organisations", "companies", "firms", "governments",
                     "countries", "nations", "signatories"}
STOP = {"the", "a", "an", "of", "and", "for", "on", "in", "at", "to", "with", "between", "by", "its", "their",
        "this", "that", "these", "those", "new", "s", "'s", "’s"}
GENERIC_AGREEMENT = AGREEMENT_NOUNS | {"cooperation", "strategic", "comprehensive", "signing", "ceremony", "signed",
                                       "copies", "copy", "originals", "texts"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
ORG_LABELS = {"ORG", "GPE", "NORP", "FAC"}
DETERMINERS = {"the", "a", "an", "this", "that", "these", "those"}


@dataclass
class Signatory:
    name: str
    title: str | None = None
    organization: str | None = None
    named: bool = True  # False for descriptions ("the head of the college")

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "organization": self.organization, "named": self.named}


@dataclass
class Mention:
    """What one sentence says about a signing."""

    sent: int  # global sentence index
    strong: bool  # a clause that reports the signing (not "the signing of X marks ...")
    headline: bool
    signatories: list[Signatory] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)
    placeholder: bool = False  # "the two parties", "both sides", "they"
    agreement: str | None = None
    date_text: str | None = None
    near_date: str | None = None  # a date of the sentence not attached to the signing clause
    place: str | None = None
    subject: str | None = None  # "to cooperate on ..." after the agreement
    summary: bool = False  # "has signed two supply deals this week": the article's signings counted
    refers_to: int | None = None  # "The PPA was signed ...": the sentence that named the agreement in full
    refers_back: bool = False  # "That contract was signed by ...": the agreement of the sentence before


@dataclass
class SigningEvent:
    doc: str
    title: str | None
    date: str | None
    date_source: str | None  # "sentence", "earlier sentence", "article date", "unresolved"
    date_text: str | None
    place: str | None
    parties: list[str]
    signatories: list[Signatory]
    agreement: str | None
    quote: str
    start: int
    end: int
    subject: str | None = None
    sentences: list[int] = field(default_factory=list)
    quotes: list[dict] = field(default_factory=list)  # every merged sentence: quote, start, end
    #: who looked on ("witnessed by", "in the presence of", "A looked on"): their names and titles, and the
    #: sentence that says it (quote, start, end)
    witnesses: list[Signatory] = field(default_factory=list)
    witness_quote: dict | None = None
    _tokens: frozenset | None = field(default=None, repr=False, compare=False)  # see _event_tokens
    _stems: frozenset | None = field(default=None, repr=False, compare=False)

    def signatory_names(self) -> list[str]:
        return [s.name for s in self.signatories]

    @classmethod
    def from_dict(cls, d: dict) -> "SigningEvent":
        """The event ``to_dict`` wrote (as stored in the index)."""
        people = [Signatory(p["name"], p.get("title"), p.get("organization"), bool(p.get("named", True)))
                  for p in d.get("signatories", [])]
        return cls(doc=d["doc"], title=d.get("title"), date=d.get("date"), date_source=d.get("date_source"),
                   date_text=d.get("date_text"), place=d.get("place"), parties=list(d.get("parties", [])),
                   signatories=people, agreement=d.get("agreement"), quote=d["quote"], start=int(d["start"]),
                   end=int(d["end"]), subject=d.get("subject"), sentences=list(d.get("sentences", [])),
                   quotes=list(d.get("quotes", [])),
                   witnesses=[Signatory(p["name"], p.get("title"), p.get("organization"))
                              for p in d.get("witnesses", [])],
                   witness_quote=d.get("witness_quote"))

    def to_dict(self) -> dict:
        return {"doc": self.doc, "title": self.title, "date": self.date, "date_source": self.date_source,
                "date_text": self.date_text, "place": self.place, "parties": list(self.parties),
                "signatories": [s.to_dict() for s in self.signatories], "agreement": self.agreement,
                "subject": self.subject, "quote": self.quote, "start": self.start, "end": self.end, "quotes": list(self.quotes),
                "sentences": list(self.sentences), "witnesses": [p.to_dict() for p in self.witnesses],
                "witness_quote": self.witness_quote}


# ----------------------------------------------------------------------------------------------
# small helpers over spaCy tokens and spans

def _clean(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    text = text.strip(" ,;:()“”\"'‘’")
    words = text.split()
    while words and words[0].lower() in DETERMINERS:
        words = words[1:]
    while words and words[-1].lower() in {"and", "or", ","}:
        words = words[:-1]
    text = " ".join(words).strip(" ,;:")
    return text or None


def _tokens(text: str | None) -> set[str]:
    if not text:
        return set()
    return {w for w in re.findall(r"[^\W_]+", text.lower()) if w not in STOP}  # "aérostructures" whole


def _span_text(doc, lo: int, hi: int) -> str:
    return doc[lo:hi].text if hi > lo else ""


def _np_bounds(tok, exclude_deps=("conj", "cc", "appos", "relcl", "acl", "punct", "advcl")):
    """The noun phrase headed by ``tok`` without coordinated/appositive/clausal children."""
    lo, hi = tok.i, tok.i + 1
    # a word the parser hung on the head after its "and" ("A and the B, Local 214" with "Local" on A)
    # is no part of A
    cut = min((c.i for c in tok.children if c.dep_ in ("cc", "conj") and c.i > tok.i), default=len(tok.doc))
    # "of A and the B": a new noun phrase after "and the", whatever the parser hung it on
    cut = min([cut] + [min(x.i for x in t.subtree) - 1 for t in tok.subtree
                       if t.i > tok.i + 1 and t.dep_ == "conj" and _after_and_the(t)])
    for child in tok.children:
        if child.dep_ in exclude_deps or child.i > cut:
            continue
        if child.dep_ == "prep" and child.lower_ in {"with", "between", "among", "in", "at", "on", "during"}:
            continue
        sub = [t for t in child.subtree if t.i < cut or t.i < tok.i]
        if not sub:
            continue
        lo = min(lo, sub[0].i)
        hi = max(hi, sub[-1].i + 1)
    # keep the span contiguous around the head
    return lo, hi


def _np_text(tok) -> str | None:
    lo, hi = _np_bounds(tok)
    return _clean(_span_text(tok.doc, lo, hi))


def _conj_chain(tok) -> list:
    out = [tok]
    for child in tok.children:
        if child.dep_ == "conj":
            out.extend(_conj_chain(child))
    return out


def _subject_chain(tok) -> list:
    """The coordinated heads of a subject, with a named apposition the parser hung on the first
    ("A, the B Institute and C signed": A, B Institute, C)."""
    out = []
    for h in _conj_chain(tok):
        out.append(h)
        for c in h.children:
            if c.dep_ == "appos" and c.pos_ == "PROPN":
                out += [x for x in _conj_chain(c) if x not in out]
        # "The Municipality of A and the B Government": the parser hung B on A, inside the "of"
        out += [x for x in h.subtree if x.dep_ == "conj" and x.i > h.i and x.pos_ == "PROPN" and _after_and_the(x)
                and x not in out]
    return out


def _after_and_the(tok) -> bool:
    """Whether ``tok``'s noun phrase starts with "and the" ("... and the Gwangseong City Government")."""
    lo = min(t.i for t in tok.subtree)
    doc = tok.doc
    return lo >= 1 and doc[lo].lower_ == "the" and doc[lo - 1].lower_ == "and"


def _clause_verb(tok):
    """The nearest verb above ``tok`` (or ``tok`` itself)."""
    cur = tok
    for _ in range(30):
        if cur.pos_ in ("VERB", "AUX") or cur.tag_.startswith("VB"):
            return cur
        if cur.head.i == cur.i:
            return cur
        cur = cur.head
    return cur


def _agreement_text(tok) -> str | None:
    """The name of the agreement headed by ``tok`` (a LAW entity when the model found one)."""
    doc = tok.doc
    for ent in doc.ents:
        if ent.start <= tok.i < ent.end and ent.label_ in {"LAW", "WORK_OF_ART", "EVENT", "ORG"} and \
                ent.end - ent.start > 1 and not any(t.tag_.startswith("VB") for t in ent):
            return _clean(ent.text)
    lo, hi = tok.i, tok.i + 1
    for child in tok.lefts:
        if child.dep_ in ("det", "predet", "poss", "punct", "nummod") and child.i == lo - 1 and child.dep_ != "poss":
            continue
        sub = list(child.subtree)
        lo = min(lo, sub[0].i)
    for child in tok.rights:
        if child.dep_ == "prep" and child.lower_ in {"on", "for", "of", "to", "regarding", "concerning", "about"}:
            pobj = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
            if pobj and not any(t.ent_type_ in {"DATE", "TIME"} for t in pobj[0].subtree):
                hi = max(hi, list(child.subtree)[-1].i + 1)
                continue
        if child.dep_ in ("compound", "amod", "nmod") :
            hi = max(hi, list(child.subtree)[-1].i + 1)
        break
    for t in doc[tok.i:hi]:
        if t.dep_ == "prep" and t.lower_ in ("with", "between", "among", "by"):
            hi = t.i  # "heads of agreement with X": X is a party, not the agreement's name
            break
        if t.dep_ == "prep" and t.lower_ in ("in", "at") and any(
                g.dep_ == "pobj" and g.ent_type_ in PLACE_LABELS for g in t.children):
            hi = t.i
            break
    text = _clean(_span_text(doc, lo, hi))
    return text


def _ents_in(doc, lo: int, hi: int, labels=None) -> list:
    return [e for e in doc.ents if e.start >= lo and e.end <= hi and (labels is None or e.label_ in labels)]


# ----------------------------------------------------------------------------------------------
# people: names with their titles and organisations

def _desc_end(doc, i: int, hi: int, stops: set[int]) -> int:
    """Where an appositive that starts at ``i`` ends: a verb, a semicolon, the next person, ", and"."""
    j = i
    while j < hi and not doc[j].tag_.startswith("VB") and doc[j].text not in (";", "(", ")") and j not in stops \
            and not (j > i and doc[j].tag_ in ("WP", "WDT")):  # "the head of X who led the research"
        if doc[j].text == "," and j + 1 < hi and doc[j + 1].lower_ in ("and", "while", "who", "which"):
            break
        j += 1
    while j > i and doc[j - 1].text in (",", "and", "or"):
        j -= 1
    return j


def _person_spans(doc, lo: int, hi: int) -> list:
    """PERSON entities, and capitalised names the model missed that an appositive title follows
    ("Marcus Reed, Chief Executive of ...")."""
    # "A, chief executive of Brattøy Sparebank" with the bank tagged as a person: the organisation of a title
    # in apposition to someone, not a person ("Mayor of X Zhou Minghe" is one)
    spans = [e for e in _ents_in(doc, lo, hi, {"PERSON"})
             if not (e.root.head.lower_ == "of" and e.root.dep_ == "pobj" and e.root.head.head.lower_ in ROLE_WORDS
                     and e.root.head.head.dep_ == "appos" and e.start > 0 and doc[e.start - 1].lower_ == "of")]
    taken = {t for e in spans for t in range(e.start, e.end)}

    def joined(j: int) -> bool:  # the hyphen inside "Ole-Martin"
        return doc[j].text == "-" and not doc[j - 1].whitespace_ and not doc[j].whitespace_ and j + 1 < hi \
            and doc[j + 1].tag_ == "NNP"

    i = lo
    while i < hi:
        if doc[i].tag_ == "NNP" and i not in taken and (i == lo or doc[i - 1].text in (",", "and", "by")):
            j = i
            while j < hi and (doc[j].tag_ == "NNP" or (j > i and joined(j))) and j not in taken and j - i < 6:
                j += 1
            words = sum(1 for t in doc[i:j] if t.text != "-")
            if 2 <= words <= 3 and j - i - words <= 1 and j + 1 < hi and doc[j].text == ",":
                k = j + 1
                while k < hi and k - j <= 5 and (doc[k].text[:1].isupper() or doc[k].tag_ == "POS"
                                                  or doc[k].lower_ in ROLE_WORDS):
                    if doc[k].lower_ in ROLE_WORDS:
                        spans.append(doc[i:j])
                        taken.update(range(i, j))
                        break
                    k += 1
            i = max(j, i + 1)
        else:
            i += 1
    for r in _titled_names(doc, lo, hi):
        # "Executive Vice-President Meera" tagged for "Meera Nair": the name after the title wins
        spans = [e for e in spans if not (e.start < r.end and r.start < e.end and _is_title_word(e[0]))]
        taken = {t for e in spans for t in range(e.start, e.end)}
        if not any(t in taken for t in range(r.start, r.end)):
            spans.append(r)
    for r in _named_after_role(doc, lo, hi):  # the whole name wins over the pieces the model tagged
        spans = [e for e in spans if not (r.start <= e.start and e.end <= r.end)]
        if not any(e.start < r.end and r.start < e.end for e in spans):
            spans.append(r)
    return sorted(spans, key=lambda e: e.start)


def _name_run(doc, k: int, hi: int) -> int:
    """Where a run of capitalised name words that starts at ``k`` ends (with the lower-case particles and
    hyphens of names: "Ana Luísa dos Santos Rebelo", "Chantal Bélanger-Osei")."""
    words = 0
    while k < hi:
        t = doc[k]
        if t.text[:1].isupper() and t.is_alpha:
            words += 1
        elif not (words and ((t.lower_ in NAME_PARTICLES and k + 1 < hi and doc[k + 1].text[:1].isupper())
                             or (t.text == "-" and not doc[k - 1].whitespace_ and not t.whitespace_))):
            break
        k += 1
    return k


def _named_after_role(doc, lo: int, hi: int) -> list:
    """Names that follow a description of a role and a comma ("the Deputy Minister of Agriculture of Viet
    Nam, Phan Thi Hoai Lan", "represented by its executive chairwoman, Ana Luísa dos Santos Rebelo"),
    however the model tagged them: two to five name words that end the phrase, with no organisation's
    head word, legal form, place or date among them."""
    out = []
    for c in range(lo + 1, hi - 1):
        if doc[c].text != ",":
            continue
        j = c - 1
        while j >= lo and doc[j].text not in (",", ";", "(") and doc[j].lower_ not in ("by", "while", "with"):
            j -= 1
        desc = doc[j + 1:c]
        if j > lo and doc[j].text == "," and doc[j - 1].ent_type_ == "PERSON" and doc[j + 1].lower_ != "and":
            continue  # "A, Chief Operating Officer, Varaha Avionics": the organisation of A's title
        if not any(_is_title_word(t) or t.lower_ in ROLE_WORDS for t in desc) or \
                any(t.ent_type_ == "PERSON" for t in desc):
            continue
        k = c + 1
        while k < hi and doc[k].lower_.strip(".") in HONORIFICS | {"mr", "mrs", "ms", "dr", "prof", "professor"}:
            k += 1 + (k + 1 < hi and doc[k + 1].text == ".")
        end = _name_run(doc, k, hi)
        run = doc[k:end]
        n = sum(1 for t in run if t.text[:1].isupper())
        if not (2 <= n <= 5) or (end < hi and doc[end].text not in (",", ".", ";", ")") and
                                 doc[end].lower_ not in ("and", "in", "on", "at", "signed", "who", "while")):
            continue
        if any(t.lower_ in NAME_HEADS or LEGAL_FORM_RE.search(t.text) or t.ent_type_ in ("GPE", "DATE", "NORP")
               or _is_title_word(t) for t in run):
            continue
        if all(t.ent_type_ == "ORG" for t in run if t.is_alpha) and not (
                _is_title_word(doc[c - 1]) or doc[c - 1].lower_ in ROLE_WORDS):
            continue  # "..., Varaha Avionics": an organisation, unless a role word stands right before it
        out.append(run)
    return out


#: Title words that come before a person's name ("Vice-Chancellor Professor A B", "Acme founder A B").
NAME_TITLES = (ROLE_WORDS | TITLE_PREFIX | HONORIFICS) - {
    "partner", "partners", "counterpart", "counterparts", "owner", "general", "representatives", "officials",
    "leaders", "delegates", "executives", "managers", "directors", "heads", "chiefs", "ministers", "presidents",
    "chairmen", "envoys", "negotiators", "first", "senior", "junior", "executive", "associate", "assistant",
    "managing", "acting", "interim"}


def _is_title_word(tok) -> bool:
    w = tok.lower_.strip(".")
    return w in NAME_TITLES or ("-" in w and w.split("-")[-1] in NAME_TITLES)


#: The words of government portfolios ("Minister of Public Works and Transport", "of Foreign Affairs").
PORTFOLIO_WORDS = {
    "energy", "finance", "health", "transport", "transportation", "agriculture", "trade", "industry", "industries",
    "commerce", "education", "defence", "defense", "justice", "interior", "labour", "labor", "environment",
    "tourism", "culture", "foreign", "affairs", "economy", "economic", "planning", "development", "mines",
    "minerals", "mining", "petroleum", "oil", "gas", "water", "resources", "natural", "fisheries", "marine",
    "public", "works", "infrastructure", "communications", "information", "technology", "science", "innovation",
    "investment", "youth", "sports", "sport", "social", "welfare", "housing", "urban", "rural", "land", "lands",
    "forestry", "budget", "treasury", "security", "home", "digital", "telecommunications", "power",
    "electricity", "higher", "research", "aviation", "maritime", "ports", "roads", "highways", "railways",
    "cooperation", "international", "relations", "local", "employment", "family", "women", "children", "gender",
    "food", "climate", "urbanism", "equipment"}


def _titled_names(doc, lo: int, hi: int) -> list:
    """Names the model did not tag that a title stands right before: "Vice-Chancellor Professor Johannes du
    Plessis", "Acme founder Lindiwe Mahlangu-Dlamini" (two to four capitalised words, with the
    lower-case particles and hyphens of names, and no organisation's head word or legal form)."""
    out = []
    i = lo
    while i < hi:
        if not _is_title_word(doc[i]):
            i += 1
            continue
        j = i + 1
        while j < hi and _is_title_word(doc[j]):
            j += 1
        if j + 1 < hi and doc[j].lower_ in ("of", "for") and doc[j + 1].lower_ in PORTFOLIO_WORDS:
            # "Minister of Energy and Minerals Hamood bin Saif al-Maskari": a government portfolio, then the name
            j += 1
            while j < hi and (doc[j].lower_ in PORTFOLIO_WORDS or (doc[j].lower_ in ("and", ",", "the", "&") and
                                                                  j + 1 < hi and doc[j + 1].lower_ in PORTFOLIO_WORDS)):
                j += 1
        k, words = j, 0
        while k < hi:
            t = doc[k]
            if t.text[:1].isupper() and t.is_alpha and not _is_title_word(t):
                words += 1
            elif t.lower_ in NAME_PARTICLES and words and any(
                    doc[x].text[:1].isupper() for x in range(k + 1, min(k + 3, hi))) and \
                    all(doc[x].lower_ in NAME_PARTICLES for x in range(k + 1, k + 1 + next(
                        (d for d in range(0, 2) if k + 1 + d < hi and doc[k + 1 + d].text[:1].isupper()), 0))):
                pass  # "van der Berg"
            elif t.text == "-" and words and not doc[k - 1].whitespace_ and not t.whitespace_:
                pass
            else:
                break
            k += 1
        if 2 <= words <= 4 and doc[k - 1].text[:1].isupper() and \
                doc[k - 1].lower_ not in NAME_HEADS and not LEGAL_FORM_RE.search(doc[k - 1].text) and \
                not any(doc[x].ent_type_ in ("GPE", "DATE", "NORP") for x in range(j, k)) and \
                (k >= hi or doc[k].text not in ("'s", "’s")):
            out.append(doc[j:k])
        i = max(k, i + 1)
    return out


def _describe(doc, person, lo_bound: int, hi_bound: int, stops: set[int] | None = None
              ) -> tuple[str | None, str | None]:
    """(title, organization) for the name ``person`` (a Span) from the words around it.

    An appositive after it ("X, Vice President of Y,") or words before it in the
    same phrase ("Acme chief executive X").
    """
    title = org = None
    stops = stops if stops is not None else {t for e in _person_spans(doc, lo_bound, hi_bound)
                                             for t in range(e.start, e.end)}
    i = person.end
    if i < hi_bound and doc[i].text == ",":
        desc_lo = i + 1
        desc_hi = _desc_end(doc, desc_lo, hi_bound, stops)
        first = doc[desc_lo] if desc_hi > desc_lo else None
        if first is not None and (first.lower_ in ROLE_WORDS or first.lower_ in DETERMINERS or
                                  (first.pos_ in ("PROPN", "NOUN", "ADJ") and first.ent_type_ not in
                                   ("DATE", "TIME", "GPE", "CARDINAL"))) and not _speaker(doc, desc_lo, desc_hi):
            title, org = _split_title(doc, desc_lo, desc_hi)
    if title is None and org is None:
        title, org = _role_before_comma(doc, person, lo_bound)
    if title is None and org is None:
        # words before the name in the same noun phrase
        root = person.root
        lefts = [t for t in doc[max(lo_bound, 0):person.start] if root in t.ancestors and t.head.i >= person.start]
        if lefts:
            lo = min(list(t.subtree)[0].i for t in lefts)
            lo = max(lo, lo_bound)
            pre = doc[lo:person.start]
            ents = [e for e in pre.ents if e.label_ in ORG_LABELS and not _only_titles(e)]
            if ents:
                org = _clean(ents[-1].text.replace("'s", "").replace("’s", ""))
                rest = [t.text for t in pre if not any(e.start <= t.i < e.end for e in ents) and t.tag_ != "POS"]
                title = _clean(" ".join(rest))
            else:
                toks = [t for t in pre if t.tag_ != "POS"]
                k = 0
                while k < len(toks) and toks[k].tag_ == "NNP" and toks[k].lower_ not in ROLE_WORDS and \
                        toks[k].lower_ not in TITLE_PREFIX and not _is_title_word(toks[k]):
                    k += 1
                if 0 < k < len(toks):
                    org = _clean(" ".join(t.text for t in toks[:k]))
                    title = _clean(" ".join(t.text for t in toks[k:]))
                else:
                    title = _clean(pre.text)
    if title is None and org is None:
        title = _titles_before(doc, person, lo_bound)
    return _without_address(title), org


#: Forms of address that end a title before the name ("Vice-Chancellor Prof. A B"): not the role itself.
ADDRESS_WORDS = HONORIFICS | {"mr", "mrs", "ms", "dr", "prof", "professor", "madam"}


def _without_address(title: str | None) -> str | None:
    """"Vice-Chancellor Prof." -> "Vice-Chancellor", "Dean of the School of Nursing, Prof." -> "Dean of the
    School of Nursing"; a title that is only a form of address ("Dr") stays."""
    if not title:
        return title
    words = title.split()
    while len(words) > 1 and words[-1].lower().strip(".,") in ADDRESS_WORDS:
        words.pop()
    return " ".join(words).rstrip(",") or title


def _speaker(doc, lo: int, hi: int) -> bool:
    """", the spokesperson said": the words after the comma are the subject of a verb outside them (who
    said it), not a description of the name before the comma."""
    top = next((doc[t] for t in range(lo, hi) if not lo <= doc[t].head.i < hi and not doc[t].is_punct), None)
    return top is not None and top.dep_ in ("nsubj", "nsubjpass") and top.tag_ not in ("WP", "WDT")


def _only_titles(span) -> bool:
    """"Vice-Chancellor Prof." tagged as an organisation: title words only."""
    return all(_is_title_word(t) or t.lower_.strip(".") in TITLE_PREFIX for t in span if not t.is_punct)


def _role_before_comma(doc, person, lo_bound: int) -> tuple[str | None, str | None]:
    """"its director, A B", "Acme Hospital's chief executive, A B", "a joint secretary in the state
    agriculture department, A B": the name is an appositive of the role noun before it."""
    root = person.root
    head = root.head
    if root.dep_ != "appos" or not lo_bound <= head.i < person.start - 1 or doc[person.start - 1].text != "," or \
            not (head.lower_ in ROLE_WORDS or _is_title_word(head)):
        return None, None
    lo = head.i  # the modifiers right before the role noun ("chief", "joint"), no name among them
    while lo - 1 >= lo_bound and doc[lo - 1].dep_ in ("amod", "compound") and doc[lo - 1].ent_type_ != "PERSON" \
            and doc[lo - 1].tag_ != "POS":
        lo -= 1
    title = _clean(_span_text(doc, lo, head.i + 1))
    org = None
    if lo - 2 >= lo_bound and doc[lo - 1].tag_ == "POS":  # "Acme Hospital's chief executive"
        owner = doc[lo - 2]
        ent = next((e for e in doc.ents if e.start <= owner.i < e.end and e.label_ in ORG_LABELS), None)
        if ent is not None:
            org = _clean(_span_text(doc, max(ent.start, lo_bound), owner.i + 1))
        elif owner.pos_ == "PROPN":
            org = _clean(owner.text)
    else:
        for prep in head.rights:
            if prep.dep_ == "prep" and prep.lower_ in ("of", "at", "in", "from") and prep.i < person.start:
                pobj = [g for g in prep.children if g.dep_ == "pobj"]
                if pobj:
                    sub = list(pobj[0].subtree)
                    a = sub[0].i + (1 if sub[0].lower_ in DETERMINERS else 0)
                    if sub[-1].i < person.start:
                        org = _clean(_span_text(doc, a, sub[-1].i + 1))
                break
    return title, org


def _titles_before(doc, person, lo_bound: int) -> str | None:
    """"Vice-Chancellor Prof. A B": the title words right before the name (a form of address at their end,
    "Prof.", left out when another title word comes before it)."""
    i = person.start
    while i > lo_bound and (_is_title_word(doc[i - 1]) or doc[i - 1].lower_.strip(".") in TITLE_PREFIX):
        i -= 1
    words = list(doc[i:person.start])
    if not any(t.lower_ in ROLE_WORDS or (_is_title_word(t) and t.lower_.strip(".") not in ADDRESS_WORDS)
               for t in words):
        return None  # forms of address only ("Prof. Dr")
    return _clean(_span_text(doc, words[0].i, words[-1].i + 1))  # _describe drops the address at its end


def _split_title(doc, lo: int, hi: int) -> tuple[str | None, str | None]:
    """"Vice President of Acme University" → ("Vice President", "Acme University")."""
    last = hi - 1
    while last > lo and doc[last].is_punct:
        last -= 1
    tok = doc[last]
    # climb to the pobj whose subtree ends at the end of the descriptor
    cur = tok
    while cur.head.i != cur.i and cur.dep_ not in ("pobj",) and lo <= cur.head.i < hi:
        cur = cur.head
    if cur.dep_ == "pobj" and cur.head.lower_ in {"of", "at", "from", "for"} and lo < cur.head.i < hi:
        sub = [t for t in cur.subtree if lo <= t.i < hi]
        org_lo = min(t.i for t in sub)
        if org_lo == cur.head.i + 1 and (cur.pos_ == "PROPN" or cur.ent_type_ in ORG_LABELS):
            return _clean(_span_text(doc, lo, cur.head.i)), _clean(_span_text(doc, org_lo, last + 1))
    ents = _ents_in(doc, lo, hi, ORG_LABELS)
    if ents and ents[-1].end >= last + 1 and ents[-1].start > lo:
        e = ents[-1]
        before = doc[lo:e.start]
        t = [x.text for x in before]
        while t and t[-1].lower() in {"of", "at", "from", "for", ","}:
            t.pop()
        return _clean(" ".join(t)), _clean(e.text)
    return _clean(_span_text(doc, lo, hi)), None


#: Words inside Malay, Tamil and Arabic names: "Ravindran a/l Subramaniam", "Azlan bin Harun".
LINK_WORDS = (("a", "/", "l"), ("a", "/", "p"), ("s", "/", "o"), ("d", "/", "o"), ("bin",), ("binti",), ("bte",),
              ("bt",), ("ibn",))


def _whole_name(doc, ent, hi: int):
    """The name with the rest of a double-barrelled surname the model left out ("Katarzyna Wróbel" of
    "Katarzyna Wróbel-Zielińska"), or the part after "a/l" or "bin" ("Ravindran a/l Subramaniam"); the
    name after forms of address the model tagged alone ("Datuk Haji" + "Azman Bujang"), or before the
    part it tagged after them ("Tan Sri" + "Lau" + "Kiong Hua")."""
    start, end = ent.start, ent.end
    if all(t.lower_.strip(".'’") in ADDRESS_TOKENS for t in ent):
        while end < hi and end - ent.end < 4 and doc[end].text[:1].isupper() and doc[end].is_alpha and \
                doc[end].lower_ not in ADDRESS_TOKENS and not _is_title_word(doc[end]):
            end += 1
        if end == ent.end:
            return ent
        start = ent.end  # the name, without its forms of address
    else:
        k = start
        while k > 0 and start - k < 2 and doc[k - 1].text[:1].isupper() and doc[k - 1].is_alpha and \
                doc[k - 1].lower_ not in ADDRESS_TOKENS and not _is_title_word(doc[k - 1]) and \
                doc[k - 1].ent_type_ in ("", "PERSON"):
            k -= 1
        if k < start and k > 0 and doc[k - 1].lower_.strip(".'’") in ADDRESS_TOKENS:
            start = k
    if (start, end) != (ent.start, ent.end):
        ent = doc[start:end]
    while end + 1 < hi and doc[end].text == "-" and not doc[end - 1].whitespace_ and not doc[end].whitespace_ \
            and doc[end + 1].text[:1].isupper():
        end += 2
    for link in LINK_WORDS:
        n = len(link)
        if end + n < hi and tuple(t.lower_ for t in doc[end:end + n]) == link and doc[end + n].text[:1].isupper():
            end += n
            while end < hi and doc[end].text[:1].isupper() and doc[end].is_alpha:
                end += 1
            break
    # "... bin Saif al-Maskari": an Arabic article joined to the surname
    while end + 2 < hi and doc[end].lower_ in ("al", "el") and doc[end + 1].text == "-" and \
            doc[end + 2].text[:1].isupper() and not doc[end].whitespace_:
        end += 3
    return doc[ent.start:end] if end != ent.end else ent


#: The words of forms of address written before a name ("Datuk Haji", "Tan Sri", "YB Puan").
ADDRESS_TOKENS = {w for h in HONORIFICS for w in h.split()} | {"tan", "sri", "seri", "puan", "encik", "tuan", "toh",
                                                               "tengku", "tunku", "yb", "datin", "dr", "prof",
                                                               "mr", "mrs", "ms"}


def _person_like(name: str) -> bool:
    """Whether a name is shaped as a person's: two to four capitalised words, none of them one that
    organisations' names have (a head word, a legal form, "of", "and") or a title ("Vice-Chancellor Prof.")."""
    words = name.split()
    return 2 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(
        w.lower().strip(".,") in NAME_HEADS | ORG_DESCRIPTORS | COMPANY_WORDS | ADDRESS_TOKENS or
        LEGAL_FORM_RE.fullmatch(w) or any(x in ROLE_WORDS | TITLE_PREFIX for x in w.lower().strip(".,").split("-"))
        for w in words)


def _people_in(doc, lo: int, hi: int) -> tuple[list[Signatory], list[tuple[int, int]]]:
    """Named people in doc[lo:hi] with titles, and the token ranges they and their titles cover.

    "Ana Ruiz of Veltra Bank" gives Veltra Bank as her organisation; a "name" inside another person's
    description ("Yawovi Tchalla, Minister of Water of Togo", "Ingrid Castellanos, Fenwick Agritech's
    founder") is part of that description, not a second person."""
    spans = list({(e.start, e.end): e for e in (_whole_name(doc, e, hi) for e in _person_spans(doc, lo, hi))}.values())
    spans = [e for e in spans if not any(o is not e and o.start <= e.start and e.end <= o.end and
                                         (o.start, o.end) != (e.start, e.end) for o in spans)]
    # "at the Eastern Straits Hotel in George Town": a "name" after "in" or "at" is a place; so is one after
    # a title's "of" that the person's name follows ("the Mayor of Teluk Berlian, Datuk Rosli ...")
    starts = {e.start for e in spans}
    spans = [e for e in spans if not (e.start > lo and doc[e.start - 1].lower_ in ("in", "at", "near"))
             and not (e.start - 1 > lo and doc[e.start - 1].lower_ == "of" and _is_title_word(doc[e.start - 2])
                      and e.end + 1 < hi and doc[e.end].text == "," and e.end + 1 in starts)]
    stops = {t for e in spans for t in range(e.start, e.end)}
    items = []
    for ent in spans:
        name = _clean(ent.text)
        if name and ent.start > lo and name.split()[0] in ("Seri", "Sri") and len(name.split()) > 2 and \
                doc[ent.start - 1].lower_.strip("'’.") in HONORIFICS:
            name = name.split(" ", 1)[1]  # "Datuk Seri A B": the second word of the form of address
        if not name or name.lower() in STOP or name.endswith(("'s", "’s")):
            continue
        if name.lower().strip(".") in TITLE_PREFIX | HONORIFICS:
            continue  # "the Minister ..., Hon.": a form of address, not a name
        if ent.end - ent.start == 1 and ent.end < len(doc) and doc[ent.end].lower_ in ROLE_WORDS and \
                doc[ent.end].text[:1].islower():
            continue  # "his Tajik counterpart, B": a word that describes the role
        if ent.end - ent.start == 1 and ent.start > 0 and doc[ent.start - 1].pos_ == "PROPN" and \
                doc[ent.start - 1].text[:1].isupper() and not doc[ent.start - 1].ent_type_ == "PERSON":
            continue
        title, org = _describe(doc, ent, lo, hi, stops)
        rng = None
        if ent.end + 1 < hi and doc[ent.end].text == "," and doc[ent.end + 1].lower_ in ("and", "while"):
            pass  # "A, and Finance Minister B": what follows the comma is the next person, not A's title
        elif ent.end < hi and doc[ent.end].text == ",":
            end = _desc_end(doc, ent.end + 1, hi, stops) + 1
            if end - 1 in stops and end - 2 > ent.end and doc[end - 2].lower_ in ("and", "by"):
                end -= 1  # "A, and by B": B's name is no part of A's title
            rng = (ent.end, end)
        elif ent.end + 1 < hi and doc[ent.end].lower_ in ("of", "from"):
            pobj = [g for g in doc[ent.end].children if g.dep_ == "pobj"]
            if pobj and (pobj[0].pos_ == "PROPN" or pobj[0].ent_type_ in ORG_LABELS):
                a, b = _np_bounds(pobj[0])
                a = max(a, ent.end + 1)
                if doc[a].lower_ in DETERMINERS:
                    a += 1
                if b <= hi and a < b:
                    org = org or _clean(_span_text(doc, a, b))
                    rng = (ent.end, b)
        items.append((ent, Signatory(name=name, title=title, organization=org), rng))
    out, covered = [], []
    for ent, sig, rng in items:
        if any(r is not None and r is not rng and r[0] <= ent.start < r[1] for _, _, r in items):
            continue
        out.append(sig)
        covered.append((ent.start, ent.end))
        if rng:
            covered.append(rng)
    return out, covered


def _inside(tok, spans) -> bool:
    return any(a <= tok.i < b for a, b in spans)


# ----------------------------------------------------------------------------------------------
# one sentence → mentions

#: Verbs that make a signing under them one that has not happened ("hoped to sign", "plans to sign").
INTENT_VERBS = {"hope", "plan", "want", "expect", "aim", "seek", "intend", "fail", "refuse", "try", "wish",
                "prepare", "agree", "propose", "consider", "decline", "threaten", "promise", "offer"}
#: Nouns a signing hangs on that make it one not done ("plans for X to sign", "talks to sign").
PLAN_NOUNS = {"plan", "plans", "proposal", "proposals", "hope", "hopes", "bid", "bids", "attempt", "attempts",
              "talks", "negotiations", "offer", "offers", "intention", "deadline", "push", "effort", "efforts"}
#: "put their signatures to", "set their names to": a signing said without the verb "sign".
SIGNATURE_NOUNS = {"signature", "signatures", "name", "names", "pen"}


def _intent_form(word: str) -> bool:
    """Whether ``word`` is a form of one of :data:`INTENT_VERBS` ("hoped", "plans", "planning", "tried";
    the rule lemmatizer gives "hop" for "hoped")."""
    for v in INTENT_VERBS:
        stem = v[:-1] if v[-1] in "ey" else v
        forms = {v, v + "s", v + "d", v + "ed", stem + "ing", v + "ing", v + v[-1] + "ed", v + v[-1] + "ing"}
        if v.endswith("y"):
            forms |= {stem + "ied", stem + "ies"}
        if word in forms:
            return True
    return False


def _unreal(verb) -> bool:
    """A signing that is denied, only planned or possible: "No agreement has been signed", "did not
    sign", "hoped to sign", "will sign", "could sign"."""
    if any(c.dep_ == "neg" for c in verb.children):
        return True
    if any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("neither", "none", "nobody", "nor") for c in verb.children):
        return True  # "Neither signed the document"
    if any(c.dep_ in ("aux",) and c.lower_ in ("will", "would", "could", "may", "might", "should", "shall", "must",
                                               "'ll") for c in verb.children):
        return True
    for c in verb.children:  # "no agreement", "no deal"
        if c.dep_ in ("nsubjpass", "dobj", "nsubj") and any(d.lower_ == "no" for d in c.children if d.dep_ == "det"):
            return True
    if verb.dep_ == "xcomp" and (lemma(verb.head) in INTENT_VERBS or _intent_form(verb.head.lower_)):
        return True
    if verb.dep_ == "xcomp" and verb.head.lower_ in ("expected", "due", "set", "likely", "scheduled"):
        return True
    if verb.dep_ in ("acl", "relcl", "advcl") and verb.head.lower_ in PLAN_NOUNS:
        return True
    if verb.dep_ == "xcomp" and (any(c.dep_ == "neg" for c in verb.head.children) or
                                 (lemma(verb.head) == "go" and verb.head.tag_ == "VBG")):
        return True  # "we are not going to put our names to it", "they are going to sign"
    if verb.dep_ in ("xcomp", "dobj", "ccomp", "pcomp") and _calls_off(verb.head):
        return True  # "Karoo postpones signing of the deal"
    if verb.dep_ in ("acl", "relcl") and verb.head.dep_ in ("nsubj", "nsubjpass", "dobj") and \
            _calls_off(verb.head.head):
        return True  # "A ceremony to sign a new collective agreement ... was cancelled"
    if verb.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in ("before", "until", "if", "unless", "once")
                                    for c in verb.children):
        return True  # "we want to answer them before we put pen to paper"
    return False


def _exchanged_signed(tok) -> bool:
    """"A and B exchanged signed copies of the contract": the exchange is the signing."""
    return tok.lower_ in ("exchanged", "exchange", "exchanges", "exchanging") and any(
        c.dep_ in ("dobj", "obj") and any(a.lower_ == "signed" for a in c.children if a.dep_ in ("amod", "compound"))
        for c in tok.children)


def _signature_verb(tok) -> bool:
    """ "put their signatures to the contract": a verb whose object is "signatures"/"names" and that
    says what they were put to."""
    if not (tok.pos_ == "VERB" or tok.tag_.startswith("VB")):
        return False
    if _exchanged_signed(tok):
        return True
    objs = [c for c in tok.children if c.dep_ in ("dobj", "obj") and c.lower_ in SIGNATURE_NOUNS]
    if any(o.lower_ == "pen" for o in objs) and tok.lower_ not in ("put", "puts", "putting", "set", "sets"):
        return False
    if not objs:
        return False
    # "to"/"on" attached to the verb or to "signatures"
    preps = list(tok.children) + [g for o in objs for g in o.children]
    return any(c.dep_ == "prep" and c.lower_ in ("to", "on") for c in preps)


def _triggers(doc, after_signing: bool = False):
    """(token, kind) for every word that reports a signing; kind is 'verb' or 'noun'. Denied or only
    planned signings ("No agreement has been signed", "hoped to sign") are none."""
    return [(tok, kind) for tok, kind in _all_triggers(doc, after_signing)
            if not (_unreal(tok) if kind == "verb" else _called_off(tok))]


#: Verbs that say a signing did not take place when it was due ("postponed the signing of ...").
CALL_OFF_VERBS = {"postpone", "delay", "defer", "cancel", "suspend", "scrap", "shelve", "halt", "call", "put"}


def _calls_off(verb) -> bool:
    """"postponed", "was cancelled", "called off", "put off" (not "called it a milestone")."""
    lem = lemma(verb) or verb.lower_
    if lem in ("call", "put"):
        return any(c.dep_ == "prt" and c.lower_ in ("off", "back") for c in verb.children)
    return lem in CALL_OFF_VERBS


def _called_off(noun) -> bool:
    """"X has postponed the signing of its acquisition agreement", "X postpones signing of Y deal": a
    signing (the noun) that a postponing or cancelling verb governs."""
    head = noun.head if noun.dep_ in ("compound", "amod", "nmod") else noun
    return head.dep_ in ("dobj", "nsubjpass", "pobj", "nsubj") and head.head.pos_ in ("VERB", "AUX") and \
        (_calls_off(head.head) or (head.dep_ == "nsubjpass" and lemma(head.head) in ("schedule", "plan")))


#: Subjects of "X was represented by A" that make A a signatory in a sentence that reports no signing
#: itself ("The Polish side was represented by Deputy Minister A").
SIDE_WORDS = {"side", "sides", "party", "parties", "delegation", "government"}


def _represented(tok) -> bool:
    """"... while the fund was represented by its managing director, A": a passive "represented" whose
    "by" names a person."""
    if tok.lower_ != "represented" or not (any(c.dep_ == "auxpass" for c in tok.children) or tok.dep_ == "acl"):
        return False  # "X was represented by", "with X represented by"
    by = next((c for c in tok.children if c.dep_ == "agent"), None)
    return by is not None and any(x.ent_type_ == "PERSON" for x in tok.doc[by.i + 1:_agent_end(tok.doc, by.i)])


def _lost_object(verb):
    """"X and Y concluded on Wednesday a new collective agreement that ...": the object the parser lost
    behind a date (the agreement word before the clause ends), for a main verb without one; else None."""
    if verb.dep_ != "ROOT" or verb.lower_ not in OBJECT_VERBS or \
            any(c.dep_ in ("dobj", "nsubjpass", "obj") for c in verb.children):
        return None
    for t in verb.doc[verb.i + 1:verb.i + 10]:
        if t.text in (",", ";", ".", ":") or (t.tag_.startswith("VB") and t.i > verb.i + 1):
            return None
        if t.lower_ in AGREEMENT_NOUNS:
            return t
    return None


def _all_triggers(doc, after_signing: bool = False):
    out = []
    represented = []
    for tok in doc:
        if _represented(tok):
            represented.append(tok)
            continue
        if _signature_verb(tok):
            out.append((tok, "verb"))
            continue
        low = tok.lower_
        if low in SIGN_VERBS or (lemma(tok) and lemma(tok).lower() in {"sign", "countersign", "cosign"}):
            if tok.tag_.startswith("VB") or tok.pos_ == "VERB":
                if any(c.dep_ == "prt" for c in tok.children):
                    continue  # "signed up", "signed off"
                obj = _agreement_of_verb(tok)
                if obj is not None and obj.pos_ == "NOUN" and obj.lower_ not in SIGNED_NOUNS and \
                        obj.ent_type_ not in ("LAW", "WORK_OF_ART") and \
                        not any(c.lower_ in AGREEMENT_NOUNS for c in obj.children if c.dep_ == "compound"):
                    continue  # "signed the guest book", "signed autographs"
                out.append((tok, "verb"))
            elif tok.tag_.startswith("NN") or tok.pos_ in ("NOUN", "PROPN", "ADJ"):
                out.append((tok, "noun"))
        elif low in OBJECT_VERBS and tok.tag_.startswith("VB"):
            objs = [c for c in tok.children if c.dep_ in ("dobj", "nsubjpass", "obj")]
            for c in tok.children:
                if c.dep_ == "prep" and c.lower_ == "into":
                    objs += [g for g in c.children if g.dep_ == "pobj"]
            if tok.dep_ in ("acl", "relcl") and tok.head.pos_ in ("NOUN", "PROPN"):
                objs.append(tok.head)
            lost = None if objs else _lost_object(tok)
            if lost is not None:
                objs.append(lost)
            if any(o.lower_ in AGREEMENT_NOUNS or _of_agreement(o) for o in objs):
                out.append((tok, "verb"))
    signing = bool(out)
    for tok in represented:  # who signed for the other side, in a sentence that reports the signing or alone
        subj = [c for c in tok.children if c.dep_ == "nsubjpass"] + ([tok.head] if tok.dep_ == "acl" else [])
        if signing or after_signing or any(c.lower_ in SIDE_WORDS for c in subj):
            out.append((tok, "verb"))
    return out


def _of_agreement(tok) -> bool:
    """"heads of agreement", "terms of agreement": a noun whose "of" names an agreement."""
    return any(c.dep_ == "prep" and c.lower_ == "of" and any(g.dep_ == "pobj" and g.lower_ in AGREEMENT_NOUNS
                                                              for g in c.children) for c in tok.children)


def _agreement_of_verb(verb):
    if _exchanged_signed(verb):  # "exchanged signed copies of the contract": what they are copies of
        for c in verb.children:
            if c.dep_ in ("dobj", "obj"):
                for p in c.children:
                    if p.dep_ == "prep" and p.lower_ == "of":
                        pobj = [g for g in p.children if g.dep_ == "pobj"]
                        if pobj:
                            return pobj[0]
    if _signature_verb(verb):  # "put their signatures to the contract": what follows "to"
        preps = list(verb.children) + [g for c in verb.children if c.dep_ in ("dobj", "obj") for g in c.children]
        for h in preps:
            if h.dep_ == "prep" and h.lower_ in ("to", "on"):
                pobj = [g for g in h.children if g.dep_ == "pobj" and g.lower_ != "paper"]  # "pen to paper"
                if pobj and pobj[0].ent_type_ not in ("DATE", "TIME"):
                    return pobj[0]
    passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children)
    cands = []
    for c in verb.children:
        if c.dep_ in ("dobj", "obj") or (passive and c.dep_ == "nsubjpass"):
            cands.append(c)
        if c.dep_ == "prep" and c.lower_ == "into":
            cands += [g for g in c.children if g.dep_ == "pobj"]
    if verb.dep_ in ("acl", "relcl") and verb.head.pos_ in ("NOUN", "PROPN") and \
            not (verb.dep_ == "acl" and not passive and _is_person(verb.head)):  # "His counterpart, ..., signed"
        cands.append(verb.head)
    for c in cands:
        if c.pos_ in ("NOUN", "PROPN") and c.lower_ not in ("it", "that", "which"):
            return c
    return cands[0] if cands else None


def _is_person(tok) -> bool:
    """A person's name or a title word ("Minister", "Achucarro")."""
    return tok.ent_type_ == "PERSON" or tok.lower_ in ROLE_WORDS or bool(lemma(tok)) and lemma(tok).lower() in ROLE_WORDS


def _subjects_of(verb):
    """Subject heads (active) or agent heads (passive) of a signing verb, following conjoined verbs."""
    # "was initialled page by page and signed by A": a verb with its own "by" shares the passive of the
    # verb it is joined to
    passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children) or \
        (verb.tag_ == "VBN" and verb.dep_ in ("conj", "advcl") and any(c.dep_ == "agent" for c in verb.children))
    if verb.dep_ == "acl" and not passive and _is_person(verb.head):
        # "Paraguay's Minister of Agriculture, Dr. R. Benitez, signed for his government": the parser
        # made the verb a clause of the person
        return [verb.head], False
    if passive or verb.dep_ == "acl":
        for c in verb.children:
            if c.dep_ == "agent":
                return [g for g in c.children if g.dep_ == "pobj"], True
        # "signed at the bank's office by the lender's president, A, and B": the parser hung the "by" on
        # the place; a "by" of the verb's own clause that names a person is the agent
        for t in verb.subtree:
            if t.dep_ == "prep" and t.lower_ == "by" and _clause_verb(t) == verb:
                heads = [g for g in t.children if g.dep_ == "pobj"]
                if heads and any(x.ent_type_ == "PERSON" or x.lower_ in ROLE_WORDS
                                 for h in heads for x in h.subtree):
                    return heads, True
        return [], True
    if verb.dep_ == "csubj" and lemma(verb.head).lower() == "be":
        # "Signing for the town was Mayor A": the one it was
        attrs = [c for c in verb.head.children if c.dep_ == "attr"]
        if attrs:
            return attrs, False
    cur = verb
    for _ in range(4):
        subj = [c for c in cur.children if c.dep_ in ("nsubj", "csubj")]
        if subj:
            return subj, False
        if cur.dep_ in ("conj", "xcomp", "advcl") and cur.head.i != cur.i:
            cur = cur.head
            continue
        break
    return [], False


def _purpose(tok) -> str | None:
    """ "to cooperate on X" attached to the agreement or the verb, shortened."""
    for c in tok.children:
        if c.dep_ in ("acl", "advcl", "relcl") and any(a.lower_ == "to" and a.dep_ == "aux" for a in c.children):
            words = [t.text for t in c.subtree]
            text = " ".join(words[:16]) + (" ..." if len(words) > 16 else "")
            return _clean(text.replace(" ,", ",").replace(" - ", "-"))
    return None


def _parties_from_preps(tok) -> list:
    """Heads after "with"/"between"/"among" attached to ``tok``."""
    heads = []
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ in ("with", "between", "among", "amongst"):
            for g in c.children:
                if g.dep_ == "pobj":
                    heads.extend(_conj_chain(g))
    return heads


def _signed_for(verb) -> list:
    """"The document was signed for X by A, and for Y by B": the names after each "for" of a signing verb
    that also has its signer ("by"), when the name is an organisation's (not "for three years")."""
    if not any(c.dep_ == "agent" for c in verb.children):
        return []
    heads = []
    for c in verb.children:
        if c.lower_ == "for" and c.dep_ in ("prep", "conj"):
            heads += [g for g in c.children if g.dep_ == "pobj" and
                      (g.ent_type_ in ORG_LABELS or (g.pos_ == "PROPN" and g.ent_type_ != "DATE"))]
    return heads


def _between_names(prep) -> list[str]:
    """"between St Brigid's University Hospital and Acme Services Ltd": the two names of the words after
    "between", split at the "and" where both sides end as an organisation's name does (a head word such
    as "Hospital", a legal form or the end of an organisation entity), whatever the parse made of them."""
    doc = prep.doc
    k = prep.i + 1
    while k < len(doc) and (doc[k].text[:1].isupper() or doc[k].lower_ in ("and", "&", "of", "the", "'s", "’s")
                            or doc[k].lower_ in NAME_PARTICLES or (doc[k].text == "-" and not doc[k].whitespace_)):
        k += 1
    toks = doc[prep.i + 1:k]

    def org_end(t) -> bool:
        return t.lower_.strip(".") in NAME_HEADS or bool(LEGAL_FORM_RE.search(t.text)) or \
            (t.ent_type_ in ORG_LABELS and (t.i + 1 >= len(doc) or doc[t.i + 1].ent_iob_ != "I"))

    splits = [t.i for t in toks if t.lower_ == "and" and prep.i + 1 < t.i < k - 1 and org_end(doc[t.i - 1])
              and doc[t.i + 1].text[:1].isupper() and org_end(doc[k - 1])]
    if len(splits) != 1:
        return []
    names = [_clean(_span_text(doc, prep.i + 1, splits[0])), _clean(_span_text(doc, splits[0] + 1, k))]
    return [n for n in names if n] if all(names) else []


def _party_name(tok, any_entity: bool = False) -> str | None:
    """The name of a party headed by ``tok``: its noun phrase, without the description before a proper
    name ("struggling carmaker Veltra" -> "Veltra"); None for a pronoun, a person, a date or a number
    (``any_entity``: also when the parser took the organisation for a person)."""
    if tok.pos_ == "PRON" or tok.lower_ in PLACEHOLDER_WORDS:
        return None
    if tok.i >= 2 and tok.doc[tok.i - 1].text == "(" and _is_title_word(tok.doc[tok.i - 2]):
        return None  # "Director (Operations) A": part of a title
    whole = next((e for e in tok.doc.ents if e.start <= tok.i < e.end and e.label_ in ("ORG",)
                  and any(t.lower_ == "and" for t in e) and e[0].text[:1].isupper()
                  and not any(t.lower_ == "and" and t.i + 1 < e.end and t.nbor().lower_ in DETERMINERS
                              for t in e)  # "A and the B" is two
                  and not any(t.lower_ == "and" and _two_names(e, t.i) for t in e)), None)
    if whole is not None:  # the parser split one organisation's name at its "and"
        if whole[-1].lower_ == "of":  # "The Ministry of Education and Human Development of" + "the Republic ..."
            return _clean(_span_text(tok.doc, whole.start, _of_tail(tok.doc, whole.end - 1)))
        return _clean(whole.text)
    if tok.ent_type_ in ("DATE", "TIME", "MONEY", "CARDINAL", "PERCENT") or \
            (tok.ent_type_ == "PERSON" and not any_entity):
        return None
    legal = next((e for e in tok.doc.ents if e.start <= tok.i < e.end and e.label_ == "ORG"
                  and LEGAL_FORM_RE.search(e[-1].text)), None)
    if legal is not None:  # "... company Acme Biologicals Limited for the supply of ...": the name ends there
        return _clean(legal.text)
    if tok.pos_ == "NOUN" and tok.text[:1].islower():  # "Scandinavian carrier SkyNord": the name in apposition
        named = [c for c in tok.children if c.dep_ == "appos" and (c.pos_ == "PROPN" or c.ent_type_ in ORG_LABELS)]
        if named:
            return _party_name(named[0], any_entity)
    lo, hi = _np_bounds(tok)
    hi = next((t.i for t in tok.doc[tok.i + 1:hi] if t.lower_ == "by"), hi)  # "for Acme by its chief executive, A"
    if tok.pos_ == "NOUN" and tok.text[:1].islower() and any(t.ent_type_ == "NORP" for t in tok.doc[lo:hi]) and \
            all(t.ent_type_ == "NORP" or not t.text[:1].isupper() for t in tok.doc[lo:hi]):
        return None  # "Senegalese developer", "a Korean battery maker": who it is, not a name
    dashes = [t.i for t in tok.doc[lo:hi] if t.i < hi - 1 and (t.text in ("—", "–", "--") or (
        t.text == "-" and t.whitespace_ and t.i > 0 and tok.doc[t.i - 1].whitespace_))]
    if dashes:  # "NAIROBI, March 3, 2025 — Kenya and Japan": the dateline is no part of the name
        lo = dashes[-1] + 1
        if tok.i < lo:
            return None
    if tok.pos_ == "PROPN":
        # "the struggling carmaker Veltra", "sportswear maker Altura Sports": the name only (what follows
        # the last lower-case word before the head)
        lower = [t.i for t in tok.doc[lo:tok.i] if t.text[:1].islower() and t.pos_ in ("NOUN", "ADJ", "VERB")]
        if lower:
            lo = lower[-1] + 1
        # "Kyrgyz flour miller Ala-Too Grain Mills" where "miller" was tagged as a name: the description's
        # last lower-case word before the capitalised name
        while lo < tok.i and tok.doc[lo].text[:1].islower() and tok.doc[lo].lower_ not in DETERMINERS and \
                tok.doc[lo].lower_ not in NAME_PARTICLES and tok.doc[lo + 1].text[:1].isupper():
            lo += 1
    return _clean(_span_text(tok.doc, lo, _name_end(tok.doc, lo, hi)))


#: Words that head an organisation's name: after "and", they start another organisation ("... and
#: Songlan University"), where other capitalised words go on the one before ("University of Science and
#: Technology").
NAME_HEADS = {"ministry", "university", "company", "corporation", "corp", "group", "bank", "institute", "council",
              "government", "department", "agency", "authority", "association", "club", "society", "ltd", "inc",
              "co", "plc", "llc", "limited", "foundation", "school", "college", "commission", "fund", "board",
              "office", "federation", "union", "city", "republic", "state", "municipality", "county", "province",
              "academy", "centre", "center", "hospital", "port", "airport", "airlines", "holdings", "ag", "sa",
              "asa", "gmbh", "bureau", "administration", "cooperative", "trust", "partners", "industries",
              "fc", "rfc", "afc"}


def _name_end(doc, lo: int, hi: int) -> int:
    """Where the name doc[lo:hi] really ends: the parser stops an "of" name at its "and" or comma
    ("Ministry of Education, Science and Innovation of the Portuguese Republic", "University of Science
    and Technology"). The name goes on over capitalised words joined by "," and "and" when it has an
    "of", the word before is no place or person ("Bank of China and Standard Chartered" are two), and
    the words after start no other organisation ("the ...", "... University")."""
    if not any(t.lower_ == "of" for t in doc[lo + 1:hi]):
        return hi
    j, end = hi, hi
    while j < len(doc):
        if doc[j - 1].ent_type_ in ("GPE", "PERSON", "NORP", "DATE"):
            break
        k = j
        comma = k < len(doc) and doc[k].text == ","
        if comma:
            k += 1
        conj = k < len(doc) and doc[k].lower_ == "and"
        if conj:
            k += 1
        if k == j:
            break
        m = k
        while m < len(doc) and m - k < 4 and doc[m].text[:1].isupper() and doc[m].lower_ not in DETERMINERS and \
                doc[m].ent_type_ not in ("PERSON", "DATE", "GPE") and doc[m].lower_.strip(".") not in NAME_HEADS:
            m += 1
        if m == k or (m < len(doc) and doc[m].text[:1].isupper()):
            break  # nothing capitalised, or a longer name that starts another organisation
        j = m
        if conj:
            end = j  # a list inside the name ends at its "and"
            if not (j < len(doc) and doc[j].text == ","):
                break
    return _of_tail(doc, end) if end > hi else hi  # "... and Human Development of the Republic of Mozambique"


def _of_tail(doc, end: int) -> int:
    """The end of a name that goes on at doc[end] with "of (the) Capitalised Words", as often as it does."""
    while end + 1 < len(doc) and doc[end].lower_ == "of":
        m = end + 1
        if doc[m].lower_ == "the":
            m += 1
        n = m
        while n < len(doc) and doc[n].text[:1].isupper():
            n += 1
        if n == m:
            break
        end = n
    return end


#: Common nouns that say the name after them is an organisation ("sportswear maker Altura Sports"),
#: whatever the parser's entity label says.
ORG_DESCRIPTORS = {"maker", "makers", "company", "firm", "group", "carmaker", "automaker", "retailer", "bank",
                   "lender", "operator", "club", "brand", "giant", "rival", "producer", "supplier", "manufacturer",
                   "startup", "start-up", "developer", "insurer", "airline", "carrier", "chain", "agency",
                   "ministry", "university", "institute", "conglomerate", "provider", "distributor", "partner",
                   "broadcaster", "publisher", "utility", "miner", "shipper", "exporter", "importer", "team",
                   "government", "council", "authority", "fund", "investor", "owner", "subsidiary", "unit"}


def _org_described(tok) -> bool:
    """Whether a lower-case organisation noun stands right before the name headed by ``tok``."""
    lo, _ = _np_bounds(tok)
    return any(t.lower_ in ORG_DESCRIPTORS and t.text[:1].islower() for t in tok.doc[lo:tok.i])


def _antecedent(verb, pron):
    """For "X said it had signed ...": the subject of the verb that reports the clause of ``verb``, when
    ``pron`` ("it", "we") is the clause's subject; None otherwise."""
    if pron.lower_ not in ("it", "we") or verb.dep_ not in ("ccomp", "conj"):
        return None
    cur = verb.head
    for _ in range(3):
        subj = [c for c in cur.children if c.dep_ == "nsubj" and c.pos_ != "PRON"]
        if subj:
            return subj[0]
        if cur.head.i == cur.i or cur.dep_ not in ("ccomp", "conj"):
            return None
        cur = cur.head
    return None


def _witness_ranges(doc, looked_on: bool = False) -> list[tuple[int, int]]:
    """The token ranges of "in the presence of ...", "witnessed by ..." (and with ``looked_on`` the subject
    of "A looked on"): the people there look on, not sign."""
    out = []
    for t in doc:
        if t.lower_ == "presence" and any(c.dep_ == "prep" and c.lower_ == "of" for c in t.children):
            out += [(c.left_edge.i, c.right_edge.i + 1) for c in t.children if c.dep_ == "prep" and c.lower_ == "of"]
            # "In the presence of A (...) and B (...), the two sides signed": up to the last comma before
            # the signing verb (the parser often cuts the phrase at a parenthesis)
            verb = next((x for x in doc[t.i + 1:] if x.tag_.startswith("VB") and
                         (x.lower_ in SIGN_VERBS | OBJECT_VERBS or lemma(x) == "sign")), None)
            if verb is not None:
                commas = [x.i for x in doc[t.i:verb.i] if x.text == ","]
                if commas:
                    out.append((t.i, commas[-1]))
        if t.lower_ in ("witnessed", "attended") and t.tag_ == "VBN":
            out += [(c.left_edge.i, c.right_edge.i + 1) for c in t.children if c.dep_ == "agent"]
        if looked_on and t.lower_ == "looked" and any(c.dep_ == "prt" and c.lower_ == "on" for c in t.children):
            out += [(c.left_edge.i, c.right_edge.i + 1) for c in t.children if c.dep_ == "nsubj"]
        if looked_on and t.lower_ == "looking" and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "on":
            # "..., with head coach A and members of the squad looking on"
            w = next((x.i for x in reversed(doc[max(0, t.i - 15):t.i]) if x.lower_ == "with"), None)
            if w is not None:
                out.append((w + 1, t.i))
    return out


def _witness_text(doc) -> str:
    """The words of "in the presence of ...", "witnessed by ...": the people there look on, not sign."""
    return " ".join(_span_text(doc, a, b) for a, b in _witness_ranges(doc))


def _of_names(tok) -> list[str]:
    """"the cities of A and B" (a plural common noun): the names A and B."""
    if tok.pos_ != "NOUN" or tok.tag_ != "NNS":
        return []
    out = []
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ == "of":
            for g in c.children:
                if g.dep_ == "pobj" and g.pos_ == "PROPN":
                    out += [n for n in (_party_name(x, any_entity=True) for x in _conj_chain(g)) if n]
    return out


#: "a deal to set up a Centre of Excellence": what the agreement makes is no party to it.
MAKING_VERBS = {"set", "establish", "create", "build", "open", "launch", "develop", "form", "found", "start",
                "construct", "host"}


def _purpose_parties(agr) -> list:
    """Organisations the agreement's purpose clause names ("a deal to supply engines to Y", "a deal to
    supply Y with power")."""
    heads = []
    for c in agr.children:
        if c.dep_ in ("acl", "relcl", "advcl", "xcomp") and any(a.lower_ == "to" and a.dep_ == "aux"
                                                                for a in c.children):
            for g in c.children:
                if g.dep_ in ("dative", "prep") and g.lower_ in ("to", "with", "for"):
                    heads += [x for x in g.children if x.dep_ == "pobj" and x.ent_type_ in ("ORG", "GPE", "NORP")]
                elif g.dep_ in ("dobj", "dative") and g.pos_ == "PROPN" and g.ent_type_ not in ("PERSON", "DATE") \
                        and lemma(c).lower() not in MAKING_VERBS:
                    heads.append(g)
    return heads


NUMBER_WORDS = {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "several", "multiple",
                "dozens", "many"}


def _counted(agr) -> bool:
    """"two long-term supply deals", "12 agreements": signings counted, not one signing."""
    if agr.tag_ not in ("NNS", "NNPS"):
        return False
    return any(c.dep_ in ("nummod", "amod", "quantmod") and
               (c.lower_ in NUMBER_WORDS or (c.text.isdigit() and int(c.text) >= 2)) for c in agr.children)


def _is_placeholder(tok) -> bool:
    if tok.pos_ == "PRON" and tok.lower_ in ("they", "we", "both", "all"):
        return True
    if tok.lower_ in PLACEHOLDER_WORDS and not tok.ent_type_:
        words = {c.lower_ for c in tok.subtree}
        return bool(words & {"two", "both", "three", "all", "the", "parties", "sides", "they", "we"})
    return False


def _dates(doc) -> list:
    """The sentence's DATE entities that resolve to a day ("on Tuesday", "yesterday", "3 June")."""
    return [e for e in doc.ents if e.label_ == "DATE" and resolve_date(e.text, "2000-01-01")]


#: Dates that name no day ("signed last week"): the signing's own date, which resolves to none, so that
#: no other date of the sentence ("the club confirmed on Monday") or the article's is taken for it.
VAGUE_DATE_RE = re.compile(r"^(?:(?:last|earlier this|late last|this|the past|past|previous)\s+"
                           r"(?:week|weekend|month|year)|recently|earlier)$", re.I)


def _nearest(dated: list, trig: int) -> str | None:
    """The date nearest the signing word (for a date the parse hung elsewhere in the sentence)."""
    return min(dated, key=lambda e: min(abs(e.start - trig), abs(e.end - 1 - trig))).text if dated else None


def _named_venue(prep, head) -> bool:
    """"at the ministry's headquarters in Y", "at the X Hospital auditorium", "in the lounge of the
    Y stadium": a common noun that names a place in its phrase (after "at" a proper noun will do too)."""
    if head.pos_ != "NOUN" or prep.lower_ not in ("at", "in"):
        return False
    inner = [x for x in head.subtree if x.i != head.i]
    return any(x.ent_type_ in PLACE_LABELS for x in inner) or (
        prep.lower_ == "at" and any(x.pos_ == "PROPN" for x in inner))


#: Verbs that report what the sentence's clause says ("X said on Wednesday it had signed ...").
REPORT_VERBS = {"say", "said", "says", "announce", "announced", "announces", "tell", "told", "tells", "confirm",
                "confirmed", "confirms", "report", "reported", "reports", "disclose", "disclosed", "state", "stated"}


def _report_date(ent, verb) -> bool:
    """"X said on Wednesday it had concluded a deal": a date before the subject of a clause that a
    reporting verb governs is the day it was said (the parser may hang it on the clause's verb)."""
    if verb.dep_ != "ccomp" or verb.head.lower_ not in REPORT_VERBS:
        return False
    subj = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    return bool(subj) and verb.head.i < ent.start and ent.end <= subj[0].i


def _date_and_place(doc, anchors: set[int], trig: int) -> tuple[str | None, str | None, str | None]:
    """A DATE entity and a place attached to the signing clause (``anchors``: token indexes), and when
    no date is attached, the sentence's date nearest the signing word ``trig``."""
    date_text = place = None
    dated = _dates(doc)
    vague = [e for e in doc.ents if e.label_ == "DATE" and VAGUE_DATE_RE.match(e.text)]
    for ent in dated + vague:
        cur = ent.root
        for _ in range(8):
            if cur.i in anchors:
                if not _report_date(ent, cur):
                    date_text = ent.text
                break
            if cur.head.i == cur.i:
                break
            cur = cur.head
        if date_text:
            break
    near = None if date_text else _nearest(dated, trig)
    for tok in doc:
        if tok.dep_ == "prep" and tok.lower_ in ("in", "at"):
            direct = tok.head.i in anchors
            if not direct:
                cur, ok = tok.head, False
                for _ in range(6):
                    if cur.i in anchors:
                        ok = True
                        break
                    if cur.tag_.startswith("VB") or cur.head.i == cur.i:
                        break
                    cur = cur.head
                if not ok or not any(g.dep_ == "pobj" and (g.ent_type_ in PLACE_LABELS or _named_venue(tok, g))
                                     for g in tok.children):
                    continue
            for g in tok.children:
                if g.dep_ != "pobj" or g.ent_type_ in ("DATE", "TIME", "PERSON") and g.ent_type_ != "":
                    if not (g.dep_ == "pobj" and g.ent_type_ == "PERSON"):
                        continue
                if g.lower_ in ("ceremony", "meeting", "event"):
                    # "at a ceremony held at the Dewan Seri Mutiara": the place the ceremony was held at
                    held = [(p, o) for c in g.children if c.dep_ == "acl" for p in c.children
                            if p.dep_ == "prep" and p.lower_ in ("in", "at") for o in p.children if o.dep_ == "pobj"]
                    if held and (held[0][1].pos_ == "PROPN" or held[0][1].ent_type_ in PLACE_LABELS or
                                 _named_venue(held[0][0], held[0][1])):
                        tok, g = held[0]
                    else:
                        continue
                if g.lower_ in ("presence", "ceremony", "meeting", "event", "end", "time", "front", "name"):
                    continue
                if g.pos_ == "PROPN" or g.ent_type_ in PLACE_LABELS or _named_venue(tok, g):
                    sub = list(g.subtree)
                    end = sub[-1].i + 1
                    # "in Port Elwin, where the distributor is based", "at the stadium, watched by ...":
                    # the clause after the comma describes the place, it is not its name
                    cut = [c for c in g.children if c.dep_ in ("relcl", "acl", "advcl") and c.i > g.i and
                           doc[min(t.i for t in c.subtree) - 1].text == ","]
                    if cut:
                        end = min(min(t.i for t in c.subtree) for c in cut) - 1
                    # "... in Tashkent by Uzbek Energy Minister A": who signed it is no part of the place
                    end = min([end] + [t.i for t in g.subtree if t.i > g.i and t.lower_ == "by" and
                                       t.dep_ in ("prep", "agent")])
                    place = _clean(_span_text(doc, sub[0].i, end))
                    break
            if place:
                break
    return date_text, place, near


#: Words after the people of "signed by A and B" that start another clause.
CLAUSE_BREAKS = {";", "while", "whereas", "who", "which", "said", "says", "after", "before", "as", "when", "in",
                 "at", "on", "during", "with", "following", "witnessed", "watched", "under"}


def _agent_end(doc, by: int) -> int:
    """Where the people named after "by" end: the first clause break after the first name, else the
    sentence's end."""
    i = by + 1
    seen_name = False
    while i < len(doc):
        t = doc[i]
        if seen_name and t.lower_ in CLAUSE_BREAKS and t.ent_type_ != "PERSON":
            return i
        if t.text == "." and i == len(doc) - 1:
            return i
        seen_name = seen_name or t.ent_type_ == "PERSON"
        i += 1
    return len(doc)


def mentions_in_sentence(doc, sent_index: int = 0, headline: bool = False, after_signing: bool = False
                         ) -> list[Mention]:
    """Every signing this parsed sentence reports."""
    out: list[Mention] = []
    seen_verbs: set[int] = set()
    seen_by = _witness_text(doc)
    for trig, kind in _triggers(doc, after_signing):
        m = Mention(sent=sent_index, strong=False, headline=headline)
        anchors = {trig.i}
        parties_from_pronoun: list[str] = []
        represented_sides: set[int] = set()
        if kind == "verb":
            if trig.i in seen_verbs:
                continue
            seen_verbs.add(trig.i)
            subj_heads, passive = _subjects_of(trig)
            if subj_heads and not passive:  # "A put his signature to the contract alongside B, ..."
                subj_heads = subj_heads + [g for c in trig.subtree if c.dep_ == "prep" and c.lower_ == "alongside"
                                           and _clause_verb(c) == trig for g in c.children
                                           if g.dep_ == "pobj" and g.ent_type_ == "PERSON"]
            represented = _represented(trig)
            agr = None if represented else (_agreement_of_verb(trig) or _lost_object(trig))
            m.strong = bool(subj_heads) or trig.dep_ in ("ROOT", "conj", "relcl", "ccomp") or passive
            if trig.dep_ in ("pcomp", "acomp") and not subj_heads:
                m.strong = False  # "congratulated them on signing ..."
            if trig.dep_ == "acl" and not subj_heads:
                m.strong = False  # "the agreement signed on Monday ..."
            if agr is not None:
                anchors.add(agr.i)
                # "It was signed by ...": the agreement of the sentence before, not one called "It"
                m.agreement = None if agr.pos_ == "PRON" else _agreement_text(agr)
                if agr.pos_ == "NOUN" and agr.lower_ not in SIGNED_NOUNS and agr.text[:1].islower() and \
                        not any(c.lower_ in SIGNED_NOUNS for c in agr.children if c.dep_ in ("compound", "amod")):
                    m.agreement = None  # "put pen to paper on the pitch": a place, not what they signed
                m.summary = _counted(agr)
                m.refers_back = agr.pos_ == "NOUN" and any(c.dep_ == "det" and c.lower_ in ("that", "this")
                                                           for c in agr.children)
                m.subject = _purpose(agr) or _purpose(trig)
            party_heads = _parties_from_preps(trig) + (_parties_from_preps(agr) if agr is not None else [])
            party_heads += _signed_for(trig)
            if represented:  # "the fund was represented by A": the fund is the party
                m.strong = False
                sides = [c for c in trig.children if c.dep_ == "nsubjpass"] + (
                    [trig.head] if trig.dep_ == "acl" and trig.head.pos_ == "PROPN" else [])
                party_heads += sides
                represented_sides.update(x.i for x in sides)
            if agr is not None:  # "a memorandum of understanding with X"
                for c in agr.children:
                    if c.dep_ == "prep" and c.lower_ == "of":
                        for g in c.children:
                            if g.dep_ == "pobj":
                                party_heads += _parties_from_preps(g)
            if agr is not None:
                party_heads += _purpose_parties(agr)
            party_heads += _purpose_parties(trig)
            for c in trig.children:  # "put pen to paper on a deal, agreeing a partnership with Y"
                if c.dep_ in ("advcl", "xcomp") and c.tag_ == "VBG":
                    party_heads += [h for g in c.children if g.dep_ == "dobj" for h in _parties_from_preps(g)]
            named_subjects = []
            for sh in subj_heads:
                ante = _antecedent(trig, sh) if sh.pos_ == "PRON" else None
                name = _party_name(ante, any_entity=True) if ante is not None else None
                if name:
                    parties_from_pronoun.append(name)
                else:
                    named_subjects.append(sh)
            subj_heads = named_subjects
        else:
            # a noun: "the signing ceremony of X between A and B", "the signing of the agreement"
            head = trig.head if trig.dep_ in ("compound", "amod", "nmod") else trig
            anchors.add(head.i)
            verb = _clause_verb(head)
            if head.dep_ in ("nsubj", "nsubjpass") or verb.lower_ in ("held", "hold", "holds", "took", "take",
                                                                       "takes", "witnessed", "staged"):
                anchors.add(verb.i)
                anchors.update(t.i for t in _conj_chain(verb))
            agr = None
            party_heads = _parties_from_preps(head)
            for c in head.children:
                if c.dep_ == "prep" and c.lower_ in ("of", "for", "on"):
                    for g in c.children:
                        if g.dep_ == "pobj":
                            agr = g
                            party_heads += _parties_from_preps(g)
            if agr is not None:
                m.agreement = _agreement_text(agr)
            subj_heads = []
            for c in head.children:
                if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by"):
                    subj_heads += [g for g in c.children if g.dep_ == "pobj"]
        # signatories and parties from the subject
        people: list[Signatory] = []
        parties: list[str] = list(parties_from_pronoun)
        of_names: set[str] = set()
        # the subjects' words read together: a name the parser split between two subjects ("... and Seorin
        # president Ko Min-jae signed") is still one name
        bounds = [(min(t.i for t in sh.subtree), max(t.i for t in sh.subtree) + 1) for sh in subj_heads]
        if bounds and kind == "verb" and passive and subj_heads[0].head.lower_ == "by":
            # "sealed ... by club chairman A and Quaylink co-founder and chief executive B": the people
            # after "by" up to the clause's end, where the parser lost the second one
            bounds.append((bounds[0][0], _agent_end(doc, subj_heads[0].head.i)))
            # "signed by A on behalf of X and by B at ...": each "by" of the clause names a signatory
            first_by = subj_heads[0].head.i
            for t in doc[first_by + 1:]:
                if t.lower_ == "by" and _clause_verb(t) == trig and not _inside(t, [(first_by, _agent_end(doc, first_by))]):
                    bounds.append((t.i + 1, _agent_end(doc, t.i)))
        if bounds and kind == "verb" and not passive:
            # "Vice-Chancellor Professor A and Professor B, Vice-Chancellor of Y, put their signatures ...":
            # the parser left A out of the subject; the names joined to it by "and" before it are subjects too
            lo0 = min(a for a, _ in bounds)
            k = lo0 - 1
            while k > 0 and (doc[k].text in ("'", "’", ".") or _is_title_word(doc[k]) or
                             doc[k].lower_.strip(".'’") in HONORIFICS):
                k -= 1  # "and Professor Dato' Dr. B": forms of address before the subject
            if k > 0 and doc[k].lower_ == "and":
                lo0 = k + 1
                j = k - 1
                while j >= 0 and not doc[j].tag_.startswith("VB") and doc[j].text not in (";", ":", ".") and \
                        doc[j].lower_ not in ("while", "whereas", "after", "before", "when"):
                    j -= 1
                if _person_spans(doc, j + 1, lo0 - 1):
                    bounds.append((j + 1, lo0))
        if bounds:
            found, covered = _people_in(doc, min(a for a, _ in bounds), max(b for _, b in bounds))
            people.extend(found)
        for sh in subj_heads:
            for h in _subject_chain(sh):
                if _inside(h, covered):
                    continue
                named_of = _of_names(h)
                if named_of:  # "the governments of Ghana and Togo", "the mayors of Leeds and Durban"
                    parties += named_of
                    of_names.update(x.lower() for x in named_of)
                    if h.lower_ not in ROLE_WORDS:
                        continue
                hlo, hhi = _np_bounds(h)
                if any(hlo <= a < hhi for a, _ in covered):
                    continue  # "Acme chief executive Jane Smith": a person with a prefix
                if h.lower_ in ROLE_WORDS or (lemma(h) and lemma(h).lower() in ROLE_WORDS):
                    lo2, hi2 = _np_bounds(h)
                    if any(a == h.i + 1 for a, _ in covered):
                        continue  # "port director Anders Vik": the title of the person named next
                    desc = _clean(_span_text(doc, lo2, hi2))
                    org = None
                    for c in h.children:
                        if c.dep_ == "prep" and c.lower_ in ("of", "at", "from"):
                            pobj = [g for g in c.children if g.dep_ == "pobj"]
                            if pobj:
                                org = _clean(" ".join(t.text for t in pobj[0].subtree))
                    orgs_before = [e for e in _ents_in(doc, lo2, h.i) if e.label_ in ORG_LABELS]
                    if org is None and orgs_before:
                        org = _clean(orgs_before[-1].text.replace("'s", "").replace("’s", ""))
                    title_words = [t.text for t in doc[lo2:h.i + 1]
                                   if not any(e.start <= t.i < e.end for e in orgs_before) and t.tag_ != "POS"]
                    named = [c for c in h.children if c.dep_ == "appos" and c.pos_ == "PROPN"]
                    listed = []
                    for c in named:  # "the three mayors, A of X, B of Y and C of Z"
                        sub = list(c.subtree)
                        listed += _people_in(doc, sub[0].i, sub[-1].i + 1)[0]
                    if len(listed) > 1:
                        people.extend(listed)
                        continue
                    if named:  # "Acme's chief operating officer, Ann Lee,": she is the one
                        a, b = _np_bounds(named[0])
                        name = _clean(_span_text(doc, a, b))
                        if name and not name.endswith(("'s", "’s")):
                            people.append(Signatory(name=name, title=_clean(" ".join(title_words)), organization=org))
                            continue
                    if desc:
                        display = desc[0].lower() + desc[1:] if desc.split()[0] in ("The", "A", "An") else desc
                        people.append(Signatory(name=("the " + display) if lo2 < h.i + 1 and
                                                doc[lo2].lower_ == "the" else display,
                                                title=_clean(" ".join(title_words)), organization=org, named=False))
                elif _is_placeholder(h):
                    m.placeholder = True
                else:
                    p = _party_name(h)
                    if p and passive and sh.head.lower_ == "by" and h.ent_type_ == "ORG" and found and \
                            _person_like(p):
                        # "signed by Kristjan Mägi-Tamm and Ilze Kalniņa-Bērziņa" with the first tagged as an
                        # organisation: beside a person who signed, a name shaped as people's are is one too
                        people.append(Signatory(name=p))
                    elif p:
                        parties.append(p)
        if kind == "verb" and not passive and bounds and not headline:
            # "Italian maker A S.p.A. and Kazakh manufacturer B JSC have inked ...": names that end in a
            # legal form are companies, however the parser split or tagged them
            for name in _legal_names(doc[min(a for a, _ in bounds):trig.i].text):
                t = _tokens(name)
                if not any(t <= _tokens(x) for x in parties):
                    parties = [x for x in parties if not _tokens(x) < t] + [name]
                    people = [p for p in people if not (p.named and _tokens(p.name) < t)]
        if kind == "verb":
            for holder in [trig] + ([agr] if agr is not None else []):
                for c in holder.children:
                    if c.dep_ == "prep" and c.lower_ == "between":
                        for name in _between_names(c):
                            t = _tokens(name)
                            if not any(t <= _tokens(x) for x in parties):
                                parties = [x for x in parties if not _tokens(x) < t] + [name]
        for b in doc:  # "signing on behalf of the hospital group was A": the side it names only by its kind
            if b.lower_ == "behalf" and b.head.lower_ == "on" and (_clause_verb(b) == trig or b.head.head == trig):
                party_heads += [g for c in b.children if c.dep_ == "prep" and c.lower_ == "of"
                                for g in c.children if g.dep_ == "pobj" and g.pos_ == "NOUN" and g.text.islower()
                                and g.lower_ in NAME_HEADS | ORG_DESCRIPTORS
                                and any(d.lower_ == "the" for d in g.children)]
        for ph in party_heads:
            if _is_placeholder(ph):
                m.placeholder = True
                continue
            if ph.ent_type_ == "PERSON" and not _org_described(ph) and not headline and ph.i not in represented_sides \
                    and not (parties and not people and ph.head.lower_ == "with"):
                continue  # a headline's "deal with Y", the "X" of "X was represented by" and the "Y" of "a
                #           company sealed a deal with Y" name organisations
            p = _party_name(ph, any_entity=True)
            if p:
                parties.append(p)
        people = [p for p in people if p.name.lower() not in of_names]  # "Togo" of "the governments of ..."
        people = [p for p in people if not (p.named and p.name in seen_by)]  # "in the presence of A and B"
        if headline:  # "Valtren Automotive inks deal with X": a headline names companies, not signatories
            parties += [p.name for p in people if p.named]
            people = []
        m.signatories = people
        named = {p.name.lower() for p in people if p.named}
        m.parties = _dedupe([x for x in parties if x.lower() not in named])
        if kind == "verb":
            for sh in subj_heads:
                anchors.add(sh.i)
        m.date_text, m.place, m.near_date = _date_and_place(doc, anchors, trig.i)
        if kind == "noun" and not (people or parties or m.date_text or m.place):
            continue  # "the signing of the agreement marks a step ..."
        if kind == "verb" and not (m.strong or people or parties or m.date_text or m.place or m.agreement):
            continue
        out.append(m)
    return out


HEADLINE_SIGN_RE = re.compile(r"\s(?:Sign|Signs|Signed|Ink|Inks|Inked|Seal|Seals|Sealed)\s", re.I)


def _headline_mention(doc, sent_index: int) -> list[Mention]:
    """A title-case headline the parser did not read as a clause: "A and B Sign Research Pact"."""
    text = doc.text
    m = HEADLINE_SIGN_RE.search(text)
    if not m:
        return []
    left, right = text[: m.start()], text[m.end():]
    parts = [p for p in (_clean(x) for x in re.split(r",|\band\b|&", left)) if p]
    parties: list[str] = []
    for p in parts:  # "University of Science and Technology": one name, split again
        if parties and " of " in parties[-1] and not p.lower().startswith("the ") and \
                not any(w.lower().strip(".") in NAME_HEADS for w in p.split()):
            joiner = " and " if re.search(re.escape(parties[-1]) + r"\s+(?:and|&)\s+" + re.escape(p), left) else ", "
            parties[-1] = parties[-1] + joiner + p
        else:
            parties.append(p)
    if not parties or len(parties) > 4 or any(len(p.split()) > 8 for p in parties):
        return []
    agreement = _clean(re.split(r"\b(?:with|in|at|on)\b", right)[0])
    return [Mention(sent=sent_index, strong=True, headline=True, parties=parties, agreement=agreement)]


def _dedupe(names: list[str]) -> list[str]:
    """Names without repeats (of the same words, the longest: "Acme S.A." for "Acme"); a name whose words are
    all in a longer one ("Rovers", "Westbridge Rovers") and a pair said as one ("Kenya and Japan" beside "Kenya" and "Japan") go."""
    words = [_tokens(n) for n in names]
    keep = []
    for i, n in enumerate(names):
        w = words[i]
        if w and any(j != i and w < words[j] for j in range(len(names))):
            continue
        if re.search(r"\band\b|&", n) and sum(1 for j in range(len(names)) if j != i and words[j] and
                                             words[j] < w) >= 2:
            continue
        keep.append(n)
    names = keep
    out: list[str] = []
    for n in names:
        key, w = n.lower(), _tokens(n)
        same = next((k for k, o in enumerate(out) if key == o.lower() or (w and w == _tokens(o))), None)
        if same is None:
            out.append(n)
        elif len(n) > len(out[same]):  # "Acme Water" and "Acme Water S.A.": the one with its legal form
            out[same] = n
    return out


def _same_name(a: str, b: str) -> bool:
    ta, tb = _tokens(a), _tokens(b)
    return bool(ta) and bool(tb) and (ta <= tb or tb <= ta)


# ----------------------------------------------------------------------------------------------
# merging the mentions of one article

def _agreement_key(text: str | None) -> set[str]:
    """The words that tell one agreement from another (not "agreement", "$145", "15-year", "million")."""
    return {t for t in _tokens(text) if t not in GENERIC_AGREEMENT and not any(ch.isdigit() for ch in t)
            and t not in NUMBER_WORDS | {"million", "billion", "trillion", "year", "years"}
            and not re.fullmatch(r"[a-z]+-(?:year|month|week|day)s?", t)}


def _two_names(ent, and_i: int) -> bool:
    """"Ministry of Health and Limpopo BioPharm Holdings": both sides of the "and" are whole names (a head
    word on the left, a head word or legal form ending the right), not one name with an "and" inside."""
    left = [t for t in ent if t.i < and_i]
    right = [t for t in ent if t.i > and_i]
    return bool(left and right) and any(t.lower_ in NAME_HEADS for t in left) and \
        (right[-1].lower_.strip(".") in NAME_HEADS or bool(LEGAL_FORM_RE.search(right[-1].text))) and \
        not all(t.lower_ in PORTFOLIO_WORDS or t.lower_ in NAME_HEADS for t in right)


def _people_out_of_parties(m: Mention) -> None:
    """"Mayor Clarissa Auguste-Henry" tagged as a party is a person who signed; a form of address alone
    ("Hon") is no party; a "person" whose name ends in a company's legal form is a party."""
    keep = []
    for p in m.parties:
        words = p.split()
        first = words[0].lower().strip(".,")
        if first in HONORIFICS | TITLE_PREFIX and len(words) == 1:
            continue
        last = words[-1]
        if len(words) >= 3 and (first in ROLE_WORDS or first in HONORIFICS) and \
                all(w[:1].isupper() for w in words[1:]) and last.lower().strip(".") not in NAME_HEADS and \
                not LEGAL_FORM_RE.search(last) and not any(w.lower() in ("of", "for") for w in words):
            name = " ".join(words[1:])
            if not any(_same_name(name, x.name) for x in m.signatories):
                m.signatories.insert(0, Signatory(name=name, title=words[0] if first in ROLE_WORDS else None))
            continue
        keep.append(p)
    m.parties = keep
    # "grain trader Kostanay Steppe Grain LLP struck a deal" tagged as a person: a company that signed
    for p in list(m.signatories):
        words = p.name.split()
        if p.named and len(words) > 1 and LEGAL_FORM_RE.search(words[-1]):
            m.signatories.remove(p)
            if not any(_same_name(p.name, x) for x in m.parties):
                m.parties.append(p.name)


def _compatible(cluster: list[Mention], m: Mention) -> bool:
    if m.refers_to is not None:
        return any(c.sent == m.refers_to for c in cluster)
    key = set().union(*(_agreement_key(c.agreement) for c in cluster))
    mk = _agreement_key(m.agreement)
    cp = [p for c in cluster for p in c.parties]
    if m.signatories and not m.parties and cp and not any(c.signatories for c in cluster):
        return True  # "The 15-year facility was signed by A and B": who signed the deal before
    cp = [p for p in cp if p[:1].isupper()]  # "their union and employer": descriptions tell no event apart
    m_parties = [p for p in m.parties if p[:1].isupper()]
    if key and mk and not (mk <= key or key <= mk):
        return False
    people = {p.name.lower() for c in cluster for p in c.signatories}
    if people and m.signatories and not people & {p.name.lower() for p in m.signatories} and mk and mk != key:
        return False  # other people signing a differently named agreement
    if m.strong and cp and m_parties and not any(_same_name(a, b) for a in cp for b in m_parties):
        return False
    if m.strong and mk and not mk <= key and cp and any(not any(_same_name(a, b) for a in cp) for b in m_parties):
        return False  # another kind of agreement with a party this one does not have: another signing
    return True


def _overlap(cluster: list[Mention], m: Mention) -> int:
    key = set().union(*(_tokens(c.agreement) for c in cluster))
    return len(key & _tokens(m.agreement))


def _party_overlap(cluster: list[Mention], m: Mention) -> int:
    cp = [p for c in cluster for p in c.parties]
    return sum(1 for b in m.parties if any(_same_name(a, b) for a in cp))


def _initials(text: str) -> set[str]:
    """The short forms a full agreement name has: "power purchase agreement" -> "ppa", "memorandum of
    understanding" -> "mou" and "mu"."""
    text = re.sub(r"\s*\(.*$", "", text)  # "memorandum of understanding (MoU"
    words = [w for w in re.findall(r"[A-Za-z]+", text) if w.lower() not in DETERMINERS and not
             re.fullmatch(r"(?:year|month|week|day)s?", w.lower())]
    while words and words[0].lower() in NUMBER_WORDS:
        words = words[1:]
    out = set()
    for k in range(len(words)):  # the short form may cover the name's last words only ("25-year" + "PPA")
        tail = words[k:]
        if k and tail[0].lower() in ("of", "on", "and", "for"):
            continue
        out.add("".join(w[0] for w in tail).lower())
        out.add("".join(w[0] for w in tail if w.lower() not in ("of", "on", "and", "for", "the")).lower())
    return {x for x in out if len(x) >= 2}


#: An agreement named by its short form ("the PPA", "the MoU", "the JV", "the SPA").
ACRONYM_RE = re.compile(r"^(?:the\s+)?([A-Z][A-Za-z]?[A-Z]{1,4}|[A-Z]o[A-Z])$")


def _expand_short_forms(mentions: list[Mention]) -> None:
    """A mention that names its agreement by a short form of one an earlier sentence named in full
    refers to that one: it takes the full name and is merged with it."""
    for i, m in enumerate(mentions):
        a = ACRONYM_RE.match(m.agreement or "")
        if m.refers_back and not m.parties:
            before = [e for e in mentions[:i] if not e.headline and e.sent < m.sent and (e.parties or e.agreement)]
            if before:
                m.refers_to = before[-1].sent
            continue
        if not a:
            continue
        short = a.group(1).lower()
        for e in reversed(mentions[:i]):
            if e.agreement and not ACRONYM_RE.match(e.agreement) and short in _initials(e.agreement):
                m.agreement, m.refers_to = e.agreement, e.sent
                break


def merge_mentions(mentions: list[Mention]) -> list[list[Mention]]:
    """Group the mentions of one article into events (same agreement → one event)."""
    _expand_short_forms(mentions)
    for m in mentions:
        _people_out_of_parties(m)
    clusters: list[list[Mention]] = []
    # "X has signed two deals this week": a count of the article's signings, an event only when the
    # article reports no single one
    single = [m for m in mentions if not (m.summary and not m.headline)]
    if single:
        mentions = single
    strong = [m for m in mentions if (m.strong or m.signatories) and not m.headline]
    weak = [m for m in mentions if not ((m.strong or m.signatories) and not m.headline)]
    def near(c: list[Mention], m: Mention) -> int:  # the latest sentence of the cluster before the mention
        return max((x.sent for x in c if x.sent <= m.sent), default=-1)

    for m in strong:
        best = None
        for c in clusters:
            if _compatible(c, m):
                if best is None or (_overlap(c, m), near(c, m)) > (_overlap(best, m), near(best, m)):
                    best = c
        if best is None:
            clusters.append([m])
        else:
            best.append(m)
    for m in weak:
        if not clusters:
            if m.parties or m.signatories:
                clusters.append([m])
            continue
        cands = [c for c in clusters if _compatible(c, m)] or clusters
        best = max(cands, key=lambda c: (_party_overlap(c, m), _overlap(c, m), -clusters.index(c)))
        best.append(m)
    for c in clusters:
        c.sort(key=lambda x: x.sent)
    clusters.sort(key=lambda c: min(x.sent for x in c))
    return clusters


# ----------------------------------------------------------------------------------------------
# the corpus

#: Bump when extraction changes: an index whose stored signings have another version extracts them
#: again at its next ``index`` run (without re-embedding).
FACTS_VERSION = 32  # 2: people's roles too (qa/roles.py); 3-6: the party, signatory and witness checks of issue 13; 7: "yesterday", a date hung elsewhere in the sentence, venues "at the X's headquarters in Y", parties of "..., agreeing a deal with Y"; 8: names with "and" or a bracket inside, "the Group Company" beside named parties, a headline's "deal with Y" whatever Y was tagged, the organisation of "the Mayor of A, B"; 9: "X said on Wednesday it had signed": the day it was said is no signing date; a place without the clause after its comma; 10: "X was represented by its Title, B" in the sentence after a signing, hyphenated titles one token; 11: a one-word "signatory" the article writes as a company's start is that company, "X FC" spelled out; 12: names compared with their accented letters; 13: "A, and Title B" two people, company names ending in a legal form, no person before a company's "and"; 14: "exchanged the signed documents" names no other agreement; 15: a nationality and a common noun ("Senegalese developer") is no party; names ending in a legal form read from the text, "between A and B" split where both sides end as names do, a title before a name the model missed, "the X foundation", "St X's ...", no "and" join after "of" or a head word, datelines with two cities, "signed last week" dated no day, a party tagged as a person no signatory, the quote the sentence naming the signatories, "the PPA" the agreement named in full before, a place ends before "by", "on behalf of the hospital group" the article's one such group, "its Title" no party, short forms with particles spelled out, "the Deputy Minister of X, A B" a person however tagged, "X signed with Y" Y a party however tagged, "UK-listed" and a lone title no party, "Tan" a surname, "a/l" and "bin" inside names, no person after "in", postponed signings and "before we put pen to paper" none, "People's Committee" one name, "Minister of X" no party, cancelled and scheduled signings none, names after a portfolio, each "by" of the clause, names as the article writes them alone, "That contract was signed by" the one before, agency datelines without a dash, "Director (Operations)" a title, a title the model put into a name, a lone head word written out, names joined by "and" before a subject the parser cut, "memorandum of understanding (MoU)" the MoU after it, a party of title words none, no company name as the agreement; 16: titles of "its director, A B", "Acme Hospital's chief executive, A B", "Vice-Chancellor Prof. A B"; ", the spokesperson said" no title of the name before it, a description ends before "who"; 17: two people signed but one party named: the other side is the organisation the headline or first sentences name; 18: the other sides of a signing with no party named, organisations the model missed as a sentence's subject ("A Rugby Football Club is thrilled"), a long company name with its legal form no signatory, "the Mayor of X, Datuk A" X no person, "Datuk Seri A" A; 19: "at a ceremony held at X": X the place; 20: "Mayor A B" taken for a party a signatory, "Hon" alone no party, "Ir." a form of address, "Ministry of X and B Holdings" two names, "at the X Hub" no other side; 21: "bore the signature of A" a signing by A, the other sides of a signing naming none from the headline only, no side after "on"; 22: "signed for X by A, and for Y by B": X and Y parties, more legal forms ("S.A.C.", "Q.P.S.C.", "s.r.o."), a name and the same with its legal form one party; 23: title abbreviations ("Eng.", "Hon.", "Col.") one token, so no parse ends a sentence after them; 24: the third side of a three-way signing whose rector signed for no one named; 25: witnesses ("witnessed by", "in the presence of", "A looked on") stored with their sentence; 26: a lower-case description word tagged into a name dropped ("miller Ala-Too Grain Mills"), a "person" ending in a legal form a party before mentions merge; 27: "A, chief executive of B" with B tagged as a person: B no person; a hyphenated first name before a title a name; people tagged as organisations no sides of the article; 28: "initialled and signed by A" passive, "concluded on Wednesday a new agreement" the object the parse lost, names after forms of address tagged alone ("Datuk Haji" + A, "Tan Sri" + "Lau" + "Kiong Hua"); 29: "signed by A and B" with A tagged as an organisation: A a signatory when shaped as a name; 30: a party named by the term the article defines for it ('Acme Limited ("AL" or "the Company")'); 31: the climb to a title's organisation stops at the sentence root; 32: witnesses before the other sides (who looked on is no side), "with A looking on", "FC"/"RFC" heads of names

_cache: dict = {}
_cache_lock = threading.Lock()


def extract_document(doc_id: str, meta: dict, sent_texts: list[str], sent_quotes: list[str], sent_start,
                     sent_end, sent_kind) -> list[SigningEvent]:
    """The signing events of one document, from its sentences (index time; ``sentences`` of each
    event are indices into this document's sentences)."""
    from types import SimpleNamespace

    import numpy as np

    view = SimpleNamespace(sent_doc=np.zeros(len(sent_texts), np.int32), sent_texts=sent_texts,
                           sent_quotes=sent_quotes, sent_start=sent_start, sent_end=sent_end, sent_kind=sent_kind,
                           doc_ids=[doc_id], manifest={"docs": {doc_id: meta}})
    return extract_signings(view)


#: A wire story's dateline before its first sentence: "NAIROBI, July 8 (Equator Wire) - ", "PUNE, Sept 18 – ",
#: "LUSAKA, 21 May 2025 – ", "GENEVA (Reuters) — ": a city in capitals, maybe a date or a country, maybe
#: the agency, then a dash between spaces.
DATELINE_RE = re.compile(r"^(?P<city>[^\W\d_][^\W\d_.'’\- /]*(?:[.'’\- /]+[^\W\d_]+)*\.?)(?:,[^–—()]{1,40}?)?"
                         r"(?:\s*\([^()]{1,40}\))?\s+(?:-{1,2}|–|—)\s+")


#: "Col. (Retd.) A. Patil": a retired officer's mark, which the parser takes for a name of its own.
RETIRED_RE = re.compile(r"\s\((?:Retd|Rtd|Ret|retd|rtd|ret)\.?\)(?=\s)")


#: "Pune, Nov 14 (PTI) Pune-based ...": a dateline with its agency and no dash.
AGENCY_DATELINE_RE = re.compile(r"^[A-Z][\w.'’ /-]{1,30},\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8})"
                                r"(?:,?\s+\d{4})?\s*\((?:[A-Z][A-Za-z]{1,11})\)\s+(?:(?:-{1,2}|–|—)\s+)?")


#: "the document bore the signature of A", "The agreement carries the signatures of A and B": a passive
#: signing said with "signature", parsed as "was signed by".
SIGNATURE_OF_RE = re.compile(r"\b(?:bore|bears|bear|carries|carried|carry)\s+the\s+signatures?\s+of\b")


def for_parsing(text: str) -> str:
    """``text`` as the extractor parses it: without a leading dateline (whose city and agency are no
    party of the signing), without "(Retd.)" after a title, and with "bore the signature of" as "was signed
    by" (the names keep their words, which is how they are found in the quote)."""
    m = DATELINE_RE.match(text)
    if m and m.end() < len(text) and m.group("city").isupper():
        text = text[m.end():]
    else:
        m = AGENCY_DATELINE_RE.match(text)
        if m and m.end() < len(text):
            text = text[m.end():]
    return SIGNATURE_OF_RE.sub("was signed by", RETIRED_RE.sub("", text))


def extract_signings(data) -> list[SigningEvent]:
    """Every signing event of the loaded index ``data`` (a :class:`qa.store.IndexData`)."""
    from .nlp import bounded, get_nlp

    n = len(data.sent_doc)
    by_doc: dict[int, list[int]] = {}
    for i in range(n):
        by_doc.setdefault(int(data.sent_doc[i]), []).append(i)
    candidates = [i for i in range(n) if CANDIDATE_RE.search(data.sent_texts[i])]
    # parsed directly (not through the shared cache, which a large corpus would only churn)
    texts = [bounded(for_parsing(data.sent_texts[i])) for i in candidates]
    parsed = dict(zip(candidates, get_nlp().pipe(texts, batch_size=64))) if texts else {}
    events: list[SigningEvent] = []
    for d, sents in sorted(by_doc.items()):
        doc_id = data.doc_ids[d]
        meta = data.manifest["docs"].get(doc_id, {})
        mentions: list[Mention] = []
        for i in sents:
            if i not in parsed:
                continue
            headline = bool(int(data.sent_kind[i]) == 1)
            try:
                # "...; Acme was represented by its managing director, A": who signed for the other
                # side, in the sentence after a signing
                found = mentions_in_sentence(parsed[i], i, headline,
                                             after_signing=bool(mentions) and mentions[-1].sent == i - 1)
                if headline and not found:
                    found = _headline_mention(parsed[i], i)
                mentions.extend(found)
            except Exception:  # a parse we cannot read must not stop the table
                log.exception("signing extraction failed on sentence %d of %s", i, doc_id)
        if not mentions:
            continue
        try:
            events.extend(_article_events(data, doc_id, meta, sents, mentions, parsed))
        except Exception:  # one odd article must not stop the table
            log.exception("signing extraction failed on %s", doc_id)
    return events


def _article_events(data, doc_id, meta, sents, mentions, parsed) -> list[SigningEvent]:
    from .nlp import parse

    clusters = merge_mentions(mentions)
    # parties of the article, for "the two parties" / "both sides"
    article_parties: list[str] = []
    for m in sorted(mentions, key=lambda x: (not x.headline, x.sent)):
        article_parties = _dedupe(article_parties + m.parties)
    if not article_parties:  # "the two parties": organisations of the headline, else of the article
        signers = [p.name for m in mentions for p in m.signatories if p.named]  # not those tagged as ORG
        heads = [i for i in sents if int(data.sent_kind[i]) == 1][:1]
        for i in heads + [m.sent for m in mentions]:
            doc = parsed.get(i) or parse(data.sent_texts[i])
            article_parties = _dedupe([_clean(e.text) for e in doc.ents if e.label_ in ("ORG", "GPE")
                                       and _clean(e.text) and not CANDIDATE_RE.search(e.text)
                                       and not any(_same_name(_clean(e.text), p) for p in signers)])
            if len(article_parties) >= 2 or (article_parties and i not in heads):
                break
    built = [_build_event(data, doc_id, meta, c, article_parties) for c in clusters]
    # "Two deals were signed during the forum": an event that names no party and no one says nothing
    keep = [i for i, ev in enumerate(built) if ev.parties or ev.signatories]
    # "... and the project's agency a deal with a British engineering firm": an event that only describes
    # its parties, beside events that name theirs, is a summary of one of them
    named = [i for i in keep if built[i].signatories or any(not p.split()[-1][:1].islower() for p in built[i].parties)]
    if named:
        keep = named
    built, clusters = [built[i] for i in keep], [clusters[i] for i in keep]
    # an event without its own date/place takes those of an earlier signing in the article
    for ev in built:
        if ev.date_text is None:
            for other, oc in zip(built, clusters):
                if other is not ev and other.date_text and min(x.sent for x in oc) <= ev.sentences[-1]:
                    ev.date, ev.date_text = other.date, other.date_text
                    ev.date_source = "earlier sentence" if other.date else "unresolved"
                    break
        if ev.place is None:
            for other, oc in zip(built, clusters):
                if other is not ev and other.place and min(x.sent for x in oc) <= ev.sentences[-1]:
                    ev.place = other.place
                    break
        if ev.date is None and ev.date_source is None and meta.get("date"):
            ev.date, ev.date_source = meta.get("date"), "article date"
    _fill_titles(data, sents, built)
    text = " ".join(data.sent_texts[i] for i in sents)
    for ev in built:  # "DIST" of the headline is "Deccan Institute of Science and Technology (DIST)"
        ev.parties = _dedupe([_legal_whole(_expanded(p, text, article_parties + ev.parties), text)
                              for p in _and_joined(_bracket_joined(_particle_joined(ev.parties, text), text), text)])
        legal = _dedupe(_legal_names(text))
        ev.parties = _dedupe([_extended(_with_legal_form(_spelled_out(_described(p, text, legal), text), legal), text)
                              for p in _named_only(ev.parties)])
        # "Prof. Sigrid Lie" is a person whatever the model tagged her
        ev.parties = [p for p in ev.parties if p.split()[0].lower().strip(".") not in TITLE_PREFIX | HONORIFICS
                      or len(p.split()) == 1]
        ev.signatories = _titled_people(ev.signatories, ev.parties)
        for person in ev.signatories:
            if person.named:
                person.name = _article_name(person.name, text)
        _companies_out_of_people(ev, [data.sent_texts[i] for i in sents])
        _quote_naming_signatories(ev)
        _witnesses(ev, data, sents, parsed)
        _other_side(ev, data, sents, parsed)
    return built


#: A sentence that may say who looked on at a signing.
WITNESS_PHRASE_RE = re.compile(r"\b(?:witnessed\s+by|in\s+the\s+presence\s+of|looked\s+on|looking\s+on|"
                               r"attended\s+by)\b", re.I)


def _witnesses(ev: SigningEvent, data, sents, parsed) -> None:
    """Who looked on at the signing: the people of "witnessed by ...", "in the presence of ...", "A looked
    on" in its sentences or the two after them (not its signatories), with the sentence that names them."""
    from .nlp import parse

    if not ev.sentences:
        return
    lo, hi = min(ev.sentences), max(ev.sentences) + 2
    signers = [_tokens(p.name) for p in ev.signatories if p.named]
    for i in sents:
        if not lo <= i <= hi or not WITNESS_PHRASE_RE.search(data.sent_texts[i]):
            continue
        doc = parsed.get(i) or parse(for_parsing(data.sent_texts[i]))
        people: list[Signatory] = []
        for a, b in _witness_ranges(doc, looked_on=True):
            if doc[a].lower_ in ("by", "of") and not any(
                    x.lower_ in SIGN_VERBS | OBJECT_VERBS for x in doc[b:] if x.tag_.startswith("VB")):
                # "witnessed by the Minister for X, Hon. A B, whose ministry ...": the list goes on to the
                # end of its clause, where the parse may hang the names elsewhere
                b = next((x.i for x in doc[b:] if x.text in (";", "—", "–") or
                          x.lower_ in ("who", "whose", "which", "while", "where")), len(doc))
            found = _people_in(doc, a, b)[0]
            # "head coach Rhodri Evans" tagged as an organisation: a name shaped as people's are
            found += [Signatory(name=e.text) for e in _ents_in(doc, a, b, {"ORG"}) if _person_like(e.text)
                      and not any(_tokens(e.text) & _tokens(f.name) for f in found)]
            for p in found:
                if p.named and not any(_tokens(p.name) <= w or w <= _tokens(p.name) for w in signers) and \
                        not any(p.name == o.name for o in people):
                    people.append(p)
        if people:
            text = " ".join(data.sent_texts[j] for j in sents)
            for p in people:
                p.name = _linked_name(_article_name(p.name, text), data.sent_texts[i])
                if p.title and p.title.split()[-1] in p.name.split():
                    p.title = None  # "binti" of "Noraini binti Abdul Hamid" taken for a title
            ev.witnesses = people
            ev.witness_quote = {"quote": data.sent_quotes[i], "start": int(data.sent_start[i]),
                                "end": int(data.sent_end[i])}
            return


def _linked_name(name: str, sentence: str) -> str:
    """A name the model cut at a word that joins it ("Abdul Hamid" of "Noraini binti Abdul Hamid") or before
    its last word ("Saleh bin Ibrahim Al" of "... Al Dossary, Minister"): the whole name of the sentence."""
    m = re.search(r"(?:([A-Z][\w'’-]+\s+(?:bin|binti|bte|bt|a/l|a/p|s/o|d/o)\s+))?" + re.escape(name) +
                  r"(?![\w'’-])(\s+[A-Z][\w'’-]+(?=[,.;)]|\s+(?:and|said|who)\b))?", sentence)
    if not m:
        return name
    before, after = m.group(1) or "", m.group(2) or ""
    if after and (after.strip().lower() in NAME_TITLES | NAME_HEADS or not re.search(r"\b(?:Al|al|bin|binti|de|van|von|da|el)$", name)):
        after = ""  # "A B Minister": a title after the name, not its last word
    return (before + name + after).strip()


def _other_side(ev: SigningEvent, data, sents, parsed) -> None:
    """Two people signed but one party is named: the other side is the organisation the article is about,
    the first one its headline or first sentences name ("Kilbride Athletic agree kit partnership with
    Northgate Teamwear" ... "chairman Graham McLeish and Northgate Teamwear managing director Fiona Drummond
    signed"; a club's, a university's own news). So too when three or more signed, each named party is the
    organisation of one of them, and one has none ("Rector A, X's chief executive B and C, director of Y")."""
    from .nlp import parse

    named = [p for p in ev.signatories if p.named]
    if len(named) < 2:
        return
    want = 2
    orgs = [_tokens(p.organization) for p in named if p.organization]
    if len(named) > len(ev.parties) >= 2 and any(p.organization is None for p in named) and \
            all(any(_tokens(party) & o for o in orgs) for party in ev.parties):
        want = len(ev.parties) + 1  # three signed, two for the companies they are said to head: one side more
    if len(ev.parties) >= want:
        return
    have = [_tokens(p) for p in ev.parties]
    people = [_tokens(p.name) for p in ev.signatories + ev.witnesses]  # "with head coach A looking on": no side
    heads = [i for i in sents if int(data.sent_kind[i]) == 1][:1]
    # with no party named at all, only the headline's names (a roundup's first sentences name its forum)
    body = [i for i in sents if int(data.sent_kind[i]) != 1][:2] if ev.parties else []
    for i in heads + body:
        doc = parsed.get(i) or parse(for_parsing(data.sent_texts[i]))
        names = [_clean(e.text.replace("'s", "").replace("’s", "")) for e in doc.ents if e.label_ == "ORG"
                 and not (e.start > 0 and doc[e.start - 1].lower_ in ("at", "in", "near", "on"))
                 and not (e.start > 1 and doc[e.start - 1].lower_ in DETERMINERS and
                          doc[e.start - 2].lower_ in ("at", "in", "near", "on"))]  # "at the X Hub": a venue
        names += _subject_names(doc)
        for name in names:
            if not name or CANDIDATE_RE.search(name) or not name[:1].isupper():
                continue
            words = _tokens(name)
            if not words or any(words & w for w in have + people):
                continue
            ev.parties.append(name)
            have.append(words)
            if len(ev.parties) >= want:
                return


def _subject_names(doc) -> list[str]:
    """"Tasman Bays Rugby Football Club is thrilled ...": the sentence's subject when it is a name that ends
    as organisations' names do (a head word or a legal form), whatever the model tagged it."""
    out = []
    for t in doc:
        if t.dep_ in ("nsubj", "nsubjpass") and t.head.dep_ == "ROOT" and t.pos_ == "PROPN" and \
                (t.lower_ in NAME_HEADS or LEGAL_FORM_RE.fullmatch(t.text)):
            lo = t.i
            while lo > 0 and doc[lo - 1].dep_ in ("compound", "amod", "nmod") and doc[lo - 1].text[:1].isupper() \
                    and doc[lo - 1].head.i >= lo:
                lo -= 1
            if lo < t.i:
                out.append(_clean(_span_text(doc, lo, t.i + 1)))
    return out


#: Short forms that end organisations' names, and what they stand for.
SHORT_FORMS = {"FC": "Football Club", "AFC": "Athletic Football Club", "Co": "Company", "Co.": "Company",
               "Corp": "Corporation", "Corp.": "Corporation", "Univ.": "University", "Intl": "International",
               "Assn": "Association", "Dept": "Department", "Govt": "Government"}


#: What may stand right before a name written on its own: the text's start, or punctuation.
_ALONE = r"(?:^|(?<=[.!?\"”“,;:(]\s))"


def _article_name(name: str, text: str) -> str:
    """A signatory's name as the article writes it on its own: "Quoc Binh" of "... of Finance Tran Quoc
    Binh" is "Tran Quoc Binh" when a sentence says "Tran Quoc Binh said"; "Minerals Hamood bin Saif
    al-Maskari" is "Hamood bin Saif al-Maskari" when a sentence starts with that."""
    words = name.split()
    longer = {m.group(1).strip() for m in re.finditer(
        _ALONE + r"((?:[A-Z][\w'’-]*\s){1,2}" + re.escape(name) + r")(?![\w-])", text)}
    longer = {x for x in longer if not any(w.lower() in NAME_TITLES | NAME_HEADS or w.lower() in DETERMINERS
                                           for w in x.split()[:-len(words)])}
    if len(longer) == 1:
        return longer.pop()
    if len(words) >= 3 and words[1][:1].isupper():  # not "du Plessis" of "Johannes du Plessis"
        rest = " ".join(words[1:])
        if re.search(_ALONE + re.escape(rest) + r"\s+[a-z]", text) and not re.search(
                _ALONE + re.escape(name) + r"(?![\w-])", text):
            return rest
    return name


def _quote_naming_signatories(ev: SigningEvent) -> None:
    """The event quoted by the sentence that names most of its signatories (the one first chosen may have
    named only a "signatory" that turned out to be a party)."""
    names = [p.name for p in ev.signatories if p.named]
    if not names or all(n in ev.quote for n in names):
        return
    best = max(ev.quotes, key=lambda q: sum(n in q["quote"] for n in names))
    if sum(n in best["quote"] for n in names) > sum(n in ev.quote for n in names):
        ev.quote, ev.start, ev.end = best["quote"], best["start"], best["end"]


def _described(name: str, text: str, legal: list[str]) -> str:
    """"the hospital group", "the university": the one organisation of the article whose name has that
    head word ("Kinta Heights Medical Group Bhd"), else the words as they are."""
    words = name.split()
    if name != name.lower() or not words or words[-1] not in NAME_HEADS | ORG_DESCRIPTORS:
        return name
    head = words[-1].capitalize()
    runs = set(legal) | {_clean(m.group(0)) for m in re.finditer(
        r"(?:[A-Z][\w'’&.-]*\s+(?:(?:of|and|for|the|de|la|dan|du)\s+){0,2}){0,6}" + re.escape(head) +
        r"(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'’&.-]*){0,6}", text)}
    runs = {r for r in runs if r and head in r.split() and len(r.split()) >= 2}
    runs = {r for r in runs if not any(r != o and _tokens(r) < _tokens(o) for o in runs)}
    return runs.pop() if len(runs) == 1 else name


#: Head words of organisations' names in other languages ("Universiti Pantai Timur").
FOREIGN_HEADS = {"universiti", "universidad", "universidade", "université", "universität", "università",
                 "universitas", "banco", "banque", "ministerio", "ministério", "ministère", "yayasan", "institut",
                 "instituto", "municipio", "município", "ayuntamiento", "comune", "gemeinde", "kommune"}


def _extended(name: str, text: str) -> str:
    """A party the parse cut short to a lone head word ("Universiti" of "Universiti Pantai Timur"), as the
    article writes it in full, when the article goes on in one way only."""
    words = name.split()
    lone = len(words) == 1 and words[0].lower() in NAME_HEADS | FOREIGN_HEADS
    if not lone:
        # measured: writing out "Boreal Lithium" as "Boreal Lithium Corp" and the like lost more than it
        # won (one signing of the test splits fewer right), so only a lone head word is written out
        return name
    link = r"(?:de|la|del|dan|do|da)" if lone else r"(?:of|de|la|del|dan)"  # not "Universiti X of Malaysia"
    conts = {m.group(1) for m in re.finditer(re.escape(name) + r"((?:\s+(?:" + link + r"\s+(?:the\s+)?)?"
                                                               r"[A-Z][\w'’-]*){1,4})", text)}
    if not lone:
        conts = {c for c in conts if c.split()[-1].lower() in NAME_HEADS}
    conts = {c for c in conts if not any(o != c and o.startswith(c) for o in conts)}
    return name + conts.pop() if len(conts) == 1 else name


def _with_legal_form(name: str, legal: list[str]) -> str:
    """"Karoo BioGenix" as "Karoo BioGenix (Pty) Ltd": the one name with a legal form that the article
    writes starting with the party's words."""
    if LEGAL_FORM_RE.search(name):
        return name
    longer = [x for x in legal if x.startswith(name + " ")]
    return longer[0] if len(longer) == 1 else name


def _spelled_out(name: str, text: str) -> str:
    """"Westbury FC" as "Westbury Football Club" when the article also writes it that way."""
    words = name.split()
    full = SHORT_FORMS.get(words[-1]) if len(words) > 1 else None
    if full and f"{' '.join(words[:-1])} {full}" in text:
        return f"{' '.join(words[:-1])} {full}"
    return name


def _companies_out_of_people(ev: SigningEvent, sentences: list[str]) -> None:
    """A "signatory" that the article writes as the start of a company's name ("Brightpay" of "... firm
    Brightpay Payments Ltd", as in "Brightpay co-founder A signed"), or that ends with a company's legal form
    ("Solar Enerji A.S." of "Kaya Solar Enerji A.S."): that company is a party."""
    for p in list(ev.signatories):
        if not p.named or len(p.name.split()) > 6:
            continue
        if LEGAL_FORM_RE.search(p.name.split()[-1]) and len(p.name.split()) > 1:
            whole = next((m.group(0) for t in sentences for m in re.finditer(
                r"(?:[A-Z][\w&'’.-]*\s){0,3}" + re.escape(p.name), t)), p.name)
            ev.signatories.remove(p)
            ev.parties = _dedupe(ev.parties + [_clean(whole) or p.name])
            continue
        if len(p.name.split()) > 3:
            continue
        found = (m for t in sentences for m in re.finditer(r"\b" + re.escape(p.name) +
                                                            r"((?:\s+[A-Z][\w&'’-]*\.?){1,5})", t))
        for m in found:
            words = (p.name + m.group(1)).split()
            end = next((i for i in range(len(words), 1, -1) if LEGAL_FORM_RE.search(words[i - 1]) or
                        words[i - 1].lower().strip(".") in NAME_HEADS), None)
            if end is not None:
                ev.signatories.remove(p)
                ev.parties = _dedupe(ev.parties + [" ".join(words[:end])])
                break


#: The legal form that ends a company's name ("... Apparel Limited", "... Chemicals S.A.").
LEGAL_FORM_RE = re.compile(r"(?:Limited|Ltd\.?|S\.A\.?|SA|Inc\.?|Co\.|Corp\.?|PLC|Plc|LLC|GmbH|AG|N\.V\.|NV|B\.V\.|"
                           r"Pty|Tbk|Bhd|Berhad|S\.p\.A\.|SpA|S\.L\.|K\.K\.|AB|ASA|Oyj|A\.S\.|A\.Ş\.|SAOG|SAS|S\.A\.S\.|Sdn|"
                           r"JSC|PJSC|OJSC|LLP|Ltda\.?|Pte|A/S|KG|SE|plc|S\.A\.C\.|SAC|S\.A\.A\.|S\.R\.L\.|SRL|Srl|SARL|"
                           r"Q\.P\.S\.C\.|QPSC|Q\.S\.C\.|QSC|SAOC|B\.S\.C\.|P\.J\.S\.C\.|W\.L\.L\.|WLL|L\.L\.C\.|a\.s\.|"
                           r"s\.r\.o\.|d\.o\.o\.|Kft\.?|Zrt\.?|Oy|ApS|OÜ|Pvt\.?)$")

#: A company name that ends in its legal form, read from the text ("Kazakh manufacturer Steppe Machinery
#: JSC" -> "Steppe Machinery JSC"): capitalised words, with the particles of other languages inside.
LEGAL_NAME_RE = re.compile(r"(?<![\w.&'’-])((?:(?:[A-Z0-9][\w&'’.\-]*|&)\s+(?:(?:de|la|del|do|da|dos|van|der|von|du|al)\s+){0,2})"
                           r"{1,6}\(?(?:" + LEGAL_FORM_RE.pattern[3:-2] + r")\)?(?:,?\s(?:Ltd\.?|Limited))?)(?![\w])")


def _legal_names(text: str) -> list[str]:
    """The names in ``text`` that end in a company's legal form."""
    out = []
    for m in LEGAL_NAME_RE.finditer(text):
        words = m.group(1).split()
        while len(words) > 2 and (words[0].lower() in DETERMINERS or words[0] == "&" or DESCRIBING_RE.match(words[0])):
            words = words[1:]
        out.append(_clean(" ".join(words)))
    return out


#: Lower-case words inside names in other languages ("Vale do Sorraia", "Sains dan Teknologi").
NAME_PARTICLES = ("de", "do", "da", "dos", "das", "del", "della", "di", "du", "des", "van", "von", "der", "den",
                  "y", "e", "dan", "und", "et", "la", "le", "al")


def _particle_joined(parties: list[str], text: str) -> list[str]:
    """Two "parties" that the article writes as one name joined by a particle ("Sporting Clube Vale" +
    "Sorraia" of "Sporting Clube Vale do Sorraia") as that one name."""
    out = list(parties)
    while True:
        pair = next(((a, b, f"{a} {w} {b}") for a in out for b in out if a != b for w in NAME_PARTICLES
                     if f"{a} {w} {b}" in text), None)
        if pair is None:
            return out
        a, b, joined = pair
        out = [joined if x == a else x for x in out if x != b]


def _bracket_joined(parties: list[str], text: str) -> list[str]:
    """"A Company" + "Private) Limited" of "A Company (Private) Limited": a piece with a closing bracket it
    does not open is the end of the name before it."""
    out = list(parties)
    for b in list(out):
        if ")" not in b or "(" in b.split(")")[0]:
            continue
        a = next((a for a in out if a != b and f"{a} ({b}" in text), None)
        if a is not None:
            out = [f"{a} ({b}" if x == a else x for x in out if x != b]
    return out


def _and_joined(parties: list[str], text: str) -> list[str]:
    """Two "parties" that are one name with an "and" inside ("Hubei Mechanical" + "Electrical Group" of
    "Hubei Mechanical and Electrical Group"): the second ends with an organisation's head word and the
    first does not, and the article never writes the first without "and" and the second's first word."""
    out = list(parties)
    for a in list(out):
        for b in list(out):
            if a == b or a not in out or b not in out or f"{a} and {b}" not in text:
                continue
            if b.split()[-1].lower() not in NAME_HEADS or any(w.lower() in NAME_HEADS for w in a.split()):
                continue  # "Red River University of Science and Technology" is a whole name already
            alone = re.findall(re.escape(a) + r"(?! and " + re.escape(b.split()[0]) + r")", text)
            if not alone:
                out = [f"{a} and {b}" if x == a else x for x in out if x != b]
    return out


#: Words that say "the company" and name none ("the Group Company", "the Holding Company").
COMPANY_WORDS = {"group", "company", "corporation", "holding", "holdings", "firm", "conglomerate"}


def _named_only(parties: list[str]) -> list[str]:
    """Parties without one that is only organisation words ("the Group Company", "the Company"), the
    article's short way of saying a party it also names, when the event names two others."""
    def generic(name: str) -> bool:
        return all(w.lower() in COMPANY_WORDS | DETERMINERS for w in name.split())

    named = [p for p in parties if not generic(p)]
    return named if len(named) >= 2 else parties


def _legal_whole(name: str, text: str) -> str:
    """"Chemicals S.A." of "Salares Andinos Lithium and Chemicals S.A.": a company's name that the
    parser cut at its "and" (the words before it carry no legal form of their own) is the whole name."""
    if not LEGAL_FORM_RE.search(name):
        return name
    m = re.search(r"((?:[A-Z][\w.’'-]*\s){1,4})and\s" + re.escape(name), text)
    if not m or LEGAL_FORM_RE.search(m.group(1).strip()):
        return name
    before = text[:m.start()].split()
    if before and before[-1] in ("of", "for", "and", "&"):
        return name  # "University of Science and Technology and Acme GmbH": the words end another name
    if any(w.lower().strip(".") in HONORIFICS | TITLE_PREFIX for w in m.group(1).split()):
        return name  # "Minister of Health Dr. A B and Acme Limited ...": a person before the "and"
    if any(w.lower().strip(".,") in NAME_HEADS for w in m.group(1).split()):
        return name  # "St Brigid's University Hospital and Acme Ltd": an organisation of its own before it
    words = m.group(1).split()
    while words and words[0].lower() in DETERMINERS:
        words = words[1:]
    return " ".join(words + ["and", name]) if words else name


def _titled_people(people: list[Signatory], parties: list[str]) -> list[Signatory]:
    """Signatories with a form of address moved into the title ("Gen. Asad Khan" is Asad Khan), none
    that is only one ("Hon"), none twice, and none that is part of a party's name."""
    out: list[Signatory] = []
    for p in people:
        words = p.name.split()
        lead = []
        while len(words) > 1 and (words[0].lower().strip(".") in HONORIFICS | {"mr", "mrs", "ms", "dr", "prof",
                                                                                "sri", "puan"}
                                  or (words[0] == "Tan" and words[1] == "Sri")  # "Tan" alone is a surname
                                  or (len(words) > 2 and (words[0].lower() in NAME_TITLES or
                                                          words[0].lower().split("-")[-1] in NAME_TITLES))):
            lead.append(words.pop(0))  # "Vice-President Meera Nair" is Meera Nair
        if p.named and (not words or (len(words) == 1 and words[0].lower().strip(".") in HONORIFICS | TITLE_PREFIX)):
            continue
        if lead:
            p = Signatory(name=" ".join(words), title=p.title or " ".join(lead), organization=p.organization,
                          named=p.named)
        if p.named and any(_tokens(p.name) <= _tokens(x) for x in parties):
            continue  # a party's name, or part of one ("Acme Football Club" tagged as a person)
        _add_person(out, p)
    return out


def _add_person(people: list[Signatory], p: Signatory) -> None:
    """``p`` added to ``people``, or its title and organisation given to the same name already there."""
    same = next((o for o in people if o.name.lower() == p.name.lower()), None)
    if same is None:
        people.append(p)
    else:
        same.title = same.title or p.title
        same.organization = same.organization or p.organization


#: A name an article defines a short term for: 'Acme Holdings Limited ("AHL" or "the Company")'.
DEFINED_TERM_RE = re.compile(r"((?:[A-Z][\w&'’.-]*\s+(?:(?:of|and|for|de|&)\s+)?){1,8})\(\s*(?:the\s+)?[\"“]([^\"”)]{2,40})[\"”]"
                             r"(?:\s*(?:or|and|,)\s*(?:the\s+)?[\"“]([^\"”)]{2,40})[\"”])?\s*\)")


def _defined(name: str, text: str) -> str:
    """"the Company" or "CCBH" that the article defines as 'Coral Holdings Limited ("CCBH" or "the
    Company")': the name defined; else ``name``."""
    key = re.sub(r"^the\s+", "", name.strip(), flags=re.I).lower()
    for m in DEFINED_TERM_RE.finditer(text):
        terms = {re.sub(r"^the\s+", "", t.strip(), flags=re.I).lower() for t in m.groups()[1:] if t}
        if key in terms:
            full = _clean(m.group(1)) or ""
            legal = _legal_names(full)
            if legal:  # "The Board of Directors of Coral Holdings Limited": the company's name
                return legal[-1]
            words = full.split()
            while "of" in words[:-1] and any(w.lower() in ROLE_WORDS | {"board", "directors"}
                                             for w in words[:words.index("of")]):
                words = words[words.index("of") + 1:]
            while len(words) > 1 and words[0] in ("The", "A", "An"):
                words = words[1:]
            return " ".join(words) or name
    return name


def _expanded(name: str, text: str, names: list[str]) -> str:
    """An abbreviation the article defines ("Full Name (ABBR)") as the full name, else ``name``."""
    name = _defined(name, text)
    if not (name.isupper() and 2 <= len(name) <= 8 and f"({name})" in text):
        return name
    before = text[:text.index(f"({name})")].rstrip()
    full = [n for n in names if n != name and before.endswith(n)]
    if full:
        return max(full, key=len)
    # the capitalised words before "(WIA)" whose initials spell it: "Windward Isles Airways Ltd (WIA)"
    words = before.split()
    for k in range(1, min(len(words), 10) + 1):
        cand = words[-k:]
        if not (cand[0][:1].isupper() or cand[0] in ("of", "and", "for", "&", "the") + NAME_PARTICLES):
            break  # a lower-case word that is no connector: the name began after it
        if not cand[0][:1].isupper():
            continue  # a connector cannot start the name
        initials = [w[0] for w in cand if w[:1].isupper()]
        it = iter(initials)
        if initials[0] == name[0] and all(ch in it for ch in name):
            return _clean(" ".join(cand)) or name
    return name


#: Last words that make a "party" a person speaking for it ("a Teravine spokesperson").
SPEAKER_WORDS = {"spokesperson", "spokesman", "spokeswoman", "spokespeople", "official", "officials", "source",
                 "sources", "representative", "representatives", "statement"}
#: Last words that make a "party" the agreement itself ("Rail maintenance contract and farm loan signed").
DEAL_WORDS = AGREEMENT_NOUNS | {"loan", "loans", "bond", "bonds", "concessions", "sale", "purchase"}


def _referent(name: str, article_parties: list[str]) -> str:
    """"the ministry", "the company": the article's one party of that kind, else the words as they are."""
    if name.lower() not in ORG_DESCRIPTORS:
        return name
    kinds = [a for a in article_parties if a.lower() != name.lower() and name.lower() in a.lower().split()]
    if len(kinds) == 1:
        return kinds[0]
    if not kinds and article_parties and name.lower() in ARTICLE_SUBJECT_WORDS and \
            not article_parties[0][:1].islower():
        return article_parties[0]  # "the company" of an article about one company: the one it is about
    return name


#: Words that, with "the", stand for the organisation the article is about ("the company inked ...").
ARTICLE_SUBJECT_WORDS = {"company", "firm", "group", "carmaker", "automaker", "retailer", "lender", "operator",
                         "producer", "supplier", "manufacturer", "insurer", "airline", "carrier", "miner", "club"}


#: Titles that only a person holds ("Minister", "Mayor"): a "party" with one and no organisation's head
#: word is a description of people.
PERSON_ROLES = {"minister", "mayor", "governor", "president", "chairman", "chairwoman", "chairperson", "ambassador",
                "premier", "secretary-general", "vice-chancellor", "rector", "ceo"}
#: Words before a name that describe it ("UK-listed", "Oslo-based", "state-owned").
DESCRIBING_RE = re.compile(r"^[\w.]+-(?:listed|based|owned|run|backed|headquartered|registered|controlled|led|"
                           r"focused|born)$", re.I)
#: First words of names with a possessive inside ("St Brigid's University Hospital", "King's College").
POSSESSIVE_NAMES = {"St", "St.", "Saint", "Ste", "Ste.", "King's", "Queen's", "King’s", "Queen’s"}


def _real_parties(parties: list[str], people: list[Signatory]) -> list[str]:
    """Parties without what is not one: a signatory's name, an agreement ("farm loan"), and with the
    speaker cut off ("Teravine spokesperson" -> "Teravine")."""
    names = {p.name.lower() for p in people if p.named}
    out = []
    for x in parties:
        for mark in ("'s ", "’s "):
            if mark in x and x.split()[0] not in POSSESSIVE_NAMES and \
                    not re.search(r"\b(?:People|Children|Women|Men|Workers|Farmers)" + mark, x):
                # "Ha Tinh Provincial People's Committee", "Hanoi Women's Union" are names
                # "Zambia's Ministry of Energy" -> the ministry; "Acme's board" -> Acme
                head, tail = x.split(mark, 1)
                x = tail if tail[:1].isupper() else head
        words = x.split()
        while len(words) > 1 and DESCRIBING_RE.match(words[0]):
            words = words[1:]  # "UK-listed Kestrel & Dunmore Logistics plc", "Oslo-based X"
        x = " ".join(words)
        if words and all(w.lower().strip(".") in NAME_TITLES | HONORIFICS | TITLE_PREFIX or
                         w.lower().split("-")[-1] in NAME_TITLES for w in words):
            continue  # "co-founder", "Vice-Chancellor Prof.": a person's title
        if words and words[0].lower() in ("its", "their", "his", "her", "our"):
            continue  # "USTP was represented by its Vice-Chancellor": a person of a party, no party
        if any(w[:1].isupper() and w.lower() in PERSON_ROLES for w in words) and \
                not any(w.lower().strip(".,") in NAME_HEADS for w in words):
            continue  # "Vietnamese Minister of Transport A and Lao Minister of Public Works": people
        if len(words) >= 2 and words[-1].islower() and words[-1] in NAME_HEADS - ORG_DESCRIPTORS and \
                words[-2][:1].isupper() and not LEGAL_FORM_RE.search(words[-1]):
            words = words[:-1]  # "the Yayasan Sungai Lestari foundation": the name is what comes before
            x = " ".join(words)
        if words and words[-1][:1].islower() and (len(words) == 1 or words[-1].lower() not in ORG_DESCRIPTORS) \
                and not (len(words) > 1 and LEGAL_FORM_RE.search(words[-1])):
            continue  # "Hungarian cities", "ministry": a description, not a name ("Ardent city government" is one)
        while len(words) > 1 and words[-1].lower() in SPEAKER_WORDS | ROLE_WORDS:
            words = words[:-1]
        x = " ".join(words)
        if not x or x.lower() in names or words[-1].lower() in DEAL_WORDS or \
                x.lower().strip(".") in HONORIFICS | TITLE_PREFIX or sum(ch.isalpha() for ch in x) < 2:
            continue  # "Prof.", "-": pieces of a parse, not a name
        if len(words) == 1 and x.isupper() and len(x) > 5:  # "PELLWORTH — ...": a dateline
            continue
        out.append(x)
    return _dedupe(out)


def _real_people(people: list[Signatory], parties: list[str]) -> list[Signatory]:
    """Signatories without what is not a person: a party's name or part of one, another signatory's
    organisation ("Togo" of "Minister of Water of Togo"); a description ("the institute's president")
    goes when the event names people."""
    def not_person(p: Signatory) -> bool:
        t = _tokens(p.name)
        if not p.named or not t:
            return False
        others = [o.organization for o in people if o is not p and o.organization]
        return any(t <= _tokens(o) for o in others) or any(t < _tokens(x) for x in parties)

    kept = [p for p in people if not not_person(p)]
    if any(p.named for p in kept):
        kept = [p for p in kept if p.named]
    return kept


def _build_event(data, doc_id: str, meta: dict, cluster: list[Mention], article_parties: list[str]) -> SigningEvent:
    people: list[Signatory] = []
    for m in cluster:
        for s in m.signatories:
            _add_person(people, s)
    parties: list[str] = []
    for m in sorted(cluster, key=lambda x: (not x.headline, x.sent)):
        parties = _dedupe(parties + m.parties)
    # "Altura chief executive Sofia Brandt" read as two people: a one-word "person" that starts a party's
    # name is that organisation
    people = [p for p in people if not (p.named and len(p.name.split()) == 1 and
                                        any(_tokens(p.name) <= _tokens(x) for x in parties))]
    # "Valtren signed ...": a one-word "person" that is part of a party the article names is that party
    for p in people:
        if p.named and len(p.name.split()) == 1:
            whole = [a for a in article_parties if _tokens(p.name) < _tokens(a)]
            if whole:
                parties = _dedupe(parties + whole[:1])
    # "the Mayor of A, Councillor B": the description goes below, the organisation it names stays
    described = [p.organization for p in people if not p.named and p.organization]
    people = _real_people(people, parties)
    parties = _real_parties([_referent(x, article_parties) for x in parties], people)
    body = _real_parties([_referent(x, article_parties) for m in cluster if not m.headline for x in m.parties],
                         people)
    if len(body) >= 2:  # "Mozambique and Portugal sign ...": a headline shortens the names the body gives
        parties = [p for p in parties if p in body or any(_same_name(p, b) for b in body)]
    if not parties and any(m.placeholder for m in cluster):
        parties = list(article_parties)
    if len(parties) < 2:  # "A, general manager of X, and B, dean of Y, signed": X and Y
        orgs = _real_parties([p.organization for p in people if p.organization] + described, people)
        parties = _dedupe(parties + orgs)
    # agreement: the most specific name (not a company's name the parse took for it)
    names = [m.agreement for m in sorted(cluster, key=lambda x: x.headline)
             if m.agreement and not LEGAL_FORM_RE.search(m.agreement.split()[-1])]
    agreement = max(names, key=lambda a: (len(_agreement_key(a)), -names.index(a)), default=None)
    if agreement and not _agreement_key(agreement):
        agreement = next((a for a in names if a[:1].isupper() and len(a.split()) >= len(agreement.split())),
                         agreement)
    subject = next((m.subject for m in cluster if m.subject), None)
    date_text = next((m.date_text for m in cluster if m.date_text), None) or \
        next((m.near_date for m in cluster if m.near_date and m.strong and not m.headline), None)
    date = date_source = None
    if date_text:
        date = resolve_date(date_text, meta.get("date"))
        date_source = "sentence" if date else "unresolved"
    place = next((m.place for m in cluster if m.place), None)
    # the quote: the sentence naming the signatories, else the first body sentence that reports it
    main = next((m for m in cluster if m.signatories and m.strong), None) or \
        next((m for m in cluster if m.signatories), None) or \
        next((m for m in cluster if m.strong and not m.headline), None) or \
        next((m for m in cluster if not m.headline), None) or cluster[0]
    sents = sorted({m.sent for m in cluster})
    return SigningEvent(
        doc=doc_id, title=meta.get("title"), date=date, date_source=date_source, date_text=date_text, place=place,
        parties=parties, signatories=people, agreement=agreement, subject=subject, quote=data.sent_quotes[main.sent],
        start=int(data.sent_start[main.sent]), end=int(data.sent_end[main.sent]), sentences=sents,
        quotes=[{"quote": data.sent_quotes[i], "start": int(data.sent_start[i]), "end": int(data.sent_end[i])}
                for i in sents])


def _fill_titles(data, sents: list[int], events: list[SigningEvent]) -> None:
    """Signatories named without a title: look for "Name, Title of Org," elsewhere in the article."""
    from .nlp import parse_many

    missing = [s for ev in events for s in ev.signatories if s.named and not s.title and not s.organization]
    if not missing:
        return
    texts = {i: data.sent_texts[i] for i in sents if any(s.name in data.sent_texts[i] for s in missing)}
    docs = dict(zip(texts, parse_many(list(texts.values()))))
    for s in missing:
        for i, doc in docs.items():
            for ent in doc.ents:
                if ent.label_ == "PERSON" and _clean(ent.text) == s.name:
                    title, org = _describe(doc, ent, 0, len(doc))
                    if title or org:
                        s.title, s.organization = title, org
                        break
            if s.title or s.organization:
                break


def stored_signings(data) -> list[SigningEvent] | None:
    """The signing events stored in the loaded index at index time, in document order; None when the
    index holds none of the current version (built before they were stored)."""
    facts = data.facts() if hasattr(data, "facts") else None
    if not facts or facts.get("version") != FACTS_VERSION:
        return None
    docs = facts.get("docs", {})
    return [SigningEvent.from_dict(e) for d in data.doc_ids for e in (docs.get(d) or {}).get("signings", [])]


def signings_for_engine(engine) -> list[SigningEvent]:
    """The signing events of the engine's loaded index: those stored at index time (read once per
    index version). An index built before they were stored has them extracted here, once, with a
    warning that the next ``index`` run stores them."""
    data = engine.data
    # data_dir names a version folder uniquely (timestamp + random id): the same key means the same data
    key = (str(getattr(engine.config, "index_dir", "")), data.manifest.get("data_dir"))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    events = stored_signings(data)
    if events is None:
        log.warning("The index in %s holds no stored signings (built by an older version): extracting them now. "
                    "Run python -m qa index to store them.", getattr(engine.config, "index_dir", "?"))
        events = extract_signings(data)
    with _cache_lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = events
    return events


# ----------------------------------------------------------------------------------------------
# output

def _people_text(ev: SigningEvent) -> str:
    parts = []
    for s in ev.signatories:
        extra = ", ".join(x for x in (s.title, s.organization) if x)
        parts.append(f"{s.name} ({extra})" if extra else s.name)
    return "; ".join(parts) or "—"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def format_table(events: list[SigningEvent]) -> str:
    """A readable terminal table: one block of rows per signing event."""
    if not events:
        return "No signings found in the documents."
    cols = [("Date", 12), ("Place", 16), ("Parties", 30), ("Signatories", 44), ("Agreement", 34)]
    sep = "+" + "+".join("-" * (w + 2) for _, w in cols) + "+"
    lines = [sep, "|" + "|".join(f" {n:<{w}} " for n, w in cols) + "|", sep.replace("-", "=")]
    for n, ev in enumerate(events, 1):
        date = ev.date or (f"{ev.date_text}?" if ev.date_text else "—")
        if ev.date and ev.date_source == "article date":
            date += "*"
        agreement = ev.agreement or "—"
        if ev.subject and not _agreement_key(ev.agreement):
            agreement += f" ({ev.subject})"
        cells = [date, ev.place or "—", "; ".join(ev.parties) or "—", _people_text(ev), agreement]
        wrapped = [_wrap(c, w) for c, (_, w) in zip(cells, cols)]
        for r in range(max(len(x) for x in wrapped)):
            lines.append("|" + "|".join(f" {(x[r] if r < len(x) else ''):<{w}} " for x, (_, w) in zip(wrapped, cols))
                         + "|")
        quote = " ".join(ev.quote.split())
        if len(quote) > 220:
            quote = quote[:217] + "..."
        lines.append(f"| [{n}] {ev.doc} (chars {ev.start}-{ev.end}): \u201c{quote}\u201d")
        if ev.witnesses:
            lines.append("| witnessed by: " + "; ".join(f"{w.name}, {w.title}" if w.title else w.name
                                                        for w in ev.witnesses))
        lines.append(sep)
    lines.append(f"{len(events)} signing(s). * = article date (the text gives no date); ? = not resolvable.")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# questions: "who signed the agreement with X?"

WHO_SIGNED_RE = re.compile(r"\b(?:who|which\b.*\b(?:officials?|people|persons?|executives?|leaders?|representatives?))\b"
                           r".*\b(sign(?:ed|s)?|ink(?:ed|s)?|seal(?:ed|s)?|conclud(?:ed|es)|enter(?:ed|s)?\s+into|"
                           r"put\s+(?:their|his|her)\s+(?:names?|signatures?)\s+(?:to|on))\b|\bsignator(?:y|ies)\b",
                           re.I)
QUESTION_STOP = STOP | {"who", "signed", "sign", "signs", "inked", "sealed", "concluded", "entered", "into", "put",
                        "names", "name", "signatures", "signature", "officials", "official", "two", "executives",
                        "agreement", "deal", "contract", "pact", "memorandum", "was", "were", "did", "is", "are",
                        "which", "what", "people", "person", "persons", "signatories", "signatory", "names",
                        "pen", "paper", "represented", "represent", "behalf", "signing", "for", "their", "his",
                        "her"}


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _party_tokens(ev: SigningEvent) -> list[set[str]]:
    """The tokens of each party of an event, and of each signatory's organisation."""
    return [_tokens(p) for p in ev.parties] + [_tokens(s.organization) for s in ev.signatories]


def _event_tokens(ev: SigningEvent) -> set[str]:
    """Every token an event says: title, its sentences, agreement, parties (worked out once per event:
    every signing question reads every event)."""
    if ev._tokens is None:
        ev._tokens = frozenset(_tokens(ev.title) | _tokens(ev.quote) | _tokens(ev.agreement) |
                               set().union(*_party_tokens(ev)) | set().union(*(_tokens(w["quote"]) for w in ev.quotes)))
    return ev._tokens


def _event_stems(ev: SigningEvent) -> frozenset[str]:
    """The stems of :func:`_event_tokens` (worked out once per event)."""
    if ev._stems is None:
        ev._stems = frozenset(_stemmed(_event_tokens(ev)))
    return ev._stems


def _connects(ev: SigningEvent, names: list[str]) -> bool:
    """Whether one event (with or without known signatories) names all of ``names``."""
    tokens = _event_tokens(ev)
    return all((_tokens(n) - QUESTION_STOP) <= tokens for n in names)


def answer_from_signings(events: list[SigningEvent], question: str, asks: bool = False) -> dict | None:
    """Answer "who signed the agreement with X / between X and Y" from the table, or None; for "between
    X and Y" when no event names them all, ``{"no_event": True, "names": [...]}``. ``asks``: the caller
    knows the question asks who signed (the intent model), whatever its wording."""
    if not question or not (asks or WHO_SIGNED_RE.search(question)):
        return None
    names, rest_tokens = _asked_names(question)
    if not names and not rest_tokens:
        # "Who signed the agreement?": only when the corpus holds exactly one event with signatories
        with_people = [e for e in events if e.signatories]
        if len(with_people) != 1:
            return None
        best = with_people[0]
    else:
        # a name the question gives outside "with/between" must be the event's too (a "Tarvelle copper joint
        # venture" is not another article's copper joint venture)
        proper = _stemmed(_proper_words(question) & rest_tokens)
        # at least half of those words ("... at the X Energy Forum")
        scored = [x for x in _scored(events, names, rest_tokens, people=True)
                  if 2 * len(proper & _event_stems(x[2])) >= len(proper)]
        if not scored:
            if len(names) >= 2 and not any(_connects(ev, names) for ev in events):
                # "between X and Y": the documents record signings, none of them between these parties
                return {"no_event": True, "names": [n.strip() for n in names]}
            return None
        best = _best(scored)
        if best is None:
            return None  # two articles match equally well: let retrieval answer
    return {"answer": _join(best.signatory_names()), "event": best, "quote": best.quote, "doc": best.doc,
            "start": best.start, "end": best.end, "title": best.title, "date": best.date,
            "signatories": [s.to_dict() for s in best.signatories], "parties": list(best.parties)}


def _asked_names(question: str) -> tuple[list[str], set[str]]:
    """The names after "with/between/among" and the other key words of a question about a signing."""
    q = question.strip().rstrip("?").strip()
    names: list[str] = []
    m = re.search(r"\b(?:with|between|among)\s+(.+)$", q, re.I)
    if m:
        names = [x for x in re.split(r",|\band\b|&", m.group(1)) if _tokens(x) - QUESTION_STOP]
    rest = q[: m.start()] if m else q
    return names, _tokens(rest) - QUESTION_STOP


def _proper_words(question: str) -> set[str]:
    """The capitalised words of a question that name something ("Tarvelle" of "Who signed the Tarvelle
    copper deal?"; not its first word, nor a short form such as "MoU" or "USTP")."""
    words = re.findall(r"[^\W\d_][\w'’-]*", question)
    return {w.lower() for w in words[1:] if w[:1].isupper() and not w.isupper() and sum(c.isupper() for c in w) == 1
            and len(w) > 2} - QUESTION_STOP


def _stemmed(tokens: set[str]) -> set[str]:
    from .bm25 import _stemmer

    return set(_stemmer().stemWords(sorted(tokens)))


def _scored(events: list[SigningEvent], names: list[str], rest_tokens: set[str], people: bool):
    """(score, own, event) of the events the question's names and words fit, best first."""
    scored = []
    for ev in events:
        if people and not ev.signatories:
            continue
        party_tokens = _party_tokens(ev)
        context = _event_tokens(ev)
        score = 0.0
        ok = True
        for name in names:
            nt = _tokens(name) - QUESTION_STOP
            if any(nt and nt <= pt for pt in party_tokens):
                score += 2
            elif nt and nt <= context:
                score += 1
            else:
                ok = False
        if rest_tokens:
            # word forms apart ("turboprop" / "turboprops", "manufacturer" / "manufacturer's") are the same
            hit = len(_stemmed(rest_tokens) & _event_stems(ev)) / len(rest_tokens)
            if not names and hit < 0.6:
                ok = False
            score += hit
        if ok:
            # ties (two signings of one article share its sentences) go to the one whose own agreement
            # and parties the question names
            own = len(rest_tokens & (_tokens(ev.agreement) | set().union(*_party_tokens(ev))))
            scored.append((score, own, ev))
    scored.sort(key=lambda x: (-x[0], -x[1]))
    return scored


def _best(scored) -> SigningEvent | None:
    """The best event of :func:`_scored`'s list; None when there is none or two articles fit equally."""
    if not scored or (len(scored) > 1 and scored[0][:2] == scored[1][:2] and scored[0][2].doc != scored[1][2].doc):
        return None
    return scored[0][2]


#: The words that ask for the date or the place of a signing.
SLOT_ASKED_RE = {"date": re.compile(r"\bwhen\b|\b(?:what|which)\s+(?:day|date|month|year|time)\b|"
                                   r"\b(?:on|in)\s+(?:what|which)\b|\bhow\s+long\s+ago\b", re.I),
                 "place": re.compile(r"\bwhere\b|\b(?:in|at)\s+(?:what|which)\b|\b(?:what|which)\s+"
                                    r"(?:city|town|venue|place|location|building|hotel)\b", re.I)}


def slot_from_signings(events: list[SigningEvent], question: str, slot: str) -> dict | None:
    """The date ("date") or place ("place") of the one stored signing a "when/where was X signed"
    question names (its agreement, parties or the words of its sentences), with the event sentence that
    says it; None when no event fits, two articles fit equally, or the event's sentences do not say it."""
    if slot not in ("date", "place") or not CANDIDATE_RE.search(question or ""):
        return None
    if not SLOT_ASKED_RE[slot].search(question):
        return None  # "Which two countries signed ...?" asks who, whatever kind of answer it expects
    names, rest = _asked_names(question)
    if not names and not rest:
        return None
    ev = _best(_scored(events, names, rest, people=False))
    if ev is None:
        return None
    text = ev.date_text if slot == "date" and ev.date_source == "sentence" else ev.place if slot == "place" else None
    if not text:
        return None
    def gap(w: dict) -> int:  # how far the date or place is from the sentence's word for signing
        i = w["quote"].index(text)
        return min((abs(i - m.end()) for m in CANDIDATE_RE.finditer(w["quote"])), default=10_000)

    says = [w for w in ev.quotes if text in w["quote"] and w["quote"] != ev.title]
    if not says:
        return None
    where = min(says, key=gap)
    i = where["quote"].index(text)
    return {"answer": text, "doc": ev.doc, "quote": where["quote"], "start": int(where["start"]),
            "end": int(where["end"]), "answer_start": int(where["start"]) + i,
            "answer_end": int(where["start"]) + i + len(text), "event": ev}


#: "With whom did X sign ...", "Who did X sign ... with?", "Which company inked a deal with X?": the
#: question asks for the other party of a signing, not for who signed.
PARTY_ASKED_RE = re.compile(
    r"\bwith\s+(?:whom|which|what)\b|^\s*(?:who|whom)\s+(?:did|does|has|had|will|was|were)\b.*\bwith\s*[?.!]*\s*$"
    r"|^\s*(?:which|what)\s+(?:[\w-]+\s+){0,2}?(?:compan(?:y|ies)|firms?|universit(?:y|ies)|banks?|"
    r"organi[sz]ations?|partners?|countr(?:y|ies)|governments?|institut(?:e|es|ions?)|clubs?|groups?|makers?|"
    r"suppliers?|towns?|cit(?:y|ies)|brands?|insurers?|lenders?|airlines?|ministr(?:y|ies)|parties|sides?)\b"
    r"(?!\s*(?:'s|’s))", re.I)


def asks_for_party(question: str) -> bool:
    """Whether a question asks for the other party of a signing ("With whom did X sign ...?"), with a
    word about a signing in it ("Which city hosted the games?" has none)."""
    if not question or not PARTY_ASKED_RE.search(question):
        return False
    words = set(re.findall(r"[a-z]+", question.lower()))
    return bool(CANDIDATE_RE.search(question) or words & AGREEMENT_NOUNS or
                re.search(r"\bpartner(?:s|ed|ing|ship)?\b|\bteamed\s+up\b", question, re.I))


def party_from_signings(events: list[SigningEvent], question: str) -> dict | None:
    """"With whom did X sign ...?": the other parties of the one stored signing whose parties the question
    names (at least one named, at least one not), with the event sentence that names them; None when the
    question does not ask that, no event fits, or two articles fit equally."""
    if not asks_for_party(question):
        return None
    qt = _tokens(question) - QUESTION_STOP
    asked_short = {w.lower() for w in re.findall(r"\b[A-Z][A-Z&]{1,7}\b", question)} - {"mou", "jv", "ppa", "spa"}
    scored = []
    for ev in events:
        named, other = [], []
        for p in ev.parties:
            pt = _tokens(p) - STOP
            own = pt - NAME_HEADS
            hit = pt & qt
            # "USTP" for "Universiti Sains dan Teknologi Perak": the question names it by its initials
            short = len(p.split()) >= 3 and bool(_initials(p) & asked_short)
            (named if short or (own & qt and len(hit) * 2 >= len(pt)) else other).append(p)
        if not named or not other:
            continue
        rest = qt - set().union(*(_tokens(p) for p in named))
        words = _event_tokens(ev)
        score = sum(len(_tokens(p) & qt) for p in named) + (len(rest & words) / len(rest) if rest else 0.0)
        # the words that name this agreement ("offtake") tell it from the same party's other signings
        score += len(_stemmed(rest) & _stemmed(_agreement_key(ev.agreement)))
        scored.append((score, len(rest & _tokens(ev.agreement)), ev, other))
    scored.sort(key=lambda x: (-x[0], -x[1]))
    if not scored or (len(scored) > 1 and scored[0][:2] == scored[1][:2] and scored[0][2].doc != scored[1][2].doc):
        return None
    _, _, ev, other = scored[0]
    body = [w for w in ev.quotes if w["quote"] != ev.title] or ev.quotes
    where = next((w for w in body if all(p in w["quote"] for p in other)), None) or \
        next((w for w in body if any(p in w["quote"] for p in other)), None) or \
        next((w for w in ev.quotes if any(p in w["quote"] for p in other)), None)  # the headline's words
    if where is None:
        return None
    spans = [[int(where["start"]) + where["quote"].index(p), int(where["start"]) + where["quote"].index(p) + len(p)]
             for p in other if p in where["quote"]]
    return {"answer": _join(other), "doc": ev.doc, "quote": where["quote"], "start": int(where["start"]),
            "end": int(where["end"]), "spans": sorted(spans), "event": ev}


__all__ = ["SigningEvent", "Signatory", "Mention", "extract_signings", "extract_document", "stored_signings",
           "signings_for_engine", "format_table",
           "answer_from_signings", "slot_from_signings", "party_from_signings", "mentions_in_sentence", "merge_mentions"]
