#!/usr/bin/env bash
# Generates one llm-compressor reference checkpoint under /usr/bin/time -v.
#   usage: scripts/interop/make_ref.sh MODEL_DIR CASE [llmc_quantize.py options, e.g. --samples N --seqlen L]
# Output: $SWIFTQUANT_LLMC_REFS/<model>/<case>/ (default ~/.cache/swiftquant/llmc-refs), with beside it
#   <case>.log       stdout+stderr of llmc_quantize.py and the /usr/bin/time -v report
#   <case>.run.json  {"wall_seconds", "peak_rss_mib", ..., "case", "model", "ok"} of the whole process
# The folder is written to <case>.tmp and renamed only on success, so an existing <case>/ is complete.
# Exit status: that of llmc_quantize.py.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
[ $# -ge 2 ] || { echo "usage: $0 MODEL_DIR CASE [options]" >&2; exit 2; }
MODEL="$(cd "$1" && pwd)" || exit 2
CASE="$2"; shift 2
REFS="${SWIFTQUANT_LLMC_REFS:-$HOME/.cache/swiftquant/llmc-refs}"
NAME="$(basename "$MODEL")"
DEST="$REFS/$NAME/$CASE"
mkdir -p "$REFS/$NAME"
PY="${SWIFTQUANT_VENV_PYTHON:-$(bash "$ROOT/scripts/python-env.sh" | tail -n 1)}" || { echo "make_ref.sh: no Python venv" >&2; exit 1; }
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}" TOKENIZERS_PARALLELISM=false
LOG="$REFS/$NAME/$CASE.log"
rm -rf "$DEST.tmp"
echo "make_ref.sh: $NAME/$CASE -> $DEST" >&2
/usr/bin/time -v "$PY" "$HERE/llmc_quantize.py" --model "$MODEL" --case "$CASE" --out "$DEST.tmp" "$@" >"$LOG" 2>&1
rc=$?
ok=false
if [ $rc = 0 ] && [ -f "$DEST.tmp/config.json" ]; then
    rm -rf "$DEST" && mv "$DEST.tmp" "$DEST" && ok=true
else
    rm -rf "$DEST.tmp"
fi
DESC="$(python3 "$HERE/llmc_quantize.py" --model "$MODEL" --case "$CASE" --describe "$@" 2>/dev/null || echo null)"
python3 "$HERE/timev.py" "$LOG" --out "$REFS/$NAME/$CASE.run.json" --set "case=$CASE" --set "model=$NAME" \
    --set "ok=$ok" --set "describe=$DESC" --set "date_utc=$(date -u +%FT%TZ)" \
    --set "nproc=$(nproc)" --set "omp_num_threads=$OMP_NUM_THREADS" >/dev/null ||
    echo "make_ref.sh: could not parse the time log $LOG" >&2
if [ "$ok" = true ]; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("make_ref.sh: %s/%s ok: wall %s s, peak RSS %s MiB" % (d["model"], d["case"], d["wall_seconds"], d["peak_rss_mib"]))' "$REFS/$NAME/$CASE.run.json" >&2
else
    echo "make_ref.sh: $NAME/$CASE FAILED (exit $rc): $(grep -E 'Error|error' "$LOG" | grep -v 'Command being timed' | tail -n 1) (log: $LOG)" >&2
    [ $rc = 0 ] && rc=1
fi
exit $rc
