"""The answer a question gets: a short answer, numbered citations, or an abstention."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

NOT_FOUND = "not found in the documents"


@dataclass
class Citation:
    """One exact quote: ``text[start:end] == quote``, where ``text`` is what ``offsets_in`` names."""

    n: int
    doc: str
    title: str | None
    date: str | None
    quote: str
    start: int
    end: int
    score: float
    #: Offsets of the short answer inside the source (None when it is not in this quote).
    answer_start: int | None = None
    answer_end: int | None = None
    #: All spans of the short answer (several when it joins names: "A and B").
    answer_spans: list[list[int]] | None = None
    #: Which text the offsets index: "file" (the file's own characters: text and web pages) or
    #: "extracted_text" (PDF and Word: the text the index stored, ``Engine.document(doc).text``).
    offsets_in: str = "file"
    #: 1-based page of the quote's first character (PDF and Word), else None.
    page: int | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(float(self.score), 4)
        return d


@dataclass
class Answer:
    """What ``ask`` returns; ``to_dict`` gives the JSON contract of the CLI and the API."""

    question: str
    answer: str | None = None
    abstained: bool = False
    citations: list[Citation] = field(default_factory=list)
    message: str = ""
    #: The question actually searched (after resolving follow-ups), for transparency.
    resolved_question: str | None = None
    answer_type: str | None = None

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "message": self.message,
            "resolved_question": self.resolved_question,
            "answer_type": self.answer_type,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Answer":
        cites = [Citation(**{k: c.get(k) for k in Citation.__dataclass_fields__}) for c in d.get("citations", [])]
        return cls(question=d["question"], answer=d.get("answer"), abstained=bool(d.get("abstained")),
                   citations=cites, message=d.get("message", ""), resolved_question=d.get("resolved_question"),
                   answer_type=d.get("answer_type"))

    @classmethod
    def not_found(cls, question: str, resolved: str | None = None, why: str = "") -> "Answer":
        msg = "The answer was not found in the documents."
        if why:
            msg += f" ({why})"
        return cls(question=question, abstained=True, message=msg, resolved_question=resolved)


class QuestionError(ValueError):
    """A question that cannot be asked (empty, too long); the message says why."""


#: Most quotes an answer may ask for (``k``).
MAX_K = 10


def _printable(text: str) -> str:
    """``text`` without control characters and invisible formatting ones (bidi overrides, zero-width
    marks), which can make a question display differently from what is searched."""
    import unicodedata

    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text
                   if unicodedata.category(ch) != "Cf")


def validate_question(question, max_chars: int = 1000, what: str = "The question") -> str:
    """Return the cleaned question (whitespace collapsed, control and bidi characters removed) or
    raise :class:`QuestionError`; ``what`` names it in the message (e.g. an earlier question)."""
    if not isinstance(question, str):
        raise QuestionError(f"{what} must be text.")
    q = " ".join(_printable(question).split())
    if not q:
        raise QuestionError(f"{what} is empty. Type a question about the documents.")
    if len(q) > max_chars:
        raise QuestionError(f"{what} is too long ({len(q)} characters; the limit is {max_chars}). "
                            "Ask a shorter, more specific question.")
    if not any(ch.isalnum() for ch in q):
        raise QuestionError(f"{what} has no words in it. Type a question about the documents.")
    return q


def validate_k(k) -> int:
    """How many quotes: a whole number from 1 to :data:`MAX_K` (also as text, "3"), else
    :class:`QuestionError`. The CLI and the API apply the same rule."""
    if isinstance(k, bool):
        k = None
    if isinstance(k, str) and k.strip().lstrip("+").isdigit():
        k = int(k.strip())
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise QuestionError(f"k (how many quotes) must be a whole number from 1 to {MAX_K}, not {k!r}.")
    return k
