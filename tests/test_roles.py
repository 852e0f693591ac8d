"""People's roles extracted at index time (issue 13), and the reader corrected with them."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import indexed_copy

from qa.roles import correct_role, named_person, roles_in_document

DATA = Path(__file__).resolve().parent / "data" / "signings"


@pytest.fixture(scope="module")
def own_engine(tmp_path_factory, embedder):
    return indexed_copy(DATA, tmp_path_factory, embedder, "roles")


def _roles_of(engine, doc_prefix):
    facts = engine.data.facts()
    return [r for d, f in facts["docs"].items() if d.startswith(doc_prefix) for r in f["roles"]]


def test_roles_are_stored_with_exact_title_offsets(seed_engine):
    roles = _roles_of(seed_engine, "002_")
    by_person = {r["person"]: r for r in roles}
    assert by_person["Chen Cunfa"]["title"] == "Member of the Party Committee and Deputy General Manager"
    assert by_person["Chen Jiming"]["title"] == "Vice President"
    doc = next(d for d in seed_engine.data.doc_ids if d.startswith("002_"))
    text = open(seed_engine.data.manifest["docs"][doc]["path"], encoding="utf-8").read()
    for r in roles:
        assert text[r["start"]:r["end"]] == r["quote"]
        assert " ".join(text[r["title_start"]:r["title_end"]].split()) == r["title"]


def test_reader_answer_with_another_persons_title_is_corrected(seed_engine):
    a = seed_engine.ask("What is Chen Cunfa's position?")
    assert a.answer == "Member of the Party Committee and Deputy General Manager"
    first = a.citations[0]
    text = open(seed_engine.data.manifest["docs"][first.doc]["path"], encoding="utf-8").read()
    assert text[first.answer_start:first.answer_end] == a.answer  # an exact slice, highlighted
    assert text[first.start:first.end] == first.quote


def test_correct_role_only_replaces_another_persons_title():
    quote = "Ann Lee, Chair of Acme, and Bo Chan, Treasurer of Acme, attended."
    roles = [{"person": "Ann Lee", "title": "Chair", "start": 100, "end": 100 + len(quote), "quote": quote,
              "title_start": 109, "title_end": 114},
             {"person": "Bo Chan", "title": "Treasurer", "start": 100, "end": 100 + len(quote), "quote": quote,
              "title_start": 135, "title_end": 144}]
    # the reader took Ann Lee's title for a question about Bo Chan
    assert correct_role("What is Bo Chan's job?", roles, 109, 122, 100)["person"] == "Bo Chan"
    # the question names the person whose title it took, or nobody, or the span is no title: kept
    assert correct_role("What is Ann Lee's job?", roles, 109, 122, 100) is None
    assert correct_role("Who chaired the meeting?", roles, 109, 122, 100) is None
    assert correct_role("What is Bo Chan's job?", roles, 150, 158, 100) is None
    assert [r["person"] for r in named_person("what does bo chan do", roles)] == ["Bo Chan"]


def test_roles_in_document_reads_appositives_and_prefixed_titles():
    sents = ["Maria Lopez, Chief Executive of Orion Motors, opened the plant.",
             "Orion chairman Tom Hale said sales rose.", "The weather was fine."]
    starts, pos = [], 0
    for s in sents:
        starts.append(pos)
        pos += len(s) + 1
    roles = roles_in_document(sents, sents, starts, [a + len(s) for a, s in zip(starts, sents)])
    got = {(r["person"], r["title"]) for r in roles}
    assert ("Maria Lopez", "Chief Executive") in got
    assert any(p == "Tom Hale" and "chairman" in t for p, t in got)
    assert all(r["sentence"] in (0, 1) for r in roles)


def _roles(sents):
    starts, pos = [], 0
    for s in sents:
        starts.append(pos)
        pos += len(s) + 1
    return roles_in_document(sents, sents, starts, [a + len(s) for a, s in zip(starts, sents)])


def test_titles_before_the_name_and_its_comma_are_read_with_their_own_offsets():
    sent = ("It was signed for the institute by its director, Asha Rane, and for the firm by managing director "
            "Omar Said, the spokesperson said.")
    sents = [sent, "The deal was signed by Vice-Chancellor Prof. Lena Moyo and Harbin Port Authority's chief "
                   "executive, Karl Berg."]
    roles = _roles(sents)
    got = {r["person"]: r for r in roles}
    assert got["Asha Rane"]["title"] == "director"
    assert got["Omar Said"]["title"] == "managing director"  # not "spokesperson": the spokesperson said it
    assert got["Lena Moyo"]["title"] == "Vice-Chancellor"
    assert (got["Karl Berg"]["title"], got["Karl Berg"]["organization"]) == ("chief executive", "Harbin Port Authority")
    # each title's offsets are its own place in the sentence, the one next to its person, not the first
    # "director" of the sentence
    text = "\n".join(sents)
    for r in roles:
        assert text[r["title_start"]:r["title_end"]] == r["title"]
    assert got["Asha Rane"]["title_start"] == sent.index("director, Asha")


def test_confirmed_role_takes_the_named_persons_title_under_the_span():
    from qa.roles import confirmed_role

    quote = "Ann Lee, Chair of Acme, and Bo Chan, Treasurer of Acme, attended."
    roles = [{"person": "Ann Lee", "title": "Chair", "start": 0, "end": len(quote), "quote": quote,
              "title_start": 9, "title_end": 14},
             {"person": "Bo Chan", "title": "Treasurer", "start": 0, "end": len(quote), "quote": quote,
              "title_start": 37, "title_end": 46}]
    assert confirmed_role("what is bo chan's role", roles, 30, 50)["title"] == "Treasurer"
    assert confirmed_role("what is bo chan's role", roles, 0, 14) is None  # Ann Lee's title, not his
    assert confirmed_role("what is the role of acme", roles, 30, 50) is None  # nobody named
    assert confirmed_role("what did ann lee and bo chan do", roles, 30, 50) is None  # two people named


def test_holder_of_a_title_is_found_from_the_stored_roles():
    from qa.roles import holder_of

    q1 = "Maria Lopez, Chief Executive of Orion Motors, opened the plant."
    q2 = "Orion chairman Tom Hale and Vela Bank chairman Ines Roy said sales rose."
    roles = {"a.txt": [{"person": "Maria Lopez", "title": "Chief Executive", "organization": "Orion Motors",
                        "quote": q1, "start": 0, "end": len(q1)},
                       {"person": "Tom Hale", "title": "chairman", "organization": "Orion", "quote": q2,
                        "start": 70, "end": 70 + len(q2)}],
             "b.txt": [{"person": "Ines Roy", "title": "chairman", "organization": "Vela Bank", "quote": q2,
                        "start": 0, "end": len(q2)}]}
    words = {"a.txt": {"orion", "motor", "plant", "sale"}, "b.txt": {"vela", "bank", "sale"}}
    assert holder_of("Who is the chief executive of Orion Motors?", roles, words.get)["person"] == "Maria Lopez"
    assert holder_of("who is vela bank's chairman", roles, words.get)["person"] == "Ines Roy"
    # "chairs" is the title's word too; the organisation decides between the two chairmen
    assert holder_of("Who chairs Orion?", roles, words.get)["person"] == "Tom Hale"
    # no organisation said: both chairmen fit equally, so none is given
    assert holder_of("Who is the chairman?", roles, words.get) is None
    # a title nobody has, a question naming the person, a signing question, not a "who" question: none
    assert holder_of("Who is the treasurer of Orion Motors?", roles, words.get) is None
    assert holder_of("Who is Maria Lopez, the chief executive?", roles, words.get) is None
    assert holder_of("Who signed for Orion, its chief executive?", roles, words.get) is None
    assert holder_of("What does the chief executive of Orion Motors do?", roles, words.get) is None
    assert holder_of("Who is the deputy chief executive of Orion Motors?", roles, words.get) is None
    # "who heads / runs X": the top person of X, whatever the article calls the post
    assert holder_of("who heads Orion Motors", roles, words.get)["person"] == "Maria Lopez"
    assert holder_of("Who runs Vela Bank?", roles, words.get)["person"] == "Ines Roy"
    assert holder_of("Who heads Acme Foods?", roles, words.get) is None  # an organisation nobody heads here


def test_who_holds_a_title_is_answered_from_the_article(own_engine):
    a = own_engine.ask("who is zambia's energy minister")
    assert a.answer == "Grace Chilufya-Banda"
    first = a.citations[0]
    text = open(own_engine.data.manifest["docs"][first.doc]["path"], encoding="utf-8").read()
    assert text[first.start:first.end] == first.quote
    assert text[first.answer_start:first.answer_end] == a.answer
    assert own_engine.ask("Who is the manager of Brackenford Rovers?").answer == "Gareth Mellor-Hayes"


def test_role_question_the_reader_doubts_is_answered_from_the_stored_role(own_engine):
    # the reader's best span is her title, but it was not sure enough to answer; the stored role confirms it
    a = own_engine.ask("What is Achieng Odhiambo-Were's role?")
    assert not a.abstained and a.answer == "Vice-Chancellor"
    first = a.citations[0]
    text = open(own_engine.data.manifest["docs"][first.doc]["path"], encoding="utf-8").read()
    assert text[first.answer_start:first.answer_end] == a.answer
    assert text[first.start:first.end] == first.quote and "Odhiambo-Were" in first.quote


def test_how_much_a_deal_is_worth_is_not_answered_with_its_term(own_engine):
    # the article gives the sponsorship's length but no amount: a length of time is no value
    a = own_engine.ask("How much is Tasman Ridge paying for the naming rights to the stadium?")
    assert a.abstained and "not found" in a.message


def test_a_doubted_span_that_is_another_persons_title_answers_with_the_named_persons(seed_engine):
    # the reader's best span is Zhu Zhaokai's title, the question names Zeng Rong, whose own title the
    # same sentence gives: the engine answers with hers, even when the reader turned the question away
    from types import SimpleNamespace

    from qa.answer import Answer
    from qa.evidence import readable
    from qa.question import parse_question

    data = seed_engine.data
    sent = next(i for i, t in enumerate(data.sent_texts) if t.startswith("Zeng Rong, Member"))
    view = readable(data, sent)
    a = view.text.index("Deputy Secretary")
    read = SimpleNamespace(sent=sent, start=a, end=a + len("Deputy Secretary"))
    q = parse_question("What is Zeng Rong's position?")
    ans = Answer(question=q.text, answer=None, citations=[])
    got = seed_engine._confirmed_role(ans, q, [read], data, 3)
    assert got is not None and got.answer.endswith("Vice President") and "Zhu" not in got.answer
    first = got.citations[0]
    assert data.sent_quotes[sent] == first.quote
