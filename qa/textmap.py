"""Clean text that remembers where every character came from in the source file.

A :class:`Block` is one paragraph-like piece of clean text. Each of its
characters maps back to a ``[start, end)`` range of the decoded source text, so a
span of clean text can always be turned into an exact slice of the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    """A paragraph of clean text with its character map into the raw source.

    For plain text the map is the identity shifted by ``base`` (``starts`` is None);
    for HTML ``starts[i]``/``ends[i]`` give the raw range of clean character ``i``.
    """

    text: str
    base: int = 0
    starts: list[int] | None = None
    ends: list[int] | None = None
    kind: str = "body"  # title | meta | body | boilerplate
    label: str = ""  # why it was classified so (for logs and tests)

    def raw_start(self, i: int) -> int:
        """Raw offset where clean character ``i`` starts."""
        if self.starts is None:
            return self.base + i
        return self.starts[i]

    def raw_end(self, j: int) -> int:
        """Raw offset just after clean character ``j - 1``."""
        if self.ends is None:
            return self.base + j
        return self.ends[j - 1]

    def raw_span(self, i: int, j: int) -> tuple[int, int]:
        """Raw ``[start, end)`` for the clean span ``[i, j)`` (``j > i``)."""
        return self.raw_start(i), self.raw_end(j)

    @property
    def raw_begin(self) -> int:
        return self.raw_start(0) if self.text else self.base

    @property
    def raw_finish(self) -> int:
        return self.raw_end(len(self.text)) if self.text else self.base

    def sub(self, i: int, j: int) -> "Block":
        """The block restricted to clean span ``[i, j)``."""
        if self.starts is None:
            return Block(self.text[i:j], self.base + i, None, None, self.kind, self.label)
        return Block(self.text[i:j], 0, self.starts[i:j], self.ends[i:j], self.kind, self.label)

    def strip(self, chars: str | None = None) -> "Block":
        """Drop leading and trailing whitespace (or ``chars``) keeping the map right."""
        text = self.text
        i, j = 0, len(text)
        while i < j and (text[i] in chars if chars else text[i].isspace() or text[i] == "\ufeff"):
            i += 1
        while j > i and (text[j - 1] in chars if chars else text[j - 1].isspace() or text[j - 1] == "\ufeff"):
            j -= 1
        return self.sub(i, j)


@dataclass
class TextBuilder:
    """Accumulates clean characters with their raw ranges (used by the HTML reader)."""

    chars: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    def add(self, text: str, raw_start: int, raw_end: int | None = None) -> None:
        """Add clean ``text``; without ``raw_end`` each char maps 1:1 from ``raw_start``."""
        if raw_end is None:
            for k, ch in enumerate(text):
                self._push(ch, raw_start + k, raw_start + k + 1)
        else:  # an entity: every produced char maps to the whole raw range
            for ch in text:
                self._push(ch, raw_start, raw_end)

    def _push(self, ch: str, s: int, e: int) -> None:
        if ch.isspace() or ch == "\u00a0":
            if not self.chars or self.chars[-1] == " ":
                return
            ch = " "
        self.chars.append(ch)
        self.starts.append(s)
        self.ends.append(e)

    def take(self, kind: str = "body") -> Block | None:
        """Return the accumulated text as a stripped block and reset."""
        block = Block("".join(self.chars), 0, self.starts, self.ends, kind).strip()
        self.chars, self.starts, self.ends = [], [], []
        return block if block.text else None
