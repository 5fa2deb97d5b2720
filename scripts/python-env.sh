#!/usr/bin/env bash
# Creates (idempotently) the ONE Python venv used by all of SwiftQuant's interop
# checks and benchmarks (llm-compressor / compressed-tensors / transformers / torch).
#
#   scripts/python-env.sh            # create or complete the venv; last stdout line = its python
#   scripts/python-env.sh --check    # exit 0 (and print the python) only if already complete
#
# Environment:
#   SWIFTQUANT_VENV          venv directory (default $HOME/.cache/swiftquant/venv-interop)
#   SWIFTQUANT_PYTHON        base interpreter (default python3)
#   SWIFTQUANT_TORCH_WHEELS  directory searched for a local CPU-only torch wheel
#                            (default /opt/wheels, which this project's machine image ships)
#   SWIFTQUANT_TORCH=pypi    skip the local CPU wheel, take torch from PyPI (CUDA build,
#                            pulls ~3 GB of nvidia-* wheels; works on CPU too)
#
# Pins live in scripts/python-requirements.txt (+ the torch line chosen here). A stamp
# file in the venv holds the hash of the pinned list; when it matches, the script is a
# fast no-op. Progress and pip output go to stderr / a log file beside the venv; on
# failure the script exits non-zero with a one-line reason.
set -uo pipefail

VENV="${SWIFTQUANT_VENV:-$HOME/.cache/swiftquant/venv-interop}"
BASE_PY="${SWIFTQUANT_PYTHON:-python3}"
WHEELS="${SWIFTQUANT_TORCH_WHEELS:-/opt/wheels}"
TORCH_VERSION="2.13.0"
PIP_VERSION="26.3"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REQ="$HERE/python-requirements.txt"
STAMP="$VENV/.swiftquant-env-stamp"
LOG="${VENV%/}.log"

fail() { echo "python-env.sh: error: $*" >&2; exit 1; }
note() { echo "python-env.sh: $*" >&2; }

[ -f "$REQ" ] || fail "missing $REQ"
command -v sha256sum >/dev/null || fail "sha256sum not found"

# What the stamp must say: hash of the pinned list, torch and pip versions, script revision.
want_hash() {
    { cat "$REQ"; echo "torch==$TORCH_VERSION pip==$PIP_VERSION stamp-v1"; } | sha256sum | cut -d' ' -f1
}
HASH="$(want_hash)"

complete() {
    [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] &&
        [ "$(head -n1 "$STAMP" 2>/dev/null)" = "$HASH" ] &&
        "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1
}

if complete; then echo "$VENV/bin/python"; exit 0; fi
if [ "${1:-}" = "--check" ]; then
    echo "python-env.sh: venv $VENV is missing or incomplete (run scripts/python-env.sh)" >&2
    exit 1
fi

mkdir -p "$(dirname "$VENV")" || fail "cannot create $(dirname "$VENV")"

# One installer at a time (several agents / CI may call this concurrently).
if command -v flock >/dev/null; then
    exec 9>"${VENV%/}.lock" || fail "cannot open lock file ${VENV%/}.lock"
    flock 9 || fail "cannot lock ${VENV%/}.lock"
    if complete; then echo "$VENV/bin/python"; exit 0; fi
fi

START=$(date +%s)
: >"$LOG" || fail "cannot write log $LOG"
note "setting up $VENV (log: $LOG)"

# ---- 1. a base interpreter that can make venvs (Debian: python3-venv) -------------
apt_install() {
    command -v apt-get >/dev/null || return 1
    local sudo=""
    [ "$(id -u)" = 0 ] || { command -v sudo >/dev/null && sudo="sudo -n"; } || return 1
    note "apt-get install $*"
    $sudo apt-get update -qq >>"$LOG" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >>"$LOG" 2>&1
}

if ! command -v "$BASE_PY" >/dev/null; then
    apt_install python3 python3-venv || true
    command -v "$BASE_PY" >/dev/null || fail "no $BASE_PY interpreter and apt-get could not install one"
fi
if ! "$BASE_PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    pyver="$("$BASE_PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")' 2>/dev/null)"
    apt_install python3-venv || true
    [ -n "$pyver" ] && ! "$BASE_PY" -c 'import venv, ensurepip' >/dev/null 2>&1 &&
        { apt_install "python$pyver-venv" || true; }
    "$BASE_PY" -c 'import venv, ensurepip' >/dev/null 2>&1 ||
        fail "$BASE_PY -m venv is unavailable and apt-get could not install python3-venv"
fi
"$BASE_PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' ||
    fail "$BASE_PY is older than 3.10 (llmcompressor needs >= 3.10)"

# ---- 2. the venv (recreated if its interpreter is broken) --------------------------
if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    # Only a directory that is a venv (pyvenv.cfg) is ever deleted; anything else is the user's.
    if [ -f "$VENV/pyvenv.cfg" ]; then
        note "existing $VENV is broken; recreating"
        rm -rf "$VENV"
    elif [ -n "$(ls -A "$VENV" 2>/dev/null)" ]; then
        fail "$VENV exists, is not empty and is not a Python venv (no pyvenv.cfg): set SWIFTQUANT_VENV to a new directory"
    fi
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$BASE_PY" -m venv "$VENV" >>"$LOG" 2>&1 || fail "'$BASE_PY -m venv $VENV' failed (see $LOG)"
fi
VPY="$VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

note "pip==$PIP_VERSION"
"$VPY" -m pip install -q "pip==$PIP_VERSION" >>"$LOG" 2>&1 ||
    fail "could not install pip==$PIP_VERSION into the venv (see $LOG)"

# ---- 3. which torch: local CPU-only wheel if one fits, else PyPI ------------------
TORCH_SPEC="torch==$TORCH_VERSION"
EXTRA=()
if [ "${SWIFTQUANT_TORCH:-auto}" != "pypi" ] && [ -d "$WHEELS" ] &&
    ls "$WHEELS"/torch-"$TORCH_VERSION"+cpu-*.whl >/dev/null 2>&1 &&
    "$VPY" -m pip install -q --dry-run --no-deps --no-index --find-links "$WHEELS" \
        "torch==$TORCH_VERSION+cpu" >>"$LOG" 2>&1; then
    TORCH_SPEC="torch==$TORCH_VERSION+cpu"
    EXTRA=(--find-links "$WHEELS")
    note "torch: CPU-only wheel from $WHEELS"
else
    note "torch: PyPI build ($TORCH_SPEC; brings the nvidia-* wheels, a few GB)"
fi

# ---- 4. install the pinned set ------------------------------------------------------
note "pip install -r $(basename "$REQ") $TORCH_SPEC (this takes a while)"
ok=0
for attempt in 1 2; do
    if "$VPY" -m pip install --progress-bar off "${EXTRA[@]}" -r "$REQ" "$TORCH_SPEC" >>"$LOG" 2>&1; then
        ok=1; break
    fi
    note "pip install attempt $attempt failed; $( [ $attempt = 1 ] && echo retrying || echo giving up )"
done
[ $ok = 1 ] || fail "pip install of the pinned set failed: $(grep -E '^ERROR' "$LOG" | tail -n1) (see $LOG)"

# ---- 5. verify the imports and the pinned versions --------------------------------
# (llmcompressor logs to stdout on import: keep only the JSON line printed last)
VERS="$("$VPY" - "$REQ" "$TORCH_SPEC" 2>>"$LOG" <<'EOF' | tail -n1
import importlib.metadata as md, json, sys
pins = {}
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if "==" in line:
        n, v = line.split("==")
        pins[n.strip().lower().replace("_", "-")] = v.strip()
n, v = sys.argv[2].split("==")
pins[n] = v
bad = [f"{n} {md.version(n)} != {v}" for n, v in pins.items() if md.version(n) != v]
if bad:
    sys.exit("version mismatch: " + "; ".join(bad))
import torch, transformers, tokenizers, safetensors, numpy, datasets, accelerate
import compressed_tensors, llmcompressor
out = {n: md.version(n) for n in ["torch", "transformers", "llmcompressor", "compressed-tensors",
       "tokenizers", "safetensors", "numpy", "datasets", "accelerate", "auto-round"]}
out["python"] = sys.version.split()[0]
out["torch_cuda"] = torch.version.cuda
print(json.dumps(out))
EOF
)" || fail "installed venv does not import/verify: $(tail -n1 "$LOG") (see $LOG)"

"$VPY" -m pip freeze >"$VENV/swiftquant-freeze.txt" 2>>"$LOG" || true
{ echo "$HASH"; echo "$VERS"; echo "installed $(date -u +%FT%TZ) in $(( $(date +%s) - START )) s"; } >"$STAMP" ||
    fail "cannot write $STAMP"
note "ready in $(( $(date +%s) - START )) s: $VERS"
echo "$VPY"
