"""Sentences with exact source spans, and overlapping passage windows."""
from __future__ import annotations

from pathlib import Path

import pytest

from qa.documents import load_document
from qa.passages import Sentence, make_passages, sentences_of, split_block
from qa.textmap import Block

ROOT = Path(__file__).resolve().parent.parent


def _sents(n: int, words: int = 10, title: bool = False) -> list[Sentence]:
    out = []
    if title:
        out.append(Sentence("d", 0, 5, "Headline Of The Story", "title"))
    for i in range(n):
        text = " ".join([f"w{i}"] * (words - 1) + ["end."])
        out.append(Sentence("d", 10 * i, 10 * i + 5, text))
    return out


def test_split_block_spans_are_sentences():
    text = "Dr. Smith arrived at 10 a.m. on Monday. He signed the deal! Was it final? Yes."
    b = Block(text, 100)
    spans = split_block(b)
    assert [text[s:e] for s, e in spans] == ["Dr. Smith arrived at 10 a.m. on Monday.", "He signed the deal!",
                                             "Was it final?", "Yes."]


def test_a_title_abbreviation_or_a_dash_starts_no_sentence():
    # syntok ends a sentence after "Hon.", "Lt." and "(Retd.)", and after "Ont." of a dateline
    text = ("The minister, Hon. Chipo Banda, signed it. It was signed by Lt. Gen. Musa Ali and Col. (Retd.) "
            "Tom Oko of the army. MARROWDALE, Ont. — Nurses signed a contract. Next one. Datuk Ir. Azi Noor, "
            "its director, and Ing. Jan Novak signed.")
    spans = split_block(Block(text, 0))
    assert [text[s:e] for s, e in spans] == [
        "The minister, Hon. Chipo Banda, signed it.",
        "It was signed by Lt. Gen. Musa Ali and Col. (Retd.) Tom Oko of the army.",
        "MARROWDALE, Ont. — Nurses signed a contract.", "Next one.",
        "Datuk Ir. Azi Noor, its director, and Ing. Jan Novak signed."]


def test_a_cut_inside_an_abbreviation_is_joined_again():
    # syntok ends a sentence inside "S.p.A." when "and" follows; a sentence that goes on in lower case
    text = ("Italian maker Ferrante Meccanica S.p.A. and Kazakh manufacturer Steppe JSC have inked a deal. "
            "It starts in May. The firms met at 5 p.m. and then signed.")
    spans = split_block(Block(text, 0))
    assert [text[s:e] for s, e in spans][:2] == [
        "Italian maker Ferrante Meccanica S.p.A. and Kazakh manufacturer Steppe JSC have inked a deal.",
        "It starts in May."]


@pytest.mark.parametrize("path", sorted((ROOT / "seeds").glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_sentences_are_exact_slices(path):
    doc = load_document(path, path.parent)
    raw = open(path, encoding="utf-8").read()
    sents = sentences_of(doc)
    assert sents and sents[0].kind == "title"
    prev_end = -1
    for s in sents:
        quote = raw[s.start : s.end]
        assert quote == quote.strip() and quote
        assert " ".join(quote.split()) == s.text  # the clean text is the quote with whitespace normalised
        assert s.start >= prev_end  # in order, no overlap
        prev_end = s.end


def test_windows_respect_limits_and_overlap():
    sents = _sents(10, words=10, title=True)
    ps = make_passages("d", "Headline Of The Story", sents, max_words=30, max_sentences=4, overlap=1)
    body = list(range(1, 11))
    covered = set()
    for p in ps:
        idx = list(range(p.lo, p.hi))
        assert 1 <= len(idx) <= 4
        assert sum(len(sents[i].text.split()) for i in idx) <= 30
        assert p.text.startswith("Headline Of The Story\n")
        for (a, b), i in zip(p.offsets, idx):
            assert p.text[a:b] == sents[i].text
        covered.update(idx)
    assert covered == set(body)  # every body sentence, the headline is not a passage of its own
    for a, b in zip(ps, ps[1:]):
        assert b.lo == a.hi - 1  # overlap of one sentence
    assert ps[-1].hi == 11


def test_long_sentence_gets_its_own_passage_and_progress_is_made():
    sents = _sents(3, words=200)
    ps = make_passages("d", None, sents, max_words=90, max_sentences=4, overlap=1)
    assert [(p.lo, p.hi) for p in ps] == [(0, 1), (1, 2), (2, 3)]
    assert ps[0].text == sents[0].text and ps[0].offsets == [(0, len(sents[0].text))]


def test_headline_only_document_gets_one_passage():
    sents = [Sentence("d", 0, 20, "Only A Headline Here", "title")]
    ps = make_passages("d", "Only A Headline Here", sents)
    assert len(ps) == 1 and (ps[0].lo, ps[0].hi) == (0, 1)


def test_no_sentences_no_passages():
    assert make_passages("d", "T", []) == []


def test_passages_of_a_seed_document_cover_the_body():
    path = sorted((ROOT / "seeds").glob("*.txt"))[0]
    doc = load_document(path, path.parent)
    sents = sentences_of(doc)
    ps = make_passages(doc.doc_id, doc.title, sents, 90, 4, 1)
    covered = {i for p in ps for i in range(p.lo, p.hi)}
    assert covered == {i for i, s in enumerate(sents) if s.kind != "title"}
    for p in ps:
        assert p.text.startswith(doc.title)
        for (a, b), i in zip(p.offsets, range(p.lo, p.hi)):
            assert p.text[a:b] == sents[i].text


def test_a_line_without_sentence_breaks_is_cut_into_bounded_sentences():
    from qa.passages import MAX_SENTENCE_CHARS, split_block
    from qa.textmap import Block

    text = "Opening words. Lorem " + "ipsum dolor sit " * 60_000 + "amet. The harbour reopened on Monday."
    spans = split_block(Block(text))
    assert max(e - s for s, e in spans) <= MAX_SENTENCE_CHARS
    assert spans[0] == (0, len("Opening words."))
    assert text[spans[-1][0]:spans[-1][1]].endswith("The harbour reopened on Monday.")
    # nothing is lost: the spans cover every word, in order, without overlap
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
    assert " ".join(text[s:e] for s, e in spans).split() == text.split()


def test_a_long_single_line_document_indexes_and_quotes_exactly(tmp_path, make_engine):
    docs = tmp_path / "docs"
    docs.mkdir()
    filler = "the committee discussed the budget for the coming season in great detail " * 400
    line = filler + "and the ferry company Blue Line agreed to run a night service to Harwich " + filler
    (docs / "minutes.txt").write_text("Council minutes\n\n" + line + "\n", encoding="utf-8")
    engine = make_engine(docs)
    report = engine.index(progress=False)
    assert report.added == ["minutes.txt"]
    ans = engine.ask("Which company agreed to run a night service to Harwich?")
    assert not ans.abstained
    raw = open(docs / "minutes.txt", encoding="utf-8").read()
    for c in ans.citations:
        assert raw[c.start:c.end] == c.quote and len(c.quote) <= 1500
    assert "Blue Line" in ans.citations[0].quote
