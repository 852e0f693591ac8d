"""Documents → sentences (exact spans in the file) → overlapping passages."""
from __future__ import annotations

import re
from dataclasses import dataclass

import syntok.segmenter as segmenter

from .documents import Document
from .nlp import TITLE_ABBREVIATIONS
from .textmap import Block


@dataclass
class Sentence:
    """One sentence: exact ``[start, end)`` in the source text plus its clean text."""

    doc: str
    start: int
    end: int
    text: str
    kind: str = "body"  # "title" for the headline


@dataclass
class Passage:
    """A window of consecutive sentences of one document (``sentences[lo:hi]``)."""

    doc: str
    lo: int
    hi: int
    text: str  # what is embedded and BM25-indexed (title first)
    offsets: list[tuple[int, int]]  # each sentence's span inside ``text``


#: Longest sentence kept whole (a real one is far shorter); longer runs are cut at spaces, so that a
#: line without sentence breaks costs what the same text in normal sentences costs.
MAX_SENTENCE_CHARS = 1500
#: syntok reads a block in pieces of at most this many characters (cut at spaces).
SEGMENT_CHARS = 20_000
#: Titles written abbreviated before a name, after which syntok ends a sentence ("Hon.", "Col.",
#: "Lt.", "Col. (Retd.)"): a sentence that ends in one goes on into the next.
TITLE_ABBREVIATION_RE = re.compile(r"(?:^|[\s(])(?:" + "|".join(TITLE_ABBREVIATIONS) + r")\.\)?$")


def _pieces(text: str, lo: int, hi: int, size: int) -> list[tuple[int, int]]:
    """``text[lo:hi]`` in consecutive parts of at most ``size`` characters, cut after a space where
    there is one in the second half of the part."""
    out = []
    while hi - lo > size:
        cut = text.rfind(" ", lo + size // 2, lo + size)
        cut = cut + 1 if cut > lo else lo + size
        out.append((lo, cut))
        lo = cut
    out.append((lo, hi))
    return out

#: How a sentence the splitter cut after an abbreviation goes on: "Ferrante Meccanica S.p." + "A. and
#: Kazakh ...", "at 5 p.m." + "and then ...": with a lower-case word, or one letter and a lower-case word.
CUT_AFTER_ABBREVIATION_RE = re.compile(r"(?:[A-Z]\.\s+)?[a-z]")


def split_block(block: Block) -> list[tuple[int, int]]:
    """Clean-text spans of the sentences of one block (syntok keeps token offsets), none longer than
    :data:`MAX_SENTENCE_CHARS`."""
    text = block.text
    spans: list[tuple[int, int]] = []
    for a, b in _pieces(text, 0, len(text), SEGMENT_CHARS):
        for paragraph in segmenter.analyze(text[a:b]):
            joined: list[tuple[int, int]] = []
            for sent in paragraph:
                toks = [t for t in sent if t.value]
                if not toks:
                    continue
                s, e = a + toks[0].offset, a + toks[-1].offset + len(toks[-1].value)
                if joined and (TITLE_ABBREVIATION_RE.search(text[joined[-1][0]:joined[-1][1]])
                               or text[s] in "—–" or text[s:s + 2] == "- "  # "MARROWDALE, Ont. — Nurses ..."
                               or (text[joined[-1][1] - 1] == "." and CUT_AFTER_ABBREVIATION_RE.match(text, s))):
                    joined[-1] = (joined[-1][0], e)
                else:
                    joined.append((s, e))
            for s, e in joined:
                for ps, pe in _pieces(text, s, e, MAX_SENTENCE_CHARS):
                    while pe > ps and text[pe - 1].isspace():
                        pe -= 1
                    while ps < pe and text[ps].isspace():
                        ps += 1
                    if pe > ps:
                        spans.append((ps, pe))
    return spans or [(0, len(text))]


def sentences_of(doc: Document) -> list[Sentence]:
    """All sentences of the document's title and body, in order."""
    out: list[Sentence] = []
    for block in doc.content_blocks:
        for s, e in split_block(block):
            sub = block.sub(s, e).strip()
            if not sub.text:
                continue
            start, end = sub.raw_begin, sub.raw_finish
            out.append(Sentence(doc.doc_id, start, end, " ".join(sub.text.split()), block.kind))
    return out


def make_passages(doc_id: str, title: str | None, sentences: list[Sentence], max_words: int = 90,
                  max_sentences: int = 4, overlap: int = 1) -> list[Passage]:
    """Group sentences into windows of at most ``max_words``/``max_sentences``, overlapping.

    The headline is not repeated as a passage of its own when it is prepended to
    every passage anyway; a document that is only a headline still gets one passage.
    """
    body = [i for i, s in enumerate(sentences) if s.kind != "title"] or list(range(len(sentences)))
    prefix = f"{title}\n" if title else ""
    passages: list[Passage] = []
    k = 0
    while k < len(body):
        lo = k
        words = 0
        hi = k
        while hi < len(body) and hi - lo < max_sentences:
            n = len(sentences[body[hi]].text.split())
            if hi > lo and words + n > max_words:
                break
            words += n
            hi += 1
        text = prefix
        offsets = []
        for idx in body[lo:hi]:
            if text and not text.endswith("\n"):
                text += " "
            offsets.append((len(text), len(text) + len(sentences[idx].text)))
            text += sentences[idx].text
        passages.append(Passage(doc_id, body[lo], body[hi - 1] + 1, text, offsets))
        if hi >= len(body):
            break
        k = max(hi - overlap, lo + 1)
    return passages
