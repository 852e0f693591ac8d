"""What a question asks about the articles themselves, read from its meaning: a small logistic model
over the question's vector (the all-MiniLM-L6-v2 query vector retrieval computes anyway).

Classes: ``other`` (a question about what the articles say), ``author`` (who wrote the article),
``source`` (which agency or outlet it is from), ``date`` (when it came out), and ``signatories`` (who
signed an agreement, however it is worded: the stored signings answer those). The model is fitted by
``python -m qa fit-intents`` from public data and this file's templates:

* positives: question frames of each class ("Who wrote the story about {t}?") filled with generic news
  topics;
* negatives: SQuAD 1.1 train questions (none asks about the article it comes from) and the same topics
  asked about the event itself ("Who signed {t}?", "When was {t} announced?"), so that the model learns
  the difference between the article's date and the event's.

It is checked on paraphrases and SQuAD questions it was not fitted on (``EVAL_*`` below, a different
SQuAD sample), and written with those numbers to ``models/intents/intents.json``.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import PROJECT_ROOT

DEFAULT_INTENTS = PROJECT_ROOT / "models" / "intents" / "intents.json"
LABELS = ("other", "author", "source", "date", "signatories")
#: Least probability of a class other than "other" for ``predict`` (chosen on the held-out paraphrases and
#: SQuAD questions of the fit report, ``by_threshold`` in intents.json: 0.5 / 0.6 / 0.7 / 0.8 / 0.9 took
#: 24 / 24 / 23 / 22 / 20 of 26 paraphrases right and 53 / 48 / 34 / 21 / 15 of 4,000 SQuAD questions for
#: article or signatory questions).
THRESHOLD = 0.7

TOPICS = ["the bridge collapse", "the new vaccine", "the port deal", "the steel tariff", "the election result",
          "the mine strike", "the merger", "the flood", "the football transfer", "the rail contract",
          "the solar project", "the trade agreement", "the hospital opening", "the airline order", "the bank loan",
          "the water treaty", "the chip factory", "the drought", "the peace talks", "the budget", "the wildfire",
          "the university partnership", "the oil price", "the car recall", "the court ruling", "the festival",
          "the housing plan", "the ferry accident", "the shipyard contract", "the gas pipeline", "the museum",
          "the teachers' pay deal", "the new stadium", "the copper mine", "the tax reform", "the power cut",
          "the sister-city pact", "the research centre", "the wind farm", "the sponsorship deal", "it", "this"]
FRAMES = {
    "author": ["Who wrote the article about {t}?", "who is the author of the story on {t}", "Which journalist "
               "covered {t}?", "Who reported on {t}?", "Whose byline is on the report about {t}?", "Who wrote {t} "
               "story?", "name the reporter of the piece about {t}", "Who authored the news item on {t}?",
               "who is the writer of the article on {t}", "Which correspondent filed the report about {t}?",
               "Who wrote the news about {t}", "By whom was the article on {t} written?"],
    "source": ["Which news agency reported {t}?", "What is the source of the article about {t}?", "Which newspaper "
               "published the story on {t}?", "Which outlet ran the report about {t}?", "where does the news "
               "about {t} come from", "What publication carried the story on {t}?", "Which wire service "
               "reported {t}?", "which agency is the report on {t} from", "What media outlet covered {t}?",
               "Which paper broke the story about {t}?"],
    "date": ["When was the article about {t} published?", "what date was the story on {t} published",
             "When did the report on {t} come out?", "On what day was the news about {t} posted?",
             "When was the piece about {t} written?", "what is the publication date of the article on {t}",
             "How old is the story about {t}?", "When was the news on {t} released?", "date of the report "
             "about {t}", "When did the article on {t} appear?"],
    "signatories": ["Who signed {t}?", "Who put pen to paper on {t}?", "which officials put their names to {t}",
                    "Who represented the company at the signing of {t}?", "who inked {t}", "Who sealed {t}?",
                    "Who signed {t} on behalf of the government?", "Which executives signed {t}?",
                    "who were the signatories of {t}", "Who put their signatures to {t}?",
                    "Who signed for the city in {t}?", "Which two people signed {t}?"],
    "other": ["When was {t} signed?", "Where was {t} announced?", "Who announced {t}?",
              "What does {t} cover?", "When did {t} happen?", "Who is behind {t}?", "When will {t} start?",
              "Which company is part of {t}?", "what did officials say about {t}", "Who opposed {t}?",
              "How much is {t} worth?", "When was {t} agreed?", "Which country reported {t} first?",
              "Who wrote the letter about {t}?", "When was {t} approved?", "who leads {t}",
              "What caused {t}?", "When was {t} completed?", "Who paid for {t}?",
              # works that are not the article: books, albums, studies, letters
              "When was the book about {t} published?", "Who wrote the novel about {t}?", "Which magazine did "
              "the author of {t} write for?", "When was the album about {t} released?", "Who is the best known "
              "writer on {t}?", "Which journalist was hurt in {t}?", "What newspaper is owned by the company in "
              "{t}?", "When was the study on {t} published?", "Who wrote the song about {t}?", "Which poet wrote "
              "about {t}?"],
}
#: Held-out checks (not fitted on): paraphrases written apart from the frames.
EVAL_QUESTIONS = [
    ("Who wrote the report on the dam failure?", "author"), ("who is the journalist behind the measles story", "author"),
    ("Which reporter filed the piece about the dock strike?", "author"), ("Tell me who wrote the article about the "
    "takeover", "author"), ("Whose article is the one about the cable car accident?", "author"),
    ("What news agency was the referendum story from?", "source"), ("Which paper ran the article on the nurses' "
    "walkout?", "source"), ("what's the source of the report about the harbour", "source"), ("Which outlet "
    "published the report on the oil spill?", "source"), ("what agency reported the tram strike", "source"),
    ("When did the article on the metro line come out?", "date"), ("what day was the story about the blaze "
    "published", "date"), ("When was the report on the tariff talks posted?", "date"), ("on what date did the story "
    "about the bank merger appear", "date"), ("When did the news of the clinic opening get published?", "date"),
    ("When was the tariff agreement signed?", "other"), ("Who signed the loan agreement for the airport?", "signatories"),
    ("which ministers put pen to paper on the fishing accord", "signatories"), ("Who represented the union when "
    "the wage deal was sealed?", "signatories"), ("Where was the fishing accord signed?", "other"),
    ("Where did the talks on the ceasefire take place?", "other"), ("Who is the chief executive of the port "
    "operator?", "other"), ("When will the new terminal open?", "other"), ("Who wrote the national anthem?", "other"),
    ("When was the constitution published?", "other"), ("Which newspaper did Orwell write for?", "other")]


@dataclass
class IntentModel:
    """The fitted model: ``predict`` gives the class and its probability for a question vector."""

    coef: np.ndarray  # (classes, dim)
    intercept: np.ndarray  # (classes,)
    labels: tuple[str, ...]
    threshold: float

    @classmethod
    def load(cls, path: Path | None = None) -> "IntentModel | None":
        """The model in ``path`` (default ``models/intents/intents.json``); None when there is none."""
        path = Path(path) if path else DEFAULT_INTENTS
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            return cls(np.asarray(d["coef"], np.float32), np.asarray(d["intercept"], np.float32),
                       tuple(d["labels"]), float(d["threshold"]))
        except (OSError, ValueError, KeyError):
            return None

    def probabilities(self, vec: np.ndarray) -> np.ndarray:
        z = self.coef @ np.asarray(vec, np.float32) + self.intercept
        z = np.exp(z - z.max())
        return z / z.sum()

    def predict(self, vec: np.ndarray) -> tuple[str, float]:
        """(class, p): "author" / "source" / "date" (about the article), "signatories" (who signed), when
        its probability reaches ``threshold``; else ("other", P(other))."""
        p = self.probabilities(vec)
        i = int(p.argmax())
        if self.labels[i] != "other" and p[i] < self.threshold:
            return "other", float(p[self.labels.index("other")])
        return self.labels[i], float(p[i])


_default: dict = {}


def default_model() -> IntentModel | None:
    """The committed model, loaded once (None when the file is missing: the features it drives are off)."""
    if "m" not in _default:
        _default["m"] = IntentModel.load()
    return _default["m"]


def asks_for_signatories(vec: np.ndarray) -> bool:
    """Whether the question asks who signed an agreement, in any wording ("who put pen to paper ...")."""
    model = default_model()
    return model is not None and "signatories" in model.labels and model.predict(vec)[0] == "signatories"


def squad_questions(articles: list[dict]) -> list[str]:
    """Every question of SQuAD ``data`` articles (``qa.reader.squad.load_squad``)."""
    return [qa["question"] for art in articles for p in art["paragraphs"] for qa in p["qas"]]


#: Ways a topic with a name is said ("the Kestrel merger"), filled with SQuAD train article titles so
#: that the model meets named topics, as users ask them.
NAMED_TOPICS = ["the {n} deal", "the {n} merger", "{n}'s new contract", "the {n} agreement", "the talks on {n}",
                "the {n} project", "the protest at {n}", "{n}", "the {n} partnership", "the {n} strike"]


def training_set(squad: Path, n_squad: int, seed: int = 0, per_frame: int = 60
                 ) -> tuple[list[str], list[str], list[str]]:
    """(questions, labels, held-out SQuAD questions) for fitting and checking."""
    from .reader.squad import load_squad

    rng = random.Random(seed)
    articles = load_squad(squad)
    titles = [a["title"].replace("_", " ") for a in articles]
    texts, labels = [], []
    for label, frames in FRAMES.items():
        for f in frames:
            topics = list(TOPICS) + [rng.choice(NAMED_TOPICS).format(n=rng.choice(titles)) for _ in range(per_frame)]
            for t in topics:
                texts.append(f.format(t=t))
                labels.append(label)
    qs = squad_questions(articles)
    rng.shuffle(qs)
    texts += qs[:n_squad]
    labels += ["other"] * n_squad
    return texts, labels, qs[n_squad : 2 * n_squad]


def fit(squad: Path, out: Path | None = None, n_squad: int = 4000, seed: int = 0, embedder=None) -> dict:
    """Fit the model, check it on held-out questions, write ``intents.json``; returns its report."""
    from sklearn.linear_model import LogisticRegression

    from .embedder import Embedder

    embedder = embedder or Embedder()
    texts, labels, held = training_set(squad, n_squad, seed)
    X = embedder.encode_queries(texts)
    y = np.array([LABELS.index(x) for x in labels])
    weights = {i: len(y) / (len(LABELS) * max(1, int((y == i).sum()))) for i in range(len(LABELS))}
    lr = LogisticRegression(C=16.0, max_iter=3000, class_weight=weights)
    lr.fit(X, y)
    model = IntentModel(lr.coef_.astype(np.float32), lr.intercept_.astype(np.float32), LABELS, THRESHOLD)
    ev = embedder.encode_queries([q for q, _ in EVAL_QUESTIONS])
    right = sum(model.predict(v)[0] == lab for v, (_, lab) in zip(ev, EVAL_QUESTIONS))
    hv = embedder.encode_queries(held)
    curve = {}
    for t in (0.5, 0.6, 0.7, 0.8, 0.9):
        m = IntentModel(model.coef, model.intercept, LABELS, t)
        curve[str(t)] = {"paraphrases_right": sum(m.predict(v)[0] == lab for v, (_, lab) in zip(ev, EVAL_QUESTIONS)),
                         "squad_taken": sum(m.predict(v)[0] != "other" for v in hv)}
    taken = [q for q, v in zip(held, hv) if model.predict(v)[0] != "other"]
    report = {"training_questions": len(texts), "squad_negatives": n_squad, "seed": seed,
              "held_out_paraphrases_right": f"{right}/{len(EVAL_QUESTIONS)}",
              "held_out_squad_taken": f"{len(taken)}/{len(held)}", "held_out_squad_taken_examples": taken[:10],
              "by_threshold": curve,
              "command": f"python -m qa fit-intents --squad-questions {n_squad} --seed {seed}"}
    out = Path(out) if out else DEFAULT_INTENTS
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"labels": list(LABELS), "threshold": model.threshold,
                               "coef": [[round(float(x), 6) for x in row] for row in model.coef],
                               "intercept": [round(float(x), 6) for x in model.intercept],
                               "embedding_model": "all-MiniLM-L6-v2 query vectors", "report": report}),
                   encoding="utf-8")
    tmp.replace(out)
    return report


def add_parser(sub) -> None:
    s = sub.add_parser("fit-intents", help="fit the model that tells questions about the articles (author, "
                                           "source, date) from others")
    s.add_argument("--data", default=str(PROJECT_ROOT.parent / "shared" / "data" / "squad1.1-train" /
                                         "train-v1.1.json.gz"), help="SQuAD 1.1 train (negatives)")
    s.add_argument("--squad-questions", type=int, default=4000, help="SQuAD questions used as negatives")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--out", help="where to write intents.json (default models/intents/intents.json)")
    s.set_defaults(fn=lambda a: print(json.dumps(fit(Path(a.data), Path(a.out) if a.out else None,
                                                     a.squad_questions, a.seed), indent=1)) or 0)
