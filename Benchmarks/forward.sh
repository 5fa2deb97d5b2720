#!/usr/bin/env bash
# Forward-pass benchmark: SwiftQuant's `eval` against transformers (fp32, CPU, same protocol),
# with a cblas_sgemm measurement taken in the same run. Writes Benchmarks/results/forward-<stamp>.md.
#   usage: Benchmarks/forward.sh [--model DIR] [--ctx N] [--tokens M]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL="$(bash "$ROOT/scripts/get-smollm2.sh" --where)"
DATA="$ROOT/data/wikitext-2-raw/wiki.test.raw"
CTX=2048
TOKENS=20480
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL="$2"; shift 2 ;;
        --ctx) CTX="$2"; shift 2 ;;
        --tokens) TOKENS="$2"; shift 2 ;;
        *) echo "forward.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
cd "$ROOT"
bash scripts/install-deps.sh
PY="$(bash scripts/python-env.sh | tail -n 1)"
swift build -c release --product swiftquant >&2
BIN="$(swift build -c release --show-bin-path)/swiftquant"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

export OMP_NUM_THREADS=2
hidden=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['hidden_size'])" "$MODEL/config.json")
"$BIN" bench sgemm --m 2048 --n 2048 --k 2048 > "$OUT/sgemm-square.json"
"$BIN" bench sgemm --m "$CTX" --n 1536 --k "$hidden" > "$OUT/sgemm-mlp.json"

/usr/bin/time -v "$BIN" eval --model "$MODEL" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" --json \
    > "$OUT/ours.json" 2> "$OUT/ours.time"
/usr/bin/time -v "$PY" scripts/transformers_eval.py --model "$MODEL" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" \
    > "$OUT/peer.json" 2> "$OUT/peer.time"
"$BIN" bench sgemm --m 2048 --n 2048 --k 2048 > "$OUT/sgemm-square-after.json"

mkdir -p Benchmarks/results
RESULT="Benchmarks/results/forward-$(date -u +%Y%m%dT%H%M%SZ).md"
python3 Benchmarks/forward_report.py --model "$MODEL" --ctx "$CTX" --tokens "$TOKENS" --dir "$OUT" > "$RESULT"
cat "$RESULT"
echo "written: $RESULT" >&2
