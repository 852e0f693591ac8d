"""Question filters: which documents an answer may come from (by name, by date range).

A :class:`Filter` is checked (:func:`make_filter`) and turned into a mask over the index's passages
(:meth:`Filter.passages`); retrieval keeps only passages inside it, whichever store searches them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .answer import QuestionError

DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Filter:
    """Documents (ids as the index names them) and an inclusive date range (``YYYY[-MM[-DD]]``)."""

    docs: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.docs or self.date_from or self.date_to)

    def allows(self, doc_id: str, meta: dict) -> bool:
        """Whether a document passes (a date range leaves out documents without a date)."""
        if self.docs and doc_id not in self.docs:
            return False
        if self.date_from or self.date_to:
            date = meta.get("date")
            if not isinstance(date, str) or not date:
                return False
            if self.date_from and date[: len(self.date_from)] < self.date_from:
                return False
            if self.date_to and date[: len(self.date_to)] > self.date_to:
                return False
        return True

    def passages(self, data) -> np.ndarray:
        """A boolean mask over ``data``'s passages: those of the documents that pass."""
        ok = np.array([self.allows(d, data.manifest["docs"].get(d) or {}) for d in data.doc_ids], bool)
        if len(ok) == 0:
            return np.zeros(data.n_passages, bool)
        return ok[np.asarray(data.passage_doc, np.int64)]

    def describe(self) -> str:
        bits = []
        if self.docs:
            bits.append("documents " + ", ".join(self.docs))
        if self.date_from or self.date_to:
            bits.append(f"dates {self.date_from or '…'} to {self.date_to or '…'}")
        return "; ".join(bits)


def _date(value, what: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    import datetime as dt

    v = value.strip() if isinstance(value, str) else value
    ok = isinstance(v, str) and DATE_RE.match(v)
    if ok:
        try:
            dt.date.fromisoformat(v + "-01-01"[len(v) - 4:] if len(v) < 10 else v)
        except ValueError:
            ok = False
    if not ok:
        raise QuestionError(f"{what} must be a date like 2024-07-26 (or 2024-07, or 2024), not {value!r}.")
    return v


def make_filter(docs=None, date_from=None, date_to=None, known: list[str] | None = None) -> Filter:
    """A checked :class:`Filter` (QuestionError for a malformed date, a reversed range or an unknown
    document when ``known`` lists the index's documents)."""
    if isinstance(docs, str):
        docs = [d for d in (x.strip() for x in docs.split(",")) if d]
    if docs is not None and not (isinstance(docs, (list, tuple)) and all(isinstance(d, str) for d in docs)):
        raise QuestionError(f"docs must be a list of document names, not {docs!r}.")
    docs = tuple(dict.fromkeys(d.strip() for d in (docs or []) if d.strip()))
    if known is not None:
        have = set(known)
        unknown = [d for d in docs if d not in have]
        if unknown:
            raise QuestionError(f"Not in the index: {', '.join(unknown)}. The Documents tab (or python -m qa "
                                "ask --help) lists the document names.")
    f = Filter(docs, _date(date_from, "The start date"), _date(date_to, "The end date"))
    if f.date_from and f.date_to and f.date_from[: len(f.date_to)] > f.date_to:
        raise QuestionError(f"The date range is reversed ({f.date_from} is after {f.date_to}).")
    return f
