#!/usr/bin/env bash
# The main job, end to end on a real model: build, evaluate perplexity E(512, 8192) on
# WikiText-2, and generate text.
#   usage: scripts/main-job.sh [--model DIR] [--data FILE] [--ctx N] [--tokens M]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SWIFTQUANT_SHARED:-$ROOT/../shared}"
MODEL="$SHARED/models/smollm2-135m"
DATA="$SHARED/data/wikitext-2-raw/wiki.test.raw"
CTX=512
TOKENS=8192
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --ctx) CTX="$2"; shift 2 ;;
        --tokens) TOKENS="$2"; shift 2 ;;
        *) echo "main-job: unknown option $1 (use --model DIR --data FILE --ctx N --tokens M)" >&2; exit 2 ;;
    esac
done
cd "$ROOT"
bash scripts/install-deps.sh
swift build -c release --product swiftquant >&2
BIN="$(swift build -c release --show-bin-path)/swiftquant"
"$BIN" inspect "$MODEL"
"$BIN" eval --model "$MODEL" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS"
"$BIN" generate --model "$MODEL" --prompt "The capital of France is" --max-tokens 32
