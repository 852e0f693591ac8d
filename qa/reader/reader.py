"""The trained extractive reader at question time: int8 ONNX on onnxruntime (no torch).

``Reader.read`` takes the question and a few windows of consecutive sentences (a candidate evidence
sentence with its neighbours), runs them in one batch, and gives for each window the probability
that it holds the answer and its best span as character offsets in one of its sentences.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import PROJECT_ROOT
from .windows import WordPieces, assemble, batch, best_span

DEFAULT_READER = PROJECT_ROOT / "models" / "reader"
FILES = ("reader.onnx", "tokenizer.json", "reader.json")


class ReaderError(Exception):
    """The reader model is missing or cannot be loaded; the message says what to do."""


@dataclass
class Reading:
    """What the reader found in one window."""

    window: int  # index of the window in the request
    sentence: int  # index of the sentence (in the window's list of sentences) holding the span
    start: int  # character offsets of the span in that sentence's text
    end: int
    has: float  # probability that the window holds the answer
    span: float  # log-probability of the span among the window's spans (start + end)


@dataclass
class WindowSpec:
    """Consecutive sentences of one document and the one the window is centred on."""

    sentences: list[str]
    keep: int


def _log_softmax(x: np.ndarray) -> np.ndarray:
    m = x.max()
    return x - (m + np.log(np.exp(x - m).sum()))


class Reader:
    """Loads ``reader.onnx`` with its tokenizer from a folder made by ``python -m qa train-reader``."""

    def __init__(self, folder: Path | None = None, threads: int | None = None, max_len: int | None = None):
        self.folder = Path(folder) if folder else DEFAULT_READER
        missing = [f for f in FILES if not (self.folder / f).is_file()]
        if missing:
            raise ReaderError(f"The reader model is missing from {self.folder} ({', '.join(missing)}). It ships with "
                              "the project in models/reader; to make it again run: python -m qa train-reader "
                              "(or set QA_READER to a folder that holds one).")
        try:
            self.meta = json.loads((self.folder / "reader.json").read_text(encoding="utf-8"))
            import onnxruntime as ort

            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
            opts.log_severity_level = 3
            self.session = ort.InferenceSession(str(self.folder / "reader.onnx"), opts,
                                                providers=["CPUExecutionProvider"])
            self.pieces = WordPieces(self.folder / "tokenizer.json")
        except Exception as exc:
            raise ReaderError(f"Cannot load the reader in {self.folder}: {exc}. Restore models/reader from git "
                              "or run: python -m qa train-reader") from exc
        self.max_len = int(max_len or self.meta.get("max_len", 192))

    def read(self, question: str, windows: list[WindowSpec], max_len: int | None = None) -> list[Reading | None]:
        """Read every window in one batch; ``None`` for a window without a usable span."""
        if not windows:
            return []
        wp = self.pieces
        q = wp.encode(question)
        built = [assemble(wp.cls, wp.sep, q, [wp.encode(s) for s in spec.sentences], max_len or self.max_len,
                          keep=spec.keep) for spec in windows]
        start, end, has = self.session.run(None, batch(built, wp.pad))
        out: list[Reading | None] = []
        for i, w in enumerate(built):
            got = best_span(start[i], end[i], w)
            if got is None:
                out.append(None)
                continue
            _, a, b = got
            ctx = w.sent >= 0
            logp = _log_softmax(start[i][: len(w)][ctx])[int(ctx[:a].sum())] + \
                _log_softmax(end[i][: len(w)][ctx])[int(ctx[:b].sum())]
            out.append(Reading(window=i, sentence=w.first + int(w.sent[a]), start=int(w.start[a]), end=int(w.end[b]),
                               has=float(1.0 / (1.0 + np.exp(-has[i]))), span=float(logp)))
        return out
