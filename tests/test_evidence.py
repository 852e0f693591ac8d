"""Evidence checks used by the abstention."""


def test_acronyms_spelled_out():
    from qa.evidence import acronyms

    found = acronyms("Talks between the United States of America and General Motors ended.")
    assert {"us", "usa", "gm"} <= found
    assert "um" not in acronyms("Talks ended under much pressure.")


def test_a_name_written_another_way_is_still_named():
    from qa.bm25 import tokenize
    from qa.evidence import name_present

    def stems(text):
        return frozenset(tokenize(text))

    def rare(stem):
        return {"britain": 3.0, "fudan": 5.0}.get(stem, 1.0)
    assert name_present(tokenize("Great Britain"), stems("Britain ruled India."), rare, set())
    assert name_present(tokenize("World War II"), stems("During the Second World War the city burned."),
                        rare, set())
    assert name_present(tokenize("US"), stems("The United States agreed."), rare, {"us"})
    # the telling word missing: not named ("Fudan University" is not "a university")
    assert not name_present(tokenize("Fudan University"), stems("The university signed it."), rare, set())
    assert not name_present(tokenize("US"), stems("Britain agreed."), rare, set())


def test_the_passage_naming_the_asked_person_is_read_when_others_outrank_it(make_engine, tmp_path):
    """"What is A's job?": passages about jobs can outrank, on meaning, the one sentence that names A;
    that passage is still read, so the answer is not "the documents do not mention A"."""
    from qa.evidence import _naming_passages, rank_sentences
    from qa.question import parse_question
    from qa.retrieve import search

    docs = tmp_path / "docs"
    docs.mkdir()
    for i, town in enumerate(["Aldwick", "Brenton", "Corvale", "Dunmere", "Eskton", "Farrowby"]):
        (docs / f"jobs_{i}.txt").write_text(
            f"{town} jobs fair\n\nThe {town} jobs fair drew hundreds of people looking for work. "
            f"Employers offered jobs in care, building and retail, and the council said more jobs would follow "
            f"next year.\n", encoding="utf-8")
    (docs / "prices.txt").write_text(
        "Nickel prices\n\nNickel prices rose for a third week. \"The floor price is what matters,\" said "
        "Odalys Quennell-Varga, a metals analyst at Harwick Securities.\n", encoding="utf-8")
    engine = make_engine(docs)
    engine.index(progress=False)
    data = engine.data
    q = parse_question("What is Odalys Quennell-Varga's job?", [])
    qvec = engine.embedder.encode_queries([q.search_text])[0]
    hits = search(data, qvec, q.search_text, k=20)
    naming = [h for h in hits if "Quennell" in " ".join(
        data.sent_texts[s] for s in range(int(data.passage_lo[h.passage]), int(data.passage_hi[h.passage])))]
    assert naming
    # put it past the five passages that are read, as meaning put it in a larger archive
    moved = [h for h in hits if h is not naming[0]][:5] + [naming[0]]
    assert _naming_passages(data, q, moved, 5) == [naming[0]]
    ranked = rank_sentences(data, q, qvec, moved, engine._idf)
    assert "Quennell-Varga" in data.sent_texts[ranked[0].sent]
    # and none is added when a read passage names the person
    assert _naming_passages(data, q, [naming[0]] + moved[:5], 5) == []
    ans = engine.ask(q.text)
    assert not ans.abstained and "metals analyst" in ans.citations[0].quote
