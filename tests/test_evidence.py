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
