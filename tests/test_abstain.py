"""The abstention model fitted after reading: its logistic fit and its decision."""
import numpy as np

from qa.abstain import FEATURES, GATE_FEATURES, AbstainModel, feature_vector, fit_logistic


def test_logistic_fit_separates_and_orders_by_the_informative_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2))
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(float)  # only the first column tells
    coef, intercept = fit_logistic(x, y)
    assert coef[0] > 2.0 and abs(coef[1]) < 0.5 * coef[0]
    acc = (((x @ coef + intercept) > 0) == (y > 0)).mean()
    assert acc > 0.9


def test_model_abstains_on_a_window_unlikely_to_hold_the_answer(tmp_path):
    feats = {"support": 0.6, "dense": 0.6, "lex": 0.6, "key_coverage": 1.0, "score": 0.8}
    coef = [0.0] * len(FEATURES)
    coef[FEATURES.index("log_has")] = -1.0  # z = -log P(has): high when the reader finds nothing
    model = AbstainModel(coef=coef, intercept=0.0, threshold=-np.log(0.3))
    assert model.abstain(feats, 0.1) and not model.abstain(feats, 0.9)
    model.save(tmp_path)
    again = AbstainModel.load(tmp_path)
    assert again.coef == model.coef and again.threshold == model.threshold
    assert AbstainModel.load(tmp_path / "nothing") is None
    assert feature_vector(feats, 0.0).shape == (len(FEATURES),) and np.isfinite(feature_vector(feats, 1.0)).all()


def test_gate_turns_away_weak_evidence_before_reading_and_survives_a_save(tmp_path):
    strong = {"support": 0.8, "dense": 0.7, "lex": 0.7, "key_coverage": 1.0, "score": 0.9}
    weak = {"support": 0.1, "dense": 0.1, "lex": 0.0, "key_coverage": 0.0, "score": 0.1}
    g = [0.0] * len(GATE_FEATURES)
    g[GATE_FEATURES.index("support")] = -10.0  # z = 5 - 10 * support: high when little supports it
    model = AbstainModel(coef=[0.0] * len(FEATURES), intercept=0.0, threshold=1.0,
                         gate={"coef": g, "intercept": 5.0, "threshold": 2.0})
    assert model.gated(weak) and not model.gated(strong)
    assert weak["gate_logit"] == 4.0  # the trace shows what the gate saw
    model.save(tmp_path)
    again = AbstainModel.load(tmp_path)
    assert again.gate["coef"] == g and again.gated(dict(weak))
    assert not AbstainModel(coef=model.coef, intercept=0.0, threshold=1.0).gated(weak)  # no gate: all read
    # a gate fitted on other features is not used
    import json

    d = json.loads((tmp_path / "abstain.json").read_text())
    d["gate"]["coef"] = d["gate"]["coef"] + [1.0]
    (tmp_path / "abstain.json").write_text(json.dumps(d))
    assert AbstainModel.load(tmp_path).gate is None


def test_names_the_evidence_lacks_are_features_of_the_model():
    base = {"support": 0.6, "dense": 0.6, "lex": 0.6, "key_coverage": 1.0, "score": 0.8}
    elsewhere = dict(base, n_names=2, elsewhere_names=["Huawei"], missing_names=["Huawei"])
    unknown = dict(base, n_names=2, elsewhere_names=[], missing_names=["Fudan"])
    one_name = dict(base, n_names=1, elsewhere_names=["Huawei"], missing_names=["Huawei"])
    i, j = FEATURES.index("names_elsewhere"), FEATURES.index("names_unknown")
    assert feature_vector(elsewhere, 0.5)[[i, j]].tolist() == [1.0, 0.0]
    assert feature_vector(unknown, 0.5)[[i, j]].tolist() == [0.0, 1.0]
    assert feature_vector(one_name, 0.5)[[i, j]].tolist() == [0.0, 0.0]  # nothing to pair it with
    assert feature_vector(base, 0.5)[[i, j]].tolist() == [0.0, 0.0]


def test_swapped_questions_ask_about_a_name_their_paragraph_does_not_say():
    from qa.abstain import swapped_questions

    ctx = ("The Treaty of Paris was signed by Britain and France in 1763. "
           "Later, the Congress of Vienna met in Austria.")
    articles = [{"title": "Treaties", "paragraphs": [
        {"context": ctx, "qas": []},
        {"context": "Prussia and Russia were not at the Treaty of Paris signing.", "qas": []}]}]
    qs = [{"id": "q1", "question": "Who signed the Treaty of Paris?", "doc": "a000_p000.html", "article": 0,
           "impossible": False, "answers": ["Britain and France"], "ooc": False},
          {"id": "q2", "question": "Who signed the Treaty of Paris?", "doc": "a000_p000.html", "article": 0,
           "impossible": False, "answers": ["Britain and France"], "ooc": True}]
    out = swapped_questions(articles, qs, share=1.0)
    assert [q["id"] for q in out] == ["q1-swap"]  # never from an article left out of the index
    swapped = out[0]["question"]
    assert swapped != qs[0]["question"] and out[0]["swapped"]
    assert "Treaty of Paris" not in swapped  # the name it asked about, replaced by one the paragraph lacks

    # across articles: a name only another indexed article says (the documents never connect the two)
    articles.append({"title": "Rivers", "paragraphs": [{"context": "Ships on the Blue Danube pass Budapest.", "qas": []}]})
    qs[1] = dict(qs[1], doc="a001_p000.html", article=1, ooc=False, question="Where do ships on the Blue Danube go?")
    across = {q["id"]: q for q in swapped_questions(articles, qs, share=1.0, across=True)}
    assert sorted(across) == ["q1-across", "q2-across"] and all(q["swapped"] for q in across.values())
    q1, q2 = across["q1-across"]["question"], across["q2-across"]["question"]
    assert "Treaty of Paris" not in q1 and ("Blue Danube" in q1 or "Budapest" in q1)
    assert "Blue Danube" not in q2 and any(n in q2 for n in ("Treaty of Paris", "Britain", "France", "Congress of Vienna",
                                                             "Vienna", "Austria", "Prussia", "Russia", "Paris"))
