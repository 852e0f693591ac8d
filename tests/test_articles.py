"""Questions about the articles themselves (issue 13): who wrote one, where it is from, when it came out,
answered from the metadata lines found at index time and quoted exactly."""
from __future__ import annotations

import pytest

from qa.documents import load_document, meta_lines
from qa.intents import EVAL_QUESTIONS, IntentModel

ARTICLES = {
    "ferry.txt": "Harbour ferry operator orders three electric boats\n\nPublished: 4 March 2025\nBy Marta Kellinger\n\n"
                 "Tidewater Ferries has ordered three battery-powered boats from the Skarhamn yard for its "
                 "cross-harbour route, the company said on Monday.\n\nThe boats will enter service in 2027.\n",
    "mine.txt": "Copper output falls at Ravensgill mine\n\nPublished: 19 August 2024\nSource: Midland Mining Wire\n\n"
                "Output at the Ravensgill copper mine fell by a fifth in July after flooding closed two shafts, "
                "the operator Greyholt Resources said.\n\nRepairs are expected to take until October.\n",
    "port.txt": "Dunlow port orders two cranes\n\nPublished: 9 June 2025\nBy Ines Varga\nCoastal Freight Review\n\n"
                "The port of Dunlow has ordered two ship-to-shore cranes from Keldmark Lifting for its new "
                "container berth.\n",
    "grain.txt": "Miller signs wheat deal with Kostel Grain\n\nKOSTEL, May 4 (Steppe Wire) - Ardan Flour Mills "
                 "signed a wheat supply deal with Kostel Grain on Monday, the companies said.\n\nThe first "
                 "shipments are due in June.\n\n(Reporting by Aliya Serik; Editing by Tom Grant)\n",
    "hub.txt": "Jinsha city and Tianlan Digital agree computing hub\n\nSource: Pearl Newsline | Editor: Li Na | "
               "2026-03-16 21:08:15\n\nThe Jinsha city government and Tianlan Digital signed a strategic "
               "agreement on Monday to build an intelligent computing hub.\n",
    "library.txt": "City library reopens after renovation\n\nPublished: 2 May 2023\n\nThe central library of Ashcombe "
                   "reopened on Saturday after a two-year renovation that added a children's wing.\n",
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory, embedder):
    from qa.engine import Engine

    docs = tmp_path_factory.mktemp("articles_docs")
    for name, text in ARTICLES.items():
        (docs / name).write_text(text, encoding="utf-8")
    e = Engine(docs_dir=docs, index_dir=tmp_path_factory.mktemp("articles_index"))
    e._embedder = embedder
    e.index(progress=False)
    return e


def _source(engine, doc):
    return open(engine.data.manifest["docs"][doc]["path"], encoding="utf-8").read()


def test_metadata_lines_are_exact_slices(tmp_path):
    p = tmp_path / "ferry.txt"
    p.write_text(ARTICLES["ferry.txt"], encoding="utf-8")
    doc = load_document(p)
    lines = meta_lines(doc.blocks)
    assert doc.text[slice(*lines["date"])] == "Published: 4 March 2025"
    assert doc.text[slice(*lines["byline"])] == "By Marta Kellinger"
    assert doc.text[slice(*lines["title"])] == "Harbour ferry operator orders three electric boats"
    assert doc.meta()["lines"] == lines


@pytest.mark.parametrize("question, doc, answer, line", [
    ("Who wrote the story about the Tidewater ferry order?", "ferry.txt", "Marta Kellinger", "By Marta Kellinger"),
    ("which agency reported the ravensgill mine flooding", "mine.txt", "Midland Mining Wire",
     "Source: Midland Mining Wire"),
    ("When was the story on the Ashcombe library published?", "library.txt", "2 May 2023", "Published: 2 May 2023"),
    # the outlet named in the question is the article's own (its source line), not a topic to find in the text
    ("Who wrote the Coastal Freight Review piece on the Dunlow crane order?", "port.txt", "Ines Varga",
     "By Ines Varga"),
    # a labelled line's value ends at the next field
    ("which agency reported the Jinsha computing hub agreement", "hub.txt", "Pearl Newsline",
     "Source: Pearl Newsline | Editor: Li Na | 2026-03-16 21:08:15"),
    # a wire story's author is in its closing credits
    ("who wrote the story on the Ardan Flour Mills wheat deal", "grain.txt", "Aliya Serik",
     "(Reporting by Aliya Serik; Editing by Tom Grant)"),
    ("When was the Ashcombe library reopening announcement published?", "library.txt", "2 May 2023",
     "Published: 2 May 2023"),
])
def test_article_questions_quote_the_metadata_line(engine, question, doc, answer, line):
    a = engine.ask(question)
    assert not a.abstained and a.answer == answer and a.answer_type.startswith("article_")
    first = a.citations[0]
    text = _source(engine, first.doc)
    assert first.doc == doc and first.quote == line
    assert text[first.start:first.end] == first.quote
    assert text[first.answer_start:first.answer_end] == answer


def test_questions_about_what_articles_say_are_not_taken_for_article_questions(engine):
    a = engine.ask("When will the new ferries enter service?")
    assert a.answer_type is None or not a.answer_type.startswith("article_")
    assert "2027" in a.citations[0].quote
    # an article without a byline: no author is made up, neither from the metadata nor from its text
    b = engine.ask("Who wrote the article about the Ashcombe library?")
    assert b.answer_type is None or not b.answer_type.startswith("article_")
    assert b.abstained
    # taken for an article question: the article has a date line but no byline, and says so
    b = engine.ask("who wrote the report on the Ashcombe library reopening")
    assert b.abstained and "library.txt does not say who wrote it" in b.message
    # a topic no article has
    c = engine.ask("Who wrote the article about the volcano on Mars?")
    assert c.answer_type is None or not c.answer_type.startswith("article_")


def test_the_committed_intent_model_separates_held_out_paraphrases(embedder):
    model = IntentModel.load()
    assert model is not None
    vecs = embedder.encode_queries([q for q, _ in EVAL_QUESTIONS])
    right = sum(model.predict(v)[0] == label for v, (_, label) in zip(vecs, EVAL_QUESTIONS))
    assert right >= 0.85 * len(EVAL_QUESTIONS)  # 20 of 23 when fitted (models/intents/intents.json)


def test_a_question_that_says_it_asks_who_wrote_an_article_is_one(embedder):
    from qa.articles import article_slot

    # the model alone takes these long-topic questions for questions about the text (measured on the
    # test splits); the words "who wrote the article on ..." say it outright
    q = "who wrote the article on the Ghana cocoa offtake deal"
    assert article_slot(q, embedder.encode_queries([q])[0]) == "author"
    q = "When was the story about Grenada's road loan published?"
    assert article_slot(q, embedder.encode_queries([q])[0]) == "date"
    q = "who reported on the collapse of the Moldovan railway pay talks?"
    assert article_slot(q, embedder.encode_queries([q])[0]) == "author"
    q = "which agency reported the Qinglanzhou Tarnoszeg friendship pact"
    assert article_slot(q, embedder.encode_queries([q])[0]) == "source"
    q = "Who signed the agreement on the Ghana cocoa offtake deal?"  # about what the article says
    assert article_slot(q, embedder.encode_queries([q])[0]) is None


def test_an_article_question_reads_the_article_that_says_what_is_asked(make_engine, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text(
        "Dunlow geothermal field notes\n\nThe Dunlow geothermal field lies north of the lake. Dunlow geothermal "
        "wells reach 2,000 metres. Geothermal steam at Dunlow powers two turbines.\n", encoding="utf-8")
    (docs / "story.txt").write_text(
        "Dunlow geothermal plant gets power deal\n\nPublished: 3 March 2026\nBy Grace Atieno\n\nThe operator of "
        "the Dunlow geothermal plant signed a 25-year power purchase agreement on Tuesday.\n", encoding="utf-8")
    engine = make_engine(docs_dir=docs)
    engine.index(progress=False)
    a = engine.ask("who wrote the dunlow geothermal story")
    assert not a.abstained and a.answer == "Grace Atieno" and a.citations[0].doc == "story.txt"
