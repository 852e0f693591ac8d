"""Whether the documents answer a question, once the reader has read the best windows: a logistic
model over the reader's "holds the answer" probability and the retrieval evidence, fitted by
``python -m qa calibrate`` and stored beside the reader (``abstain.json``).

The fit uses questions over a SQuAD-format file indexed as in ``qa eval --squad``: answerable
questions whose article is in the index should be answered, questions whose article was held out of
the index should not. By default it is the reader's held-out split of SQuAD 1.1 train (the last 20
articles, never trained on), so neither the training data nor the SQuAD 2.0 dev file is used. The
decision threshold is set for a chosen false-abstention rate on that split.
"""
from __future__ import annotations

import json
import logging
import math
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
FILE = "abstain.json"
FEATURES = ("log_has", "log_not_has", "support", "dense", "lex", "key_coverage", "score",
            "names_elsewhere", "names_unknown")
#: The gate before reading sees the evidence features only (no reader output).
GATE_FEATURES = FEATURES[2:]
#: Without a calibrated model: abstain when no window holds the answer with at least this probability.
DEFAULT_MIN_HAS = 0.5


def feature_vector(feats: dict, has: float) -> np.ndarray:
    """The model's inputs for one question (``feats`` from ``evidence.features``, ``has`` the best
    window's probability of holding the answer)."""
    h = min(max(has, 1e-6), 1 - 1e-6)
    cov = feats.get("key_coverage")
    # a question naming 2+ things, one of them not in the evidence's article: known from other articles
    # (the documents never connect them) or from none
    paired = feats.get("n_names", 0) >= 2
    elsewhere = 1.0 if paired and feats.get("elsewhere_names") else 0.0
    unknown = 1.0 if paired and not elsewhere and feats.get("missing_names") else 0.0
    return np.array([math.log(h), math.log(1 - h), feats.get("support", 0.0), feats.get("dense", 0.0),
                     feats.get("lex", 0.0), 1.0 if cov is None else cov, feats.get("score", 0.0),
                     elsewhere, unknown], dtype=np.float64)


@dataclass
class AbstainModel:
    """``z = coef · x + intercept``; abstain when ``z > threshold`` (z: log-odds of "not answered")."""

    coef: list[float]
    intercept: float
    threshold: float
    features: tuple[str, ...] = FEATURES
    fit: dict = field(default_factory=dict)
    #: A model of the same kind over ``GATE_FEATURES`` (``coef``, ``intercept``, ``threshold``) that
    #: turns a question away before the reader runs; None: every retrieved question is read.
    gate: dict | None = None

    def logit(self, feats: dict, has: float) -> float:
        return float(np.dot(self.coef, feature_vector(feats, has)) + self.intercept)

    def gated(self, feats: dict) -> bool:
        """Whether the gate turns the question away before reading."""
        if not self.gate:
            return False
        z = float(np.dot(self.gate["coef"], feature_vector(feats, 0.5)[2:]) + self.gate["intercept"])
        feats["gate_logit"] = z
        return z > self.gate["threshold"]

    def abstain(self, feats: dict, has: float) -> bool:
        return self.logit(feats, has) > self.threshold

    @classmethod
    def load(cls, folder: Path) -> "AbstainModel | None":
        """The model in ``folder``, or None when there is none (the reader was not calibrated)."""
        path = Path(folder) / FILE
        if not path.is_file():
            return None
        d = json.loads(path.read_text(encoding="utf-8"))
        if tuple(d.get("features", ())) != FEATURES:
            log.warning("%s was fitted on other features; run python -m qa calibrate", path)
            return None
        gate = d.get("gate")
        if gate is not None and len(gate.get("coef", ())) != len(GATE_FEATURES):
            log.warning("the gate in %s was fitted on other features; it is not used (run python -m qa calibrate)",
                        path)
            gate = None
        return cls(coef=[float(x) for x in d["coef"]], intercept=float(d["intercept"]),
                   threshold=float(d["threshold"]), fit=d.get("fit", {}), gate=gate)

    def save(self, folder: Path) -> Path:
        path = Path(folder) / FILE
        tmp = path.with_suffix(".tmp")
        d = asdict(self)
        d["features"] = list(self.features)
        tmp.write_text(json.dumps(d, indent=1), encoding="utf-8")
        os.replace(tmp, path)
        return path


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (a few features, a few thousand rows)."""
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0  # no penalty on the intercept
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-A @ w))
        grad = A.T @ (p - y) + reg * w
        H = (A * (p * (1 - p))[:, None]).T @ A + np.diag(reg)
        step = np.linalg.solve(H, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def swapped_questions(articles: list[dict], qs: list[dict], share: float, seed: int = 0,
                      across: bool = False) -> list[dict]:
    """In-corpus questions the documents do not answer: a share of the answerable ones asked again about
    another name (or number) of their article, as the reader's ``--swaps`` training negatives are (and
    as many of SQuAD 2.0's unanswerable questions are written), or with ``across`` about a name of
    another indexed article (two things the documents never connect: "the agreement between X and Y"
    where X and Y are in different articles)."""
    import random

    from .reader.squad import _article_names, _norm, _swapped

    rng = random.Random(seed + (1 if across else 0))
    names: dict[int, list[str]] = {}

    def names_of(a: int) -> list[str]:
        if a not in names:
            names[a] = _article_names(articles[a])
        return names[a]

    indexed = sorted({q["article"] for q in qs if not q["ooc"]})
    out = []
    for q in qs:
        if q["ooc"] or q.get("swapped") or rng.random() >= share:
            continue
        a = q["article"]
        p = int(q["doc"].split("_p")[1].split(".")[0])
        if across:
            others = [b for b in indexed if b != a]
            if not others:
                continue
            text = _norm(" ".join(para["context"] for para in articles[a]["paragraphs"]))
            pool = [n for n in names_of(rng.choice(others)) if _norm(n) not in text]
        else:
            text, pool = _norm(articles[a]["paragraphs"][p]["context"]), names_of(a)
        other = _swapped(rng, q["question"], text, pool)
        if other:
            out.append(dict(q, id=q["id"] + ("-across" if across else "-swap"), question=other, swapped=True))
    return out


def calibrate(path: Path, last_articles: int | None, limit: int | None, false_abstention: float,
              out: Path | None = None, progress: bool = True, swaps: float = 0.0, pairs: float = 0.0,
              gate_false_abstention: float = 0.0) -> AbstainModel:
    """Answer the questions of a SQuAD-format file (as ``qa eval --squad`` does), fit the model on
    the ones that reach the reader, and set the threshold for ``false_abstention``.

    With ``gate_false_abstention`` > 0, a second model over the evidence features alone is fitted too
    and set to turn away at most that share of the answerable questions before the reader runs (a
    question it turns away costs no reading); the reader model's threshold keeps the total at
    ``false_abstention``."""
    import tempfile

    from .engine import Engine
    from .evaluate import write_squad_corpus
    from .reader.squad import load_squad

    articles = load_squad(Path(path))
    if last_articles:
        articles = articles[-last_articles:]
    held_out = {a for a in range(len(articles)) if a % 4 == 3}
    tmp = Path(tempfile.mkdtemp(prefix="qa-calibrate-"))
    qs = [q for q in write_squad_corpus({"data": articles}, tmp / "docs", held_out)["questions"]
          if not q["impossible"]]
    if limit and limit < len(qs):
        step = len(qs) / limit
        qs = [qs[int(i * step)] for i in range(limit)]
    extra = swapped_questions(articles, qs, swaps) if swaps else []
    extra += swapped_questions(articles, qs, pairs, across=True) if pairs else []
    qs += extra
    engine = Engine(docs_dir=tmp / "docs", index_dir=tmp / "index", **({"reader_path": out} if out else {}))
    engine.index(progress=progress)
    rows, labels, pre = [], [], []
    it = qs
    if progress:
        from tqdm import tqdm

        it = tqdm(qs, desc="answering", unit="question")
    engine.reader  # loads the abstention model: without its gate, every question is read
    if engine._abstain is not None:
        engine._abstain.gate = None
    for q in it:
        tr = engine.trace(q["question"], k=3)
        passed = "has_answer" in (tr.features or {})
        pre.append(not passed)
        labels.append(1 if q["ooc"] or q.get("swapped") else 0)
        rows.append(feature_vector(tr.features, tr.features["has_answer"]) if passed else None)
    labels = np.array(labels)
    swapped = np.array([bool(q.get("swapped")) for q in qs])
    ooc = np.array([bool(q["ooc"]) for q in qs])
    pre = np.array(pre)
    keep = ~pre
    X = np.array([r for r in rows if r is not None])
    coef, intercept = fit_logistic(X, labels[keep])
    z = X @ coef + intercept
    answerable = labels[keep] == 0
    n_answerable = int((labels == 0).sum())
    zs = np.sort(z[answerable])[::-1]
    gate = None
    if gate_false_abstention > 0:
        G = X[:, 2:]
        g_coef, g_intercept = fit_logistic(G, labels[keep])
        gz = G @ g_coef + g_intercept
        gs = np.sort(gz[answerable])[::-1]
        budget = int(gate_false_abstention * n_answerable)
        g_threshold = float(gs[budget]) if budget < len(gs) else float(gs[-1]) - 1e-6
        gate = {"coef": [round(float(c), 6) for c in g_coef], "intercept": round(g_intercept, 6),
                "threshold": round(g_threshold, 6), "features": list(GATE_FEATURES),
                "target_false_abstention": gate_false_abstention}
        gated = np.zeros_like(pre)
        gated[keep] = gz > g_threshold
        gate.update(false_abstention=round(float(gated[labels == 0].mean()), 4),
                    out_of_corpus_abstention=round(float(gated[ooc].mean()), 4))
        pre = pre | gated

    def threshold_for(rate: float) -> float:
        """The (1 - share)-quantile of the answerable questions' scores, where the share of them the
        model may still turn away is ``rate`` minus what was turned away before reading."""
        budget = int(max(0.0, rate * n_answerable - int((pre & (labels == 0)).sum())))
        zs_left = zs if gate is None else np.sort(z[answerable & ~pre[keep]])[::-1]
        return float(zs_left[budget]) if budget < len(zs_left) else float(zs_left[-1]) - 1e-6

    def rates(t: float) -> dict:
        """False, out-of-corpus and swapped-question abstention on this split at threshold ``t``."""
        ab = pre.copy()
        ab[keep] |= z > t
        return {"false_abstention": round(float(ab[labels == 0].mean()), 4),
                "out_of_corpus_abstention": round(float(ab[ooc].mean()), 4),
                "swapped_abstention": round(float(ab[swapped].mean()), 4) if swapped.any() else None}

    threshold = threshold_for(false_abstention)
    fit = {"data": str(path), "last_articles": last_articles, "questions": len(qs),
           "answerable": n_answerable, "out_of_corpus": int(ooc.sum()),
           "swapped": int(swapped.sum()), "swaps": swaps, "pairs": pairs,
           "target_false_abstention": false_abstention, **rates(threshold),
           "before_reading": {"false_abstention": round(float(pre[labels == 0].mean()), 4),
                              "out_of_corpus_abstention": round(float(pre[ooc].mean()), 4)},
           "curve": [{"target": r, **rates(threshold_for(r))} for r in (0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05)],
           "command": "python -m qa " + " ".join(sys.argv[1:]) if "calibrate" in sys.argv else None}
    model = AbstainModel(coef=[round(float(c), 6) for c in coef], intercept=round(intercept, 6),
                         threshold=round(threshold, 6), fit=fit, gate=gate)
    model.save(Path(out) if out else engine.reader.folder)
    return model


def main(args) -> int:
    model = calibrate(Path(args.squad), args.last_articles, args.limit, args.false_abstention,
                      Path(args.reader) if args.reader else None, progress=not args.quiet, swaps=args.swaps,
                      pairs=args.pairs, gate_false_abstention=args.gate)
    print(json.dumps(asdict(model), indent=1))
    return 0


def add_parser(sub) -> None:
    from .reader.train import DEFAULT_DATA

    s = sub.add_parser("calibrate", help="fit when to abstain after reading (writes abstain.json beside the reader)")
    s.add_argument("--squad", default=str(DEFAULT_DATA), help="SQuAD-format file (default: SQuAD 1.1 train)")
    s.add_argument("--last-articles", type=int, default=20,
                   help="only the file's last N articles (default 20: the reader's held-out split)")
    s.add_argument("--limit", type=int, default=1600, help="at most this many questions (spread over the file)")
    s.add_argument("--false-abstention", type=float, default=0.025,
                   help="share of answerable questions the decision may turn away (default 0.025)")
    s.add_argument("--reader", help="reader folder (default models/reader or $QA_READER)")
    s.add_argument("--swaps", type=float, default=0.0,
                   help="share of in-corpus questions also asked about another name of their article, "
                        "as questions to turn away")
    s.add_argument("--pairs", type=float, default=0.0,
                   help="share of in-corpus questions also asked about a name of another indexed article, "
                        "as questions to turn away")
    s.add_argument("--gate", type=float, default=0.0,
                   help="also fit a gate that turns questions away before reading, at this share of the "
                        "answerable questions (part of --false-abstention; 0: no gate)")
    s.add_argument("-q", "--quiet", action="store_true")
    s.set_defaults(fn=main)
