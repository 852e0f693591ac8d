"""The trained reader: its windows, a short real training run with export, and the committed model."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import ROOT, SHARED
from qa.reader.reader import Reader, ReaderError, WindowSpec
from qa.reader.windows import WordPieces, assemble, best_span

TRAIN = SHARED / "data" / "squad1.1-train" / "train-v1.1.json.gz"


@pytest.fixture(scope="module")
def pieces():
    from qa.embedder import bundled_model_path

    return WordPieces(bundled_model_path() / "tokenizer.json")


@pytest.fixture(scope="module")
def reader():
    """The reader committed in models/reader."""
    return Reader()


def test_window_keeps_its_sentence_and_maps_every_piece_back(pieces):
    sents = ["The board met on Monday.", "Alice Smith, the chair, signed the lease in Paris.",
             "Shares rose 4% after the news.", "Nobody else spoke."]
    q = pieces.encode("Who signed the lease?")
    w = assemble(pieces.cls, pieces.sep, q, [pieces.encode(s) for s in sents], max_len=64, keep=1, before=1, after=1)
    assert len(w) <= 64 and w.first == 0 and w.n_sentences == 3
    assert w.ids[0] == pieces.cls and w.ids[-1] == pieces.sep
    assert set(w.sent[w.type_ids == 0].tolist()) == {-1}  # the question and [CLS]/[SEP] are not sentence text
    for i in np.flatnonzero(w.sent >= 0):
        text = sents[w.first + int(w.sent[i])][w.start[i] : w.end[i]]
        assert pieces.tok.decode([int(w.ids[i])]).replace("##", "") == text.lower()
    # a tight budget keeps the candidate sentence and drops the neighbours first
    small = assemble(pieces.cls, pieces.sep, q, [pieces.encode(s) for s in sents], max_len=24, keep=1)
    assert small.n_sentences == 1 and small.first == 1 and len(small) <= 24


def test_best_span_stays_inside_one_sentence(pieces):
    sents = ["Alpha beta gamma.", "Delta epsilon zeta."]
    w = assemble(pieces.cls, pieces.sep, pieces.encode("What?"), [pieces.encode(s) for s in sents], max_len=64, keep=0)
    n = len(w)
    start, end = np.full(n, -10.0), np.full(n, -10.0)
    ctx = np.flatnonzero(w.sent >= 0)
    first_of_second = ctx[w.sent[ctx] == 1][0]
    start[ctx[0]] = 5.0  # the best start is in sentence 0 ...
    end[first_of_second] = 5.0  # ... and the best end in sentence 1: not one span
    _, a, b = best_span(start, end, w)
    assert w.sent[a] == w.sent[b] and b >= a


def test_contrasted_questions_ask_for_what_the_window_does_not_say():
    import random

    from qa.reader.squad import _contrasted

    rng = random.Random(0)
    window = "the first president of the club was john smith, elected in 1901."
    for _ in range(5):  # the only option: "first" -> "last", or "not" after "was"
        got = _contrasted(rng, "Who was the first president of the club?", window)
        assert got in ("Who was the last president of the club?", "Who was not the first president of the club?")
    # an opposite the window says too is no contrast; nothing to turn or negate gives None
    assert _contrasted(rng, "When was the last president elected?", "the first and the last president") is None
    assert _contrasted(rng, "When did the club open?", window) is None


def test_training_windows_can_be_the_candidate_sentence_alone(pieces):
    from qa.reader.squad import build_examples

    ctx = ("The club was founded in 1901 in Lyon. Its first president was John Smith. "
           "He served for ten years. The club moved to Paris in 1920.")
    q = {"id": "q", "question": "Who was the club's first president?",
         "answers": [{"text": "John Smith", "answer_start": ctx.index("John Smith")}]}
    articles = [{"title": "Club", "paragraphs": [{"context": ctx, "qas": [q]}]}]
    alone, stats = build_examples(articles, pieces, negatives=1.0, neighbours=0, contrasts=1.0)
    assert stats["positives"] == 1 and stats["contrasts"] == 1
    assert all(e.window.n_sentences == 1 for e in alone)  # the sentence alone, negatives too
    pos = next(e for e in alone if e.has)
    assert pos.sentences == ("Its first president was John Smith.",)
    contrast = next(e for e in alone if e.qid == "q-contrast")
    assert contrast.has == 0 and contrast.sentences == pos.sentences
    wide = [build_examples(articles, pieces, negatives=0.0, neighbours=2, seed=s)[0][0] for s in range(6)]
    assert any(e.window.n_sentences > 1 for e in wide)  # with neighbours allowed, some windows take them


def test_missing_reader_says_how_to_get_one(tmp_path):
    with pytest.raises(ReaderError) as err:
        Reader(tmp_path)
    assert "train-reader" in str(err.value)


def test_committed_reader_answers_with_exact_offsets(reader):
    sents = ["The weather in the port was calm that week.",
             "The two companies signed the supply contract in Rotterdam on 4 March 2025.",
             "Analysts expect more orders next year."]
    got = reader.read("Where was the supply contract signed?", [WindowSpec(sents, 1)])[0]
    assert got is not None and got.has > 0.5
    assert sents[got.sentence][got.start : got.end] == "Rotterdam"
    got = reader.read("When was the supply contract signed?", [WindowSpec(sents, 1)])[0]
    assert "4 March 2025" in sents[got.sentence][got.start : got.end]


def test_committed_reader_tells_a_window_without_the_answer(reader):
    answer = ["The museum was designed by the architect Maria Lopez and opened in 1998."]
    other = ["Tickets can be bought online or at the door, and children enter free."]
    with_answer, without = reader.read("Who designed the museum?", [WindowSpec(answer, 0), WindowSpec(other, 0)])
    assert answer[0][with_answer.start : with_answer.end] == "Maria Lopez"
    assert with_answer.has > 0.5 > without.has


def test_committed_reader_is_small_int8_with_a_model_card():
    folder = ROOT / "models" / "reader"
    assert (folder / "MODEL_CARD.md").is_file()
    assert (folder / "reader.onnx").stat().st_size < 30 * 2**20
    import onnx

    model = onnx.load(str(folder / "reader.onnx"), load_external_data=False)
    ops = {n.op_type for n in model.graph.node}
    assert ops & {"MatMulInteger", "DynamicQuantizeLinear", "QLinearMatMul"}, "the exported reader is not int8"
    assert "QAttention" in ops, "the committed reader is not the fused graph (python -m qa train-reader --reexport)"


@pytest.mark.slow
def test_an_unfused_int8_reader_is_rebuilt_from_its_own_weights(tmp_path):
    """What ``train-reader --reexport`` starts from: the weights of an int8 file, back in the torch model."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from qa.embedder import bundled_model_path
    from qa.reader.export import _onnx_export, export_int8, model_from_int8
    from qa.reader.train import _model_class

    torch.manual_seed(0)
    model = _model_class()(str(bundled_model_path()), 2).eval()
    with torch.no_grad():  # heads that are not the base model's (as after training)
        model.span.weight.normal_(0, 0.5)
        model.has.weight.normal_(0, 0.5)
    _onnx_export(model, tmp_path / "fp32.onnx")
    quantize_dynamic(str(tmp_path / "fp32.onnx"), str(tmp_path / "int8.onnx"), weight_type=QuantType.QInt8)
    rebuilt = model_from_int8(tmp_path / "int8.onnx", layers=2)
    for name, p in model.state_dict().items():
        if "pooler" in name:
            continue  # not in the graph
        q = rebuilt.state_dict()[name]
        scale = float(p.abs().max()) / 127 + 1e-12
        assert float((p - q).abs().max()) <= scale * 1.01, name  # within one step of the int8 grid
    ids = torch.randint(1000, 5000, (2, 40))
    with torch.no_grad():
        want = model(ids, torch.ones_like(ids), torch.zeros_like(ids))[0].numpy()
    export_int8(rebuilt, tmp_path / "fused.onnx", tmp_path / "work")
    assert "QAttention" in {n.op_type for n in onnx.load(str(tmp_path / "fused.onnx")).graph.node}
    sess = ort.InferenceSession(str(tmp_path / "fused.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input_ids": ids.numpy(), "attention_mask": np.ones((2, 40), np.int64),
                          "token_type_ids": np.zeros((2, 40), np.int64)})[0]
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] > 0.95  # a wrong mapping of weights gives about 0


@pytest.mark.slow
@pytest.mark.skipif(not TRAIN.is_file(), reason="needs ../shared/data/squad1.1-train")
def test_short_training_run_lowers_the_loss_and_exports_a_working_reader(tmp_path):
    from qa.reader.train import TrainConfig, train

    cfg = TrainConfig(data=TRAIN, out=tmp_path / "reader", limit=400, holdout=20, val_questions=40, batch_size=16,
                      max_len=128, lr=2e-4, save_every=20, eval_at=(), seed=1, layers=4, neighbours=0)
    summary = train(cfg)
    import json

    meta = json.loads((tmp_path / "reader" / "reader.json").read_text())
    assert meta["layers"] == 4 and meta["read_neighbours"] == 0  # what question time reads, from the model
    assert summary["steps"] == len(summary["losses"]) >= 30
    # the loss on a fixed sample of the training windows, before and after the run
    probe = summary["probe_loss"]
    assert probe["end"] < probe["start"] - 0.5, probe
    assert (tmp_path / "reader" / "work" / "checkpoint.pt").is_file()
    exported = Reader(tmp_path / "reader")
    sents = ["Maria Lopez opened the new bridge in Lyon.", "It cost 40 million euros."]
    got = exported.read("Who opened the bridge?", [WindowSpec(sents, 0)])[0]
    assert got is not None and 0.0 <= got.has <= 1.0
    text = sents[got.sentence]
    assert 0 <= got.start < got.end <= len(text)
