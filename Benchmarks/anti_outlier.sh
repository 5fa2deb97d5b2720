#!/usr/bin/env bash
# msModelSlim's anti-outlier methods on SmolLM2-135M, W8A8 static (msModelSlim's linear_quant: int8
# per-tensor asymmetric min/max activations, int8 per-channel symmetric weights, every decoder
# Linear, lm_head float), calibration C(64, 512), evaluation E(512, 8192), each under /usr/bin/time -v.
#
#   Benchmarks/anti_outlier.sh [--model DIR] [--data FILE] [--out DIR]
#
# Variants: none; --anti-method m1 (smooth_quant), m2 (Outlier Suppression+), m4 (iter_smooth,
# every subgraph kind); and iter_smooth norm-linear only (the subgraphs msModelSlim's default model
# adapter finds in a Llama). Prints one line per variant: quantize wall, eval wall, perplexity.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
MODEL="$(bash "$ROOT/scripts/get-smollm2.sh" --where)"
DATA="$ROOT/data/wikitext-2-raw/wiki.test.raw"
OUT="$(mktemp -d "${TMPDIR:-/tmp}/swiftquant-anti-outlier.XXXXXX")"
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        *) echo "anti_outlier.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
(cd "$ROOT" && swift build -c release --product swiftquant >"$OUT/build.log" 2>&1) || { echo "anti_outlier.sh: release build failed (see $OUT/build.log)" >&2; exit 1; }
BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)/swiftquant"
STATIC="$HERE/recipes/modelslim_w8a8_static_all_layers.yaml"
NORM_LINEAR="$HERE/recipes/modelslim_w8a8_static_iter_smooth_norm_linear.yaml"

run() {
    local name="$1" recipe="$2"; shift 2
    /usr/bin/time -v "$BIN" quantize --model "$MODEL" --recipe "$recipe" "$@" --dataset "$DATA" --samples 64 --seqlen 512 \
        --dataset-start half --output "$OUT/$name" >"$OUT/$name.quant.log" 2>&1 || { echo "$name: quantize failed (see $OUT/$name.quant.log)"; return; }
    /usr/bin/time -v "$BIN" eval --model "$OUT/$name" --data "$DATA" --ctx 512 --tokens 8192 --json >"$OUT/$name.eval.json" 2>"$OUT/$name.eval.log" \
        || { echo "$name: eval failed (see $OUT/$name.eval.log)"; return; }
    local qwall ewall ppl
    qwall="$(grep 'Elapsed (wall clock)' "$OUT/$name.quant.log" | awk '{print $NF}')"
    ewall="$(grep 'Elapsed (wall clock)' "$OUT/$name.eval.log" | awk '{print $NF}')"
    ppl="$(sed -n 's/.*"ppl":\([0-9.]*\).*/\1/p' "$OUT/$name.eval.json")"
    echo "$name: quantize $qwall, eval $ewall, ppl $ppl"
}
run none "$STATIC"
run m1 "$STATIC" --anti-method m1
run m2 "$STATIC" --anti-method m2
run m4 "$STATIC" --anti-method m4
run m4-norm-linear "$NORM_LINEAR"
echo "outputs and logs: $OUT"
