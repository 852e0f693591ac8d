"""The answer a question gets: a short answer, numbered citations, or an abstention."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

NOT_FOUND = "not found in the documents"


@dataclass
class Citation:
    """One exact quote: ``source_text[start:end] == quote``."""

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


def validate_question(question, max_chars: int = 1000) -> str:
    """Return the stripped question or raise :class:`QuestionError`."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    q = " ".join(question.split())
    if not q:
        raise QuestionError("The question is empty. Type a question about the documents.")
    if len(q) > max_chars:
        raise QuestionError(f"The question is too long ({len(q)} characters; the limit is {max_chars}). "
                            "Ask a shorter, more specific question.")
    if not any(ch.isalnum() for ch in q):
        raise QuestionError("The question has no words in it. Type a question about the documents.")
    return q
