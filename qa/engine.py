"""The one facade the CLI, the web app and the evaluator call."""
from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from . import store
from .abstain import DEFAULT_MIN_HAS, AbstainModel
from .answer import Answer, Citation, validate_k, validate_question
from .config import Config, load_config, setup_offline_env
from .documents import Document, load_document
from .embedder import Embedder
from .evidence import (IdfTable, build_answer, decide, gate_decision, rank_sentences, read_candidates, readable,
                       reader_decision)
from .indexer import IndexReport, update_index
from .question import Question, mismatched, parse_question
from .reader.reader import Reader
from .retrieve import Hit, search

log = logging.getLogger(__name__)



#: "who signed ... for X / on behalf of X / representing X": the side asked about.
SIDE_RE = re.compile(r"\b(?:on behalf of|for|representing)\s+(.+?)\s*[?.!]*$", re.I)
#: How much nearer in meaning (cosine) one signatory's words must be to the side asked about than the
#: next one's for that signatory alone to be the answer.
SIDE_MARGIN = 0.03


#: A question that asks about a signing in so many words (not "seal", "strike", "concluded").
SIGN_ASKED_RE = re.compile(r"\b(?:sign(?:s|ed|ing)?|co-?sign(?:s|ed|ing)?|ink(?:s|ed)?|pen to paper|signatures?)\b",
                           re.I)
#: ... and not about one that did not happen ("declined to sign", "agreed to sign", "did not sign").
NOT_SIGNED_RE = re.compile(r"\b(?:declin\w*|refus\w*|reject\w*|fail\w*|agree[sd]? to|not|never|plan\w*|hop\w*|"
                           r"expect\w*|want\w*|due to|set to)\b|n't\b", re.I)


def side_asked(question: str) -> str | None:
    """The side of "who signed X for Y" (Y), or None."""
    m = SIDE_RE.search(question or "")
    if not m or len(m.group(1).split()) > 6 or re.search(r"\band\b|&", m.group(1)):
        return None  # "for the port authority and the shipping line": both sides, all signatories
    return m.group(1)


def _span_of(data: store.IndexData, read) -> str:
    """The text of the reader's span ``read``."""
    return readable(data, read.sent).text[read.start:read.end]


def _first_then(first: Citation, others: list[Citation], k: int) -> list[Citation]:
    """``first`` as quote 1, then up to ``k - 1`` of ``others``, numbered in order; the short answer is
    marked in the first quote only."""
    out = [first] + others[: max(0, k - 1)]
    for n, c in enumerate(out, 1):
        c.n = n
        if n > 1:
            c.answer_start = c.answer_end = None
            c.answer_spans = None
    return out

@dataclass
class Trace:
    """Everything one question went through."""

    question: Question
    hits: list[Hit]
    ranked: list
    answer: Answer
    features: dict
    qvec: np.ndarray | None = None
    reads: list = field(default_factory=list)


#: How many of the best sentences' articles a question about an article is checked against.
ARTICLE_CANDIDATES = 5
#: A question about who looked on at a signing, not who signed.
WITNESS_RE = re.compile(r"\b(?:witness(?:ed|es|ing)?|in\s+the\s+presence|attend(?:ed|s|ing)?|looked\s+on|"
                        r"present\s+(?:at|for|when))\b", re.I)


class Engine:
    """Index a folder of articles and answer questions with exact, cited quotes.

    >>> engine = Engine(docs_dir="seeds", index_dir="index")
    >>> engine.ensure_index()
    >>> engine.ask("Who signed the agreement?").to_dict()
    """

    def __init__(self, config: Config | None = None, **overrides):
        setup_offline_env()
        self.config = (config or load_config()).with_(**overrides)
        if not self.config.docs_explicit:  # an existing index's documents are where it says
            try:
                found = store.recorded_sources(self.config.index_dir)
                if len(found) == 1 and found[0].is_dir():
                    self.config = replace(self.config, docs_dir=found[0])
            except store.IndexError_:
                pass  # reported when the index is used or rebuilt
        self._embedder: Embedder | None = None
        self._data: store.IndexData | None = None
        self._idf: IdfTable | None = None
        self._reader: Reader | None = None
        self._abstain: AbstainModel | None = None
        self._lock = threading.RLock()
        self._sources_cache: dict[str, tuple] = {}
        self._manifest_key: tuple | None = None
        self._pool = None  # threads of ask_within
        self._fetch_mode: bool | None = None  # an app server fetching its index from Milvus (see _fetches)
        self._fetched_at = 0.0

    # -- components ------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder(self.config.model_path, self.config.query_encoder)
        return self._embedder

    @property
    def reader(self) -> Reader:
        """The trained extractive reader (``models/reader`` or ``QA_READER``), loaded on first use."""
        with self._lock:
            if self._reader is None:
                reader = Reader(self.config.reader_path)
                self._abstain = AbstainModel.load(reader.folder)
                if self._abstain is None:
                    log.warning("The reader in %s has no abstain.json; abstaining below P(answer) %.1f. Fit one "
                                "with: python -m qa calibrate --reader %s", reader.folder, DEFAULT_MIN_HAS,
                                reader.folder)
                self._reader = reader
            return self._reader

    @property
    def data(self) -> store.IndexData:
        """The loaded index (raises IndexMissing / IndexCorrupt with advice)."""
        with self._lock:
            if self._data is None:
                if self._fetches():
                    self._fetch()
                self._manifest_key = self._manifest_stat()
                data = store.load(self.config.index_dir, options=self.config.store_options())
                built = store.store_kind(data.manifest)
                if self.config.store and built != self.config.store:
                    raise store.IndexCorrupt(
                        f"The index in {self.config.index_dir} was built with the {built} store and the configured "
                        f"store is {self.config.store}. Write it to that store with: python -m qa index --store "
                        f"{self.config.store} --index {self.config.index_dir} (vectors are reused), or drop --store "
                        f"/ QA_STORE.")
                model = data.manifest.get("model", {})
                if model.get("fingerprint") != self.embedder.info.fingerprint:
                    if model.get("name") == self.embedder.info.name and model.get("path") == self.embedder.info.path:
                        # the same model folder with other content (its weights changed, or an index from
                        # before the fingerprint hashed them): the index is rebuilt, not refused
                        raise store.IndexCorrupt(
                            f"The model in {self.embedder.info.path} changed since the index in "
                            f"{self.config.index_dir} was built (its fingerprint differs). Rebuild it with: "
                            f"python -m qa index --index {self.config.index_dir}")
                    raise store.ModelMismatch(
                        f"The index in {self.config.index_dir} was built with model '{model.get('name')}' "
                        f"({model.get('path')}), but the configured model is '{self.embedder.info.name}' "
                        f"({self.embedder.info.path}). Rebuild it with: python -m qa index --index "
                        f"{self.config.index_dir}, or set QA_MODEL to the model it was built with.")
                self._data = data
                self._idf = IdfTable(data)
            return self._data

    def _fetches(self) -> bool:
        """Whether this engine is an app server that fetches its index from a Milvus server
        (read-only, a server URI, and no index folder of its own: see qa/stores/published.py)."""
        from .stores.milvus_store import is_file_uri

        if self._fetch_mode is None:
            uri = self.config.milvus_uri
            if not (self.config.read_only and uri and not is_file_uri(uri) and self.config.store in (None, "milvus")):
                self._fetch_mode = False
            else:
                try:
                    self._fetch_mode = bool(store.read_manifest(self.config.index_dir).get("published_from"))
                except store.IndexError_:  # nothing here yet (or damaged): the server's copy
                    self._fetch_mode = True
        return self._fetch_mode

    def _fetch(self) -> bool:
        from .stores import milvus_store, published

        self._fetched_at = time.monotonic()
        c = milvus_store.client(self.config.milvus_uri)
        return published.fetch(c, self.config.milvus_prefix, self.config.index_dir, self.config.milvus_uri)

    def _manifest_stat(self) -> tuple | None:
        try:
            st = (Path(self.config.index_dir) / store.MANIFEST).stat()
            return st.st_mtime_ns, st.st_size, st.st_ino
        except OSError:
            return None

    def refresh(self) -> bool:
        """Switch to a newer index version written by another process (``qa index`` while the app
        serves), between questions; True when it switched. Costs one ``stat`` of the manifest."""
        with self._lock:
            if self._data is not None and self._fetches():
                from .stores import published

                if time.monotonic() - self._fetched_at >= published.CHECK_EVERY_S:
                    try:
                        if self._fetch():
                            log.info("fetched a new index version from %s", self.config.milvus_uri)
                    except Exception as exc:  # keep answering from the version we have
                        log.warning("could not fetch the published index (%s)", exc)
            if self._data is None or self._manifest_stat() == self._manifest_key:
                return False
            try:
                newer = store.read_manifest(self.config.index_dir).get("data_dir")
            except store.IndexError_:
                return False  # being replaced or damaged: keep answering from the loaded version
            if newer == self._data.manifest.get("data_dir"):
                self._manifest_key = self._manifest_stat()
                return False
            log.info("the index in %s has a new version (%s): switching to it", self.config.index_dir, newer)
            self.reload()
            return True

    def reload(self) -> None:
        """Forget the loaded index (after it was rebuilt by someone else)."""
        with self._lock:
            self._data = None
            self._idf = None

    # -- indexing ----------------------------------------------------------------------
    def index(self, paths: list[Path] | None = None, progress: bool = True, on_progress=None,
              crash_hook=None, force_rebuild: str | None = None) -> IndexReport:
        """Build or update the index from ``paths`` (default: :meth:`sources`)."""
        if self.config.read_only:
            raise store.ReadOnly(f"This engine serves the index in {self.config.index_dir} read-only (--read-only, "
                                 "QA_READ_ONLY): documents are added where the index is written, with python -m qa "
                                 "index there; this app picks the new version up by itself.")
        sources = [Path(p) for p in paths] if paths else self.sources()
        with self._lock:
            report = update_index(self.config, sources, self.embedder, progress=progress, on_progress=on_progress,
                                  crash_hook=crash_hook, force_rebuild=force_rebuild)
            if report.written:
                self.reload()
            return report

    def sources(self) -> list[Path]:
        """Where the index's documents come from: the folder given (``--docs``, ``QA_DOCS``), else the
        folders the index's manifest records, else (no index yet) the default folder; raises
        :class:`store.SourcesUnknown` when an index exists but where its documents are is not known."""
        if self.config.docs_explicit:
            return [self.config.docs_dir]
        try:
            return store.recorded_sources(self.config.index_dir)
        except store.IndexMissing:
            return [self.config.docs_dir]

    def ensure_index(self, progress: bool = True) -> IndexReport | None:
        """Build the index if it is missing or damaged, from :meth:`sources` (never from the default
        folder when the index was built from another); an index built with another model is refused
        with advice (:class:`store.ModelMismatch`), not rebuilt."""
        if self.config.read_only:  # nothing to build here: errors say what to do on the writing machine
            _ = self.data
            return None
        try:
            _ = self.data
            return None
        except store.ModelMismatch:
            raise
        except (store.IndexMissing, store.IndexCorrupt) as exc:
            why = (f"there is no index in {self.config.index_dir} yet" if isinstance(exc, store.IndexMissing)
                   else str(exc).split(". Rebuild")[0])
            sources = self.sources()
            log.warning("Building the index from %s: %s", ", ".join(map(str, sources)), why)
            report = self.index(progress=progress)
            if not report.written:  # nothing changed, so the damage is in a part an update does not read
                report = self.index(progress=progress, force_rebuild=f"the index could not be used ({exc})")
            return report

    # -- questions ---------------------------------------------------------------------
    def ask(self, question: str, history: list[str] | None = None, k: int = 3, filters=None) -> Answer:
        """Answer a question from the documents (``history``: earlier questions, oldest first;
        ``filters``: a :class:`qa.filters.Filter` of the documents the answer may come from)."""
        return self.trace(question, history, k, filters=filters).answer

    def ask_within(self, question: str, history: list[str] | None = None, k: int = 3,
                   timeout: float | None = None, filters=None) -> Answer:
        """:meth:`ask` with a time limit (``config.answer_timeout_s``): a question that takes longer
        gets a :class:`QuestionError` that says so, and the caller is free again (the web app answers
        several questions at once; one slow question must not hold the others)."""
        import concurrent.futures as cf

        from .answer import QuestionError

        limit = self.config.answer_timeout_s if timeout is None else timeout
        with self._lock:
            if self._pool is None:
                self._pool = cf.ThreadPoolExecutor(max_workers=max(1, self.config.concurrency) * 2,
                                                   thread_name_prefix="qa-answer")
        future = self._pool.submit(self.ask, question, history, k, filters)
        try:
            return future.result(timeout=limit)
        except cf.TimeoutError:
            raise QuestionError(f"The question took longer than {limit:g} s to answer and was stopped waiting for. "
                                "Ask a shorter, more specific question.") from None

    def trace(self, question: str, history: list[str] | None = None, k: int = 3, mode: str = "hybrid",
              filters=None) -> Trace:
        """Answer a question and keep every intermediate result (for evaluation and debugging)."""
        text = validate_question(question, self.config.max_question_chars)
        k = validate_k(k)
        self.refresh()
        history = [validate_question(h, self.config.max_question_chars, what="An earlier question (history)")
                   for h in (history or []) if isinstance(h, str) and h.strip()]
        with self._lock:  # the version and its IDF table together: another thread may switch versions
            data, idf = self.data, self._idf
        q = parse_question(text, history)
        if data.n_passages == 0:
            return Trace(q, [], [], Answer.not_found(text, why="the index holds no documents"), {})
        allowed = None
        if filters is not None and filters.active:
            allowed = filters.passages(data)
            if not allowed.any():
                return Trace(q, [], [], Answer.not_found(text, why=f"no indexed document matches the filters "
                                                                  f"({filters.describe()})"), {})
        qvec = self.embedder.encode_queries([q.search_text])[0]
        hits = search(data, qvec, q.search_text, k=max(self.config.candidates, k), mode=mode, allowed=allowed)
        ranked = rank_sentences(data, q, qvec, hits, idf)
        abstain, why, feats = decide(data, q, ranked, idf)
        reads = []
        if not abstain:
            self.reader  # loads abstain.json with it
            abstain, why = gate_decision(feats, self._abstain)
            feats["gated"] = abstain
        if not abstain:
            reads = read_candidates(data, q, ranked, self.reader, self.config.reader_windows)
            abstain, why = reader_decision(reads, feats, self._abstain)
            if not abstain and reads and mismatched(q.answer_type, _span_of(data, reads[0]), q.search_text):
                abstain, why = True, "the closest passages give no amount"
        if abstain:
            ans = Answer.not_found(text, resolved=q.search_text if q.is_followup else None, why=why)
            party = self._use_party(replace(ans, abstained=False, message=""), q, k) \
                if ranked and allowed is None else None
            holder = self._use_holder(replace(ans, abstained=False, message=""), q, k, only_new=True) \
                if ranked and allowed is None and party is None else None
            role = self._confirmed_role(replace(ans, abstained=False, message=""), q, reads, data, k) \
                if reads and allowed is None and party is None and holder is None else None
            if party is not None:
                ans = party
            elif holder is not None:
                ans = holder
            elif role is not None:
                ans = role
            elif ranked and allowed is None and q.answer_type in ("who", "person"):
                # the reader found no span, but a stored signing of the names asked about may answer it
                got = self._use_signings(replace(ans, abstained=False, message=""), q, k, qvec)
                if got.answer and not got.abstained:
                    ans = got
            elif ranked and allowed is None and q.answer_type in ("date", "place"):
                got = self._use_signing_slot(replace(ans, abstained=False, message=""), q, k)
                if got.answer and not got.abstained:
                    ans = got
        else:
            ans = build_answer(data, q, ranked, reads, k=max(1, k))
            party = self._use_party(ans, q, k) if allowed is None else None
            if party is not None:
                ans = party
            elif allowed is None:  # the stored signings and roles span every document: not with filters
                if q.answer_type in ("who", "person"):
                    ans = self._use_signings(ans, q, k, qvec)
                elif q.answer_type in ("date", "place"):
                    ans = self._use_signing_slot(ans, q, k)
                ans = self._use_roles(ans, q, k)
                ans = self._use_holder(ans, q, k)
                ans = self._unsigned(ans, q, qvec)
        if ranked:
            ans = self._use_article(ans, q, qvec, ranked, data, idf, k)
        if not ans.abstained:
            ans = self._verified(self._located(ans, data))
        return Trace(q, hits, ranked, ans, feats, qvec, reads)

    def _located(self, ans: Answer, data: store.IndexData) -> Answer:
        """Say which text each citation's offsets index, and the page of those from PDF and Word files."""
        from .pdftext import page_of

        for c in ans.citations:
            meta = data.manifest["docs"].get(c.doc) or {}
            if meta.get("text") == "extracted":
                c.offsets_in, c.page = "extracted_text", page_of(meta.get("pages"), c.start)
        return ans

    def _doc_pos(self, doc_id: str) -> int | None:
        data = self.data
        pos = data.extra.get("doc_pos")
        if pos is None:
            pos = data.extra["doc_pos"] = {d: i for i, d in enumerate(data.doc_ids)}
        return pos.get(doc_id)

    def _source(self, doc_id: str) -> str | None:
        """The document's text as it is on disk now (cached while the file's size and time stay)."""
        from .documents import IngestError, source_text

        meta = self.data.manifest["docs"].get(doc_id) or {}
        path = Path(meta.get("path") or "")
        try:
            st = path.stat()
        except OSError:
            return None
        key = (str(path), st.st_mtime_ns, st.st_size)
        with self._lock:
            got = self._sources_cache.get(doc_id)
            if got and got[0] == key:
                return got[1]
        try:
            if meta.get("text") == "extracted":  # PDF, Word: the stored text, while the file is the one indexed
                from .documents import file_sha256

                pos = self._doc_pos(doc_id)
                same = file_sha256(path.read_bytes()) == meta.get("sha256")
                text = self.data.stored_text(pos) if (same and pos is not None) else None
                if text is None:
                    return None
            else:
                text = source_text(path)
        except (OSError, IngestError):
            return None
        with self._lock:
            if len(self._sources_cache) > 64:
                self._sources_cache.clear()
            self._sources_cache[doc_id] = (key, text)
        return text

    def _verified(self, ans: Answer) -> Answer:
        """Every citation checked against its file as it is now: a quote that is no longer the file's
        text there (edited since indexing, or damage) is left out and said; none left: not found."""
        if self.data.manifest.get("synthetic"):  # a benchmark archive (qa bench): it has no files
            return ans
        kept, changed = [], []
        for c in ans.citations:
            text = self._source(c.doc)
            if text is not None and text[c.start:c.end] == c.quote:
                kept.append(c)
            elif c.doc not in changed:
                changed.append(c.doc)
        if not changed:
            return ans
        advice = (f"{', '.join(changed)} changed on disk since it was indexed (or is gone), so its quotes cannot "
                  "be shown as exact; the next index run (python -m qa index, or the app's Documents tab) picks it up")
        log.warning("%s", advice)
        if not kept:
            return Answer.not_found(ans.question, resolved=ans.resolved_question, why=advice)
        if kept[0] is not ans.citations[0]:
            ans.answer = None  # the short answer was in a quote that is no longer the file's text
        for n, c in enumerate(kept, 1):
            c.n = n
        ans.citations = kept
        ans.message = (ans.message + " " if ans.message else "") + f"Some quotes were left out: {advice}."
        return ans

    def _use_signings(self, ans: Answer, q: Question, k: int, qvec=None) -> Answer:
        """For "who signed ... with X" (in any wording: the intent model of ``qa/intents.py``): all
        signatories of the matching signing event, citing its quote."""
        from .intents import asks_for_signatories
        from .signings import WHO_SIGNED_RE, answer_from_signings, signings_for_engine

        text = q.text if not q.is_followup else q.search_text
        if WITNESS_RE.search(text):  # "who witnessed the signing": the people looking on, not who signed
            return self._use_witnesses(ans, q, k)
        asks = qvec is not None and asks_for_signatories(qvec)
        if not WHO_SIGNED_RE.search(text) and not asks:
            return ans
        hit = answer_from_signings(signings_for_engine(self), q.search_text, asks=asks)
        if hit and hit.get("no_event"):
            # the documents' signings never put these parties together: the reader's answer is about
            # another agreement
            why = "no signing between " + " and ".join(hit["names"]) + " is in the documents"
            return Answer.not_found(ans.question, resolved=ans.resolved_question, why=why)
        if not hit or not hit.get("answer"):
            return ans
        quote, start = hit["quote"], hit["start"]
        side = side_asked(q.search_text)
        if side and len(hit.get("signatories", [])) >= 2:  # "who signed it for Poland": that side's signatory
            pick = self._signatory_for(hit["event"], side)
            if pick is not None:
                sig, where = pick
                hit = dict(hit, answer=sig["name"], signatories=[sig])
                quote, start, hit["end"] = where["quote"], int(where["start"]), int(where["end"])
        cites = [c for c in ans.citations if not (c.doc == hit["doc"] and c.start == start)]
        meta = self.data.manifest["docs"].get(hit["doc"], {})
        first = Citation(n=1, doc=hit["doc"], title=meta.get("title"), date=meta.get("date"), quote=quote, start=start,
                         end=hit["end"], score=ans.citations[0].score if ans.citations else 1.0)
        spans = []
        for sig in hit.get("signatories", []):
            i = quote.find(sig["name"]) if sig.get("name") else -1
            if i >= 0:
                spans.append([start + i, start + i + len(sig["name"])])
        if spans:
            first.answer_spans = spans
            first.answer_start, first.answer_end = spans[0][0], spans[-1][1]
        ans.citations = _first_then(first, cites, k)
        ans.answer = hit["answer"]
        return ans

    def _unsigned(self, ans: Answer, q: Question, qvec) -> Answer:
        """"Who signed X?" / "When was X signed?" answered from an article that talks of signing but in
        which index-time extraction found no signing (it was planned, called off, denied): not found."""
        from .intents import asks_for_signatories
        from .signings import CANDIDATE_RE, WHO_SIGNED_RE, signings_for_engine

        if ans.abstained or not ans.citations:
            return ans
        text = q.text if not q.is_followup else q.search_text
        if not SIGN_ASKED_RE.search(text) or NOT_SIGNED_RE.search(text):
            return ans  # "the oldest seal of Warsaw", "strikes"; "which state declined to sign"
        if q.answer_type in ("who", "person"):
            asks = bool(WHO_SIGNED_RE.search(text)) or (qvec is not None and asks_for_signatories(qvec))
        else:
            asks = q.answer_type in ("date", "place")
        first = ans.citations[0]
        if not asks or not CANDIDATE_RE.search(first.quote):
            return ans
        if any(ev.doc == first.doc for ev in signings_for_engine(self)):
            return ans
        return Answer.not_found(ans.question, resolved=ans.resolved_question,
                                why=f"{first.doc} speaks of a signing, but reports none having taken place")

    def _lead_with(self, ans: Answer, doc: str, quote: str, start: int, end: int, spans: list, answer: str,
                   k: int) -> Answer:
        """``ans`` answered with ``answer``, quoting ``doc``'s sentence at ``start``-``end`` first (its
        answer ``spans`` marked), then the reader's other quotes."""
        meta = self.data.manifest["docs"].get(doc, {})
        first = Citation(n=1, doc=doc, title=meta.get("title"), date=meta.get("date"), quote=quote, start=start,
                         end=end, score=ans.citations[0].score if ans.citations else 1.0)
        if spans:
            first.answer_spans = spans
            first.answer_start, first.answer_end = spans[0][0], spans[-1][1]
        cites = [c for c in ans.citations if not (c.doc == doc and c.start == start)]
        ans.citations = _first_then(first, cites, k)
        ans.answer = answer
        return ans

    def _use_party(self, ans: Answer, q: Question, k: int) -> Answer | None:
        """"With whom did X sign ...?": the other party of the stored signing the question names, citing
        the event sentence that names it; None when the question does not ask that or no signing fits."""
        from .signings import asks_for_party, party_from_signings, signings_for_engine

        if not asks_for_party(q.search_text):  # before the signings: most questions ask nothing of them
            return None
        hit = party_from_signings(signings_for_engine(self), q.search_text)
        if hit is None:
            return None
        if hit["quote"] == hit["event"].title:  # only the headline names it: the body sentence that does
            hit = self._body_naming(hit) or hit
        return self._lead_with(ans, hit["doc"], hit["quote"], hit["start"], hit["end"], hit["spans"], hit["answer"],
                               k)

    def _body_naming(self, hit: dict) -> dict | None:
        """The first body sentence of the hit's article that names every one of its answer's parties
        (fully), as a hit; None when none does."""
        from .evidence import _doc_sentences

        data = self.data
        pos = self._doc_pos(hit["doc"])
        names = [p for p in hit["event"].parties if p in hit["answer"]]
        if pos is None or not names:
            return None
        for i in _doc_sentences(data, pos):
            if int(data.sent_kind[i]) == 1:
                continue
            quote = data.sent_quotes[i]
            if all(n in quote for n in names):
                s0 = int(data.sent_start[i])
                spans = sorted([s0 + quote.index(n), s0 + quote.index(n) + len(n)] for n in names)
                return dict(hit, quote=quote, start=s0, end=int(data.sent_end[i]), spans=spans)
        return None

    def _use_signing_slot(self, ans: Answer, q: Question, k: int) -> Answer:
        """"When/where was X signed?": the date or place of the stored signing the question names,
        citing the event sentence that says it."""
        from .signings import signings_for_engine, slot_from_signings

        hit = slot_from_signings(signings_for_engine(self), q.search_text, q.answer_type)
        if hit is None:
            return ans
        return self._lead_with(ans, hit["doc"], hit["quote"], hit["start"], hit["end"],
                               [[hit["answer_start"], hit["answer_end"]]], hit["answer"], k)

    def _signatory_for(self, ev, side: str):
        """The signatory of ``ev`` who signed for ``side`` ("Poland", "the lithium company"), with the event
        sentence that names them: the one whose words around the name are nearest in meaning to the
        side, when clearly nearer than the others'; else None."""
        contexts, picks = [], []
        names = [s.name for s in ev.signatories if s.named]
        body = [w for w in ev.quotes if w["quote"] != ev.title] or ev.quotes  # not the headline
        for sig in ev.signatories:
            where = next((w for w in body if sig.name and sig.name in w["quote"]), None)
            if where is None:
                continue
            text = where["quote"]
            i = text.find(sig.name)
            others = [text.find(n) for n in names if n != sig.name and n in text]
            lo = max([0] + [o + 1 for o in others if o < i])
            hi = min([len(text)] + [o for o in others if o > i])
            context = text[lo:hi] + " " + " ".join(x for x in (sig.title, sig.organization) if x)
            contexts.append(context)
            picks.append((sig.to_dict(), where))
        if len(picks) < 2:
            return None
        vecs = self.embedder.encode_queries([side] + contexts)
        sims = vecs[1:] @ vecs[0]
        order = np.argsort(-sims)
        if sims[order[0]] - sims[order[1]] < SIDE_MARGIN:
            return None
        return picks[int(order[0])]

    def _use_article(self, ans: Answer, q: Question, qvec, ranked, data: store.IndexData, idf, k: int) -> Answer:
        """A question about the article itself (who wrote it, which outlet, when it came out): answered
        from the metadata line of the first of the best sentences' articles that holds the question's topic
        (its names, and at least half of its key words by IDF weight) and says what is asked."""
        from .articles import answer_about, article_slot, topic_terms
        from .bm25 import tokenize
        from .evidence import _present, doc_stems, name_phrases, name_present

        slot = article_slot(q.search_text if q.is_followup else q.text, qvec)
        if slot is None:
            return ans
        topic = topic_terms(q.key_terms, q.terms)
        if not topic and len(data.doc_ids) > 1:
            return ans  # "who wrote the article?" with nothing to say which one
        names = name_phrases(q.search_text if q.is_followup else q.text)
        total = sum(idf.idf(t) for t in topic) or 1.0

        def covers(doc: int) -> bool:
            """The article holds the question's topic: its names, and half its key words by IDF weight."""
            meta = data.manifest["docs"].get(data.doc_ids[doc]) or {}
            # "the Central Asia Business Review piece on X": the outlet (or author) named is the article's own
            own = " ".join(meta.get(f) or "" for f in ("source", "author"))
            present = doc_stems(data, doc) | frozenset(tokenize(own))
            coverage = sum(idf.idf(t) for t in topic if _present(t, present)) / total if topic else 1.0
            return coverage >= 0.5 and all(name_present(p, present, idf.idf, set()) for p in names)

        # the first article among the best sentences' that does ("the nairobi geothermal story" when a
        # sentence of another Nairobi article ranks first)
        docs = [d for d in dict.fromkeys(int(data.sent_doc[c.sent]) for c in ranked[:ARTICLE_CANDIDATES])
                if covers(d)]
        if not docs:
            return ans
        # of those, the first that says what is asked (a byline for "who wrote it")
        doc = next((d for d in docs if (data.manifest["docs"].get(data.doc_ids[d]) or {}).get(slot)), docs[0])
        doc_id = data.doc_ids[doc]
        meta = data.manifest["docs"].get(doc_id) or {}
        source = self._source(doc_id)
        got = answer_about(meta, source, slot, doc_id) if source is not None else None
        if got is None:
            lines = meta.get("lines") or {}
            if source is not None and any(x in lines for x in ("byline", "date", "source")) and not meta.get(slot) \
                    and slot != "source":  # an agency may still be named in the dateline ("LAGOS, May 4 (X) -")
                # a news article with a date line or byline, but none of what is asked: say so, rather
                # than give a name the article quotes as its author
                what = {"author": "who wrote it", "date": "when it came out"}[slot]
                return Answer.not_found(ans.question, resolved=ans.resolved_question,
                                        why=f"the article {doc_id} does not say {what}")
            return ans
        first = Citation(n=1, doc=doc_id, title=meta.get("title"), date=meta.get("date"), quote=got.quote,
                         start=got.start, end=got.end, score=float(ranked[0].score), answer_start=got.answer_start,
                         answer_end=got.answer_end, answer_spans=[[got.answer_start, got.answer_end]])
        rest = [c for c in ans.citations if c.doc == doc_id and c.start != got.start]
        return Answer(question=ans.question, answer=got.answer, citations=_first_then(first, rest, k),
                      resolved_question=ans.resolved_question, answer_type="article_" + slot)

    def _use_witnesses(self, ans: Answer, q: Question, k: int) -> Answer:
        """"Who witnessed the signing of X?": the people the matching stored signing says looked on,
        citing the sentence that names them; ``ans`` as it was when it names none."""
        from .signings import _join, answer_from_signings, signings_for_engine

        hit = answer_from_signings(signings_for_engine(self), q.search_text, asks=True)
        ev = hit.get("event") if hit else None
        if ev is None or not ev.witnesses or not ev.witness_quote:
            return ans
        quote, start, end = ev.witness_quote["quote"], int(ev.witness_quote["start"]), int(ev.witness_quote["end"])
        spans = [[start + i, start + i + len(w.name)] for w in ev.witnesses if (i := quote.find(w.name)) >= 0]
        return self._lead_with(ans, ev.doc, quote, start, end, spans, _join([w.name for w in ev.witnesses]), k)

    def _use_holder(self, ans: Answer, q: Question, k: int, only_new: bool = False) -> Answer | None:
        """"Who is the chairman of X?": the person a stored role fact gives that title, citing the
        sentence that says it (``qa.roles.holder_of``). Without such a fact: ``ans`` as it was, or None
        with ``only_new``."""
        from .evidence import doc_stems
        from .roles import asks_for_holder, holder_of

        if not asks_for_holder(q.search_text):  # before the role facts of every document
            return None if only_new else ans
        facts = (self.data.facts() or {}).get("docs") or {}
        docs = {d: f.get("roles") or [] for d, f in facts.items() if f.get("roles")}
        def words(d: str) -> frozenset[str]:
            pos = self._doc_pos(d)
            return doc_stems(self.data, pos) if pos is not None else frozenset()

        fact = holder_of(q.search_text, docs, words) if docs else None
        if fact is None:
            return None if only_new else ans
        quote, start = fact["quote"], int(fact["start"])
        i = quote.find(fact["person"])
        spans = [[start + i, start + i + len(fact["person"])]] if i >= 0 else []
        return self._lead_with(ans, fact["doc"], quote, start, int(fact["end"]), spans, fact["person"], k)

    def _confirmed_role(self, ans: Answer, q: Question, reads: list, data: store.IndexData, k: int) -> Answer | None:
        """When the reader turned the question away but its best span is the title a stored role fact gives
        the one person the question names (``qa.roles.confirmed_role``), or the title of someone else in a
        sentence that gives that person's own (``qa.roles.correct_role``), answer with that person's title."""
        from .roles import confirmed_role, correct_role

        best = reads[0]
        view = readable(data, best.sent)
        if best.end <= best.start:
            return None
        s, e = view.raw_span(best.start, best.end)
        s0 = int(data.sent_start[best.sent])
        doc = data.doc_ids[int(data.sent_doc[best.sent])]
        roles = (((data.facts() or {}).get("docs") or {}).get(doc) or {}).get("roles") or []
        fact = confirmed_role(q.search_text, roles, s0 + s, s0 + e) if roles else None
        if fact is None and roles:
            # the span is the title of someone else in a sentence that also gives the named person's own
            other = correct_role(q.search_text, roles, s0 + s, s0 + e, s0)
            fact = other if other is not None and int(other["start"]) == s0 else None
        if fact is None:
            return None
        a, b = int(fact["title_start"]), int(fact["title_end"])
        title = fact["quote"][a - int(fact["start"]):b - int(fact["start"])]
        return self._lead_with(ans, doc, fact["quote"], int(fact["start"]), int(fact["end"]), [[a, b]], title, k)

    def _use_roles(self, ans: Answer, q: Question, k: int) -> Answer:
        """When the reader answered with the title of someone other than the person the question
        names, answer with that person's own title (a role fact stored at index time), citing it."""
        from .roles import correct_role

        first = ans.citations[0] if ans.citations else None
        if ans.abstained or first is None or first.answer_start is None:
            return ans
        facts = self.data.facts() or {}
        roles = ((facts.get("docs") or {}).get(first.doc) or {}).get("roles") or []
        fix = correct_role(q.search_text, roles, first.answer_start, first.answer_end, first.start) if roles else None
        if fix is None:
            return ans
        if fix["start"] != first.start:  # the person's title is in another sentence: cite that one first
            first = Citation(n=1, doc=first.doc, title=first.title, date=first.date, quote=fix["quote"],
                             start=fix["start"], end=fix["end"], score=first.score)
            ans.citations = _first_then(first, [c for c in ans.citations if c.start != fix["start"]], k)
        first.answer_start, first.answer_end = fix["title_start"], fix["title_end"]
        first.answer_spans = [[fix["title_start"], fix["title_end"]]]
        ans.answer = first.quote[fix["title_start"] - first.start : fix["title_end"] - first.start]
        return ans

    # -- documents ----------------------------------------------------------------------
    def documents(self) -> list[dict]:
        """Indexed documents: doc, title, date, author, passages."""
        data = self.data
        return [dict(data.manifest["docs"][d], doc=d) for d in data.doc_ids]

    def document(self, doc_id: str) -> Document:
        """Re-read an indexed document from its file (for the source viewer); for PDF and Word files its
        ``text`` is the stored extracted text that citations' offsets index."""
        meta = self.data.manifest["docs"].get(doc_id)
        if meta is None:
            raise KeyError(f"{doc_id} is not in the index")
        if meta.get("text") == "extracted":  # PDF, Word: the stored text the quotes index (no OCR again)
            from .documents import stored_document

            pos = self._doc_pos(doc_id)
            stored = self.data.stored_text(pos) if pos is not None else None
            if stored is not None:
                return stored_document(Path(meta["path"]), doc_id, stored, meta)
        doc = load_document(Path(meta["path"]), None, self.config.max_file_bytes)
        doc.doc_id = doc_id
        return doc
