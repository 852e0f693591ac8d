"""Hybrid retrieval against BM25-only and dense-only on a real index."""
from qa.question import parse_question
from qa.retrieve import search


def _top_doc(engine, question, mode):
    data = engine.data
    q = parse_question(question)
    qvec = engine.embedder.encode_queries([q.search_text])[0]
    hits = search(data, qvec, q.search_text, k=5, mode=mode)
    assert hits == sorted(hits, key=lambda h: -h.score)
    return data.doc_ids[int(data.passage_doc[hits[0].passage])]


def test_all_modes_find_the_article(seed_engine):
    for mode in ("hybrid", "bm25", "dense"):
        assert _top_doc(seed_engine, "Where was the signing ceremony with Zhejiang University of Technology held?",
                        mode).startswith("002_")


def test_bm25_finds_nothing_for_unknown_words_but_dense_still_ranks(seed_engine):
    data = seed_engine.data
    assert data.bm25.scores("zzzqqq xxyyzz").max() == 0
    q = parse_question("zzzqqq xxyyzz")
    qvec = seed_engine.embedder.encode_queries([q.search_text])[0]
    assert search(data, qvec, q.search_text, k=3, mode="bm25") == []
    assert len(search(data, qvec, q.search_text, k=3, mode="dense")) == 3


def test_the_best_bm25_passage_is_always_among_the_hits(seed_engine):
    """A name only one passage has ("who is Li") must not be outvoted by passages that match the rest of
    the question by meaning."""
    import numpy as np

    data = seed_engine.data
    q = parse_question("who is Li")
    qvec = seed_engine.embedder.encode_queries([q.search_text])[0]
    rows, scores, _ = data.search.bm25_search(q.search_text, 100, np.zeros(0, np.int64), None)
    best = int(rows[int(np.argmax(scores))])
    fused = [h.passage for h in search(data, qvec, q.search_text, k=data.n_passages)]
    assert fused.index(best) >= 2  # the score mix alone ranks it below the first two
    hits = search(data, qvec, q.search_text, k=2)
    assert len(hits) == 2 and hits[-1].passage == best and hits[0].passage == fused[0]
    assert hits == sorted(hits, key=lambda h: -h.score)
