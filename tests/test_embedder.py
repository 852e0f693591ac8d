"""The real all-MiniLM-L6-v2: late-chunked sentence vectors and the ONNX question encoder."""
import numpy as np

from qa.embedder import BUNDLED_NAME, OnnxQueryEncoder, model_info


def test_model_info_of_bundled_model():
    info = model_info(None)
    assert info.name == BUNDLED_NAME and info.dim == 384 and len(info.fingerprint) == 16


def test_passage_vectors_equal_sentence_transformers(embedder):
    texts = ["Acme and Globex signed a supply deal in Paris. The deal runs for five years.",
             "Rain fell all day. The match was cancelled."]
    spans = [[(0, 46), (47, 76)], [(0, 18), (19, 43)]]
    P, S = embedder.encode_passages(texts, spans)
    ref = embedder.encode_texts(texts)
    assert np.allclose((P * ref).sum(1), 1.0, atol=1e-4)
    assert S[0].shape == (2, 384)
    assert np.allclose(np.linalg.norm(S[0], axis=1), 1.0, atol=1e-4)
    # a sentence's late-chunked vector is close to encoding it alone, and closer than another sentence's
    alone = embedder.encode_texts(["Acme and Globex signed a supply deal in Paris.", "The match was cancelled."])
    assert float(S[0][0] @ alone[0]) > 0.8
    assert float(S[0][0] @ alone[0]) > float(S[0][0] @ alone[1])


def test_onnx_question_encoder_matches_torch(embedder):
    qs = ["Who signed the agreement?", "Where was the ceremony held?"]
    onnx = OnnxQueryEncoder(embedder.model_path).encode(qs)
    torch = embedder.encode_texts(qs)
    assert (onnx * torch).sum(1).min() > 0.99


def test_fingerprint_follows_the_weights_content_not_only_their_size(tmp_path):
    import shutil

    from qa.embedder import bundled_model_path, model_info

    src = bundled_model_path()
    dst = tmp_path / "same-size-weights"
    shutil.copytree(src, dst)
    weights = sorted(dst.glob("*.safetensors")) + sorted(dst.glob("*.bin"))
    assert weights
    data = bytearray(weights[0].read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte of the weights, same size
    weights[0].write_bytes(bytes(data))
    assert model_info(dst).fingerprint != model_info(src).fingerprint
    assert model_info(src).fingerprint == model_info(src).fingerprint


def test_many_questions_are_encoded_in_batches_with_the_same_vectors(embedder):
    """Thousands of questions at once (``fit-intents``) go through the ONNX encoder in batches, so that
    one tensor padded to the longest does not take the memory; the vectors are those of one at a time."""
    import numpy as np

    enc = OnnxQueryEncoder(embedder.model_path)
    qs = [f"Who signed contract number {i} with the port authority?" for i in range(300)] + \
        ["When was the very long and winding agreement on fisheries, shipping and coastal protection signed?"]
    many = enc.encode(qs)
    assert many.shape == (301, 384)
    for i in (0, 255, 256, 300):
        assert np.allclose(many[i], enc.encode([qs[i]])[0], atol=1e-4)
