#!/usr/bin/env bash
# Install (first time) and start the web chat on the seed articles; the index is built on first run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/debian.sh || echo "note: tesseract-ocr was not installed: scanned PDF pages are reported, not read" >&2
bash scripts/setup.sh requirements.txt
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
exec .venv/bin/python app.py "$@"
