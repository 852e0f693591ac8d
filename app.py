"""The web chat: ``python app.py [--host H] [--port P] [--docs DIR] [--index DIR]``.

Builds or updates the index first (progress in the terminal), then serves the
Gradio app on http://127.0.0.1:7860 by default. See docs/webapp.md.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time

T0 = time.perf_counter()
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Web chat: cited answers from a folder of news articles.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--docs", help="folder of articles (default: seeds/ or $QA_DOCS)")
    p.add_argument("--index", help="index folder (default: index/ or $QA_INDEX)")
    p.add_argument("--model", help="local sentence-transformers folder (default: bundled all-MiniLM-L6-v2)")
    from qa.cli import add_store_args

    add_store_args(p)
    p.add_argument("--read-only", action="store_true", default=None,
                   help="serve an index another machine writes (shared index folder and Milvus cluster): no "
                        "indexing, no uploads ($QA_READ_ONLY=1)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "sentence_transformers", "transformers", "faiss", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from qa.engine import Engine

    from qa.cli import store_overrides

    engine = Engine(docs_dir=args.docs, index_dir=args.index, model_path=args.model, read_only=args.read_only,
                    **store_overrides(args))
    cfg = engine.config
    if not cfg.docs_dir.is_dir() and not cfg.read_only:
        print(f"error: the documents folder {cfg.docs_dir} does not exist (use --docs DIR)", file=sys.stderr)
        return 1
    print(f"Documents: {cfg.docs_dir}\nIndex:     {cfg.index_dir}" + (f" (store: {cfg.store})" if cfg.store else ""),
          flush=True)
    try:
        built = engine.ensure_index(progress=True)  # missing or damaged: full build
        if cfg.read_only:  # another machine writes the index: serve it as it is
            from qa.indexer import IndexReport

            report = IndexReport(passages=engine.data.n_passages)
        else:
            report = built or engine.index(progress=True)  # stale: pick up new, changed and removed files
    except Exception as exc:  # model or index problems: say what to do, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if report.changed or report.skipped:
        print(report.summary(), flush=True)
    print(f"Index ready: {len(engine.documents())} documents, {report.passages} passages "
          f"({time.perf_counter() - T0:.1f}s)", flush=True)

    def warm_up():  # load the query encoder and NLP while gradio imports
        try:
            engine.ask("What was signed?")
        except Exception as exc:  # pragma: no cover - only makes the first question slower
            logging.getLogger(__name__).debug("warm-up failed: %s", exc)

    warm = threading.Thread(target=warm_up, daemon=True)
    warm.start()
    from qa.webui import build_ui

    demo = build_ui(engine)
    warm.join()
    demo.queue(default_concurrency_limit=cfg.concurrency)  # questions are answered concurrently
    demo.launch(server_name=args.host, server_port=args.port, css=demo.qa_css, max_file_size=cfg.max_file_bytes,
                prevent_thread_lock=True, quiet=True, show_error=True, footer_links=["api"])
    print(f"Serving on http://{args.host}:{args.port} (started in {time.perf_counter() - T0:.1f}s; Ctrl+C to stop)",
          flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
