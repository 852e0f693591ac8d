"""Check the article-question detector (qa/articles.py + qa/intents.py) on questions it was not fitted
on: the question files of the test-article splits (their article questions against all the others) and
a SQuAD 1.1 train sample apart from the one the model was fitted with (none asks about an article).

    .venv/bin/python scripts/article_intent_check.py [--squad N]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTICLE_IDS_WORDS = ("wrote", "author", "agency", "published", "byline", "reported the", "source", "outlet")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--squad", type=int, default=4000)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "squad1.1-train" / "train-v1.1.json.gz"))
    args = ap.parse_args()
    from qa import articles
    from qa.embedder import Embedder
    from qa.intents import squad_questions
    from qa.reader.squad import load_squad

    emb = Embedder()
    qs = squad_questions(load_squad(Path(args.data)))
    random.Random(0).shuffle(qs)
    squad = qs[2 * args.squad : 3 * args.squad]  # fit-intents used [0, n) to fit and [n, 2n) in its report
    files = sorted((ROOT / "eval").glob("questions_split_*.jsonl"))
    rows = [json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]
    from qa.intents import default_model

    model = default_model()
    for name, items in (("split questions", [r["question"] for r in rows]), ("SQuAD sample", squad)):
        vecs = emb.encode_queries(items)
        with_cue = [q for q, v in zip(items, vecs) if articles.article_slot(q, v)]
        model_only = [q for q, v in zip(items, vecs) if model.probabilities(v)[1:4].sum() >= 1 - articles.MAX_OTHER]
        print(f"{name}: {len(items)} questions; taken for article questions by the model alone: {len(model_only)}, "
              f"with the word check: {len(with_cue)}")
        for q, v in zip(items, vecs):
            if q in with_cue:
                print("   ", articles.article_slot(q, v), q)


if __name__ == "__main__":
    main()
