#!/usr/bin/env bash
# The test command: installs what is missing, runs the unit suite, then — when the interop venv of
# scripts/python-env.sh exists — the interop check on the test model wiki260K (every case, tensor by tensor
# against llm-compressor; references are cached in ~/.cache/swiftquant/llmc-refs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
swift build --build-tests
swift test --skip-build 2>&1
VENV_PY="${SWIFTQUANT_VENV:-$HOME/.cache/swiftquant/venv-interop}/bin/python"
if [ -x "$VENV_PY" ]; then
    echo "interop venv found ($VENV_PY): running scripts/interop/run.sh --models wiki260K --ppl none"
    bash scripts/interop/run.sh --models wiki260K --ppl none
else
    echo "interop check skipped: no venv at $VENV_PY (scripts/python-env.sh makes it)"
fi
