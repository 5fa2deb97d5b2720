#!/usr/bin/env bash
# Quantization benchmark: `swiftquant quantize` against llm-compressor's whole process for the same job
# (SmolLM2-135M, W4A16 int4 symmetric group 64, RTN, lm_head kept), both measured in this run on this
# machine under /usr/bin/time -v. Writes Benchmarks/results/quantize-<UTC stamp>.md.
#   usage: Benchmarks/quantize.sh [--model DIR] [--repeat N]
# Exit 2 if `swiftquant quantize` is not available yet.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="$(bash "$ROOT/scripts/get-smollm2.sh" --where)"
REPEAT=1
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL="$2"; shift 2 ;;
        --repeat) REPEAT="$2"; shift 2 ;;
        *) echo "quantize.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
cd "$ROOT"
bash scripts/install-deps.sh || exit 1
[ -f "$MODEL/config.json" ] || { echo "quantize.sh: no model at $MODEL" >&2; exit 1; }
BUILD_LOG="$(mktemp)"
if ! swift build -c release --product swiftquant >"$BUILD_LOG" 2>&1; then
    echo "quantize.sh: swiftquant quantize is not available yet (release build failed: $(grep -m1 -E 'error:' "$BUILD_LOG" || tail -n1 "$BUILD_LOG"))"
    rm -f "$BUILD_LOG"; exit 2
fi
rm -f "$BUILD_LOG"
BIN="$(swift build -c release --show-bin-path)/swiftquant"
"$BIN" quantize --help >/dev/null 2>&1 || { echo "quantize.sh: swiftquant quantize is not available yet"; exit 2; }
PY="$(bash scripts/python-env.sh | tail -n 1)" || exit 1
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
export OMP_NUM_THREADS=2 TOKENIZERS_PARALLELISM=false

uptime >"$OUT/load-before.txt"
for i in $(seq 1 "$REPEAT"); do
    echo "run $i/$REPEAT: swiftquant quantize" >&2
    /usr/bin/time -v "$BIN" quantize --model "$MODEL" --scheme W4A16 --group-size 64 --ignore lm_head \
        --output "$OUT/ours" --overwrite >"$OUT/ours.$i.log" 2>&1 || { echo "quantize.sh: swiftquant quantize failed:" >&2; tail -n 30 "$OUT/ours.$i.log" >&2; exit 1; }
    echo "run $i/$REPEAT: llm-compressor (scripts/interop/llmc_quantize.py --case w4a16_g64)" >&2
    /usr/bin/time -v "$PY" scripts/interop/llmc_quantize.py --model "$MODEL" --case w4a16_g64 \
        --out "$OUT/peer" >"$OUT/peer.$i.log" 2>&1 || { echo "quantize.sh: llm-compressor failed:" >&2; tail -n 30 "$OUT/peer.$i.log" >&2; exit 1; }
done
uptime >"$OUT/load-after.txt"
"$PY" scripts/interop/compare_checkpoints.py "$OUT/peer" "$OUT/ours" --json "$OUT/compare.json" >"$OUT/compare.txt" 2>&1 || true
"$PY" - >"$OUT/versions.json" 2>/dev/null <<'PYEOF' || echo '{}' >"$OUT/versions.json"
import importlib.metadata as md, json
print(json.dumps({n: md.version(n) for n in ("llmcompressor", "compressed-tensors", "torch", "transformers")}))
PYEOF
swift --version 2>/dev/null | head -n1 >"$OUT/swift-version.txt" || true
git -C "$ROOT" rev-parse --short HEAD >"$OUT/git-rev.txt" 2>/dev/null || true

mkdir -p Benchmarks/results
RESULT="Benchmarks/results/quantize-$(date -u +%Y%m%dT%H%M%SZ).md"
python3 Benchmarks/quantize_report.py --model "$MODEL" --dir "$OUT" --repeat "$REPEAT" >"$RESULT" || exit 1
cat "$RESULT"
echo "written: $RESULT" >&2
