"""People's roles extracted at index time (issue 13), and the reader corrected with them."""
from __future__ import annotations

from qa.roles import correct_role, named_person, roles_in_document


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
