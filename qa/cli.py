"""``python -m qa``: index, ask, eval, signings, eval-signings, train-reader, calibrate, bench."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path


def _engine(args):
    from .engine import Engine

    return Engine(index_dir=getattr(args, "index", None), docs_dir=getattr(args, "docs", None),
                  model_path=getattr(args, "model", None), **store_overrides(args))


def store_overrides(args) -> dict:
    """The store settings given on the command line (``--store``, ``--milvus-uri``)."""
    return {"store": getattr(args, "store", None), "milvus_uri": getattr(args, "milvus_uri", None)}


def add_store_args(sp) -> None:
    """``--store`` and ``--milvus-uri`` (also read from QA_STORE and QA_MILVUS_URI)."""
    sp.add_argument("--store", choices=("faiss", "milvus"),
                    help="where passages are searched (default: the index's own store, faiss for a new one; $QA_STORE)")
    sp.add_argument("--milvus-uri", help="Milvus server (http://host:19530) or milvus-lite file (default: "
                                         "milvus.db in the index folder; $QA_MILVUS_URI)")


def format_answer(ans) -> str:
    """Readable text: short answer, numbered quotes, sources."""
    if ans.abstained:
        return f"Not found in the documents.\n{ans.message}"
    lines = []
    if ans.answer:
        lines.append(f"Answer: {ans.answer}\n")
    for c in ans.citations:
        lines.append(f"[{c.n}] \u201c{' '.join(c.quote.split())}\u201d")
    lines.append("\nSources:")
    for c in ans.citations:
        meta = ", ".join(x for x in (c.title, c.date) if x)
        lines.append(f"[{c.n}] {c.doc} (chars {c.start}-{c.end})" + (f" \u2014 {meta}" if meta else ""))
    return "\n".join(lines)


def cmd_index(args) -> int:
    engine = _engine(args)
    paths = [Path(p) for p in args.paths] or None
    report = engine.index(paths, progress=not args.quiet,
                          force_rebuild="asked for with --rebuild" if getattr(args, "rebuild", False) else None)
    print(report.summary())
    return 0


def cmd_ask(args) -> int:
    from .answer import QuestionError

    engine = _engine(args)
    try:
        from .answer import validate_question

        validate_question(args.question, engine.config.max_question_chars)
        report = engine.ensure_index(progress=True)
        if report is not None:
            print(report.summary(), file=sys.stderr)
        from .filters import make_filter

        filters = make_filter(args.doc or None, args.date_from, args.date_to,
                              known=engine.data.doc_ids if args.doc else None)
        ans = engine.ask(args.question, history=args.history, k=args.k, filters=filters)
    except QuestionError as exc:
        if args.json:
            print(json.dumps({"error": str(exc)}))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False))
    else:
        print(format_answer(ans))
    return 0


def cmd_eval(args) -> int:
    from . import evaluate

    if args.squad:
        result = evaluate.run_squad(Path(args.squad), limit=args.limit, model_path=args.model,
                                    baselines=not args.no_baselines, last_articles=args.last_articles,
                                    **store_overrides(args))
    else:
        if not args.file:
            print("error: give a JSONL file of questions, or --squad FILE.json", file=sys.stderr)
            return 2
        engine = _engine(args)
        report = engine.ensure_index(progress=True)
        if report is not None:
            print(report.summary(), file=sys.stderr)
        result = evaluate.run_jsonl(engine, Path(args.file))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(evaluate.format_metrics(result))
    if args.squad and args.doc:
        cmd = "python -m qa eval --squad " + args.squad + (f" --limit {args.limit}" if args.limit else "")
        evaluate.write_report(Path(args.doc), evaluate.squad_markdown(result, cmd))
        print(f"wrote {args.doc}", file=sys.stderr)
    return 0


def cmd_signings(args) -> int:
    from .signings import format_table, signings_for_engine

    engine = _engine(args)
    report = engine.ensure_index(progress=True)
    if report is not None:
        print(report.summary(), file=sys.stderr)
    events = signings_for_engine(engine)
    if args.json:
        print(json.dumps([e.to_dict() for e in events], ensure_ascii=False))
    else:
        print(format_table(events))
    return 0


def cmd_bench(args) -> int:
    from .bench import run_bench

    return run_bench(args)


class UsageError(Exception):
    """A command line argparse refused (the message says which argument)."""


class _Parser(argparse.ArgumentParser):
    """Raises :class:`UsageError` instead of exiting, so that ``--json`` can answer in JSON."""

    def error(self, message):  # noqa: D102 - argparse's hook
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m qa", description="Cited question answering over a folder of articles.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp):
        sp.add_argument("--index", help="index folder (default: index/ or $QA_INDEX)")
        sp.add_argument("--model", help="local sentence-transformers folder (default: bundled all-MiniLM-L6-v2, or $QA_MODEL)")
        add_store_args(sp)

    s = sub.add_parser("index", help="build or update the index")
    s.add_argument("paths", nargs="*", help="files or folders (default: seeds/ or $QA_DOCS)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    s.add_argument("--rebuild", action="store_true", help="re-read and re-embed every document (e.g. after damage)")
    common(s)
    s.set_defaults(fn=cmd_index)

    s = sub.add_parser("ask", help="answer a question with cited quotes")
    s.add_argument("question")
    s.add_argument("--history", action="append", default=[], help="an earlier question (repeat, oldest first)")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.add_argument("-k", type=int, default=3, help="number of quotes (default 3)")
    s.add_argument("--docs", help="folder to build the index from if there is none yet")
    s.add_argument("--doc", action="append", default=[],
                   help="answer only from this document (its name in the index; repeat for several)")
    s.add_argument("--from", dest="date_from", help="only documents dated on or after this day (YYYY-MM-DD)")
    s.add_argument("--to", dest="date_to", help="only documents dated on or before this day (YYYY-MM-DD)")
    common(s)
    s.set_defaults(fn=cmd_ask)

    s = sub.add_parser("eval", help="evaluate on a JSONL question file or on SQuAD 2.0")
    s.add_argument("file", nargs="?", help="JSONL questions (id, question, history, answers, must_include, doc)")
    s.add_argument("--squad", help="a SQuAD 2.0 JSON file, indexed into a temporary index")
    s.add_argument("--limit", type=int, help="SQuAD: at most this many questions (spread over the file)")
    s.add_argument("--no-baselines", action="store_true", help="SQuAD: skip the baselines")
    s.add_argument("--last-articles", type=int,
                   help="SQuAD: only the file's last N articles (with SQuAD 1.1 train: the reader's held-out split)")
    s.add_argument("--doc", help="SQuAD: also write the Markdown report here (e.g. docs/evaluation.md)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--docs")
    common(s)
    s.set_defaults(fn=cmd_eval)

    s = sub.add_parser("signings", help="table of every signing in the corpus")
    s.add_argument("--json", action="store_true")
    s.add_argument("--docs")
    common(s)
    s.set_defaults(fn=cmd_signings)

    from .abstain import add_parser as add_calibrate
    from .reader.train import add_parser as add_train_reader

    add_train_reader(sub)
    add_calibrate(sub)
    from .eval_signings import add_parser as add_eval_signings

    add_eval_signings(sub)
    from .intents import add_parser as add_fit_intents

    add_fit_intents(sub)

    s = sub.add_parser("bench", help="speed benchmark; writes docs/performance.md")
    s.add_argument("--json", action="store_true")
    s.add_argument("--sizes", default="seeds,squad,100k,1m", help="comma list of seeds,squad,100k,1m,pdf50")
    s.add_argument("--queries", type=int, default=200)
    s.add_argument("--no-cold-start", action="store_true")
    s.add_argument("--stores", default="faiss", help="comma list of faiss,milvus: each size is measured with each")
    s.set_defaults(fn=cmd_bench)
    return p


def main(argv: list[str] | None = None) -> int:
    from .config import setup_offline_env

    setup_offline_env()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        if "--json" in argv:
            print(json.dumps({"error": str(exc)}))
        else:
            parser.print_usage(sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "sentence_transformers", "transformers", "bm25s", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from .documents import IngestError
    from .embedder import ModelError
    from .store import IndexError_

    try:
        return args.fn(args)
    except (IndexError_, ModelError, IngestError) as exc:
        if getattr(args, "json", False) and args.command == "ask":
            print(json.dumps({"error": str(exc)}))
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
