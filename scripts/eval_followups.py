"""Follow-up questions: a question whose name is said as it/they/he/she,
asked after another question of the same paragraph (the chat's history), on the reader's held-out split
(the last 20 articles of SQuAD 1.1 train; the reader: models/reader or $QA_READER). Prints F1, EM, evidence hit@1 and the share turned away.

    .venv/bin/python scripts/eval_followups.py [train-v1.1.json.gz]
"""
import html
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from qa.engine import Engine
from qa.evaluate import write_squad_corpus, _contains_answer, f1_score, exact_match
from qa.reader.squad import load_squad, _with_pronoun, _norm

arts = load_squad(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared/data/squad1.1-train/train-v1.1.json.gz"))[-20:]
tmp = Path(tempfile.mkdtemp(prefix="fu-"))
write_squad_corpus({"data": arts}, tmp / "docs", set())
rng = random.Random(0)
items = []
for a, art in enumerate(arts):
    for p, para in enumerate(art["paragraphs"]):
        qas = para["qas"]
        for i in range(1, len(qas)):
            fu = _with_pronoun(rng, qas[i]["question"], _norm(para["context"]))
            if fu:
                items.append(dict(q=fu, hist=qas[i - 1]["question"], answers=[x["text"] for x in qas[i]["answers"]],
                                  doc=f"a{a:03d}_p{p:03d}.html"))
items = items[:: max(1, len(items) // 600)][:600]
eng = Engine(docs_dir=tmp / "docs", index_dir=tmp / "index")
eng.index(progress=False)
f1 = em = hit = ab = 0
for it in items:
    ans = eng.ask(it["q"], history=[it["hist"]])
    if ans.abstained:
        ab += 1
        continue
    p = html.unescape(ans.answer or "")
    f1 += max(f1_score(p, g) for g in it["answers"]); em += max(exact_match(p, g) for g in it["answers"])
    hit += _contains_answer(html.unescape(ans.citations[0].quote), it["answers"])
n = len(items)
print(json.dumps(dict(reader=str(eng.config.reader_path), followups=n, f1=round(100 * f1 / n, 2), em=round(100 * em / n, 2),
                      hit1=round(hit / n, 4), abstained=round(ab / n, 4))))
