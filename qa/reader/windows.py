"""The reader's input: ``[CLS] question [SEP] sentence sentence ... [SEP]`` with each word piece's
character span inside its sentence, built the same way for training and at question time."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

#: Most word pieces of the question kept (longer questions are cut at the end).
MAX_QUESTION_TOKENS = 48


@dataclass
class Piece:
    """A tokenised text: word-piece ids and their character spans in the text."""

    ids: list[int]
    offsets: list[tuple[int, int]]


@dataclass
class Window:
    """One model input. ``sent[i]`` is the index (into the window's sentences) of word piece ``i``
    (-1 for the question and special tokens); ``start/end[i]`` its characters in that sentence."""

    ids: np.ndarray
    type_ids: np.ndarray
    sent: np.ndarray
    start: np.ndarray
    end: np.ndarray
    first: int  # index of the window's first sentence in the sentences it was packed from
    n_sentences: int

    def __len__(self) -> int:
        return len(self.ids)


class WordPieces:
    """The model's tokenizer (``tokenizer.json`` of all-MiniLM-L6-v2), without special tokens."""

    def __init__(self, tokenizer_file: Path):
        from tokenizers import Tokenizer

        self.tok = Tokenizer.from_file(str(tokenizer_file))
        self.tok.no_truncation()
        self.tok.no_padding()
        self.cls = self.tok.token_to_id("[CLS]")
        self.sep = self.tok.token_to_id("[SEP]")
        self.pad = self.tok.token_to_id("[PAD]") or 0
        self._cached = lru_cache(maxsize=8192)(self._encode)

    def _encode(self, text: str) -> Piece:
        enc = self.tok.encode(text, add_special_tokens=False)
        return Piece(list(enc.ids), [tuple(o) for o in enc.offsets])

    def encode(self, text: str) -> Piece:
        """Word pieces of ``text`` (cached: evidence sentences repeat across questions)."""
        return self._cached(text)

    def encode_many(self, texts: list[str]) -> list[Piece]:
        """Word pieces of several texts in one batch call (training data)."""
        encs = self.tok.encode_batch(texts, add_special_tokens=False)
        return [Piece(list(e.ids), [tuple(o) for o in e.offsets]) for e in encs]


def assemble(cls_id: int, sep_id: int, question: Piece, sentences: list[Piece], max_len: int,
             keep: int = 0, keep_span: tuple[int, int] | None = None, before: int = 99, after: int = 99) -> Window:
    """Pack the question and consecutive sentences into one window of at most ``max_len`` pieces.

    Sentences are added outwards from sentence ``keep`` (the candidate evidence sentence), at most
    ``before`` of them before it and ``after`` after it, while they fit; if ``keep`` alone is too long
    it is cut, keeping ``keep_span`` (piece indices in it) when given.
    """
    q_ids = question.ids[:MAX_QUESTION_TOKENS]
    room = max_len - len(q_ids) - 3
    lo, hi = keep, keep + 1
    used = len(sentences[keep].ids)
    grow = True
    while grow:
        grow = False
        for side in (-1, 1):  # one sentence before, then one after, while they fit
            j = lo - 1 if side < 0 else hi
            if (keep - j if side < 0 else j - keep) > (before if side < 0 else after):
                continue
            if 0 <= j < len(sentences) and used + len(sentences[j].ids) <= room:
                used += len(sentences[j].ids)
                lo, hi = (j, hi) if side < 0 else (lo, j + 1)
                grow = True
    ids = [cls_id] + q_ids + [sep_id]
    sent = [-1] * len(ids)
    start = [0] * len(ids)
    end = [0] * len(ids)
    for k in range(lo, hi):
        piece = sentences[k]
        a, b = 0, len(piece.ids)
        if b > room:  # only the kept sentence can be longer than the room
            if keep_span is not None:
                a = max(0, min(keep_span[0] - (room - (keep_span[1] - keep_span[0])) // 2, b - room))
            b = a + room
        ids += piece.ids[a:b]
        sent += [k - lo] * (b - a)
        start += [o[0] for o in piece.offsets[a:b]]
        end += [o[1] for o in piece.offsets[a:b]]
    ids.append(sep_id)
    sent.append(-1)
    start.append(0)
    end.append(0)
    n_q = len(q_ids) + 2
    type_ids = [0] * n_q + [1] * (len(ids) - n_q)
    return Window(np.array(ids, np.int64), np.array(type_ids, np.int64), np.array(sent, np.int32),
                  np.array(start, np.int32), np.array(end, np.int32), lo, hi - lo)


def batch(windows: list[Window], pad_id: int = 0, multiple: int = 1) -> dict[str, np.ndarray]:
    """Pad windows to one array each (``input_ids``, ``attention_mask``, ``token_type_ids``), to a
    length that is a multiple of ``multiple`` (fewer distinct shapes for the CPU kernels)."""
    n = max(len(w) for w in windows)
    n = -(-n // multiple) * multiple
    ids = np.full((len(windows), n), pad_id, np.int64)
    mask = np.zeros((len(windows), n), np.int64)
    types = np.zeros((len(windows), n), np.int64)
    for i, w in enumerate(windows):
        ids[i, : len(w)] = w.ids
        mask[i, : len(w)] = 1
        types[i, : len(w)] = w.type_ids
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def best_span(start_logits: np.ndarray, end_logits: np.ndarray, w: Window, max_pieces: int = 30
              ) -> tuple[float, int, int] | None:
    """The highest-scoring ``(start_logit + end_logit, first piece, last piece)`` of one window: both
    ends on sentence pieces of the same sentence, at most ``max_pieces`` long."""
    n = len(w)
    ctx = w.sent[:n] >= 0
    if not ctx.any():
        return None
    s = np.where(ctx, start_logits[:n], -np.inf)
    e = np.where(ctx, end_logits[:n], -np.inf)
    # score[i, j] = s[i] + e[j] for i <= j < i + max_pieces in the same sentence
    score = s[:, None] + e[None, :]
    i, j = np.indices(score.shape)
    ok = (j >= i) & (j - i < max_pieces) & (w.sent[:n, None] == w.sent[None, :n])
    score = np.where(ok, score, -np.inf)
    flat = int(np.argmax(score))
    a, b = divmod(flat, n)
    if not np.isfinite(score[a, b]):
        return None
    return float(score[a, b]), a, b
