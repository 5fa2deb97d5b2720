#!/usr/bin/env bash
# The test command: installs what is missing, then runs the unit suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
swift build --build-tests
swift test --skip-build 2>&1
