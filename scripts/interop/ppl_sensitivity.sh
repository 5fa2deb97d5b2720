#!/usr/bin/env bash
# How far transformers' own perplexity of a checkpoint moves when only the fp32 summation order of
# its GEMMs changes: E(ctx, T) with MKL's default (AVX-512) kernels and with MKL_ENABLE_INSTRUCTIONS=AVX2.
# For checkpoints that quantize Linear inputs this spread is the floor under any "ours vs transformers"
# perplexity comparison: a last-bit change in an activation moves it across a rounding boundary of
# the activation quantizer now and then, and those flips add up over the layers.
#   usage: scripts/interop/ppl_sensitivity.sh DIR [DIR ...]   (env: CTX=512 TOKENS=8192)
# Prints one markdown row per checkpoint: default ppl, AVX2 ppl, relative spread.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DATA="$ROOT/data/wikitext-2-raw/wiki.test.raw"
CTX="${CTX:-512}"; TOKENS="${TOKENS:-8192}"
[ $# -ge 1 ] || { echo "usage: $0 DIR [DIR ...]" >&2; exit 2; }
PY="$(bash "$ROOT/scripts/python-env.sh" | tail -n 1)"
ppl() { "$@" | python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin if l.startswith("{")][-1]["ppl"])'; }
echo "| checkpoint | ppl (MKL default) | ppl (MKL AVX2) | relative spread |"
echo "|---|---:|---:|---:|"
for d in "$@"; do
    [ -f "$d/config.json" ] || { echo "$0: $d has no config.json" >&2; exit 2; }
    a="$(ppl "$PY" "$HERE/transformers_ppl.py" "$d" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" 2>/dev/null)"
    b="$(MKL_ENABLE_INSTRUCTIONS=AVX2 ppl "$PY" "$HERE/transformers_ppl.py" "$d" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" 2>/dev/null)"
    python3 -c 'import sys; a,b=map(float,sys.argv[2:]); print("| %s | %.6f | %.6f | %.2e |" % (sys.argv[1], a, b, abs(a-b)/a))' "$d" "$a" "$b"
done
