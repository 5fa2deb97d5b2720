#!/usr/bin/env bash
# Calibrated-algorithm benchmark: for each recipe, llm-compressor 0.14 and `swiftquant quantize` run the
# same job in THIS run on THIS machine, each whole process under /usr/bin/time -v (wall, peak RSS); then
# every output's perplexity E(ctx, T) (fp32, WikiText-2 test) is measured by both evaluators,
# `swiftquant eval` and transformers (../shared/reference/anchors/eval_ppl.py, which loads the
# compressed-tensors checkpoint with CompressedTensorsConfig(dequantize=True)). Writes
# Benchmarks/results/algorithms-<UTC stamp>.md (machine, tool versions, one table per recipe).
#
#   usage: Benchmarks/algorithms.sh [--recipes rtn_w4a16_g64,gptq_w4a16_g64,...] [--model DIR]
#                                   [--samples N] [--seqlen L] [--ctx C] [--tokens T]
#                                   [--skip-peer] [--keep DIR]
#
#   --recipes    names of Benchmarks/recipes/<name>.yaml (llm-compressor YAML, identical to the anchor
#                recipes of ../shared/reference/anchors.md). Default: the five anchors rtn_w4a16_g64,
#                gptq_w4a16_g64, sq08_gptq_w8a8, rtn_w8a8, awq_w4a16_g64. On SmolLM2 with 2 cores the
#                peer takes ~15 s (RTN), 4-40 min (GPTQ, SQ+GPTQ) and ~20 min (AWQ) per recipe.
#   --model      default ../shared/models/smollm2-135m (stories260K: ../shared/models/stories260K).
#                When a recipe's group size does not divide the model's intermediate_size (stories260K:
#                172), the recipe is adjusted for both tools (ignore += "re:.*down_proj$"; AWQ mappings
#                without up_proj -> down_proj) and the table says so.
#   --samples/--seqlen  calibration set C(n, L) from the second half of wiki.test.raw (default C(64, 512),
#                C(16, 128) for stories*). llm-compressor gets it only when a modifier requires data
#                (as the anchors: none for RTN); swiftquant always gets --dataset ... --dataset-start half.
#   --ctx/--tokens  evaluation E(ctx, T) (default E(512, 8192)).
#   --skip-peer  SMOKE TEST ONLY: llm-compressor is not run (no peer figures are reused from anywhere);
#                the table says so and has no ratios.
#   --keep DIR   keep every output, log and /usr/bin/time report in DIR (new or empty); otherwise they go
#                to a fresh temporary directory that is removed at the end.
# The peer: on SmolLM2 with C(64, 512) the anchor driver itself (../shared/reference/anchors/<name>.py)
# when its RECIPE is this recipe file byte for byte; otherwise Benchmarks/llmc_oneshot.py (the same calls
# as the anchors' _common.py, for any model and C(n, L)). A run that fails (e.g. an algorithm SwiftQuant
# does not implement yet) is reported in the table with its one-line error; the script goes on.
# Exit status: 0 when the results file was written (whatever failed inside), 1 on a setup error, 2 on
# bad usage.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SWIFTQUANT_SHARED:-$ROOT/../shared}"
DATA="$ROOT/data/wikitext-2-raw/wiki.test.raw"
ANCHORS="$SHARED/reference/anchors"
RECIPES="rtn_w4a16_g64,gptq_w4a16_g64,sq08_gptq_w8a8,rtn_w8a8,awq_w4a16_g64"
MODEL="$(bash "$ROOT/scripts/get-smollm2.sh" --where)"
SAMPLES=""; SEQLEN=""; CTX=512; TOKENS=8192; SKIP_PEER=0; KEEP=""
usage() { sed -n '2,37p' "$0"; }
die() { echo "algorithms.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --recipes) RECIPES="${2:-}"; shift 2 || die "--recipes needs a value" ;;
        --model) MODEL="${2:-}"; shift 2 || die "--model needs a value" ;;
        --samples) SAMPLES="${2:-}"; shift 2 || die "--samples needs a value" ;;
        --seqlen) SEQLEN="${2:-}"; shift 2 || die "--seqlen needs a value" ;;
        --ctx) CTX="${2:-}"; shift 2 || die "--ctx needs a value" ;;
        --tokens) TOKENS="${2:-}"; shift 2 || die "--tokens needs a value" ;;
        --skip-peer) SKIP_PEER=1; shift ;;
        --keep) KEEP="${2:-}"; shift 2 || die "--keep needs a value" ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
    esac
done
for v in "$CTX" "$TOKENS" ${SAMPLES:+"$SAMPLES"} ${SEQLEN:+"$SEQLEN"}; do
    [[ "$v" =~ ^[1-9][0-9]*$ ]] || die "not a positive integer: $v"
done
[ -f "$MODEL/config.json" ] || die "no model at $MODEL"
MODEL="$(cd "$MODEL" && pwd)"
MNAME="$(basename "$MODEL")"
if [ -z "$SAMPLES" ] || [ -z "$SEQLEN" ]; then
    case "$(echo "$MNAME" | tr '[:upper:]' '[:lower:]')" in
        stories*) SAMPLES="${SAMPLES:-16}"; SEQLEN="${SEQLEN:-128}" ;;
        *) SAMPLES="${SAMPLES:-64}"; SEQLEN="${SEQLEN:-512}" ;;
    esac
fi
RECIPES="$(echo "$RECIPES" | tr ',' ' ')"
[ -n "${RECIPES// /}" ] || die "--recipes is empty"
for r in $RECIPES; do
    [ -f "$ROOT/Benchmarks/recipes/$r.yaml" ] || die "no recipe Benchmarks/recipes/$r.yaml (have: $(ls "$ROOT/Benchmarks/recipes" | sed 's/\.yaml$//' | tr '\n' ' '))"
done
if [ -n "$KEEP" ]; then
    if [ -e "$KEEP" ] && { [ ! -d "$KEEP" ] || [ -n "$(ls -A "$KEEP" 2>/dev/null)" ]; }; then
        die "--keep $KEEP exists and is not an empty directory"
    fi
fi
[ -x /usr/bin/time ] || { echo "algorithms.sh: /usr/bin/time (GNU time) is missing (apt-get install time)" >&2; exit 1; }
cd "$ROOT"

# ---- tools ---------------------------------------------------------------------------------------------
bash scripts/install-deps.sh || { echo "algorithms.sh: scripts/install-deps.sh failed" >&2; exit 1; }
BUILD_LOG="$(mktemp)"
if ! swift build -c release --product swiftquant >"$BUILD_LOG" 2>&1; then
    echo "algorithms.sh: release build failed: $(grep -m1 -E 'error:' "$BUILD_LOG" || tail -n1 "$BUILD_LOG")" >&2
    rm -f "$BUILD_LOG"; exit 1
fi
rm -f "$BUILD_LOG"
BIN="$(swift build -c release --show-bin-path)/swiftquant"
PY="$(bash scripts/python-env.sh | tail -n 1)" || { echo "algorithms.sh: the Python venv could not be set up" >&2; exit 1; }
[ -x "$PY" ] || { echo "algorithms.sh: the Python venv could not be set up" >&2; exit 1; }

if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP" || exit 1
    WORK="$(cd "$KEEP" && pwd)"
else
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/swiftquant-algorithms.XXXXXX")" || exit 1
    trap 'rm -rf "$WORK"' EXIT     # only the directory this script created
fi
export OMP_NUM_THREADS=2 TOKENIZERS_PARALLELISM=false
echo "algorithms.sh: model $MNAME, recipes: $RECIPES; C($SAMPLES, $SEQLEN), E($CTX, $TOKENS); work dir $WORK" >&2

# one-line error of a failed step: the last non-empty line of its log (tqdm's \r-overwritten text dropped)
last_line() { tr '\r' '\n' <"$1" 2>/dev/null | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-300; }

# run LABEL DIR CMD...: CMD under /usr/bin/time -v; DIR/LABEL.log (stdout+stderr), .time, .rc, .err
run() {
    local label="$1" dir="$2"; shift 2
    /usr/bin/time -v -o "$dir/$label.time" "$@" >"$dir/$label.log" 2>&1
    local rc=$?
    echo "$rc" >"$dir/$label.rc"
    [ "$rc" = 0 ] || last_line "$dir/$label.log" >"$dir/$label.err"
    return "$rc"
}

date -u +%FT%TZ >"$WORK/date-start.txt"
uptime >"$WORK/load-before.txt"
for r in $RECIPES; do
    D="$WORK/$r"; mkdir -p "$D"
    echo "== $r" >&2
    python3 Benchmarks/algorithms.py adapt --model "$MODEL" --recipe "Benchmarks/recipes/$r.yaml" \
        --out "$D/recipe.yaml" >"$D/adapt.json" || { echo "algorithms.sh: cannot adapt $r" >&2; exit 1; }
    "$PY" Benchmarks/llmc_oneshot.py --recipe "$D/recipe.yaml" --describe >"$D/describe.json" 2>"$D/describe.log" ||
        echo '{"calibrated": null, "modifiers": []}' >"$D/describe.json"

    # -- llm-compressor
    if [ $SKIP_PEER = 1 ]; then
        echo skipped >"$D/peer.driver"
    else
        driver="Benchmarks/llmc_oneshot.py"
        if [ "$MODEL" = "$(cd "$SHARED/models/smollm2-135m" 2>/dev/null && pwd)" ] && [ "$SAMPLES" = 64 ] &&
            [ "$SEQLEN" = 512 ] && [ -f "$ANCHORS/$r.py" ] &&
            "$PY" -c 'import ast,sys; t=ast.parse(open(sys.argv[1]).read())
r=[n.value.value for n in t.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "")=="RECIPE"]
sys.exit(0 if r and r[0]==open(sys.argv[2]).read() else 1)' "$ANCHORS/$r.py" "$D/recipe.yaml"; then
            driver="$ANCHORS/$r.py"
        fi
        echo "$driver" >"$D/peer.driver"
        echo "   llm-compressor ($driver)" >&2
        if [ "$driver" = Benchmarks/llmc_oneshot.py ]; then
            run peer "$D" "$PY" Benchmarks/llmc_oneshot.py --model "$MODEL" --recipe "$D/recipe.yaml" \
                --samples "$SAMPLES" --seqlen "$SEQLEN" --out "$D/peer"
        else
            run peer "$D" "$PY" "$driver" --out "$D/peer"
        fi
        [ -f "$D/peer/config.json" ] || { [ -f "$D/peer.err" ] || echo "no checkpoint written" >"$D/peer.err"; }
    fi

    # -- SwiftQuant
    echo "   swiftquant quantize" >&2
    args=(quantize --model "$MODEL" --recipe "$D/recipe.yaml" --dataset "$DATA" --samples "$SAMPLES"
          --seqlen "$SEQLEN" --dataset-start half --output "$D/ours")
    printf '%q ' "$BIN" "${args[@]}" >"$D/ours.cmd"; echo >>"$D/ours.cmd"
    run ours "$D" "$BIN" "${args[@]}"
    [ -f "$D/ours/config.json" ] || { [ -f "$D/ours.err" ] || echo "no checkpoint written" >"$D/ours.err"; }

    # -- perplexity of every output, both evaluators
    for t in peer ours; do
        [ -f "$D/$t/config.json" ] || continue
        echo "   E($CTX, $TOKENS) of the $t output: swiftquant eval, transformers" >&2
        run "$t.sqeval" "$D" "$BIN" eval --model "$D/$t" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" --json
        run "$t.tfeval" "$D" "$PY" "$ANCHORS/eval_ppl.py" "$D/$t" --ctx "$CTX" --tokens "$TOKENS" --json "$D/$t.tfeval.json"
    done

    # -- the two outputs against each other (information)
    if [ -f "$D/peer/config.json" ] && [ -f "$D/ours/config.json" ]; then
        mode=()
        [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("calibrated"))' "$D/describe.json")" = True ] && mode=(--algorithm)
        "$PY" scripts/interop/compare_checkpoints.py "$D/peer" "$D/ours" "${mode[@]}" --json "$D/compare.json" >"$D/compare.txt" 2>&1
    fi
done
uptime >"$WORK/load-after.txt"
date -u +%FT%TZ >"$WORK/date-end.txt"

"$PY" - >"$WORK/versions.json" 2>/dev/null <<'PYEOF' || echo '{}' >"$WORK/versions.json"
import importlib.metadata as md, json, sys
print(json.dumps({**{n: md.version(n) for n in ("llmcompressor", "compressed-tensors", "torch", "transformers")},
                  "python": sys.version.split()[0]}))
PYEOF
"$BIN" --version >"$WORK/swiftquant-version.txt" 2>/dev/null || true
swift --version 2>/dev/null | head -n1 >"$WORK/swift-version.txt" || true
{ git -C "$ROOT" rev-parse --short HEAD; git -C "$ROOT" status --porcelain --untracked-files=no | grep -q . && echo dirty || echo clean; } >"$WORK/git.txt" 2>/dev/null || true

mkdir -p Benchmarks/results
RESULT="Benchmarks/results/algorithms-$(date -u +%Y%m%dT%H%M%SZ).md"
rargs=(report --dir "$WORK" --model "$MODEL" --recipes "$(echo $RECIPES | tr ' ' ',')" --samples "$SAMPLES"
       --seqlen "$SEQLEN" --ctx "$CTX" --tokens "$TOKENS" --anchors "$SHARED/reference/anchors.json")
[ $SKIP_PEER = 1 ] && rargs+=(--skip-peer)
python3 Benchmarks/algorithms.py "${rargs[@]}" >"$RESULT" || { echo "algorithms.sh: report failed (outputs in $WORK)" >&2; trap - EXIT; exit 1; }
cat "$RESULT"
echo "written: $RESULT${KEEP:+ (outputs and logs kept in $WORK)}" >&2
