#!/usr/bin/env bash
# The main job, end to end on a real model: build, quantize (W4A16, group 64, RTN), report the
# perplexity E(ctx, T) before and after, and generate text with the quantized checkpoint.
# It passes --overwrite so it can be re-run, which replaces only a previous SwiftQuant output:
# swiftquant refuses any --output that is the model, holds it, is the working directory or home,
# or is a directory it did not write, so no --output can make this script delete anything.
#   usage: scripts/main-job.sh [--model DIR] [--output DIR] [--scheme NAME] [--group-size G]
#                              [--data FILE] [--ctx N] [--tokens M]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The default model: SmolLM2-135M-Instruct from the shared assets when present, else fetched by
# scripts/get-smollm2.sh into the user cache; the corpus ships with the repository (data/).
MODEL=""
DATA="$ROOT/data/wikitext-2-raw/wiki.test.raw"
OUTPUT=""
SCHEME="W4A16"
GROUP=64
CTX=512
TOKENS=8192
usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL="$2"; shift 2 ;;
        --output) OUTPUT="$2"; shift 2 ;;
        --scheme) SCHEME="$2"; shift 2 ;;
        --group-size) GROUP="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --ctx) CTX="$2"; shift 2 ;;
        --tokens) TOKENS="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "main-job: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done
cd "$ROOT"
bash scripts/install-deps.sh
if [ -z "$MODEL" ]; then
    MODEL="$(bash scripts/get-smollm2.sh --where)"
    [ -f "$MODEL/model.safetensors" ] || MODEL="$(bash scripts/get-smollm2.sh)"
fi
[ -n "$OUTPUT" ] || OUTPUT="$ROOT/out/$(basename "$MODEL")-$(echo "$SCHEME" | tr 'A-Z' 'a-z')"
swift build -c release --product swiftquant >&2
BIN="$(swift build -c release --show-bin-path)/swiftquant"
GROUP_ARGS=()
[ "$GROUP" = "none" ] || GROUP_ARGS=(--group-size "$GROUP")
"$BIN" inspect "$MODEL"
echo
/usr/bin/time -f "quantize: %e s wall, %M KB peak RSS" \
    "$BIN" quantize --model "$MODEL" --output "$OUTPUT" --scheme "$SCHEME" "${GROUP_ARGS[@]}" --overwrite
"$BIN" eval --model "$MODEL" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" | sed 's/^/source:    /'
"$BIN" eval --model "$OUTPUT" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" | sed 's/^/quantized: /'
echo
"$BIN" generate --model "$OUTPUT" --prompt "The capital of France is" --max-tokens 32
