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

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
exec .venv/bin/python -m pytest "$@"
