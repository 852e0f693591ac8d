"""Issue 5: a table of every signing in the corpus (who signed what, when, where)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import indexed_copy
from qa.signings import answer_from_signings, format_table, signings_for_engine

DATA = Path(__file__).resolve().parent / "data" / "signings"
QA_DIR = Path(__file__).resolve().parent.parent / "qa"


def _check_quotes(engine, events):
    for ev in events:
        path = engine.data.manifest["docs"][ev.doc]["path"]
        text = open(path, encoding="utf-8").read()
        assert text[ev.start:ev.end] == ev.quote
        for q in ev.quotes:
            assert text[q["start"]:q["end"]] == q["quote"]
        d = ev.to_dict()
        assert set(d) >= {"doc", "date", "place", "parties", "signatories", "agreement", "quote", "start", "end"}
        for s in d["signatories"]:
            assert set(s) >= {"name", "title", "organization"}
        json.dumps(d)


def _by_doc(events, prefix):
    return [e for e in events if e.doc.startswith(prefix)]


def _names(ev):
    return [s.name for s in ev.signatories]


# --- seeds -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_events(seed_engine):
    return signings_for_engine(seed_engine)


def test_seed_quotes_are_exact(seed_engine, seed_events):
    assert seed_events
    _check_quotes(seed_engine, seed_events)


def test_cache_per_index(seed_engine, seed_events):
    assert signings_for_engine(seed_engine) is seed_events


def test_seed_strategic_agreement_signatories(seed_events):
    evs = _by_doc(seed_events, "000_")
    assert len(evs) == 1
    ev = evs[0]
    assert _names(ev) == ["Zeng Rong", "Zhu Zhaokai"]
    zeng = ev.signatories[0]
    assert zeng.title == "Member of the Standing Committee of the Party Committee and Vice President"
    assert zeng.organization == "Tsinghua University"
    assert "Shanghai Electric Group" in (ev.signatories[1].title or "") + (ev.signatories[1].organization or "")
    # "the two parties" resolved from the headline
    assert ev.parties == ["Shanghai Electric", "Tsinghua University"]
    # the sentence naming the signatories has no date: the first paragraph's "On July 23" is used
    assert ev.date == "2024-07-23"
    assert ev.place == "Shanghai"
    assert "strategic cooperation agreement" in ev.agreement.lower()
    assert ev.quote.startswith("Zeng Rong") and ev.quote.endswith("signed the agreement.")
    # "The signing of the agreement marks ..." does not make a second event
    assert len(ev.sentences) == 3


def test_seed_government_agreement_without_signatories(seed_events):
    evs = _by_doc(seed_events, "001_")
    assert len(evs) == 1
    ev = evs[0]
    assert ev.signatories == []
    assert "Tsinghua University" in ev.parties
    assert any("government" in p for p in ev.parties)
    assert ev.place == "Beijing"
    assert ev.date_text == "Monday"
    assert ev.date is None and ev.date_source == "unresolved"  # the article itself carries no date


def test_seed_two_signings_in_one_article(seed_events):
    evs = _by_doc(seed_events, "002_")
    assert len(evs) == 2
    first, second = evs
    assert _names(first) == ["Chen Jiming", "Chen Cunfa"]
    assert first.signatories[0].title == "Vice President"  # from the attendance list
    assert "Zhejiang University of Technology" in first.parties
    assert first.date == "2022-09-15"  # "On September 15th" of the ceremony sentence
    assert first.place and "Campus" in first.place
    assert [s.named for s in second.signatories] == [False, False]
    assert _names(second) == ["the head of the College of Mechanical Engineering", "the head of the Testing Institute"]
    assert second.signatories[1].organization == "Testing Institute"
    assert "Mechanical Analysis and Testing Center" in second.agreement
    assert " ".join(second.quote.split()).startswith("The head of the College")


def test_seed_conference_has_no_signing(seed_events):
    assert _by_doc(seed_events, "003_") == []
    assert len(seed_events) == 4


def test_format_table(seed_events):
    table = format_table(seed_events)
    for word in ("Zeng Rong", "Chen Cunfa", "Beijing", "2024-07-23", "000_3f74f9e734d53e63.txt"):
        assert word in table
    assert "| witnessed by: Qiu Yong, Party Secretary" in table
    assert format_table([]) == "No signings found in the documents."


def test_answer_who_signed(seed_events):
    a = answer_from_signings(seed_events, "Who signed the agreement between Shanghai Electric and Tsinghua University?")
    assert a["answer"] == "Zeng Rong and Zhu Zhaokai"
    assert a["event"].doc.startswith("000_") and a["quote"] == a["event"].quote
    a = answer_from_signings(seed_events, "Who signed the agreement with Zhejiang University of Technology?")
    assert a["answer"] == "Chen Jiming and Chen Cunfa"
    assert answer_from_signings(seed_events, "When was the agreement signed?") is None
    assert answer_from_signings(seed_events, "Who signed the agreement with Acme Widgets?") is None


def test_qa_code_names_no_seed_entity():
    code = "\n".join(p.read_text(encoding="utf-8") for p in [QA_DIR / "signings.py"])
    for name in ("Tsinghua", "Shanghai", "Zeng Rong", "Zhu Zhaokai", "Zhejiang", "Chen Jiming", "Chen Cunfa",
                 "Mechanery", "Testing Institute", "Beijing"):
        assert name.lower() not in code.lower()


# --- articles in other wordings --------------------------------------------------------------

@pytest.fixture(scope="module")
def own(tmp_path_factory, embedder):
    engine = indexed_copy(DATA, tmp_path_factory, embedder, "sign")
    return engine, signings_for_engine(engine)


def test_own_quotes_are_exact(own):
    engine, events = own
    _check_quotes(engine, events)


def test_passive_voice(own):
    _, events = own
    (ev,) = _by_doc(events, "passive_rail")
    assert _names(ev) == ["Linda Okafor", "Marcus Reed"]
    assert (ev.signatories[0].title, ev.signatories[0].organization) == ("Mayor", "Portsmouth")
    assert (ev.signatories[1].title, ev.signatories[1].organization) == ("Chief Executive", "Northline Rail")
    assert ev.date == "2025-03-11"  # "on Tuesday" before Friday 14 March 2025


def test_several_signings_in_one_article(own):
    _, events = own
    evs = _by_doc(events, "two_deals")
    assert len(evs) == 2
    wind, port = evs
    assert _names(wind) == ["Felix Moreau", "Ruth Okonjo"]
    assert wind.parties == ["Greenfield Energy", "Province of Alder"]
    assert wind.date == "2025-05-06" and wind.place == "Halden"
    assert "offshore wind" in wind.agreement
    assert _names(port) == ["Carla Mendes", "Tomas Berg"]
    assert port.signatories[0].organization == "Velora Logistics"
    assert "port services contract" in port.agreement


def test_signing_without_named_signatories(own):
    _, events = own
    (ev,) = _by_doc(events, "research_pact")
    assert ev.signatories == []
    assert ev.parties == ["Northbridge University", "Institute of Marine Science"]  # "the two parties"
    assert ev.place == "Lisbon" and ev.date == "2024-10-03"


def test_inked_a_deal(own):
    _, events = own
    (ev,) = _by_doc(events, "inked_battery")
    assert ev.parties == ["Orion Motors", "Kestrel Cells"]
    assert ev.signatories == []  # the chief executive only comments
    assert ev.date == "2025-06-18"
    assert "deal" in ev.agreement


def test_who_signed_for_one_side_and_when_it_was_signed(own):
    """'who signed ... for X': the signatory whose words are X's side, quoting their sentence; 'when was X
    signed': the stored event's date, quoting the sentence that says it (not the dateline's)."""
    engine, _ = own
    a = engine.ask("who signed the friendship charter for gwangseong")
    assert a.answer == "Park Ji-hoon" and a.citations[0].quote.startswith("His counterpart, Gwangseong's mayor")
    a = engine.ask("who signed the agri technology memorandum for poland")
    assert a.answer == "Katarzyna Wróbel-Zielińska" and "The Polish side was represented" in a.citations[0].quote
    a = engine.ask("When was the Kiptara Geothermal loan agreement signed?")
    first = a.citations[0]
    assert a.answer == "Monday" and first.quote.startswith("The 15-year facility was signed on Monday")
    text = open(engine.data.manifest["docs"][first.doc]["path"], encoding="utf-8").read()
    assert text[first.start:first.end] == first.quote and text[first.answer_start:first.answer_end] == "Monday"


def test_a_signing_that_did_not_take_place_is_not_found(own):
    """The article speaks of a signing that was called off: extraction stored none, so "who signed" is
    not found (the reader would offer a name from the sentence that says it was called off)."""
    engine, _ = own
    a = engine.ask("who signed the lagos blue line concession agreement")
    assert a.abstained and a.answer is None and "reports none having taken place" in a.message
    assert not engine.ask("who signed the friendship charter for gwangseong").abstained


def test_parties_in_other_wordings(own):
    _, events = own
    (deal,) = _by_doc(events, "struck_supply")
    assert deal.parties == ["Veltra", "Norden Trucks"]  # not "Struggling carmaker Veltra"; the buyer kept
    (charter,) = _by_doc(events, "it_signed_charter")
    assert charter.parties == ["Halvorsen Shipping", "Baltic Ore"]  # "X said it had signed ..."
    (loan,) = _by_doc(events, "companies_signed_loan")
    assert loan.signatories == [] and loan.parties == ["Meridian Bank", "Coastline Power"]  # companies, not people
    assert loan.place == "Cardiff" and loan.date == "2025-10-31"


def test_datelines_and_retired_marks_are_not_parsed_as_names():
    from qa.signings import for_parsing

    assert for_parsing("NAIROBI, July 8 (Equator Wire) - Kiptara has signed") == "Kiptara has signed"
    assert for_parsing("PUNE, Sept 18 – The institute signed") == "The institute signed"
    assert for_parsing("GENEVA (Reuters) — Two firms signed") == "Two firms signed"
    assert for_parsing("The EU - China deal was signed") == "The EU - China deal was signed"  # no dateline
    assert for_parsing("signed by Col. (Retd.) Arvind Patil") == "signed by Col. Arvind Patil"


def test_eval_signings_scores_the_dev_files():
    from qa.eval_signings import evaluate_file, score

    root = QA_DIR.parent
    seeds = evaluate_file(root / "eval" / "signings_seeds.json")
    assert seeds["expected_events"] == 4 and seeds["event_recall"] == 1.0 and seeds["event_precision"] == 1.0
    assert seeds["field_accuracy"]["signatories"] == 1.0 and seeds["right_parties_and_signatories"] == 4
    tests = evaluate_file(root / "eval" / "signings_tests.json")
    assert tests["right_parties_and_signatories"] >= 13 and tests["event_precision"] >= 0.9
    assert tests["event_recall"] >= 0.9
    # splits D to P were written blind to the extractor (issue 13): D to I were then used to fix it,
    # each measured once before (H 1 of 9, I 1 of 8, J 1 of 9, K 4 of 9, L 4 of 9, M 2 of 9, N 6 of 9,
    # O 4 of 9, P 6 of 9, Q 4 of 9, R 2 of 9, S 5 of 9, T 6 of 10, U 4 of 9 right); J to R were used after their measurement too; these are
    # floors at what they reached, so that a change that loses one shows
    names = "defghijklmnopqrstu"
    splits = {k: evaluate_file(root / "eval" / f"signings_split_{k}.json") for k in names}
    listed = set(json.loads((root / "eval" / "signings_tests.json").read_text())["docs"])
    for k in names:
        listed |= set(json.loads((root / "eval" / f"signings_split_{k}.json").read_text())["docs"])
    assert listed == {p.name for p in DATA.glob("*.txt")}  # every test article is in one of the files
    # (split: least right events, and the least event precision or recall it keeps)
    floors = {"d": (9, "precision", 1.0), "e": (6, "precision", 1.0), "f": (6, "precision", 1.0), "g": (6, "precision", 1.0),
              "h": (8, "precision", 0.9), "i": (7, "precision", 1.0), "j": (6, "recall", 1.0), "k": (8, "recall", 1.0),
              "l": (8, "precision", 1.0), "m": (7, "precision", 1.0), "n": (8, "precision", 0.9), "o": (9, "precision", 1.0),
              "p": (7, "precision", 1.0), "q": (8, "precision", 1.0), "r": (8, "precision", 1.0),
              "s": (9, "precision", 0.9), "t": (10, "precision", 0.9),
              "u": (4, "precision", 0.8)}
    for k, (right, measure, least) in floors.items():
        assert splits[k]["right_parties_and_signatories"] >= right, k
        assert splits[k][f"event_{measure}"] >= least, k
    # the scoring itself: a wrong signatory, a missed event and an unexpected one count as such
    gold = {"a.txt": [{"parties": ["Acme"], "signatories": ["Ann Lee"], "date": "2025-01-02"},
                      {"parties": ["Bolt Ltd"], "signatories": []}], "b.txt": []}
    got = {"a.txt": [{"parties": ["Acme Corp"], "signatories": [{"name": "Bo Chan"}], "date": "2025-01-02",
                      "agreement": None, "place": None}],
           "b.txt": [{"parties": ["Cora"], "signatories": [], "date": None, "agreement": None, "place": None}]}
    r = score(gold, got)
    assert (r["found"], r["event_precision"], r["event_recall"]) == (1, 0.5, 0.5)
    assert r["right_parties_and_signatories"] == 0 and r["field_accuracy"]["date"] == 1.0
    assert r["field_accuracy"]["signatories"] == 0.0
    from qa.eval_signings import same_name

    assert same_name("Sierra Leone", "Sierra Leone's government") and same_name("the Council", "Council’s")
    assert not same_name("Sierra Leone", "Leone Holdings")


def test_eval_signings_cli(capsys):
    from qa.cli import main

    rc = main(["eval-signings", str(QA_DIR.parent / "eval" / "signings_seeds.json"), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["expected_events"] == 4 and "field_accuracy" in out
    assert main(["eval-signings", str(QA_DIR.parent / "eval" / "nothing.json")]) == 2
    assert "error:" in capsys.readouterr().err


def test_denied_or_planned_signings_are_no_events(own):
    _, events = own
    assert _by_doc(events, "no_deal_talks") == []  # "No agreement has been signed", "had hoped to sign"
    assert _by_doc(events, "strike_talks") == []  # "would not sign any deal"


def test_signatures_put_to_a_contract_and_datelines(own):
    _, events = own
    (union,) = _by_doc(events, "union_contract")
    assert _names(union) == ["Greta Nilsen", "Anders Vik"] and union.place == "Halden"
    (mou,) = _by_doc(events, "gov_mou")
    assert mou.parties == ["Kenya", "Japan"]  # not "NAIROBI, March 3, 2025 — Kenya and Japan"
    (kit,) = _by_doc(events, "kit_deal")
    assert set(kit.parties) == {"Westbridge Rovers", "Altura Sports"} and _names(kit) == ["Malcolm Price", "Sofia Brandt"]


def test_dates_the_parse_hangs_elsewhere_and_yesterday(own):
    _, events = own
    # "signed by A, and B, in Windhoek on Monday, 9 June 2025" (published 11 June): the date hangs on
    # the place, not on "signed"; the sentence's date nearest the signing word is taken
    (mou,) = _by_doc(events, "f_namibia")
    assert (mou.date, mou.date_source) == ("2025-06-09", "sentence")
    # "... yesterday entered into a ... partnership agreement" (published 6 November)
    (lithium,) = _by_doc(events, "i_utng")
    assert (lithium.date, lithium.date_text) == ("2025-11-05", "yesterday")


def test_venues_named_by_a_common_noun(own):
    _, events = own
    # "signed on Wednesday at the ministry's headquarters in the Plateau business district of Abidjan"
    (grant,) = _by_doc(events, "j_abidjan")
    assert grant.place == "ministry's headquarters in the Plateau business district of Abidjan"
    # "sealed on August 14 at the Kinta Heights Specialist Hospital auditorium"
    (nursing,) = _by_doc(events, "j_perak")
    assert nursing.place == "Kinta Heights Specialist Hospital auditorium"


def test_party_of_a_gerund_clause(own):
    _, events = own
    # "... have put pen to paper on the biggest commercial deal ..., agreeing a four-year front-of-shirt
    # partnership with insurer Lusomar Seguros SA"
    (shirt,) = _by_doc(events, "j_vale_sorraia")
    assert shirt.parties == ["Sporting Clube Vale do Sorraia", "Lusomar Seguros SA"]


def test_a_name_with_and_inside_is_one_party(own):
    _, events = own
    # "... was concluded by the Zambia Standards and Conformity Authority and the Halal Development and
    # Certification Corporation of Malaysia": the parser cuts the first name at its "and"
    zam = [ev for ev in _by_doc(events, "h_zambia") if any("Halal" in p for p in ev.parties)]
    assert zam and zam[0].parties == ["Zambia Standards and Conformity Authority",
                                      "Halal Development and Certification Corporation of Malaysia"]


def test_company_names_the_model_took_for_people_or_cut_at_a_bracket(own):
    _, events = own
    # headline "X signs ... offtake deal with Korea's Hanseong Cathode" (tagged a person)
    (offtake,) = _by_doc(events, "k_boreal")
    assert offtake.parties == ["Boreal Lithium", "Hanseong Cathode"]
    assert _names(offtake) == ["Gordon Ashdown-Whitlock", "Yoon Sung-ho"]
    # "Veloce's brand director ..., Chiara Bellandi-Ross": Veloce, a party of the headline, signs nothing
    (kit,) = _by_doc(events, "k_brackenridge")
    assert _names(kit) == ["Alistair Monteith", "Chiara Bellandi-Ross"]
    assert kit.parties == ["Brackenridge Athletic", "Veloce"]
    # "Ceylon Coastal Power Company (Private) Limited signed ..."
    loan = [ev for ev in _by_doc(events, "k_sri_lanka") if "loan" in (ev.agreement or "")]
    assert loan and loan[0].parties[0] == "Ceylon Coastal Power Company (Private) Limited"


def test_no_signing_article(own):
    _, events = own
    assert _by_doc(events, "no_signing") == []


def test_answer_on_own_articles(own):
    _, events = own
    a = answer_from_signings(events, "Who signed the port services contract?")
    assert a["answer"] == "Carla Mendes and Tomas Berg"
    a = answer_from_signings(events, "who signed the agreement with Northline Rail")
    assert a["answer"] == "Linda Okafor and Marcus Reed"
    assert answer_from_signings(events, "Who signed the deal with Kestrel Cells?") is None  # no names given


def test_cli_json(own, capsys):
    from qa.cli import main

    engine, events = own
    rc = main(["signings", "--json", "--index", str(engine.config.index_dir), "--docs", str(engine.config.docs_dir)])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert {"passive_rail.txt", "two_deals_forum.txt", "research_pact.txt", "inked_battery.txt", "struck_supply.txt",
            "it_signed_charter.txt", "companies_signed_loan.txt"} <= {e["doc"] for e in out}
    assert out == [e.to_dict() for e in events]  # the stored events, as the table shows them
    assert not {"no_signing_festival.txt", "no_deal_talks.txt", "strike_talks.txt"} & {e["doc"] for e in out}
    assert not re.search(r"\bTraceback\b", json.dumps(out))


def test_between_parties_no_event_connects_is_said(seed_events):
    a = answer_from_signings(seed_events, "Who signed the agreement between Shanghai Electric and Zhejiang University of Technology?")
    assert a and a.get("no_event") and len(a["names"]) == 2
    a = answer_from_signings(seed_events, "Who signed the agreement between Shanghai Electric and Tsinghua University?")
    assert a and not a.get("no_event") and "Zeng Rong" in a["answer"]


# --- stored at index time (issue 13) ----------------------------------------------------------

def test_signings_are_stored_at_index_time_and_read_without_parsing(seed_engine, monkeypatch):
    from qa import signings
    from qa.signings import stored_signings

    stored = stored_signings(seed_engine.data)
    assert stored is not None and len(stored) >= 4
    assert (seed_engine.data.folder / "facts.json").is_file()
    assert "facts.json" in seed_engine.data.manifest["files"]  # size-checked like the other files
    _check_quotes(seed_engine, stored)
    # nothing is parsed at question time: reading the table never calls spaCy
    signings._cache.clear()
    monkeypatch.setattr(signings, "extract_signings", lambda data: pytest.fail("extracted at question time"))
    import qa.nlp

    monkeypatch.setattr(qa.nlp, "get_nlp", lambda: pytest.fail("spaCy loaded at question time"))
    got = signings_for_engine(seed_engine)
    assert [e.to_dict() for e in got] == [e.to_dict() for e in stored]
    a = seed_engine.ask("Who signed the agreement between Tsinghua University and Shanghai Electric?")
    assert "Zeng Rong" in (a.answer or "")


def _rail_docs(tmp_path) -> Path:
    """A documents folder with one article reporting a signing."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "rail.txt").write_text(
        "Rail deal signed\n\nOn 3 March 2025 Mayor Linda Okafor of Portsmouth and Marcus Reed, chief executive "
        "of Northline Rail, signed a ten-year service contract in Portsmouth.\n", encoding="utf-8")
    return docs


def test_stored_signings_follow_document_changes(make_engine, tmp_path):
    from qa.signings import stored_signings

    docs = _rail_docs(tmp_path)
    (docs / "port.txt").write_text(
        "Port news\n\nThe harbour reopened on Monday after repairs to the quay.\n", encoding="utf-8")
    engine = make_engine(docs)
    report = engine.index(progress=False)
    assert report.extracted_docs == 2 and report.signings == 1
    first = stored_signings(engine.data)
    assert [e.doc for e in first] == ["rail.txt"] and "Linda Okafor" in first[0].signatory_names()

    # an unchanged document keeps its stored facts; a changed one has them replaced
    (docs / "port.txt").write_text(
        "Port deal\n\nVelora Logistics signed a port services contract with the City of Halden on 5 May 2025. "
        "Carla Mendes signed for Velora Logistics.\n", encoding="utf-8")
    report = engine.index(progress=False)
    assert report.updated == ["port.txt"] and report.extracted_docs == 1
    by_doc = {e.doc: e for e in stored_signings(engine.data)}
    assert set(by_doc) == {"rail.txt", "port.txt"}
    assert by_doc["rail.txt"].to_dict() == first[0].to_dict()

    # a deleted document's facts are gone
    (docs / "rail.txt").unlink()
    engine.index(progress=False)
    assert {e.doc for e in stored_signings(engine.data)} == {"port.txt"}

    # a crash while writing a new version leaves the previous facts
    (docs / "port.txt").write_text("Port news\n\nNothing was signed this week.\n", encoding="utf-8")

    def crash(stage):
        if stage == "before-manifest":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        engine.index(progress=False, crash_hook=crash)
    from qa import store

    assert {e.doc for e in stored_signings(store.load(engine.config.index_dir, with_search=False))} == {"port.txt"}


def test_an_index_without_stored_signings_gets_them_at_its_next_index_run(make_engine, tmp_path):
    import os

    from qa.signings import stored_signings

    docs = _rail_docs(tmp_path)
    engine = make_engine(docs)
    engine.index(progress=False)
    # as an index built before they were stored: no facts.json, and the manifest does not list it
    os.remove(engine.data.folder / "facts.json")
    manifest_path = engine.config.index_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["files"]["facts.json"]
    del manifest["checksums"]["facts.json"]
    manifest_path.write_text(json.dumps(manifest))
    from qa import store

    assert stored_signings(store.load(engine.config.index_dir, with_search=False)) is None
    report = engine.index(progress=False)
    assert report.extracted_docs == 1 and report.embedded_passages == 0  # no re-embedding
    assert [e.doc for e in stored_signings(store.load(engine.config.index_dir, with_search=False))] == ["rail.txt"]


def test_a_line_longer_than_spacy_allows_is_cut_not_a_crash():
    from qa.roles import roles_in_document
    from qa.signings import extract_document

    head = "Acme Corp signed a supply deal with Bolt Ltd on Monday, said Ann Lee, chief executive of Acme Corp. "
    line = head + "word " * 220_000  # 1.1 million characters, no sentence break: over spaCy's 1,000,000 limit
    events = extract_document("long.txt", {"date": "2025-01-10"}, [line], [line], [0], [len(line)], [0])
    assert [e.parties for e in events] == [["Acme Corp", "Bolt Ltd"]]
    assert events[0].quote == line  # the quote is still the whole sentence of the file
    roles = roles_in_document([line], [line], [0], [len(line)])
    assert [r["person"] for r in roles] == ["Ann Lee"]


def test_signatories_asked_in_other_words(seed_events):
    a = answer_from_signings(seed_events, "Which two officials put their names to the Tsinghua and Shanghai Electric "
                                          "agreement?")
    assert a and a["answer"] == "Zeng Rong and Zhu Zhaokai"
    a = answer_from_signings(seed_events, "who inked the deal with zhejiang university of technology")
    assert a and a["answer"] == "Chen Jiming and Chen Cunfa"


def test_signing_questions_in_other_wordings_read_the_stored_signings(seed_engine):
    """'put pen to paper for X' matches no pattern: the intent model (models/intents) says it asks who
    signed, and the stored event answers with its signatories, quoting their sentence."""
    from qa.intents import asks_for_signatories
    from qa.signings import WHO_SIGNED_RE

    q = "who put pen to paper for Tsinghua University and Shanghai Electric"
    assert not WHO_SIGNED_RE.search(q)
    assert asks_for_signatories(seed_engine.embedder.encode_queries([q])[0])
    a = seed_engine.ask(q)
    assert a.answer == "Zeng Rong and Zhu Zhaokai"
    first = a.citations[0]
    text = open(seed_engine.data.manifest["docs"][first.doc]["path"], encoding="utf-8").read()
    assert text[first.start:first.end] == first.quote and "signed the agreement" in first.quote
    assert all(text[s:e] in a.answer for s, e in first.answer_spans)


def test_with_whom_asks_for_the_other_party(own):
    """"With whom did X sign ...?" is answered with the other party of X's stored signing, quoting a body
    sentence that names it; "who signed ... with X" still asks for the signatories."""
    from qa.signings import party_from_signings

    engine, events = own
    a = engine.ask("With whom did Boreal Lithium sign its spodumene offtake agreement?")
    assert a.answer == "Hanseong Cathode"
    first = a.citations[0]
    text = open(engine.data.manifest["docs"][first.doc]["path"], encoding="utf-8").read()
    assert text[first.start:first.end] == first.quote and first.quote != "Boreal Lithium signs five-year " \
        "spodumene offtake deal with Korea's Hanseong Cathode"
    assert [text[s:e] for s, e in first.answer_spans] == ["Hanseong Cathode"]
    got = party_from_signings(events, "which company did boreal lithium sign an offtake deal with")
    assert got and got["answer"] == "Hanseong Cathode"
    assert party_from_signings(events, "Who signed the offtake deal with Boreal Lithium?") is None
    assert party_from_signings(events, "Which city is Boreal Lithium based in?") is None  # no signing asked


def test_the_day_it_was_said_and_a_place_without_its_clause(own):
    _, events = own
    # "Teravine Pharmaceuticals said on Wednesday it had concluded a distribution agreement ..." and
    # "It signed the agreement with Ambrose on Tuesday in Port Elwin, where the distributor is based, ..."
    (deal,) = _by_doc(events, "d_pharma")
    assert deal.date_text == "Tuesday" and deal.place == "Port Elwin"
    # "... put their names to the deal at the Heathfield Road stadium, watched by ..."
    (kit,) = _by_doc(events, "k_brackenridge")
    assert kit.place == "Heathfield Road stadium"


def test_represented_by_after_the_signing_and_hyphenated_titles(own):
    _, events = own
    # "Signing for the authority was its chief executive, A; Pellham was represented by its managing
    # director, B." (two sentences for the splitter)
    (fuel,) = _by_doc(events, "e_airport")
    assert _names(fuel) == ["Odile Marchetti-Brandt", "Rhys Tamberlain"]
    # "... and Aérostructures Méridionale SA was represented by its senior vice-president for commercial
    # affairs, B": one token for the title, and the company (tagged a person) is the party
    (order,) = _by_doc(events, "j_windward")
    assert "Aérostructures Méridionale SA" in order.parties
    assert "Jean-Luc de Villeneuve-Arnaud" in _names(order)


def test_hyphenated_titles_are_one_token():
    from qa.nlp import get_nlp

    doc = get_nlp()("She is the Vice-Chancellor and he is a vice-president and co-founder of Acme.")
    assert {"Vice-Chancellor", "vice-president", "co-founder"} <= {t.text for t in doc}
    assert "Clair-Baptiste" not in {t.text for t in get_nlp()("Marcia Clair-Baptiste signed.")}  # names as before


def test_a_company_read_as_a_person_and_a_club_spelled_out(own):
    _, events = own
    # "... by club chairwoman ... and Southerly managing director B": "Southerly" is the company the
    # article calls Southerly Sportswear Pty Ltd; "Port Kearsley FC" is written out as Football Club
    (kit,) = _by_doc(events, "i_port_kearsley")
    assert _names(kit) == ["Margaret Ellery-Vance", "Lachlan O'Sullivan-Tuilagi"]
    assert kit.parties == ["Port Kearsley Football Club", "Southerly Sportswear Pty Ltd"]


def test_signing_questions_match_word_forms_and_ask_for_the_slot(own):
    engine, events = own
    from qa.signings import slot_from_signings

    # "turboprop" of the question, "turboprops" of the headline; "manufacturer" of another event sentence
    a = engine.ask("who signed the turboprop deal on behalf of the manufacturer")
    assert a.answer == "Jean-Luc de Villeneuve-Arnaud"
    # "Which two countries signed ...": the parties, not the place of the signing
    assert slot_from_signings(events, "Which two countries signed a memorandum on the Oti-Kessa river basin?",
                              "place") is None
    got = slot_from_signings(events, "Where did Ghana and Togo sign the memorandum on the Oti-Kessa basin?", "place")
    assert got and "Kessabo" in got["answer"]


def test_two_people_after_a_comma_and_companies_ending_in_a_legal_form(own):
    _, events = own
    # "signed by the bank's president, A, and Finance Minister B, with ... looking on"
    loan = [ev for ev in _by_doc(events, "l_dakar") if "loan" in (ev.agreement or "")]
    assert loan and _names(loan[0]) == ["Serge Aka Kouadio", "Cheikh Tidiane Gueye"]
    # "Aydinlar Solar Teknoloji A.S. and Senegalese developer Sine Saloum Power SA signed ..."
    panels = [ev for ev in _by_doc(events, "l_dakar") if "supply" in (ev.agreement or "")]
    assert panels and "Solar Teknoloji A.S." not in _names(panels[0])
    # "Senegalese developer" says who Sine Saloum Power SA is: no party of its own
    assert sorted(panels[0].parties) == ["Aydinlar Solar Teknoloji A.S.", "Sine Saloum Power SA"]
    # "signed by Minister of Health Dr. A B and Acme Limited Executive Director ... C": A B is no company
    (vaccine,) = _by_doc(events, "l_zambia")
    assert _names(vaccine) == ["Mutinta Mwiinga", "Nikhil Vaidyanathan"]
    assert vaccine.parties == ["Ministry of Health", "Sarvodaya Biologicals Limited"]


def test_exchanging_the_signed_documents_is_the_same_signing(own):
    _, events = own
    # "... put their signatures to the memorandum ... and exchanged the signed documents": one event
    assert len(_by_doc(events, "l_northern_rift")) == 1


def test_names_the_parse_splits_or_joins_read_from_the_text(own):
    _, events = own
    # "MILAN/ASTANA, Oct 6 (Reuters) - Italian farm machinery maker A S.p.A. and Kazakh manufacturer B JSC
    # have inked ...": a dateline with two cities; names that end in a legal form, however they were parsed
    jv = [ev for ev in _by_doc(events, "m_ferrante") if "joint venture" in (ev.agreement or "")]
    assert jv and sorted(jv[0].parties) == ["Ferrante Meccanica S.p.A.", "Steppe Machinery JSC"]
    # "A University of Science and Technology and B GmbH signed", "signed between A University Hospital and
    # B Ltd": two organisations, not one name with an "and" inside
    (mou,) = _by_doc(events, "m_hanoi")
    assert sorted(mou.parties) == ["Brandtwerk Automation GmbH", "Red River University of Science and Technology"]
    (contract,) = _by_doc(events, "m_st_brigids")
    assert sorted(contract.parties) == ["Medilogix Services Ltd", "St Brigid's University Hospital"]
    # "Kuala Sentosa City Council and the Yayasan Sungai Lestari foundation signed"
    (framework,) = _by_doc(events, "m_kuala_sentosa")
    assert "Yayasan Sungai Lestari" in framework.parties


def test_titled_names_the_model_missed_and_a_short_name_with_its_legal_form(own):
    _, events = own
    # "Vice-Chancellor Professor Johannes du Plessis and Karoo BioGenix founder Lindiwe Mahlangu-Dlamini
    # signed the agreement": two people, neither tagged as one
    (licence,) = _by_doc(events, "m_karoo")
    assert _names(licence) == ["Johannes du Plessis", "Lindiwe Mahlangu-Dlamini"]
    assert "Karoo BioGenix (Pty) Ltd" in licence.parties and "Vice-Chancellor" not in licence.parties


def test_a_club_tagged_as_a_person_and_a_signing_dated_only_last_week(own):
    _, events = own
    # "Wollongong Harbour Football Club has put pen to paper ...": a party, not a signatory; "The agreement
    # was signed last week, the club confirmed on Monday": no day is known, Monday is when it was said
    (deal,) = _by_doc(events, "m_harbour")
    assert _names(deal) == ["Dominic Ferraro", "Priya Ramanathan"]
    assert deal.date is None and deal.date_text == "last week"
    assert "Dominic Ferraro" in deal.quote  # quoted by the sentence that names the signatories


def test_an_agreement_named_by_its_short_form_is_the_one_named_in_full(own):
    _, events = own
    # "... has entered into a 25-year power purchase agreement with ..." then "The PPA was signed yesterday
    # with B ...": one signing, with both parties; "at the X building in Tashkent by Minister A": the
    # place ends before who signed it
    ppa = [ev for ev in _by_doc(events, "j_uzbek") if "power purchase" in (ev.agreement or "")]
    assert len(ppa) == 1 and len(_by_doc(events, "j_uzbek")) == 2
    assert sorted(ppa[0].parties) == ["National Electric Grid Purchasing Centre of Uzbekistan",
                                      "Sonnenfeld Renewables GmbH"]
    (mou,) = [ev for ev in _by_doc(events, "j_uzbek") if ev is not ppa[0]]
    assert mou.place and mou.place.endswith("in Tashkent")


def test_with_whom_tells_one_party_s_signings_apart_by_the_agreement(own):
    _, events = own
    from qa.signings import party_from_signings

    got = party_from_signings(events, "With which company did PT Sulaweri Nickel Tbk sign its offtake agreement?")
    assert got and got["answer"] == "Hanbit Cell Materials Co., Ltd."


def test_a_side_named_by_its_kind_or_its_short_form(own):
    _, events = own
    # "Signing on behalf of the hospital group was its group chief executive officer, A, while USTP was
    # represented by its Vice-Chancellor, B": the article's one "... Group Bhd", and the university that
    # "Universiti Sains dan Teknologi Perak (USTP)" spells out; "its Vice-Chancellor" is no party
    (moa,) = _by_doc(events, "j_perak")
    assert sorted(moa.parties) == ["Kinta Heights Medical Group Bhd", "Universiti Sains dan Teknologi Perak"]
    assert _names(moa) == ["Harith Azman bin Osman", "Lim Wei Ling"]


def test_a_name_after_a_role_and_a_comma_the_model_did_not_tag(own):
    _, events = own
    # "signed by the Minister of Fisheries ..., Hon. A, and the Deputy Minister of Agriculture and
    # Environment of Viet Nam, Phan Thi Hoai Lan, in Windhoek": her name is tagged as nothing
    (mou,) = _by_doc(events, "f_namibia")
    assert "Phan Thi Hoai Lan" in _names(mou)
    # "... by Prof. A, Registrar, DIST, and Col. (Retd.) B, Chief Operating Officer, Varaha Avionics, ...":
    # the organisation after a person's title is no person
    (drones,) = _by_doc(events, "h_deccan")
    assert "Varaha Avionics" not in _names(drones)


def test_the_company_a_company_signs_with_whatever_it_was_tagged(own):
    _, events = own
    # "Medica Pharmaceuticals has entered into a licensing agreement with Orvane Biotech": the model tags
    # Orvane Biotech as a person; "UK-listed Kestrel & Dunmore Logistics plc": the description goes
    (licence,) = _by_doc(events, "pharma_licence")
    assert sorted(licence.parties) == ["Medica Pharmaceuticals", "Orvane Biotech"]
    jv = [ev for ev in _by_doc(events, "j_muscat") if "joint" in (ev.agreement or "")]
    assert jv and "Kestrel & Dunmore Logistics plc" in jv[0].parties


def test_malay_and_tamil_names_and_a_town_after_in(own):
    _, events = own
    # "signed by ... chief operating officer Tan Wei Ling and ... managing director Ravindran a/l
    # Subramaniam": "Tan" is her surname, "a/l" is inside his name; "at the X Hotel in George Town"
    supply = [ev for ev in _by_doc(events, "n_penang") if "supply" in (ev.agreement or "")]
    assert supply and _names(supply[0]) == ["Tan Wei Ling", "Ravindran a/l Subramaniam"]
    jv = [ev for ev in _by_doc(events, "n_penang") if ev is not supply[0]]
    assert jv and "George Town" not in _names(jv[0])
    # "Ha Tinh Provincial People's Committee" is one name
    concession = [ev for ev in _by_doc(events, "n_vietnam") if "concession" in (ev.agreement or "")]
    assert concession and "Ha Tinh Provincial People's Committee" in concession[0].parties


def test_a_postponed_signing_is_no_event(own):
    _, events = own
    # "X has postponed the signing of its planned acquisition agreement ...", "we want to answer them
    # properly before we put pen to paper"
    assert _by_doc(events, "n_karoo_brandberg") == []


def test_signatories_after_a_portfolio_a_second_by_and_as_the_article_writes_them(own):
    _, events = own
    # "signed by Azerbaijan's Minister of Energy Rauf Mammadli and Oman's Minister of Energy and Minerals
    # Hamood bin Saif al-Maskari": names after a government portfolio, untagged or tagged with "Minerals"
    (framework,) = _by_doc(events, "o_azerbaijan")
    assert _names(framework) == ["Rauf Mammadli", "Hamood bin Saif al-Maskari"]
    # "signed on behalf of the Vietnamese government by Deputy Minister of Finance Tran Quoc Binh and on
    # behalf of the bank by ARIB Vice President Marguerite de Villiers": two "by"s; "Tran Quoc Binh said"
    (loan,) = _by_doc(events, "o_vietnam_arib")
    assert _names(loan) == ["Tran Quoc Binh", "Marguerite de Villiers"]


def test_a_cancelled_or_only_scheduled_signing_is_no_event(own):
    _, events = own
    # "A ceremony to sign a new collective agreement ... was cancelled", "The signing had been scheduled
    # for Friday", "We are not going to put our names to a different one"
    assert _by_doc(events, "o_red_willow") == []


def test_that_contract_an_agency_dateline_and_a_title_in_brackets(own):
    _, events = own
    # "Pune, Nov 14 (PTI) Pune-based A Pvt Ltd ... signed ...": the dateline names no party; "At the same
    # event, A also sealed a five-year supply contract with B. That contract was signed by A Director
    # (Operations) C and B Executive Vice-President D": one signing, "Operations" no party, D's whole name
    jv, supply = sorted(_by_doc(events, "o_pune"), key=lambda ev: "supply" in (ev.agreement or ""))
    assert "Pune" not in jv.parties
    assert sorted(supply.parties) == ["Indus Radiotech Ltd", "Shreeyash Healthcare Pvt Ltd"]
    assert _names(supply) == ["Anil Kulkarni", "Meera Nair"]


def test_a_subject_the_parser_left_out_and_a_lone_head_word_spelled_out(own):
    _, events = own
    # "Vice-Chancellor Professor A and Professor Dato' Dr. B, Vice-Chancellor of Universiti Pantai Timur,
    # put their signatures to the memorandum": A is a signatory too; "Universiti" alone is cut short
    (mou,) = _by_doc(events, "l_northern_rift")
    assert _names(mou) == ["Lilian Jeptoo Kimaiyo", "Azlan Shah Mokhtar"]
    assert "Universiti Pantai Timur" in mou.parties


def test_the_mou_after_a_memorandum_with_its_short_form_in_brackets(own):
    _, events = own
    # "A memorandum of understanding (MoU) was signed between A and B ... The MoU was signed by
    # Vice-Chancellor Prof. C and ...": one signing; "Vice-Chancellor Prof." is no party
    (mou,) = _by_doc(events, "p_kisumu")
    assert _names(mou) == ["Achieng Odhiambo-Were", "Sigrid Haugland Eriksen"]
    assert not any("Vice-Chancellor" in p for p in mou.parties)


def _article(sentences: list[str], headline: bool = True):
    """Offsets and kinds of an article given as sentences (the first one its headline)."""
    starts, pos = [], 0
    for s in sentences:
        starts.append(pos)
        pos += len(s) + 1
    kinds = [1 if headline and i == 0 else 0 for i in range(len(sentences))]
    return sentences, sentences, starts, [a + len(s) for a, s in zip(starts, sentences)], kinds


@pytest.mark.parametrize("sents, parties, people", [
    # two people signed, one party named: the other side is the club the announcement is about
    (["Glenbrae Athletic agree four-year kit partnership with Tartan Sportswear Ltd",
      "Glenbrae Athletic are delighted to announce a new kit partnership with Tartan Sportswear Ltd.",
      "The deal was sealed last Friday at Glenview Park, where chairman Ian Reid and Tartan Sportswear managing "
      "director Ann Blair signed the kit supply agreement."],
     ["Glenbrae Athletic", "Tartan Sportswear"], {"Ian Reid", "Ann Blair"}),
    # no party named where they signed: both sides come from the headline
    (["Glenbrae University and Tartan Sportswear Ltd formalise research partnership",
      "The agreement was signed on Wednesday at the university's main campus.",
      "It was signed for the university by Rector Prof. Helen Moss and for the company by its chief "
      "executive, Dr Mark Tamm."],
     ["Glenbrae University", "Tartan Sportswear Ltd"], {"Helen Moss", "Mark Tamm"}),
])
def test_the_sides_a_signing_does_not_name_are_the_organisations_the_article_is_about(sents, parties, people):
    from qa.signings import extract_document

    events = extract_document("news.txt", {"date": "2025-08-04"}, *_article(sents))
    assert len(events) == 1
    got = sorted(events[0].parties)
    assert len(got) == 2 and all(g.startswith(p) for g, p in zip(got, parties))
    assert {p.name for p in events[0].signatories} == people


def test_a_mayors_city_is_no_person_and_datuk_seri_is_a_form_of_address():
    from qa.nlp import get_nlp
    from qa.signings import _people_in

    doc = get_nlp()("The MoU was signed by the Mayor of Teluk Berlian, Datuk Haji Rosli bin Ahmad Fauzi, on "
                    "behalf of the Council, and by Datuk Seri Lim Wei Chong, Group Managing Director of Samudera "
                    "Jaya Logistics Berhad.")
    people, _ = _people_in(doc, 0, len(doc))
    names = [p.name for p in people]
    assert "Teluk Berlian" not in names
    assert any(n.endswith("Rosli bin Ahmad Fauzi") for n in names)
    assert "Lim Wei Chong" in names
    # a city named after a title's "of" with no name after it stays in the title's sentence as it was
    doc = get_nlp()("Mayor of Qinglanzhou Zhou Minghe and Tarnoszeg Mayor Eszter Vadkerti-Lang signed the document.")
    assert any("Zhou Minghe" in p.name for p in _people_in(doc, 0, len(doc))[0])


def test_the_place_of_a_ceremony_held_somewhere_is_where_it_was_held():
    from qa.signings import extract_document

    sents = ["Harbour council and Selat Logistics seal depot MoU",
             "The MoU was signed by Mayor Ahmad Rosli and by Lim Wei Chong, managing director of Selat Logistics "
             "Berhad, at a ceremony held at the Dewan Seri Mutiara in Teluk Berlian."]
    events = extract_document("mou.txt", {"date": "2025-01-21"}, *_article(sents))
    assert len(events) == 1 and events[0].place and "Dewan Seri Mutiara" in events[0].place


def test_a_titled_person_taken_for_a_party_is_a_signatory_of_the_same_signing():
    from qa.signings import extract_document

    sents = ["Harbourton council signs LED street-lighting deal",
             "Harbourton City Council has signed an energy performance contract with Lumen Caribe Energy Services "
             "Limited to replace the city's street lamps.",
             "Mayor Clarissa Auguste-Henry and Devendra Ramkissoon, managing director of Lumen Caribe, signed the "
             "contract in the Council Chambers on Jeremie Street."]
    events = extract_document("lights.txt", {"date": "2025-02-18"}, *_article(sents))
    assert len(events) == 1  # one signing, not the lead's and the signatories' sentence apart
    ev = events[0]
    assert not any(p.startswith("Mayor") for p in ev.parties)
    assert any("Clarissa Auguste-Henry" in p.name for p in ev.signatories)
    assert any("Ramkissoon" in p.name for p in ev.signatories)


def _signers(sents: list[str]):
    """The events of an article given as sentences, and the names of everyone who signed in them."""
    from qa.signings import extract_document

    events = extract_document("news.txt", {"date": "2025-06-02"}, *_article(sents))
    return events, {p.name for ev in events for p in ev.signatories}


def test_an_engineers_form_of_address_is_no_signatory():
    _, names = _signers(["Al Wusta Water awards desalination contract to Meranti",
                         "The contract was signed on 1 June 2025 at the company's head office in Muscat. Sheikh Hamad "
                         "bin Salim Al Harthy, Chairman of the Board of Al Wusta Water, signed on behalf of the Company, "
                         "and Datuk Ir. Azman Shah Mohd Noor, Group Managing Director of Meranti, signed on behalf of "
                         "the contractor."])
    assert any("Azman Shah Mohd Noor" in n for n in names) and not any(n.strip(".") == "Ir" for n in names)


def test_the_signature_a_document_bore_is_who_signed_it():
    events, names = _signers(["Rail operator orders trams from Moravska Works",
                              "Transurban Somes SA said the framework contract was signed on Thursday. General "
                              "Director Ioana Vladescu signed for Transurban Somes. On the Czech side, the document "
                              "bore the signature of Tomas Hruby, sales director of Moravska Works a.s."])
    assert "Tomas Hruby" in names and "Ioana Vladescu" in names
    quote = events[0].quote
    assert "bore the signature of Tomas" in quote  # the quote is the article's own words, not the parsed ones


def test_each_side_a_document_was_signed_for_is_a_party():
    # "signed for X by A, and for Y by B": X and Y are the parties, a company the model tagged as a person
    # (its name ends in a legal form) is no signatory, and a name said with and without its legal form is one
    events, names = _signers(["Development bank lends to avocado exporter",
                              "Banco Andino de Fomento has agreed a credit line for Agroexportadora Valle Sur S.A.C. "
                              "of Arequipa.",
                              "The document was signed for Banco Andino de Fomento by its executive president, Dr. "
                              "José Luis Quispe Mamani, and for Agroexportadora Valle Sur S.A.C. by its general "
                              "manager, Ana Lucía Torres, last Thursday."])
    assert len(events) == 1
    assert sorted(events[0].parties) == ["Agroexportadora Valle Sur S.A.C.", "Banco Andino de Fomento"]
    assert any("Quispe Mamani" in n for n in names) and not any("S.A.C." in n for n in names)
    assert _parties_of_one(["Qamar Utilities and Hellenic Aqua seal joint venture",
                            "Qamar Utilities Company Q.P.S.C. and Hellenic Aqua Technologies S.A. today sealed a "
                            "shareholders' agreement.",
                            "The document was signed for Qamar Utilities by Sheikh Faisal Al-Mannai, Chairman, and "
                            "for Hellenic Aqua Technologies by Mr Kostas Vlachos, Chief Executive Officer, in Doha."]
                           ) == ["Hellenic Aqua Technologies S.A.", "Qamar Utilities Company Q.P.S.C."]


def _parties_of_one(sents: list[str]) -> list[str]:
    """The parties (sorted) of the one signing an article given as sentences reports."""
    events, _ = _signers(sents)
    assert len(events) == 1
    return sorted(events[0].parties)


def test_a_title_abbreviation_ends_no_parsed_sentence():
    from qa.nlp import get_nlp

    doc = get_nlp()("The contract was signed by the Principal Secretary for Water, Eng. Wanjiru Kamau, on behalf of "
                    "the Ministry, and by Col. Peter Otieno of Rift Aqua Limited.")
    assert len(list(doc.sents)) == 1 and "Eng." in [t.text for t in doc]
    _, names = _signers(["Ministry signs water contract with Rift Aqua",
                         "The contract was signed by the Principal Secretary for Water, Eng. Wanjiru Kamau, on "
                         "behalf of the Ministry, and by Mr Peter Otieno, Managing Director of Rift Aqua Limited."])
    assert {"Wanjiru Kamau", "Peter Otieno"} <= {n.replace("Eng. ", "") for n in names}
    assert not any(n.strip(".") == "Eng" for n in names)


def test_the_third_side_of_a_three_way_signing_is_the_one_the_lead_names():
    # three signed, two for the companies they are said to work for, the rector for no one named
    events, names = _signers(["University, wind developer and marine institute join forces on research",
                              "The Ribe Institute of Technology, Vestkyst Wind Systems A/S and the Fanø Marine "
                              "Research Centre have formalised a five-year research partnership.",
                              "The tripartite agreement was signed on Monday by Rector Prof. Mette Lund, Vestkyst "
                              "Wind's chief executive Anders Bjørnstad and Dr Sigrid Ås, director of the Fanø Marine "
                              "Research Centre."])
    assert len(events) == 1 and {"Mette Lund", "Anders Bjørnstad", "Sigrid Ås"} <= names
    parties = events[0].parties
    assert len(parties) == 3 and any("Ribe Institute of Technology" in p for p in parties)


def test_witnesses_are_stored_apart_from_the_signatories(seed_events):
    # "in the presence of A and B, the two parties signed": A and B looked on
    (ev,) = [e for e in seed_events if any(p.name == "Zeng Rong" for p in e.signatories)]
    assert {w.name for w in ev.witnesses} == {"Qiu Yong", "Wu Lei"}
    assert not {w.name for w in ev.witnesses} & {p.name for p in ev.signatories}
    assert "in the presence of Qiu Yong" in ev.witness_quote["quote"]
    events, _ = _signers(["Council and Selat Logistics seal depot MoU",
                          "The MoU was signed by Mayor Ahmad Rosli and by Lim Wei Chong, managing director of Selat "
                          "Logistics Berhad.",
                          "The ceremony was witnessed by the State Executive Councillor for Housing, YB Puan Noraini "
                          "binti Abdul Hamid.",
                          "The signing was witnessed by the Minister for Infrastructure, Hon. Leon St. Rose, whose "
                          "ministry helped."])
    assert [w.name for w in events[0].witnesses] == ["Noraini binti Abdul Hamid"]
    assert events[0].witnesses[0].title != "binti"
    # stored and read back with the event
    from qa.signings import SigningEvent

    back = SigningEvent.from_dict(events[0].to_dict())
    assert back.witnesses[0].name == "Noraini binti Abdul Hamid" and back.witness_quote == events[0].witness_quote


def test_who_witnessed_a_signing_is_answered_with_the_people_who_looked_on(seed_engine):
    a = seed_engine.ask("Who witnessed the signing of the agreement between Tsinghua University and Shanghai Electric?")
    assert not a.abstained and a.answer == "Qiu Yong and Wu Lei"
    first = a.citations[0]
    text = open(seed_engine.data.manifest["docs"][first.doc]["path"], encoding="utf-8").read()
    assert text[first.start:first.end] == first.quote and "in the presence of" in first.quote
    assert [text[s:e] for s, e in first.answer_spans] == ["Qiu Yong", "Wu Lei"]
    # who signed it is still the signatories
    a = seed_engine.ask("Who signed the agreement between Tsinghua University and Shanghai Electric?")
    assert a.answer == "Zeng Rong and Zhu Zhaokai"


def test_with_whom_a_party_named_by_its_initials_signed():
    from qa.signings import party_from_signings

    events, _ = _signers(["UKTP and Padi Hijau Agritech ink MoU on drone farming",
                          "Universiti Kebangsaan Teknologi Pahang (UKTP) and Padi Hijau Agritech Sdn Bhd inked a "
                          "memorandum of understanding (MoU) yesterday to develop drone farming.",
                          "The MoU was signed by UKTP Vice-Chancellor Professor Datuk Dr Ahmad Faizal bin Rahman and "
                          "Padi Hijau Agritech managing director Nur Aisyah binti Kamarudin."])
    hit = party_from_signings(events, "UKTP signed an MoU with which company?")
    assert hit is not None and hit["answer"].startswith("Padi Hijau Agritech")
    assert "Universiti Kebangsaan Teknologi Pahang (UKTP) and Padi Hijau" in hit["quote"]


def test_a_roundups_second_deal_struck_by_a_company_tagged_as_a_person_is_its_own_signing():
    events, _ = _signers(["Forum: transit pact and wheat deal signed",
                          "On the opening day, rail group Saryk Logistics JSC and Baku-based Caspian Lines inked a "
                          "framework agreement on container transit.",
                          "The framework was signed by Yerlan Abenov, chairman of Saryk Logistics, and Rauf "
                          "Mammadli, Caspian Lines' commercial director.",
                          "On the second day, grain trader Kostanay Steppe Grain LLP struck a deal with Kyrgyz flour "
                          "miller Ala-Too Grain Mills to supply milling wheat.",
                          "The supply agreement carries the signatures of Aigerim Zhaksylykova, general director of "
                          "Kostanay Steppe Grain, and Bakyt Usenov, who chairs Ala-Too Grain Mills."])
    assert len(events) == 2
    wheat = next(e for e in events if any("Kostanay" in p for p in e.parties))
    assert sorted(wheat.parties) == ["Ala-Too Grain Mills", "Kostanay Steppe Grain LLP"]
    assert {p.name for p in wheat.signatories} == {"Aigerim Zhaksylykova", "Bakyt Usenov"}


def test_people_tagged_as_organisations_and_a_bank_tagged_as_a_person():
    # "A, chief executive of B Sparebank" with the names' tags swapped: A signed, the bank is a party
    events, names = _signers(["Hordvik FK and Bratten Sparebank agree three-year main sponsorship",
                              "Hordvik FK is delighted to announce a new main sponsorship agreement with Bratten "
                              "Sparebank.",
                              "The agreement was signed at Hordvik Arena last Thursday by club chairman Sigrid Lunde "
                              "Haugland and Ole-Martin Ekornes, chief executive of Brattøy Sparebank."])
    assert len(events) == 1 and {"Sigrid Lunde Haugland", "Ole-Martin Ekornes"} <= names
    assert not any("Ekornes" in p or "Haugland" in p for p in events[0].parties)
    assert not any("Sparebank" in n for n in names)


def test_a_signing_the_parse_hid_and_names_after_forms_of_address_tagged_alone():
    # "concluded on Wednesday a new agreement" (object lost behind the date), "initialled ... and signed by"
    events, names = _signers(["Textile sector: new collective agreement grants pay rise",
                              "TUNIS, Feb 5 (TAW) - The National Federation of Weaving Workers and the Tunisian "
                              "Chamber of Cloth Industries concluded on Wednesday a new sectoral collective agreement "
                              "that raises wages by 6.5 percent, the agency learned.",
                              "The agreement was initialled page by page and signed by Habib Ben Salah, "
                              "Secretary-General of the federation, and Samira Trabelsi-Gharbi, President of the "
                              "chamber, at the headquarters of the Ministry of Social Affairs in Tunis."])
    assert len(events) == 1 and names == {"Habib Ben Salah", "Samira Trabelsi-Gharbi"}
    assert len(events[0].parties) == 2 and "collective agreement" in (events[0].agreement or "")
    _, names = _signers(["Hornbill FC seal sponsorship with Rajang Lumina",
                         "The agreement was signed by club president Datuk Haji Azman Bujang and Rajang Lumina group "
                         "managing director Tan Sri Lau Kiong Hua at a hotel here this afternoon."])
    assert names == {"Azman Bujang", "Lau Kiong Hua"}


def test_a_signer_tagged_as_an_organisation_beside_one_tagged_as_a_person():
    events, names = _signers(["Parnava and Valmera sign twinning agreement",
                              "The twinning agreement between the City of Parnava and Valmera Municipality was signed "
                              "by Kristjan Mägi-Tamm and Ilze Kalniņa-Bērziņa in the main hall of the Valmera "
                              "Cultural Centre."])
    assert names == {"Kristjan Mägi-Tamm", "Ilze Kalniņa-Bērziņa"}
    assert not any("Mägi-Tamm" in p for p in events[0].parties)


def test_a_name_the_question_gives_must_be_the_signings_own(seed_events):
    from qa.signings import answer_from_signings

    # a signing of the seeds answers "who signed the agreement between Tsinghua ..." but not one about a
    # name no stored signing has, though its other words fit
    hit = answer_from_signings(seed_events, "Who signed the Tsinghua strategic cooperation agreement?")
    assert hit and "Zeng Rong" in hit["answer"]
    assert answer_from_signings(seed_events, "Who signed the Harlowmere strategic cooperation agreement with "
                                             "Shanghai Electric?") is None


def test_a_party_named_by_the_term_the_announcement_defines_for_it():
    assert _parties_of_one(["Coral Bay Holdings enters licence agreement",
                            "The Board of Directors of Coral Bay Holdings Limited (\"CBH\" or \"the Company\") wishes "
                            "to advise that the Company has entered into an exclusive licence agreement with Selva "
                            "Brands International S.A. (\"Selva Brands\").",
                            "Mr. Desmond Greaves, Chief Executive Officer, signed on behalf of the Company, and Ms. "
                            "Ana Quiros, Managing Director, signed on behalf of Selva Brands."]
                           ) == ["Coral Bay Holdings Limited", "Selva Brands International S.A."]


def test_a_title_whose_words_hold_the_sentence_root_is_split_without_looping():
    # climbing from the title's last word stops at the root (spaCy's root is its own head; a new Token
    # object each time, so only the index tells): an article whose title ran up to it hung the index build
    import subprocess
    import sys

    code = ("from qa.nlp import get_nlp; from qa.signings import _split_title; "
            "doc = get_nlp()('Helena Saarinen, chief executive'); print(_split_title(doc, 0, len(doc))[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=QA_DIR.parent)
    assert out.returncode == 0 and "chief executive" in out.stdout


def test_who_looked_on_is_no_side_and_a_rugby_club_is_an_organisation():
    events, names = _signers(["Gower Motor Group signs on as Afan Vale principal partner",
                              "Afan Vale RFC is delighted to announce that Gower Motor Group will become the club's "
                              "principal shirt partner in a three-year sponsorship deal.",
                              "Club chairman Gareth Pryce and Gower Motor Group managing director Siân Howells put "
                              "pen to paper in the clubhouse, with head coach Rhodri Evans and members of the squad "
                              "looking on."])
    assert names == {"Gareth Pryce", "Siân Howells"}
    parties = sorted(events[0].parties)
    assert len(parties) == 2 and parties[0].startswith("Afan Vale") and parties[1] == "Gower Motor Group"
    assert [w.name for w in events[0].witnesses] == ["Rhodri Evans"]
