"""The abstention model fitted after reading: its logistic fit and its decision."""
import numpy as np

from qa.abstain import FEATURES, AbstainModel, feature_vector, fit_logistic


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
