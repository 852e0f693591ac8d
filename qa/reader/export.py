"""The reader as int8 ONNX: export with eager attention, fuse, quantise; and the same for a reader that
exists only as int8 ONNX (the committed one), from its own weights.

Exported with eager attention, onnxruntime's transformer optimiser can fuse each layer's attention
(``Attention``), GELU and layer norms; quantised after that, attention runs as ``QAttention``. On run 3's
weights this read 3 windows about 20 % faster than the unfused graph with the same SQuAD scores
(docs/evaluation.md, issue 12).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

NAMES = ["input_ids", "attention_mask", "token_type_ids"]
OUTPUTS = ["start_logits", "end_logits", "has_answer"]


def _onnx_export(model, path: Path) -> None:
    import torch

    axes = {n: {0: "batch", 1: "pieces"} for n in NAMES + OUTPUTS[:2]}
    axes["has_answer"] = {0: "batch"}
    ids = torch.randint(1000, 2000, (2, 24))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(path), input_names=NAMES,
                          output_names=OUTPUTS, dynamic_axes=axes, opset_version=17, dynamo=False)


def export_int8(model, out: Path, work: Path) -> Path:
    """``model`` (a ``ReaderModel``) → ``out`` (fused, int8); ``work`` holds the fp32 files meanwhile."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    model.eval()
    model.float()
    model.bert.set_attn_implementation("eager")  # the graph the optimiser knows how to fuse
    work.mkdir(parents=True, exist_ok=True)
    fp32, fused = work / "fp32.onnx", work / "fp32_fused.onnx"
    _onnx_export(model, fp32)
    cfg = model.bert.config
    opt = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=cfg.num_attention_heads,
                                   hidden_size=cfg.hidden_size, opt_level=1)
    opt.save_model_to_file(str(fused))
    quantize_dynamic(str(fused), str(out), weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    for f in (fp32, fused):
        f.unlink(missing_ok=True)
    return out


def model_from_int8(onnx_path: Path, layers: int | None = None):
    """A ``ReaderModel`` holding the weights of an int8 ONNX reader exported by an earlier version of
    :func:`export_int8` (unfused): each weight is its int8 values times its scale. The graph's
    initialisers are matched to the model's parameters through a fresh export of the base model, whose
    initialisers are the base weights themselves."""
    import tempfile

    import onnx
    import torch
    from onnx import numpy_helper

    from ..embedder import bundled_model_path
    from .train import _model_class

    q = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(onnx_path)).graph.initializer}

    def weight(name: str) -> np.ndarray:
        if name in q:
            return q[name].astype(np.float32)
        return (q[name + "_quantized"].astype(np.float32) - q[name + "_zero_point"].astype(np.float32)) \
            * q[name + "_scale"]

    model = _model_class()(str(bundled_model_path()), layers).eval()
    with tempfile.TemporaryDirectory() as tmp:
        _onnx_export(model, Path(tmp) / "fresh.onnx")
        fresh = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(Path(tmp) / "fresh.onnx")).graph.initializer}
    params = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    state = model.state_dict()
    for name, arr in fresh.items():
        if name in params and params[name].shape == arr.shape and np.array_equal(params[name], arr):
            key, transposed = name, False
        else:  # a Linear weight, exported transposed under a generated name
            keys = [k for k, v in params.items() if v.ndim == 2 and v.T.shape == arr.shape and np.array_equal(v.T, arr)]
            transposed = bool(keys)
            keys = keys or [k for k, v in params.items() if v.shape == arr.shape and np.array_equal(v, arr)]
            if len(keys) != 1:
                raise ValueError(f"cannot tell which weight {name} of {onnx_path} is ({len(keys)} candidates); "
                                 "--reexport reads unfused int8 files only (one it wrote is already fused)")
            key = keys[0]
        w = weight(name).reshape(arr.shape)
        w = w.T if transposed else w
        if tuple(state[key].shape) != w.shape:  # a (1, n) head stored as (n, 1)
            w = w.reshape(tuple(state[key].shape))
        state[key] = torch.from_numpy(np.ascontiguousarray(w))
    model.load_state_dict(state)
    return model
