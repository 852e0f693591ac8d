"""The index on disk: atomic versions, crash safety, and clear errors for damaged files."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import index_crashing_at, index_killed_after
from qa import store
from qa.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "Who signed the strategic cooperation agreement between Tsinghua University and Shanghai Electric?"


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    """A real index of a copy of seeds/ that tests copy before damaging."""
    docs = tmp_path_factory.mktemp("store_docs")
    for f in (ROOT / "seeds").iterdir():
        shutil.copy(f, docs / f.name)
    index = tmp_path_factory.mktemp("store_index")
    engine = Engine(docs_dir=docs, index_dir=index)
    engine._embedder = embedder
    engine.index(progress=False)
    return docs, index, engine.ask(QUESTION).to_dict()


def _copy(built, tmp_path, embedder) -> tuple[Engine, Path]:
    docs, index, _ = built
    target = tmp_path / "index"
    shutil.copytree(index, target)
    engine = Engine(docs_dir=docs, index_dir=target)
    engine._embedder = embedder
    return engine, target


def _data_dir(index: Path) -> Path:
    return index / json.loads((index / store.MANIFEST).read_text())["data_dir"]


def test_text_table_roundtrip(tmp_path):
    texts = ["", "plain", "caf\u00e9 \u2013 \u6e05\u534e", "\ufeffbom", "emoji \U0001f600"]
    t = store.TextTable.from_list(texts)
    t.save(tmp_path / "t")
    loaded = store.TextTable.load(tmp_path / "t")
    assert len(loaded) == len(texts) and [loaded[i] for i in range(len(texts))] == texts
    assert loaded.slice(1, 3) == texts[1:3]
    empty = store.TextTable.from_list([])
    empty.save(tmp_path / "e")
    assert len(store.TextTable.load(tmp_path / "e")) == 0


def test_layout_and_manifest(built):
    docs, index, answer = built
    manifest = json.loads((index / store.MANIFEST).read_text())
    assert manifest["format_version"] == store.FORMAT_VERSION
    assert manifest["counts"]["documents"] == 4
    assert sorted(manifest["docs"]) == sorted(p.name for p in docs.iterdir())
    for meta in manifest["docs"].values():
        assert len(meta["sha256"]) == 64 and meta["passages"] >= 1
    versions = [p.name for p in index.iterdir() if p.name.startswith(("v-", ".tmp-"))]
    assert versions == [manifest["data_dir"]]
    data = store.load(index)
    assert data.dense.ntotal == data.n_passages == manifest["counts"]["passages"]
    assert len(data.sent_quotes) == len(data.sent_doc)
    for i in range(len(data.sent_doc)):  # every stored quote is the exact slice of its file
        doc = data.doc_ids[int(data.sent_doc[i])]
        raw = open(docs / doc, encoding="utf-8").read()
        assert raw[int(data.sent_start[i]) : int(data.sent_end[i])] == data.sent_quotes[i]
    assert not answer["abstained"]


def test_missing_index(tmp_path):
    with pytest.raises(store.IndexMissing, match="python -m qa index"):
        store.load(tmp_path / "nothing")


def _garbage_manifest(index: Path) -> None:
    (index / store.MANIFEST).write_text("{not json", encoding="utf-8")


def _manifest_without_keys(index: Path) -> None:
    (index / store.MANIFEST).write_text('{"docs": {}}', encoding="utf-8")


def _manifest_list(index: Path) -> None:
    (index / store.MANIFEST).write_text("[1, 2]", encoding="utf-8")


def _empty_manifest(index: Path) -> None:
    (index / store.MANIFEST).write_bytes(b"")


def _binary_manifest(index: Path) -> None:
    (index / store.MANIFEST).write_bytes(b"\xff\xfe\x00garbage")


def _old_format(index: Path) -> None:
    m = json.loads((index / store.MANIFEST).read_text())
    m["format_version"] = 1
    (index / store.MANIFEST).write_text(json.dumps(m))


def _data_dir_gone(index: Path) -> None:
    shutil.rmtree(_data_dir(index))


def _truncate(name: str, keep: float = 0.5):
    def damage(index: Path) -> None:
        f = _data_dir(index) / name
        data = f.read_bytes()
        f.write_bytes(data[: int(len(data) * keep)])
    damage.__name__ = f"truncate_{name}"
    return damage


def _delete(name: str):
    def damage(index: Path) -> None:
        p = _data_dir(index) / name
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    damage.__name__ = f"delete_{name}"
    return damage


def _wrong_counts(index: Path) -> None:
    m = json.loads((index / store.MANIFEST).read_text())
    m["counts"]["passages"] += 5
    (index / store.MANIFEST).write_text(json.dumps(m))


def _manifest_field(key, value):
    def damage(index: Path) -> None:
        m = json.loads((index / store.MANIFEST).read_text())
        m[key] = value
        (index / store.MANIFEST).write_text(json.dumps(m))
    damage.__name__ = f"manifest_{key}_{type(value).__name__}"
    return damage


def _flip(name: str, every: int = 4099):
    def damage(index: Path) -> None:
        f = _data_dir(index) / name
        data = bytearray(f.read_bytes())
        for i in range(len(data) // 3, len(data), every):  # same size: only the content check sees it
            data[i] ^= 0x5A
        f.write_bytes(bytes(data))
    damage.__name__ = f"flip_{name}"
    return damage


def _swapped_doc_order(index: Path) -> None:
    m = json.loads((index / store.MANIFEST).read_text())
    m["doc_order"][0], m["doc_order"][1] = m["doc_order"][1], m["doc_order"][0]
    (index / store.MANIFEST).write_text(json.dumps(m))


DAMAGES = [_manifest_field("data_dir", 5), _manifest_field("docs", []), _manifest_field("data_dir", "../elsewhere"),
           _manifest_field("doc_order", {"a": 1}), _manifest_field("files", ["x"]), _manifest_field("counts", 3),
           _swapped_doc_order, _flip("sentence_vecs.npy"), _flip("passage_vecs.npy"), _flip("quotes.bin", 97),
           _flip("sentences.bin", 97), _flip("arrays.npz"), _flip("facts.json", 53), _garbage_manifest, _manifest_without_keys, _manifest_list, _empty_manifest, _binary_manifest, _old_format,
           _data_dir_gone, _truncate("sentences.bin"), _truncate("quotes.bin"), _truncate("passages.off.npy"),
           _truncate("passage_vecs.npy"), _truncate("sentence_vecs.npy", 0.9), _truncate("arrays.npz"),
           _truncate("dense.faiss"), _delete("dense.faiss"), _delete("bm25"), _delete("arrays.npz"), _wrong_counts]


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda d: d.__name__.strip("_"))
def test_damaged_index_gives_clear_error_then_is_rebuilt(built, tmp_path, embedder, damage):
    engine, index = _copy(built, tmp_path, embedder)
    damage(index)
    with pytest.raises(store.IndexCorrupt) as exc:
        store.load(index)
    assert "Rebuild it with: python -m qa index" in str(exc.value)
    with pytest.raises(store.IndexCorrupt):
        engine.ask(QUESTION)
    report = engine.ensure_index(progress=False)
    assert report is not None and report.written
    assert report.rebuilt and "could not be read" in report.rebuilt
    assert sorted(report.added) == sorted(p.name for p in built[0].iterdir())
    assert engine.ask(QUESTION).to_dict()["citations"] == built[2]["citations"]
    assert [p.name for p in index.iterdir() if p.name.startswith(("v-", ".tmp-"))] == [_data_dir(index).name]


@pytest.mark.parametrize("stage", ["data", "before-rename", "before-manifest"])
def test_interrupted_write_keeps_previous_index(built, tmp_path, embedder, stage):
    engine, index = _copy(built, tmp_path, embedder)
    docs = tmp_path / "docs"
    shutil.copytree(built[0], docs)
    engine = Engine(docs_dir=docs, index_dir=index)
    engine._embedder = embedder
    before = (index / store.MANIFEST).read_text()
    (docs / "new_article.txt").write_text(
        "Lake Ferry Service Resumes\n\nThe ferry service across the lake resumed on Tuesday after the new pier "
        "was finished, the operator Bluewater Lines said.\n", encoding="utf-8")

    index_crashing_at(engine, stage)
    assert (index / store.MANIFEST).read_text() == before
    data = store.load(index)
    assert "new_article.txt" not in data.doc_ids
    fresh = Engine(docs_dir=docs, index_dir=index)
    fresh._embedder = embedder
    assert fresh.ask(QUESTION).to_dict()["citations"] == built[2]["citations"]
    # the next run completes the update and removes the leftovers of the interrupted one
    report = fresh.index(progress=False)
    assert report.added == ["new_article.txt"] and len(report.unchanged) == 4
    leftovers = [p.name for p in index.iterdir() if p.name.startswith(("v-", ".tmp-", f".{store.MANIFEST}."))]
    assert leftovers == [_data_dir(index).name]
    ans = fresh.ask("Which company operates the ferry across the lake?")
    assert not ans.abstained and ans.citations[0].doc == "new_article.txt"


def test_write_is_atomic_switch(built, tmp_path, embedder):
    """A reader holding the old version keeps working while a new one is written."""
    engine, index = _copy(built, tmp_path, embedder)
    old = store.load(index)
    n = old.n_passages
    docs = tmp_path / "docs"
    shutil.copytree(built[0], docs)
    engine = Engine(docs_dir=docs, index_dir=index)
    engine._embedder = embedder
    (sorted(docs.iterdir())[0]).unlink()
    report = engine.index(progress=False)
    assert len(report.removed) == 1
    new = store.load(index)
    assert new.n_passages < n
    assert np.isfinite(np.asarray(new.passage_vecs)).all()
    assert old.sent_quotes[0] and old.n_passages == n  # the old, memory-mapped version is still readable


def _scramble_header(rel: str):
    def damage(index: Path) -> None:
        f = _data_dir(index) / rel
        data = bytearray(f.read_bytes())
        data[:8] = b"\x00garbage"[: min(8, len(data))].ljust(min(8, len(data)), b"\x00")
        f.write_bytes(bytes(data))  # same size: only reading the file reveals the damage
    damage.__name__ = f"scramble_{rel.replace('/', '_')}"
    return damage


@pytest.mark.parametrize("damage", [_scramble_header("dense.faiss"), _scramble_header("bm25/params.index.json")],
                         ids=lambda d: d.__name__)
def test_same_size_damage_in_search_files_is_rebuilt_by_ensure_index(built, tmp_path, embedder, damage):
    engine, index = _copy(built, tmp_path, embedder)
    damage(index)
    with pytest.raises(store.IndexCorrupt, match="python -m qa index --rebuild"):
        engine.ask(QUESTION)
    with pytest.raises(store.IndexCorrupt, match="is damaged"):  # the content check sees it at load ...
        store.load(index, with_search=False)
    store.load(index, with_search=False, verify=False)  # (what an update reads is intact without it)
    report = engine.ensure_index(progress=False)  # ... so ensure_index rebuilds the whole index
    assert report is not None and report.written and "could not be" in report.rebuilt
    assert engine.ask(QUESTION).to_dict()["citations"] == built[2]["citations"]


def test_row_reader_reads_rows_like_numpy(tmp_path):
    from qa.store import RowReader

    arr = np.arange(40, dtype=np.float16).reshape(10, 4)
    np.save(tmp_path / "v.npy", arr)
    r = RowReader(tmp_path / "v.npy")
    assert len(r) == 10 and r.shape == (10, 4) and r.dtype == np.float16
    np.testing.assert_array_equal(r[3], arr[3])
    np.testing.assert_array_equal(r[-1], arr[-1])
    np.testing.assert_array_equal(r[2:7], arr[2:7])
    np.testing.assert_array_equal(r[[9, 0, 4, 5, 5]], arr[[9, 0, 4, 5, 5]])
    np.testing.assert_array_equal(r[arr[:, 0] > 15], arr[arr[:, 0] > 15])
    np.testing.assert_array_equal(np.asarray(r), arr)
    assert r[np.array([], dtype=np.int64)].shape == (0, 4)
    with open(tmp_path / "v.npy", "r+b") as fh:  # cut the last row off
        fh.truncate((tmp_path / "v.npy").stat().st_size - 8)
    with pytest.raises(store.IndexCorrupt):
        RowReader(tmp_path / "v.npy")


def test_flipped_bytes_in_a_text_table_are_an_index_error_not_a_traceback(built, tmp_path, embedder):
    engine, index = _copy(built, tmp_path, embedder)
    f = _data_dir(index) / "quotes.bin"
    data = bytearray(f.read_bytes())
    for i in range(0, len(data), 97):  # same size: the size check cannot see it
        data[i] = 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(store.IndexCorrupt, match="quotes.bin is damaged"):
        engine.ask(QUESTION)
    # without the content check (an index from before checksums), reading the row says it is damaged
    data = store.load(index, verify=False)
    with pytest.raises(store.IndexCorrupt, match="text table of the index is damaged"):
        [data.sent_quotes[i] for i in range(len(data.sent_quotes))]


def test_a_file_edited_after_indexing_is_never_quoted_as_exact(built, tmp_path, embedder):
    docs, index, answer = built
    mine = tmp_path / "docs"
    shutil.copytree(docs, mine)
    engine = Engine(docs_dir=mine, index_dir=tmp_path / "index")
    engine._embedder = embedder
    engine.index(progress=False)
    first = engine.ask(QUESTION)
    assert not first.abstained
    doc = first.citations[0].doc
    path = mine / doc
    text = path.read_text(encoding="utf-8")
    c = first.citations[0]
    # change letters inside the quoted sentence, keeping the file's size
    edited = text[:c.start] + text[c.start:c.end].swapcase() + text[c.end:]
    path.write_text(edited, encoding="utf-8")
    again = engine.ask(QUESTION)
    for cite in again.citations:
        assert open(mine / cite.doc, encoding="utf-8").read()[cite.start:cite.end] == cite.quote
    assert (doc, c.start) not in [(x.doc, x.start) for x in again.citations]  # the edited quote is left out
    assert "changed on disk since it was indexed" in again.message
    # the next index run picks the edit up
    assert engine.index(progress=False).updated == [doc]


@pytest.mark.slow
def test_kill_9_during_an_update_never_loses_the_index(built, tmp_path, embedder):
    """A real `python -m qa index` killed with SIGKILL at several moments of an update: the index that
    is left always loads and answers with exact quotes, and the next run completes the update."""
    docs, _, _ = built
    mine = tmp_path / "docs"
    shutil.copytree(docs, mine)
    _, index = _copy(built, tmp_path, embedder)
    for n, delay in enumerate((0.5, 2.0, 4.0, 6.0)):
        # a changed document and a new one: the update embeds, extracts and writes a new version
        (mine / f"new_{n}.txt").write_text(f"Harbour news {n}\\n\\n" + "The ferry to Harwich now leaves at dawn. " * 300
                                           + "\\n", encoding="utf-8")
        index_killed_after(mine, index, delay)
        data = store.load(index)  # the previous version or the new one, whole
        assert set(data.doc_ids) >= {p.name for p in docs.iterdir()}
        fresh = Engine(docs_dir=mine, index_dir=index)
        fresh._embedder = embedder
        ans = fresh.ask(QUESTION)
        assert not ans.abstained
        for c in ans.citations:
            assert open(mine / c.doc, encoding="utf-8").read()[c.start:c.end] == c.quote
    final = Engine(docs_dir=mine, index_dir=index)
    final._embedder = embedder
    final.index(progress=False)
    assert {f"new_{n}.txt" for n in range(4)} <= set(store.load(index).doc_ids)
    assert [p.name for p in index.iterdir() if p.name.startswith(("v-", ".tmp-"))] == [_data_dir(index).name]
