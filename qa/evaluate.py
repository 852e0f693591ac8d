"""Evaluation: a JSONL file of questions over an index, or SQuAD 2.0 with baselines.

Every number can be recomputed from the raw answers the JSON output carries.
"""
from __future__ import annotations

import collections
import html
import json
import re
import string
import tempfile
import time
from pathlib import Path

import numpy as np

from .answer import Answer

# -- shared helpers -----------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    return float(np.percentile(values, p)) if values else None


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def normalize_answer(s: str) -> str:
    """SQuAD's official normalisation: lower case, no punctuation, articles or extra spaces."""
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def f1_score(prediction: str, gold: str) -> float:
    p, g = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not p or not g:
        return float(p == g)
    common = collections.Counter(p) & collections.Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


# -- JSONL (seeds_dev format) ---------------------------------------------------------------


def evidence_hit(answer: dict, must_include: list[str], doc: str | None, k: int) -> bool:
    """One of the first ``k`` citations contains every ``must_include`` string and comes from ``doc``."""
    for c in answer.get("citations", [])[:k]:
        quote = c["quote"].lower()
        if (doc is None or c["doc"] == doc) and all(m.lower() in quote for m in must_include):
            return True
    return False


def run_jsonl(engine, path: Path) -> dict:
    """Ask every question of a JSONL file; metrics plus every raw answer."""
    items = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    results, lat = [], []
    hit1 = hit3 = answerable = false_abstain = unanswerable = correct_abstain = short_ok = 0
    for it in items:
        t = time.perf_counter()
        ans = engine.ask(it["question"], history=it.get("history") or [])
        lat.append((time.perf_counter() - t) * 1000)
        d = ans.to_dict()
        results.append({"id": it.get("id"), "answer": d})
        if it.get("answers"):
            answerable += 1
            must = it.get("must_include") or it["answers"][:1]
            hit1 += evidence_hit(d, must, it.get("doc"), 1)
            hit3 += evidence_hit(d, must, it.get("doc"), 3)
            false_abstain += d["abstained"]
            if d["answer"] and any(normalize_answer(a) in normalize_answer(d["answer"]) or
                                   normalize_answer(d["answer"]) in normalize_answer(a) for a in it["answers"]):
                short_ok += 1
        else:
            unanswerable += 1
            correct_abstain += d["abstained"]
    return {
        "questions": len(items),
        "answerable": answerable,
        "unanswerable": unanswerable,
        "evidence_hit@1": _rate(hit1, answerable),
        "evidence_hit@3": _rate(hit3, answerable),
        "short_answer_match": _rate(short_ok, answerable),
        "abstain_accuracy": _rate(correct_abstain, unanswerable),
        "false_abstain_rate": _rate(false_abstain, answerable),
        "latency_ms_p50": percentile(lat, 50),
        "latency_ms_p95": percentile(lat, 95),
        "results": results,
    }


# -- SQuAD 2.0 ------------------------------------------------------------------------------

SQUAD_KEYS = ["recall@1", "recall@5", "recall@20", "mrr@10", "evidence_hit@1", "evidence_hit@3", "em", "f1",
              "abstain_precision", "abstain_recall", "ooc_abstain_rate", "false_abstain_rate", "latency_ms_p50",
              "latency_ms_p95", "index_seconds"]


def write_squad_corpus(squad: dict, folder: Path, skip_articles: set[int]) -> dict:
    """One small HTML page per paragraph (article title as <title>); returns question records."""
    folder.mkdir(parents=True, exist_ok=True)
    questions = []
    for a, article in enumerate(squad["data"]):
        title = article.get("title", f"article {a}").replace("_", " ")
        for p, para in enumerate(article["paragraphs"]):
            doc_id = f"a{a:03d}_p{p:03d}.html"
            if a not in skip_articles:
                page = (f"<html><head><title>{html.escape(title)}</title></head><body>\n"
                        f"<p>{html.escape(para['context'])}</p>\n</body></html>\n")
                (folder / doc_id).write_text(page, encoding="utf-8")
            for qa in para["qas"]:
                answers = [x["text"] for x in qa.get("answers") or [] if isinstance(x, dict) and x.get("text")]
                if not answers and not qa.get("is_impossible", False):
                    answers = None  # a retrieval-only question: no answer given to score against
                questions.append({"id": qa["id"], "question": qa["question"], "doc": doc_id, "article": a,
                                  "impossible": bool(qa.get("is_impossible", False)), "answers": answers,
                                  "ooc": a in skip_articles})
    return {"questions": questions}


def _doc_ranking(data, hits) -> list[str]:
    seen: list[str] = []
    for h in hits:
        d = data.doc_ids[int(data.passage_doc[h.passage])]
        if d not in seen:
            seen.append(d)
    return seen


def _trace_doc_ranking(data, tr) -> list[str]:
    """Documents in the order the system trusts them: by their best evidence sentence, then by passage score."""
    seen: list[str] = []
    for c in tr.ranked:
        d = data.doc_ids[int(data.sent_doc[c.sent])]
        if d not in seen:
            seen.append(d)
    for d in _doc_ranking(data, tr.hits):
        if d not in seen:
            seen.append(d)
    return seen


def _retrieval(ranks: list[int | None]) -> dict:
    n = len(ranks)
    if not n:
        return {k: None for k in ("recall@1", "recall@5", "recall@20", "mrr@10")}
    return {
        "recall@1": round(sum(r is not None and r < 1 for r in ranks) / n, 4),
        "recall@5": round(sum(r is not None and r < 5 for r in ranks) / n, 4),
        "recall@20": round(sum(r is not None and r < 20 for r in ranks) / n, 4),
        "mrr@10": round(sum(1.0 / (r + 1) for r in ranks if r is not None and r < 10) / n, 4),
    }


def _contains_answer(quote: str, answers: list[str]) -> bool:
    q = normalize_answer(html.unescape(quote))
    return any(normalize_answer(a) and normalize_answer(a) in q for a in answers)


def run_squad(path: Path, limit: int | None = None, model_path: str | None = None, baselines: bool = True,
              holdout_every: int = 4, index_dir: Path | None = None, progress: bool = True,
              last_articles: int | None = None, store: str | None = None, milvus_uri: str | None = None) -> dict:
    """Index SQuAD paragraphs (holding out every ``holdout_every``-th article) and score everything.

    ``last_articles`` keeps only the file's last N articles: with SQuAD 1.1 train, the articles the
    reader's training leaves out (``train-reader --holdout``), a split for choosing settings that is
    neither the training data nor the SQuAD 2.0 dev file.
    """
    from .engine import Engine
    from .reader.squad import load_squad
    from .retrieve import search

    squad = {"data": load_squad(Path(path))}
    if last_articles:
        squad["data"] = squad["data"][-last_articles:]
    n_articles = len(squad["data"])
    held_out = {a for a in range(n_articles) if holdout_every and a % holdout_every == holdout_every - 1}
    if n_articles < 2:
        held_out = set()
    tmp = Path(tempfile.mkdtemp(prefix="qa-squad-"))
    corpus = write_squad_corpus(squad, tmp / "docs", held_out)
    qs = corpus["questions"]
    has_answers = any(q["answers"] for q in qs)
    if limit and limit < len(qs):
        step = len(qs) / limit
        qs = [qs[int(i * step)] for i in range(limit)]
    engine = Engine(docs_dir=tmp / "docs", index_dir=index_dir or (tmp / "index"), model_path=model_path,
                    store=store, milvus_uri=milvus_uri)
    t = time.perf_counter()
    engine.index(progress=progress)
    index_seconds = time.perf_counter() - t
    data = engine.data

    ranks = {"hybrid": [], "bm25": [], "dense": []}
    ev1 = ev3 = 0
    base_ev = {"hybrid_first_sentence": [0, 0], "bm25": [0, 0], "dense": [0, 0]}
    ems, f1s, lat = [], [], []
    answerable = abstained_answerable = 0
    impossible = abstained_impossible = abstained_in_corpus = 0
    ooc = abstained_ooc = 0
    results = []
    for q in qs:
        t = time.perf_counter()
        tr = engine.trace(q["question"], k=3)
        lat.append((time.perf_counter() - t) * 1000)
        ans = tr.answer
        results.append({"id": q["id"], "doc": q["doc"], "ooc": q["ooc"], "impossible": q["impossible"],
                        "answer": ans.to_dict()})
        if q["ooc"]:
            if not q["impossible"]:
                ooc += 1
                abstained_ooc += ans.abstained
            continue
        abstained_in_corpus += ans.abstained
        doc_rank = _trace_doc_ranking(data, tr)
        gold_rank = doc_rank.index(q["doc"]) if q["doc"] in doc_rank else None
        if q["impossible"]:
            impossible += 1
            abstained_impossible += ans.abstained
        if has_answers and q["impossible"]:
            continue
        ranks["hybrid"].append(gold_rank)
        if baselines:
            for mode in ("bm25", "dense"):
                hits = search(data, tr.qvec, tr.question.search_text, k=max(20, engine.config.candidates), mode=mode,
                              pool=100)
                dr = _doc_ranking(data, hits)
                ranks[mode].append(dr.index(q["doc"]) if q["doc"] in dr else None)
                if has_answers and q["answers"]:
                    first = [data.sent_quotes[int(data.passage_lo[h.passage])] for h in hits[:3]]
                    base_ev[mode][0] += bool(first) and _contains_answer(first[0], q["answers"])
                    base_ev[mode][1] += any(_contains_answer(x, q["answers"]) for x in first)
        if not has_answers or not q["answers"]:
            continue
        answerable += 1
        abstained_answerable += ans.abstained
        quotes = [c.quote for c in ans.citations]
        ev1 += bool(quotes) and _contains_answer(quotes[0], q["answers"])
        ev3 += any(_contains_answer(x, q["answers"]) for x in quotes[:3])
        first = [data.sent_quotes[int(data.passage_lo[h.passage])] for h in tr.hits[:3]]
        base_ev["hybrid_first_sentence"][0] += bool(first) and _contains_answer(first[0], q["answers"])
        base_ev["hybrid_first_sentence"][1] += any(_contains_answer(x, q["answers"]) for x in first)
        pred = html.unescape(ans.answer or "")
        ems.append(max(exact_match(pred, g) for g in q["answers"]))
        f1s.append(max(f1_score(pred, g) for g in q["answers"]))

    metrics = {k: None for k in SQUAD_KEYS}
    metrics.update(_retrieval(ranks["hybrid"]))
    metrics.update({
        "evidence_hit@1": _rate(ev1, answerable) if has_answers else None,
        "evidence_hit@3": _rate(ev3, answerable) if has_answers else None,
        "em": round(100 * float(np.mean(ems)), 2) if ems else None,
        "f1": round(100 * float(np.mean(f1s)), 2) if f1s else None,
        "abstain_precision": _rate(abstained_impossible, abstained_in_corpus) if has_answers else None,
        "abstain_recall": _rate(abstained_impossible, impossible) if has_answers else None,
        "ooc_abstain_rate": _rate(abstained_ooc, ooc),
        "false_abstain_rate": _rate(abstained_answerable, answerable) if has_answers else None,
        "latency_ms_p50": percentile(lat, 50),
        "latency_ms_p95": percentile(lat, 95),
        "index_seconds": round(index_seconds, 2),
    })
    out = dict(metrics)
    from .store import store_kind

    out["store"] = store_kind(data.manifest)
    out["baselines"] = {}
    if baselines:
        for name, mode in (("bm25_only", "bm25"), ("dense_only", "dense")):
            b = {k: None for k in SQUAD_KEYS}
            b.update(_retrieval(ranks[mode]))
            if has_answers:
                b["evidence_hit@1"] = _rate(base_ev[mode][0], answerable)
                b["evidence_hit@3"] = _rate(base_ev[mode][1], answerable)
            out["baselines"][name] = b
        b = {k: None for k in SQUAD_KEYS}
        b.update(_retrieval(ranks["hybrid"]))
        if has_answers:
            b["evidence_hit@1"] = _rate(base_ev["hybrid_first_sentence"][0], answerable)
            b["evidence_hit@3"] = _rate(base_ev["hybrid_first_sentence"][1], answerable)
        out["baselines"]["first_sentence_of_top_passage"] = b
    out["counts"] = {"questions": len(qs), "answerable_in_corpus": answerable, "impossible_in_corpus": impossible,
                     "out_of_corpus": ooc, "held_out_articles": sorted(held_out), "passages": data.n_passages}
    out["results"] = results
    return out


def format_metrics(result: dict) -> str:
    """A readable table of the metrics (and baselines, if any)."""
    lines = []
    skip = {"results", "baselines", "counts"}
    for k, v in result.items():
        if k not in skip:
            lines.append(f"{k:>22}: {v if not isinstance(v, float) else round(v, 4)}")
    if result.get("counts"):
        lines.append(f"{'counts':>22}: {result['counts']}")
    for name, b in (result.get("baselines") or {}).items():
        shown = {k: v for k, v in b.items() if v is not None}
        lines.append(f"baseline {name}: {shown}")
    return "\n".join(lines)


def squad_markdown(result: dict, command: str) -> str:
    """A Markdown report (table with baselines, the command, the machine) for docs/evaluation.md."""
    import os
    import platform

    base = result.get("baselines") or {}
    names = ["hybrid (this system)"] + list(base)
    cols = [result] + [base[n] for n in base]
    lines = ["## SQuAD 2.0 dev: the numbers", "",
             f"Command: `{command}`", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"{time.strftime('%Y-%m-%d')}", "",
             f"Questions: {result['counts']}", "",
             "| metric | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for key in SQUAD_KEYS:
        row = []
        for c in cols:
            v = c.get(key)
            row.append("—" if v is None else (f"{v:.4g}" if isinstance(v, float) else str(v)))
        lines.append(f"| {key} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


START, END = "<!-- results:start -->", "<!-- results:end -->"


def write_report(path: Path, results_md: str) -> None:
    """Write the results between the markers of ``path``, keeping the hand-written text around them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    block = f"{START}\n{results_md}{END}\n"
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    if START in old and END in old:
        new = old[: old.index(START)] + block + old[old.index(END) + len(END) :].lstrip("\n")
    else:
        new = block + old
    path.write_text(new, encoding="utf-8")
