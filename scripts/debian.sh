#!/usr/bin/env bash
# Debian packages the project uses: tesseract-ocr (OCR of scanned PDF pages) and, with "browser",
# chromium for the real-browser tests. Installed only when missing (sudo when not root).
set -euo pipefail
want=()
command -v tesseract >/dev/null 2>&1 || want+=(tesseract-ocr tesseract-ocr-eng)
if [ "${1:-}" = "browser" ] && { ! command -v chromium >/dev/null 2>&1 || ! [ -x /usr/bin/chromium ]; }; then
  want+=(chromium chromium-driver)
fi
if [ ${#want[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "note: not a Debian system; install ${want[*]} yourself (OCR and browser tests need them)" >&2
    exit 0
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${want[@]}" >/dev/null
fi
