#!/usr/bin/env bash
# Checks SwiftQuant's AscendV1 export with a NumPy AscendV1 runtime (scripts/interop/ascend_runtime.py):
# one modelslim_v1 calibration writes both an AscendV1 folder and its compressed-tensors twin
# (two `save:` entries, --save-layout separate); the runtime's Linear outputs must equal the twin's
# fake-quantized ones (as `swiftquant eval` computes them) within --rtol on real activations, and its
# E(ctx, T) perplexity must equal `swiftquant eval`'s of the twin within --ppl-rtol.
#
#   usage: scripts/interop/ascend_runtime.sh [--model DIR] [--scheme w8a8_static|w8a8_dynamic|w8a16]
#              [--calib FILE] [--data FILE] [--ctx 512] [--tokens 8192] [--keep DIR]
#              [-- more ascend_runtime.py options, e.g. --ct-ppl --layer-windows 1 --rtol 1e-3]
#          scripts/interop/ascend_runtime.sh --ascend DIR --ct DIR [--data FILE] [...]   (existing folders)
#          scripts/interop/ascend_runtime.sh --float-check [--model DIR]   (this forward vs transformers)
#
# Defaults: --model Tests/Fixtures/models/wiki260K (the test model), --scheme w8a8_static (per-tensor asymmetric int8 inputs,
# per-channel symmetric int8 weights, lm_head excluded, as ../shared/reference/ascend/
# v1_stories_w8a8_static.config.yaml), --calib Tests/Fixtures/recipes/ascend-runs/calib_stories.jsonl,
# --data ../shared/data/wikitext-2-raw/wiki.test.raw, E(512, 8192). Outputs go to a temporary folder
# (removed at the end) unless --keep DIR. Exit 0 = every check passed, 1 = a check failed, 2 = usage/setup.
# SWIFTQUANT_BIN=path skips the release build and uses that binary.
# Typical times (2 cores): stories260K ~40 s; SmolLM2-135M ~10 min (quantize ~30 s, the runtime's
# perplexity ~4-5 min, swiftquant eval ~1-2 min).
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODEL="$ROOT/Tests/Fixtures/models/wiki260K"
SCHEME=w8a8_static
CALIB="$ROOT/Tests/Fixtures/recipes/ascend-runs/calib_stories.jsonl"
DATA="$ROOT/data/wikitext-2-raw/wiki.test.raw"
CTX=512
TOKENS=8192
KEEP=""
ASCEND=""
CT=""
FLOAT=0
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        --model) MODEL="$2"; shift 2 ;;
        --scheme) SCHEME="$2"; shift 2 ;;
        --calib) CALIB="$2"; shift 2 ;;
        --data) DATA="$2"; shift 2 ;;
        --ctx) CTX="$2"; shift 2 ;;
        --tokens) TOKENS="$2"; shift 2 ;;
        --keep) KEEP="$2"; shift 2 ;;
        --ascend) ASCEND="$2"; shift 2 ;;
        --ct) CT="$2"; shift 2 ;;
        --float-check) FLOAT=1; shift ;;
        --) shift; EXTRA=("$@"); break ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) echo "ascend_runtime.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -f "$DATA" ] || { echo "ascend_runtime.sh: no corpus $DATA (--data)" >&2; exit 2; }
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" TOKENIZERS_PARALLELISM=false
PY="$(bash "$ROOT/scripts/python-env.sh" | tail -n 1)" && [ -x "$PY" ] ||
    { echo "ascend_runtime.sh: the Python venv could not be set up (scripts/python-env.sh)" >&2; exit 2; }

if [ $FLOAT = 1 ]; then
    exec "$PY" "$HERE/ascend_runtime.py" "$MODEL" --float-check --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" "${EXTRA[@]}"
fi

cd "$ROOT"
if [ -n "${SWIFTQUANT_BIN:-}" ]; then
    BIN="$SWIFTQUANT_BIN"   # an already built swiftquant (scripts/interop/run.sh passes its own)
else
    BUILD_LOG="$(mktemp)"
    if ! swift build -c release --product swiftquant >"$BUILD_LOG" 2>&1; then
        echo "ascend_runtime.sh: release build failed: $(grep -m1 -E 'error:' "$BUILD_LOG" || tail -n1 "$BUILD_LOG")" >&2
        rm -f "$BUILD_LOG"; exit 2
    fi
    rm -f "$BUILD_LOG"
    BIN="$(swift build -c release --show-bin-path)/swiftquant"
fi

if [ -z "$ASCEND" ]; then
    [ -f "$MODEL/config.json" ] || { echo "ascend_runtime.sh: no model at $MODEL (--model)" >&2; exit 2; }
    [ -f "$CALIB" ] || { echo "ascend_runtime.sh: no calibration file $CALIB (--calib)" >&2; exit 2; }
    case "$SCHEME" in
        w8a8_static) ACT=$'        act: {scope: per_tensor, dtype: int8, symmetric: false, method: minmax}\n' ;;
        w8a8_dynamic) ACT=$'        act: {scope: per_token, dtype: int8, symmetric: true, method: minmax}\n' ;;
        w8a16) ACT="" ;;
        *) echo "ascend_runtime.sh: --scheme must be w8a8_static, w8a8_dynamic or w8a16" >&2; exit 2 ;;
    esac
    if [ -n "$KEEP" ]; then WORK="$KEEP"; mkdir -p "$WORK"; else WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT; fi
    CALIB_ABS="$(cd "$(dirname "$CALIB")" && pwd)/$(basename "$CALIB")"
    {
        printf 'apiversion: modelslim_v1\nspec:\n  process:\n    - type: linear_quant\n      qconfig:\n'
        printf '%s' "$ACT"
        printf '        weight: {scope: per_channel, dtype: int8, symmetric: true, method: minmax}\n'
        printf '      include: ["*"]\n      exclude: ["lm_head"]\n  runner: model_wise\n'
        printf '  dataset: %s\n  save:\n    - type: ascendv1_saver\n      part_file_size: 4\n    - type: compressed_tensors\n' "$CALIB_ABS"
    } >"$WORK/recipe.yaml"
    echo "== quantize $(basename "$MODEL") $SCHEME (recipe $WORK/recipe.yaml)" >&2
    if ! "$BIN" quantize --model "$MODEL" --recipe "$WORK/recipe.yaml" --output "$WORK/out" --overwrite \
            --save-layout separate >"$WORK/quantize.log" 2>&1; then
        echo "ascend_runtime.sh: swiftquant quantize failed: $(tail -n1 "$WORK/quantize.log")" >&2; exit 1
    fi
    ASCEND="$WORK/out/ascendv1_saver"; CT="$WORK/out/compressed_tensors"
fi
args=("$ASCEND" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS")
[ -n "$CT" ] && args+=(--ct "$CT" --swiftquant "$BIN")
"$PY" "$HERE/ascend_runtime.py" "${args[@]}" "${EXTRA[@]}"
