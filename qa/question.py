"""Understand a question: the kind of answer it wants, its key terms, follow-ups."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .bm25 import stopwords, tokenize

#: The kinds of answer a question can ask for (reported with the answer; "who" questions about a
#: signing are answered from the signing events).
ANSWER_TYPES = ("person", "who", "org", "date", "place", "number", "money", "percent", "duration", "thing", "reason")
#: ("capital" alone is a city; "amount of time/oil" is not money)
MONEY_NOUNS = r"(?:investment|cost|price|value|worth|amount(?! of (?!money|cash|funding|funds|investment))|revenue|" \
              r"budget|funding|fund|funds|salary|fee|fees|sum|(?:(?<=registered )|(?<=share )|(?<=venture ))capital|" \
              r"spending|expenditure|profit|sales|turnover|deal size|loan|fine|compensation)"
COUNT_NOUNS = r"(?:number|population|employees|staff|workers|members|people|students|count|total)"
PLACE_NOUNS = r"(?:city|cities|country|countries|place|location|venue|province|state|region|town|campus|site|building|" \
              r"nation|continent|county|capital|colony|island|river|mountain|area|territory|district)"
ORG_NOUNS = r"(?:organi[sz]ations?|company|companies|firm|firms|university|universities|institutions?|agency|agencies|" \
            r"group|groups|team|party|parties|government|governments|school|schools|enterprises?|bank|banks|ministry)"
PERSON_NOUNS = r"(?:person|man|woman|official|officials|president|chairman|chairwoman|leader|director|minister|" \
               r"secretary|signatory|signatories|representative|ceo|king|queen|emperor|empress|author|scientist|" \
               r"player|actor|actress|singer|astronomer|governor|general|commander|admiral|chancellor|physicist|" \
               r"chemist|mathematician|philosopher|poet|writer|painter|artist|architect|engineer|inventor|explorer|" \
               r"composer|musician|bishop|pope|priest|pastor|reformer|ruler|monarch|prince|princess|duke|lord|" \
               r"officer|judge|lawyer|professor|economist|historian|politician|senator|mayor|founder|owner|" \
               r"coach|manager|spokesman|spokeswoman|ambassador|envoy|diplomat|general|pharaoh|sultan|khan|" \
               r"missionary|theologian|scholar|student|teacher|journalist|editor|producer|designer)s?"

#: Auxiliary verbs: "what did engineers ..." asks about something engineers did, not about engineers.
AUXILIARIES = r"(?:did|does|do|is|was|are|were|has|have|had|can|could|will|would|should|might|may|must)"
#: One word between "what/which" and its noun ("what Irish city"), but not an auxiliary.
MOD = rf"(?:(?!{AUXILIARIES}\b)\w+ )?"

RULES: list[tuple[str, str]] = [
    (rf"\b(?:what|which) {MOD}(?:year|years|date|day|month|century|decade|era)\b(?! of\b)", "date"),
    (r"^\s*(?:in |on |at |by |from |since |until )?when\b|\bwhat (?:year|date)\b|\bwhen\W*$", "date"),
    (r"\bhow (?:long|old)\b|\bamount of time\b", "duration"),
    (r"\bhow much\b.*\b(?:costs?|costing|pay|pays|paying|paid|worth|money|invest|invests|investing|spend|spends|spending|spent|raise|raised|price|dollars?|yuan|euros?|pounds?)\b|\bin (?:yuan|dollars|euros|pounds|rmb|usd)\b", "money"),
    (rf"\b(?:what|which) (?:was |is |were |are )?(?:the )?{MOD}{MONEY_NOUNS}\b", "money"),
    (r"\bwhat percent(?:age)?\b|\bwhat share\b|\bhow many percent\b", "percent"),
    (r"\bhow (?:many|much)\b|\bwhat (?:is |was )?the (?:number|population|count)\b", "number"),
    (rf"\b(?:what|which) (?:was |is |were |are )?(?:the )?(?:total )?{COUNT_NOUNS} of\b", "number"),
    (r"^\s*(?:in |at |from )?where\b|\bwhere (?:was|were|is|are|did|do|does)\b|\bwhere\W*$", "place"),
    (rf"\b(?:what|which) {MOD}{PLACE_NOUNS}\b", "place"),
    (rf"\b(?:what|which) {MOD}{ORG_NOUNS}\b", "org"),
    (rf"\b(?:what|which) {MOD}{PERSON_NOUNS}\b", "person"),
    (r"^\s*(?:\w+ )?(?:who|whom|whose)\b|\bwho\b", "who"),
    (r"\bwhy\b|\bfor what reason\b|\bhow (?:did|does|do|can|could|will|would|should|might|must|may|is|was|are|were|has|have|had)\b", "reason"),
]
#: A question opening with a "when" clause, as in "When X happens, what ...?"
LEADING_WHEN = re.compile(rf"\s*when\b(?!\s+{AUXILIARIES}\b)(.*)")
ANAPHORA_RE = re.compile(r"\b(?:they|them|their|theirs|it|its|he|him|his|she|her|hers|this|that|these|those|there|"
                         r"the two|both|the same|the agreement|the deal|the ceremony|the event|the meeting)\b", re.I)
CAP_RE = re.compile(r"\b[A-Z][\w'’.\-]*(?:\s+(?:of|and|for|the|de|du|van|von|&)?\s*[A-Z][\w'’.\-]*)*")
NUM_RE = re.compile(r"\b\d[\d,.]*\b")
QUESTION_OPENERS = {"who", "what", "when", "where", "which", "why", "how", "whom", "whose", "in", "on", "at", "did",
                    "does", "do", "is", "was", "were", "are", "and", "but", "so", "then", "for", "from", "by", "the",
                    "a", "an", "to", "of", "with", "can", "could", "will", "would", "has", "have", "had", "tell", "name",
                    "list", "give", "according"}


@dataclass
class Question:
    """A parsed question."""

    text: str  # as asked
    search_text: str  # what retrieval searches (with the topic of earlier turns for follow-ups)
    answer_type: str  # key of TYPE_LABELS
    terms: list[str]  # stemmed content tokens of the question itself
    key_terms: list[str] = field(default_factory=list)  # stemmed tokens of names/numbers it mentions
    context_terms: list[str] = field(default_factory=list)  # stemmed tokens carried over from history
    is_followup: bool = False


def answer_type(question: str) -> str:
    """The kind of answer the question asks for (one of ``ANSWER_TYPES``)."""
    q = question.lower()
    m = LEADING_WHEN.match(q)
    if m and (re.search(r"\bwhat\b", m.group(1)) or re.search(r",.*\b(?:what|which|who|whom|where|how)\b", m.group(1))):
        q = m.group(1)  # "When B cells replicate, what do they become?" asks the "what"
    for pattern, kind in RULES:
        if re.search(pattern, q):
            return kind
    return "thing"


#: A span that is only a length of time ("five-year", "three seasons", "25 years").
DURATION_SPAN_RE = re.compile(
    r"^(?:the |a |an |next |for |over )*(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|several|few)[- ](?:years?|months?|weeks?|days?|seasons?|decades?)(?:[- ]long)?$",
    re.I)


#: A question that asks for a price or a value: "how much is it worth / does it cost / is X paying", "what is
#: X worth", "what is the value of X", "what tariff will X pay".
PRICE_QUESTION_RE = re.compile(
    r"\bhow\s+much\b.*\b(?:worth|cost|costs|costing|pay|pays|paid|paying|charge[sd]?|charging|price[sd]?|fee)\b|"
    r"\bwhat\s+(?:is|was|were|are|will\s+be)\b.*\bworth\b|"
    r"\bwhat\s+(?:is|was|will\s+be)\s+the\s+(?:value|price|tariff|fee|cost)\s+of\b|"
    r"\bwhat\s+(?:tariff|price|fee|rent|premium)\b.*\b(?:pay|pays|paid|paying|charge[sd]?|charging)\b", re.I)
#: A currency: its sign, its three-letter code or its name.
CURRENCY_RE = re.compile(r"[$€£¥₹₩₦]|\b(?:(?-i:[A-Z]{3})|dollars?|euros?|pounds?|yen|yuan|rupees?|ringgit|pesos?|"
                         r"francs?|shillings?|naira|dirhams?|riyals?|rubles?|baht|taka|soles?|reais|sterling)\b", re.I)
#: What an amount of money is written with: a currency, a number or its size, "free", or a share of another.
AMOUNT_RE = re.compile(
    r"\d|" + CURRENCY_RE.pattern + r"|\b(?:(?-i:Rs|RM|Tk|Sh)|cents?|pence|penny|pennies|halfpenny|renminbi|marks?|"
    r"guineas?|crowns?|kron[ae]r?|krona|zlot(?:y|ys|ych)|rand|cedis?|dinars?|rials?|roubles?|lira|won|real|ducats?|"
    r"florins?|livres?|million|billion|trillion|thousand|hundred|bn|mn|free|nothing|half|quarter|third|double[sd]?|"
    r"twice|triple[sd]?)\b", re.I)
PERCENT_RE = re.compile(r"%|\bper\s*cent\b|\bpercent\b", re.I)


def mismatched(kind: str, span: str | None, question: str | None = None) -> bool:
    """Whether a short answer cannot be what a question of answer type ``kind`` asks: a length of time for
    "how much is it worth" (a deal whose article gives its term but no value), or, for a question that
    asks a price or value (:data:`PRICE_QUESTION_RE`), a span with no amount in it ("robotic cells",
    "Limited") or, for "worth", a share ("15 per cent"). Of SQuAD 1.1 train's 189 answerable price
    questions 7 have a gold answer it would call mismatched (4 %, mostly "the value of X" in another
    sense); none of SQuAD 2.0 dev's 4."""
    if not span:
        return False
    s = span.strip(" .,;:")
    if kind == "money" and DURATION_SPAN_RE.match(s):
        return True
    if question is None or not PRICE_QUESTION_RE.search(question):
        return False
    if re.search(r"\bworth\b", question, re.I) and PERCENT_RE.search(s) and not CURRENCY_RE.search(s):
        return True
    return not (AMOUNT_RE.search(s) or PERCENT_RE.search(s))


def key_phrases(question: str) -> list[str]:
    """Names and numbers the question mentions (capitalised phrases not opening it)."""
    phrases = []
    for m in CAP_RE.finditer(question):
        words = m.group(0).split()
        # the question's first word is capitalised anyway; so are openers like "Who"/"In"
        if m.start() == len(question) - len(question.lstrip()) and not words[0].isupper():
            words = words[1:]
        while words and words[0].lower().strip("'’") in QUESTION_OPENERS:
            words = words[1:]
        phrase = " ".join(words)
        if phrase:
            phrases.append(phrase)
    phrases += NUM_RE.findall(question)
    return phrases


def _stems(phrases: list[str]) -> list[str]:
    out: list[str] = []
    for p in phrases:
        for t in tokenize(p):
            if t not in out:
                out.append(t)
    return out


def is_followup(question: str, history: list[str]) -> bool:
    """A question that leans on earlier turns: pronouns/“that X” without names of its own, or very short."""
    if not history:
        return False
    own_keys = [p for p in key_phrases(question) if not NUM_RE.fullmatch(p)]
    n_words = len(question.split())
    if own_keys and n_words > 4:
        return False
    return bool(ANAPHORA_RE.search(question)) or n_words <= 4 or not tokenize(question)


def parse_question(question: str, history: list[str] | None = None) -> Question:
    """Analyse a question, folding in the topic of the latest earlier turn for follow-ups."""
    history = [h for h in (history or []) if h and h.strip()]
    follow = is_followup(question, history)
    search_text = question
    context_terms: list[str] = []
    if follow:
        # the latest earlier question that names something carries the topic
        topic = next((h for h in reversed(history) if key_phrases(h)), history[-1])
        search_text = f"{topic} {question}"
        context_terms = [t for t in tokenize(topic) if t not in tokenize(question)]
    terms = [t for t in dict.fromkeys(tokenize(question)) if t not in stopwords()]
    keys = _stems(key_phrases(question))
    if follow:
        keys = list(dict.fromkeys(keys + _stems(key_phrases(search_text))))
    return Question(text=question, search_text=search_text, answer_type=answer_type(question), terms=terms,
                    key_terms=keys, context_terms=context_terms, is_followup=follow)
