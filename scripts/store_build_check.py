"""Index build speed of the two search stores, measured in turns in one process (issue 15).

    python scripts/store_build_check.py [--rounds 2] [--docs DIR]

Full builds (embedding, extraction, the store, the version write) of the same documents (default:
the SQuAD 2.0 dev paragraphs as the benchmark writes them) into fresh index folders, alternating
faiss and milvus so that the machine's drift hits both alike; prints each build, the medians and
their ratio. One build is about 45 s at the SQuAD size on 2 cores.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    from qa.config import setup_offline_env

    setup_offline_env()
    from qa.bench import _load_squad, write_squad_docs
    from qa.embedder import Embedder
    from qa.engine import Engine
    from qa.stores.milvus_store import _clients, forget_client

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--docs", help="documents folder (default: the SQuAD 2.0 dev paragraphs)")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-store-build-"))
    docs = Path(args.docs) if args.docs else work / "docs"
    if not args.docs:
        write_squad_docs(_load_squad(), docs)
    embedder = Embedder()
    _ = embedder.model
    times: dict[str, list[float]] = {"faiss": [], "milvus": []}
    passages = 0
    for r in range(args.rounds):
        for kind in ("faiss", "milvus") if r % 2 == 0 else ("milvus", "faiss"):
            engine = Engine(docs_dir=docs, index_dir=work / f"index-{kind}-{r}", store=kind)
            engine._embedder = embedder
            t = time.perf_counter()
            report = engine.index(progress=False)
            times[kind].append(time.perf_counter() - t)
            passages = report.passages
            print(f"round {r + 1} {kind}: {passages} passages in {times[kind][-1]:.1f} s "
                  f"({passages / times[kind][-1]:.1f}/s)", flush=True)
            for uri in list(_clients):
                forget_client(uri)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"median build: faiss {med['faiss']:.1f} s, milvus {med['milvus']:.1f} s; milvus speed = "
          f"{med['faiss'] / med['milvus']:.2f}x faiss (target >= 0.9)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
