"""End-to-end answering on a real index of the seed articles (real model, FAISS, BM25, spaCy)."""
import json

import pytest

from conftest import SHARED
from qa.answer import QuestionError


def _exact(engine, answer):
    for c in answer.citations:
        text = open(engine.document(c.doc).path, encoding="utf-8").read()
        assert text[c.start : c.end] == c.quote
        for s, e in c.answer_spans or []:
            assert c.start <= s < e <= c.end
    return True


def test_who_signed_gives_all_signatories_together(seed_engine):
    ans = seed_engine.ask("Who signed the Strategic Cooperation Agreement between Zhejiang University of Technology "
                          "and the Mechanery and Electrical Group?")
    assert not ans.abstained
    assert "Chen Jiming" in ans.answer and "Chen Cunfa" in ans.answer
    assert "Chen Jiming" in ans.citations[0].quote
    assert _exact(seed_engine, ans)


def test_place_and_date_short_answers(seed_engine):
    ans = seed_engine.ask("Where was the agreement between the Shanghai government and Tsinghua signed?")
    assert ans.answer == "Beijing"
    c = ans.citations[0]
    text = open(seed_engine.document(c.doc).path, encoding="utf-8").read()
    assert text[c.answer_start : c.answer_end] == "Beijing"
    ans = seed_engine.ask("When was the 2024 Thousand Schools and Ten Thousand Enterprises conference held?")
    assert "March 17" in (ans.answer or "")


def test_followup_uses_history(seed_engine):
    first = "Who signed the agreement between Tsinghua University and Shanghai Electric?"
    ans = seed_engine.ask("Where did they sign it?", history=[first])
    assert not ans.abstained and ans.answer == "Shanghai"
    assert ans.resolved_question and "Tsinghua" in ans.resolved_question


@pytest.mark.parametrize("question", [
    "Who signed the agreement between Fudan University and Huawei?",
    "Who won the 2024 Nobel Prize in Chemistry?",
    "How many employees does Shanghai Electric have?",
    "What was the total investment, in yuan, of the Shanghai Electric and Tsinghua agreement?",
    "Who signed the agreement between Shanghai Electric and Zhejiang University of Technology?",
])
def test_abstains_when_documents_do_not_say(seed_engine, question):
    ans = seed_engine.ask(question)
    assert ans.abstained, ans.to_dict()
    assert ans.citations == [] and ans.answer is None
    assert "not found in the documents" in ans.message


@pytest.mark.parametrize("question", ["", "   ", "?!", "x" * 5000])
def test_bad_questions_raise_clear_errors(seed_engine, question):
    with pytest.raises(QuestionError) as err:
        seed_engine.ask(question)
    assert str(err.value)


def test_seed_dev_questions(seed_engine):
    from qa.evaluate import run_jsonl

    result = run_jsonl(seed_engine, SHARED / "eval" / "seeds_dev.jsonl")
    assert result["evidence_hit@1"] >= 0.9
    assert result["abstain_accuracy"] == 1.0
    assert result["false_abstain_rate"] == 0.0
    for r in result["results"]:
        for c in r["answer"]["citations"]:
            text = open(seed_engine.document(c["doc"]).path, encoding="utf-8").read()
            assert text[c["start"] : c["end"]] == c["quote"]
    # follow-up items answer from the right article
    by_id = {r["id"]: r["answer"] for r in result["results"]}
    items = [json.loads(x) for x in (SHARED / "eval" / "seeds_dev.jsonl").read_text().splitlines() if x.strip()]
    for it in items:
        if it.get("history"):
            assert by_id[it["id"]]["citations"][0]["doc"] == it["doc"]


def test_short_answer_of_a_web_page_is_decoded_and_points_into_the_source(make_engine, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "war.html").write_text(
        "<html><head><title>Frontier wars</title></head><body>\n"
        "<p>The frontier war (1754&ndash;1763) was the colonial theater of the worldwide Seven Years&#x27; War.</p>\n"
        "<p>It ended with the Treaty of Paris, signed by Britain, France and Spain on February 10, 1763.</p>\n"
        "</body></html>\n", encoding="utf-8")
    engine = make_engine(docs)
    engine.index(progress=False)
    ans = engine.ask("When was the Treaty of Paris signed?")
    assert not ans.abstained and "February 10, 1763" in ans.answer
    c = ans.citations[0]
    raw = open(engine.document(c.doc).path, encoding="utf-8").read()
    assert raw[c.start : c.end] == c.quote
    assert raw[c.answer_start : c.answer_end] == "February 10, 1763"
    ans = engine.ask("The frontier war was the colonial theater of what worldwide conflict?")
    assert ans.answer and "&" not in ans.answer and "Seven Years' War" in ans.answer
    c = ans.citations[0]
    assert raw[c.answer_start : c.answer_end].replace("&#x27;", "'").endswith("Seven Years' War")


def test_answering_does_not_load_torch(seed_engine):
    """A question needs spaCy and the ONNX query encoder, not torch (which adds ~180 MB to the server):
    a library module importing spaCy at the top would pull torch in through thinc."""
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import sys; from qa.engine import Engine; "
            f"e = Engine(docs_dir={str(seed_engine.config.docs_dir)!r}, index_dir={str(seed_engine.config.index_dir)!r}); "
            "a = e.ask('When was the agreement signed?'); print(bool(a.citations), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["True", "False"], out.stdout


def test_control_and_bidi_characters_are_removed_from_questions():
    from qa.answer import validate_question

    assert validate_question("Who\u202e signed\u200b the\x07 deal?\u2066") == "Who signed the deal?"
    with pytest.raises(QuestionError, match="earlier question"):
        validate_question("x" * 2000, 1000, what="An earlier question (history)")


@pytest.mark.parametrize("k, ok", [(1, 1), ("3", 3), (10, 10), (0, None), (-1, None), ("abc", None), (11, None),
                                   (True, None), (2.0, 2), (None, None)])
def test_k_is_checked_the_same_way_everywhere(k, ok):
    from qa.answer import validate_k

    if ok is None:
        with pytest.raises(QuestionError, match="from 1 to 10"):
            validate_k(k)
    else:
        assert validate_k(k) == ok


def test_overlong_history_is_named_as_such(seed_engine):
    with pytest.raises(QuestionError, match="earlier question"):
        seed_engine.ask("Where was it signed?", history=["who signed " * 300])


def test_concurrent_questions_get_the_answers_they_get_alone(seed_engine):
    from concurrent.futures import ThreadPoolExecutor

    questions = ["Who signed the agreement between Shanghai Electric and Tsinghua University?",
                 "Where was the agreement between the Shanghai government and Tsinghua signed?",
                 "What is Chen Cunfa's position?", "When was the conference held?",
                 "Who was the president of the United States in 1850?"] * 4
    alone = {q: seed_engine.ask(q).to_dict() for q in set(questions)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: seed_engine.ask_within(q).to_dict(), questions))
    assert together == [alone[q] for q in questions]


def test_a_question_over_its_time_limit_gets_a_message(seed_engine):
    with pytest.raises(QuestionError, match="took longer than"):
        seed_engine.ask_within("Who signed the agreement with Tsinghua University?", timeout=1e-6)
