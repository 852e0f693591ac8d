"""Shared fixtures: one real embedding model and one real index of the seed articles per test session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 model, loaded once."""
    from qa.embedder import Embedder

    e = Embedder()
    _ = e.model
    return e


def indexed_copy(src: Path, tmp_path_factory, embedder, name: str):
    """An Engine with a real index of a temporary copy of the files in ``src``."""
    from qa.engine import Engine

    docs = tmp_path_factory.mktemp(f"{name}_docs")
    for f in src.iterdir():
        shutil.copy(f, docs / f.name)
    engine = Engine(docs_dir=docs, index_dir=tmp_path_factory.mktemp(f"{name}_index"))
    engine._embedder = embedder
    engine.index(progress=False)
    return engine


class Crash(Exception):
    """Raised by :func:`index_crashing_at` to interrupt an index run."""


def index_crashing_at(engine, stage: str) -> None:
    """Run ``engine.index`` and interrupt it at ``stage`` (a crash hook of qa.store.write)."""
    def hook(s):
        if s == stage:
            raise Crash(s)

    with pytest.raises(Crash):
        engine.index(progress=False, crash_hook=hook)


def index_killed_after(docs: Path, index: Path, delay: float) -> None:
    """Start a real ``python -m qa index docs --index index`` and SIGKILL it after ``delay`` seconds."""
    import signal
    import subprocess
    import sys
    import time

    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    proc = subprocess.Popen([sys.executable, "-m", "qa", "index", str(docs), "--index", str(index), "-q"], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.fixture(scope="session")
def seed_engine(tmp_path_factory, embedder):
    """An Engine with a real index of a copy of seeds/ (do not modify its files)."""
    return indexed_copy(SEEDS, tmp_path_factory, embedder, "seed")


@pytest.fixture
def make_engine(tmp_path, embedder):
    """Factory: an Engine over a fresh folder in tmp_path sharing the loaded model."""
    from qa.engine import Engine

    def make(docs_dir: Path | None = None, index_dir: Path | None = None, **kw):
        docs_dir = docs_dir or (tmp_path / "docs")
        docs_dir.mkdir(parents=True, exist_ok=True)
        engine = Engine(docs_dir=docs_dir, index_dir=index_dir or (tmp_path / "index"), **kw)
        engine._embedder = embedder
        return engine

    return make
