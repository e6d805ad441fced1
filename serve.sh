#!/usr/bin/env bash
# Serve the sample organisation with live preview: `./serve.sh` (README Quick start).
# Installs okrsite into .venv on first use. Extra arguments go to `okrsite serve`
# (e.g. ./serve.sh --port 8001 --open).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/okrsite ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
fi
exec .venv/bin/okrsite serve "$@"
