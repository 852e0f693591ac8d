#!/usr/bin/env bash
# Create .venv and install the project's Python packages (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# torch is pinned in requirements.txt and installed in the same command (CPU build).
.venv/bin/python -m pip install -q -r "${1:-requirements.txt}"
