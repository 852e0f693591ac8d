"""Incremental index updates, model/settings changes forcing a rebuild, with the real model and FAISS."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import store
from qa.embedder import Embedder, bundled_model_path, model_info
from qa.engine import Engine

ROOT = Path(__file__).resolve().parent.parent

FERRY = ("Lake Ferry Service Resumes\n\nPublished: 12 April 2023\n\n"
         "The ferry service across Lake Arden resumed on Tuesday after the new pier was finished, the operator "
         "Bluewater Lines said.\n\nThe crossing takes 25 minutes and runs every hour from 6 a.m.\n")
FERRY_CHANGED = ("Lake Ferry Service Resumes\n\nPublished: 12 April 2023\n\n"
                 "The ferry service across Lake Arden resumed on Tuesday after the new pier was finished, the operator "
                 "Greenwake Shipping said.\n\nThe crossing now takes 40 minutes and runs twice a day.\n")


def _docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "seeds", docs)
    return docs


def _doc_rows(data: store.IndexData, doc: str) -> np.ndarray:
    d = data.doc_ids.index(doc)
    return np.asarray(data.passage_vecs[data.passage_doc == d])


def _check_citations(ans, docs: Path) -> None:
    for c in ans.citations:
        raw = open(docs / c.doc, encoding="utf-8").read()
        assert raw[c.start : c.end] == c.quote


def test_incremental_add_change_delete(tmp_path, make_engine):
    docs = _docs(tmp_path)
    engine = make_engine(docs)
    seeds = sorted(p.name for p in docs.iterdir())

    first = engine.index(progress=False)
    assert sorted(first.added) == seeds and first.written and not first.rebuilt
    assert first.embedded_passages == first.passages > 0
    before = {d: _doc_rows(engine.data, d) for d in seeds}

    # nothing changed: nothing embedded, nothing written
    again = engine.index(progress=False)
    assert sorted(again.unchanged) == seeds and not again.changed and not again.written
    assert again.embedded_passages == 0 and again.passages == first.passages

    # add a file: only it is embedded, the others keep their vectors
    (docs / "ferry.txt").write_text(FERRY, encoding="utf-8")
    added = engine.index(progress=False)
    assert added.added == ["ferry.txt"] and sorted(added.unchanged) == seeds
    n_ferry = engine.data.manifest["docs"]["ferry.txt"]["passages"]
    assert added.embedded_passages == n_ferry and added.passages == first.passages + n_ferry
    for d in seeds:
        np.testing.assert_array_equal(_doc_rows(engine.data, d), before[d])
    assert engine.data.manifest["docs"]["ferry.txt"]["date"] == "2023-04-12"
    ans = engine.ask("Which company operates the ferry across Lake Arden?")
    assert not ans.abstained and ans.citations[0].doc == "ferry.txt"
    assert "Bluewater Lines" in ans.citations[0].quote
    _check_citations(ans, docs)

    # change it: re-embedded, new text quoted with offsets into the new file
    (docs / "ferry.txt").write_text(FERRY_CHANGED, encoding="utf-8")
    changed = engine.index(progress=False)
    assert changed.updated == ["ferry.txt"] and not changed.added and sorted(changed.unchanged) == seeds
    assert changed.embedded_passages == engine.data.manifest["docs"]["ferry.txt"]["passages"]
    ans = engine.ask("Which company operates the ferry across Lake Arden?")
    assert ans.citations[0].doc == "ferry.txt"
    assert "Greenwake Shipping" in ans.citations[0].quote
    assert all("Bluewater" not in c.quote for c in ans.citations)
    _check_citations(ans, docs)

    # delete it and a seed: they disappear from the index and from answers
    (docs / "ferry.txt").unlink()
    (docs / seeds[0]).unlink()
    removed = engine.index(progress=False)
    assert sorted(removed.removed) == sorted(["ferry.txt", seeds[0]]) and removed.embedded_passages == 0
    assert sorted(engine.data.doc_ids) == seeds[1:]
    assert engine.data.dense.ntotal == engine.data.n_passages == removed.passages
    ans = engine.ask("Which company operates the ferry across Lake Arden?")
    assert all(c.doc in seeds[1:] for c in ans.citations)
    for d in seeds[1:]:
        np.testing.assert_array_equal(_doc_rows(engine.data, d), before[d])
    summary = removed.summary()
    assert "removed: 2" in summary and "unchanged: 3" in summary


def test_renamed_file_and_subfolders(tmp_path, make_engine):
    docs = tmp_path / "docs"
    (docs / "2023" / "april").mkdir(parents=True)
    (docs / "2023" / "april" / "ferry.txt").write_text(FERRY, encoding="utf-8")
    engine = make_engine(docs)
    assert engine.index(progress=False).added == ["2023/april/ferry.txt"]
    (docs / "2023" / "april" / "ferry.txt").rename(docs / "ferry_story.txt")
    report = engine.index(progress=False)
    assert report.added == ["ferry_story.txt"] and report.removed == ["2023/april/ferry.txt"]
    ans = engine.ask("Which company operates the ferry?")
    assert ans.citations and ans.citations[0].doc == "ferry_story.txt"


def test_empty_folder_gives_an_empty_index_that_answers_not_found(tmp_path, make_engine):
    engine = make_engine(tmp_path / "empty_docs")
    report = engine.index(progress=False)
    assert report.written and report.passages == 0
    ans = engine.ask("Who signed the agreement?")
    assert ans.abstained
    # a folder whose last document is deleted also ends with an empty, working index
    (tmp_path / "empty_docs" / "ferry.txt").write_text(FERRY, encoding="utf-8")
    assert engine.index(progress=False).added == ["ferry.txt"]
    assert not engine.ask("Which company operates the ferry?").abstained
    (tmp_path / "empty_docs" / "ferry.txt").unlink()
    report = engine.index(progress=False)
    assert report.removed == ["ferry.txt"] and report.passages == 0
    assert engine.ask("Which company operates the ferry?").abstained
    assert engine.documents() == []


def test_passage_settings_change_forces_rebuild(tmp_path, make_engine):
    docs = _docs(tmp_path)
    engine = make_engine(docs)
    engine.index(progress=False)
    other = make_engine(docs, passage_words=40)
    report = other.index(progress=False)
    assert report.rebuilt == "the passage settings changed"
    assert len(report.added) == 4 and report.embedded_passages == report.passages
    assert "Rebuilt the whole index" in report.summary()


@pytest.fixture(scope="module")
def other_model(tmp_path_factory) -> Path:
    """The bundled model under another folder with a changed config.json: a different fingerprint."""
    src = bundled_model_path()
    dst = tmp_path_factory.mktemp("models") / "minilm-variant"
    dst.mkdir()
    for f in src.iterdir():
        if f.name == "config.json":
            cfg = json.loads(f.read_text())
            cfg["variant_note"] = "changed for the model-mismatch test"
            (dst / f.name).write_text(json.dumps(cfg))
        else:
            (dst / f.name).symlink_to(f)
    return dst


def test_model_mismatch_forces_rebuild_with_message(tmp_path, make_engine, other_model):
    assert model_info(other_model).fingerprint != model_info(None).fingerprint
    docs = _docs(tmp_path)
    index = tmp_path / "index"
    engine = make_engine(docs, index)
    engine.index(progress=False)
    question = "Where was the agreement between the Shanghai government and Tsinghua signed?"
    assert not engine.ask(question).abstained

    variant = Engine(docs_dir=docs, index_dir=index, model_path=other_model)
    # asking with another model than the index was built with: a clear error, not wrong answers
    with pytest.raises(store.IndexCorrupt) as exc:
        variant.ask(question)
    msg = str(exc.value)
    assert "all-MiniLM-L6-v2" in msg and "minilm-variant" in msg and "python -m qa index" in msg
    # ask (through ensure_index) refuses it with the same advice, and does not rebuild it ...
    with pytest.raises(store.ModelMismatch, match="python -m qa index"):
        variant.ensure_index(progress=False)
    assert json.loads((index / store.MANIFEST).read_text())["model"]["name"] == "all-MiniLM-L6-v2"
    # ... index rebuilds the whole index with the configured model and says why
    report = variant.index(progress=False)
    assert report is not None and report.written
    assert report.rebuilt and "all-MiniLM-L6-v2" in report.rebuilt and "minilm-variant" in report.rebuilt
    assert len(report.added) == 4 and report.embedded_passages == report.passages
    manifest = json.loads((index / store.MANIFEST).read_text())
    assert manifest["model"]["name"] == "minilm-variant"
    assert manifest["model"]["fingerprint"] == model_info(other_model).fingerprint
    ans = variant.ask(question)
    assert not ans.abstained and "Beijing" in " ".join(c.quote for c in ans.citations)
    _check_citations(ans, docs)
    # and the original engine now gets the clear error in turn
    engine.reload()
    with pytest.raises(store.IndexCorrupt, match="minilm-variant"):
        engine.ask(question)


def test_missing_model_folder_is_a_clear_error(tmp_path):
    from qa.embedder import ModelError

    with pytest.raises(ModelError, match="does not exist"):
        Embedder(tmp_path / "no-model")
    (tmp_path / "not-a-model").mkdir()
    with pytest.raises(ModelError, match="config.json"):
        Embedder(tmp_path / "not-a-model")


# --- issue 14: a damaged or missing index is rebuilt from where its documents are -------------

def _own_docs(tmp_path) -> Path:
    docs = tmp_path / "my_articles"
    docs.mkdir()
    (docs / "ferry.txt").write_text("Ferry news\n\nBlue Line Ferries operates the night ferry to Harwich.\n",
                                    encoding="utf-8")
    return docs


def _engine_without_docs(index, embedder) -> Engine:
    """An engine given only the index folder (as `qa ask --index DIR` is)."""
    engine = Engine(index_dir=index)
    engine._embedder = embedder
    return engine


def test_damaged_index_is_rebuilt_from_the_folder_it_was_built_from(tmp_path, make_engine, embedder):
    docs = _own_docs(tmp_path)
    index = tmp_path / "index"
    make_engine(docs, index).index(progress=False)
    engine = _engine_without_docs(index, embedder)
    assert not engine.config.docs_explicit and engine.config.docs_dir == docs.resolve()
    assert engine.sources() == [docs.resolve()]
    # damage a data file: ensure_index rebuilds from my_articles/, not from the default seeds/
    vdir = index / json.loads((index / store.MANIFEST).read_text())["data_dir"]
    with open(vdir / "passage_vecs.npy", "r+b") as fh:
        fh.truncate(100)
    report = engine.ensure_index(progress=False)
    assert report.written and report.added == ["ferry.txt"]
    assert [d["doc"] for d in engine.documents()] == ["ferry.txt"]
    assert "Blue Line" in (engine.ask("Which company operates the night ferry?").answer or "")
    # an update without paths also reads the recorded folder
    (docs / "bus.txt").write_text("Bus news\n\nThe 42 bus now runs every ten minutes.\n", encoding="utf-8")
    assert engine.index(progress=False).added == ["bus.txt"]


def test_unknown_or_gone_sources_are_said_not_replaced_by_the_default(tmp_path, make_engine, embedder):
    docs = _own_docs(tmp_path)
    index = tmp_path / "index"
    make_engine(docs, index).index(progress=False)
    (index / store.MANIFEST).unlink()  # the manifest records the sources: now nobody knows them
    engine = _engine_without_docs(index, embedder)
    with pytest.raises(store.SourcesUnknown, match="python -m qa index PATH"):
        engine.ensure_index(progress=False)
    assert not (index / store.MANIFEST).exists()  # nothing was built from seeds/
    # given the folder, it rebuilds
    again = make_engine(docs, index)
    assert again.ensure_index(progress=False).added == ["ferry.txt"]
    # the documents folder is gone: said, not rebuilt from elsewhere
    shutil.rmtree(docs)
    vdir = index / json.loads((index / store.MANIFEST).read_text())["data_dir"]
    (vdir / "arrays.npz").unlink()
    with pytest.raises(store.SourcesUnknown, match="gone"):
        _engine_without_docs(index, embedder).ensure_index(progress=False)


def test_cli_ask_on_an_index_whose_sources_are_unknown_exits_non_zero(tmp_path, make_engine, capsys):
    from qa.cli import main

    docs = _own_docs(tmp_path)
    index = tmp_path / "index"
    make_engine(docs, index).index(progress=False)
    manifest = json.loads((index / store.MANIFEST).read_text())
    manifest["sources"] = 5  # a field of the wrong type
    manifest["data_dir"] = "v-gone"
    (index / store.MANIFEST).write_text(json.dumps(manifest))
    rc = main(["ask", "Which company operates the night ferry?", "--index", str(index), "--json"])
    out = capsys.readouterr()
    assert rc != 0 and "Traceback" not in out.err
    assert "does not say where its documents are" in json.loads(out.out)["error"]


def test_an_engine_switches_to_a_version_written_by_another_process(tmp_path, make_engine, embedder):
    docs = _own_docs(tmp_path)
    index = tmp_path / "index"
    serving = make_engine(docs, index)
    serving.index(progress=False)
    assert [d["doc"] for d in serving.documents()] == ["ferry.txt"]
    # another process (here another engine) writes a new version with a new document
    (docs / "bus.txt").write_text("Bus news\n\nThe 42 bus now runs every ten minutes on weekdays.\n", encoding="utf-8")
    other = Engine(docs_dir=docs, index_dir=index)
    other._embedder = embedder
    assert other.index(progress=False).added == ["bus.txt"]
    ans = serving.ask("How often does the 42 bus run?")  # the serving engine picks it up before answering
    assert not ans.abstained and ans.citations[0].doc == "bus.txt"
    assert "ten minutes" in (ans.answer or "")
    assert serving.refresh() is False  # nothing newer now


def test_same_model_folder_with_other_weights_is_rebuilt_not_refused(tmp_path, make_engine, embedder):
    docs = _own_docs(tmp_path)
    index = tmp_path / "index"
    make_engine(docs, index).index(progress=False)
    m = json.loads((index / store.MANIFEST).read_text())
    m["model"]["fingerprint"] = "0" * 16  # as an index from before the fingerprint hashed the weights
    (index / store.MANIFEST).write_text(json.dumps(m))
    engine = make_engine(docs, index)
    with pytest.raises(store.IndexCorrupt, match="changed since the index"):
        engine.ask("Which company operates the night ferry?")
    report = engine.ensure_index(progress=False)
    assert report.written and "files of model" in report.rebuilt
    assert not engine.ask("Which company operates the night ferry?").abstained


def test_questions_answered_while_an_update_runs(tmp_path, make_engine, embedder):
    """Questions from several threads while another engine writes a new version: every answer is
    whole, with exact quotes, before and after the switch."""
    import threading

    docs = _own_docs(tmp_path)
    index = tmp_path / "index"
    serving = make_engine(docs, index)
    serving.index(progress=False)
    (docs / "bus.txt").write_text("Bus news\n\n" + "The 42 bus now runs every ten minutes on weekdays. " * 40 + "\n",
                                  encoding="utf-8")
    writer = Engine(docs_dir=docs, index_dir=index)
    writer._embedder = embedder
    done = threading.Event()
    errors, answers = [], []

    def update():
        try:
            writer.index(progress=False)
        finally:
            done.set()

    def ask():
        while not done.is_set() or len(answers) < 8:
            try:
                answers.append(serving.ask_within("Which company operates the night ferry?"))
            except Exception as exc:  # any error is a failure of the test
                errors.append(repr(exc))
                return

    threads = [threading.Thread(target=ask) for _ in range(3)]
    up = threading.Thread(target=update)
    for t in threads + [up]:
        t.start()
    for t in threads + [up]:
        t.join(300)
    assert not errors and answers
    for a in answers:
        assert not a.abstained and "Blue Line" in (a.answer or "")
        for c in a.citations:
            assert open(docs / c.doc, encoding="utf-8").read()[c.start:c.end] == c.quote
    after = serving.ask("How often does the 42 bus run?")  # the next question switches to the new version
    assert not after.abstained and after.citations[0].doc == "bus.txt"
