"""The SQuAD evaluator on a small SQuAD-format file (real index, real metrics)."""
import json

from qa.evaluate import SQUAD_KEYS, f1_score, normalize_answer, run_squad

ARTICLES = [
    ("Harbor_Town", [
        "Harbor Town is a fishing port on the north coast. It was founded in 1821 by sailors from Bristol. "
        "The town has 4,000 inhabitants and a lighthouse built in 1850.",
        "Every August the town holds a regatta. The regatta attracts about 300 boats from across the region.",
    ]),
    ("Copper_Mine", [
        "The Red Hill copper mine opened in 1902. It was owned by the Northern Metal Company until 1968, "
        "when it closed because of falling copper prices.",
    ]),
    ("Violin_Making", [
        "Violins are traditionally made from spruce and maple. The varnish is applied in many thin layers.",
    ]),
]
QUESTIONS = {
    0: [("When was Harbor Town founded?", ["1821"]), ("How many inhabitants does Harbor Town have?", ["4,000"])],
    1: [("How many boats does the regatta attract?", ["about 300", "300"])],
    2: [("Who owned the Red Hill copper mine?", ["the Northern Metal Company", "Northern Metal Company"]),
        ("Why did the Red Hill mine close?", ["falling copper prices"])],
    3: [("What woods are violins made from?", ["spruce and maple"])],
}


def _write(path, with_answers=True):
    data, k = [], 0
    for title, paras in ARTICLES:
        ps = []
        for text in paras:
            qas = []
            for i, (q, answers) in enumerate(QUESTIONS[k]):
                item = {"id": f"q{k}_{i}", "question": q, "is_impossible": False}
                if with_answers:
                    item["answers"] = [{"text": a, "answer_start": max(0, text.find(a))} for a in answers]
                qas.append(item)
            ps.append({"context": text, "qas": qas})
            k += 1
        data.append({"title": title, "paragraphs": ps})
    path.write_text(json.dumps({"version": "v2.0", "data": data}))
    return path


def test_squad_normalisation_and_f1():
    assert normalize_answer("The  Northern Metal Company!") == "northern metal company"
    assert f1_score("Northern Metal Company", "the Northern Metal Company") == 1.0
    assert 0 < f1_score("metal company", "Northern Metal Company") < 1


def test_run_squad_reports_every_key_with_baselines(tmp_path):
    result = run_squad(_write(tmp_path / "mini.json"), holdout_every=0, progress=False)
    for key in SQUAD_KEYS:
        assert key in result
    assert result["recall@5"] == 1.0
    assert result["evidence_hit@3"] >= 0.8
    assert result["f1"] is not None and result["f1"] > 30
    assert set(result["baselines"]) == {"bm25_only", "dense_only", "first_sentence_of_top_passage"}
    for b in result["baselines"].values():
        assert set(SQUAD_KEYS) <= set(b)
    assert len(result["results"]) == 6


def test_run_squad_holds_articles_out_and_works_without_answers(tmp_path):
    result = run_squad(_write(tmp_path / "stripped.json", with_answers=False), holdout_every=3, progress=False)
    assert result["em"] is None and result["f1"] is None and result["evidence_hit@1"] is None
    assert result["recall@1"] is not None and result["ooc_abstain_rate"] is not None
    assert result["counts"]["held_out_articles"] == [2]


def test_run_squad_on_questions_with_empty_answer_lists(tmp_path):
    """A retrieval-only test set in SQuAD format: "answers": [] and no is_impossible."""
    src = json.loads(_write(tmp_path / "full.json").read_text())
    for art in src["data"]:
        for para in art["paragraphs"]:
            for qa in para["qas"]:
                qa["answers"] = []
    path = tmp_path / "empty_answers.json"
    path.write_text(json.dumps(src))
    result = run_squad(path, holdout_every=3, progress=False, baselines=False)
    assert result["f1"] is None and result["recall@1"] is not None
