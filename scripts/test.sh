#!/usr/bin/env bash
# Install everything (Python packages; Debian's chromium for the browser tests and tesseract-ocr) and run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/debian.sh browser
bash scripts/setup.sh requirements-dev.txt
export HF_HUB_OFFLINE=1 GRADIO_ANALYTICS_ENABLED=False
mkdir -p test-artifacts
exec .venv/bin/python -m pytest "$@"
