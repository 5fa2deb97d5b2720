#!/usr/bin/env bash
# Installs what SwiftQuant needs on a Debian machine, only what is missing:
# OpenBLAS + LAPACKE (Debian packages), python3-venv (for fetching SmolLM2), and SmolLM2-135M itself.
# Swift 6 must already be on PATH (the toolchain is not a Debian package).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[install-deps] %s\n' "$*" >&2; }

command -v swift >/dev/null || { log "swift not found on PATH: install the Swift 6 toolchain first"; exit 1; }

missing=()
for pkg in libopenblas-dev liblapacke-dev libdnnl-dev python3-venv; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${SWIFTQUANT_SKIP_MODELS:-0}" != "1" ]; then
    # Already beside the repository in the shared assets (read-only there), or fetched by our own
    # script into the user cache (idempotent: a complete copy is left alone).
    if [ ! -f "$(bash "$ROOT/scripts/get-smollm2.sh" --where)/model.safetensors" ]; then
        bash "$ROOT/scripts/get-smollm2.sh" >/dev/null
    fi
fi
