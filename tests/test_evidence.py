"""Evidence checks used by the abstention (on the real spaCy parse)."""
from qa.evidence import _counts
from qa.question import parse_question


def counts(sentence: str, question: str) -> bool:
    return _counts(sentence, parse_question(question).counted)


def test_a_number_of_the_counted_thing():
    assert counts("The firm now has over 800 employees in three cities.", "How many employees does the firm have?")
    assert not counts("The firm opened offices in three cities.", "How many employees does the firm have?")


def test_numbers_said_in_words():
    """'several lakes', 'a single output', 'won the cup twice' give a number too."""
    assert counts("There are also several lakes in the city.", "How many lakes are there in the city?")
    assert counts("A single output is expected for every input.", "How many outputs are expected for each input?")
    assert counts("They won the cup twice.", "How many times has the club won the cup?")
    assert not counts("They won the cup in a final.", "How many times has the club won the cup?")


def test_the_head_of_the_counted_phrase():
    assert counts("All four schools shared one foundation.", "How many schools of medicine were recognised?")


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
