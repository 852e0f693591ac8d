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
