#!/usr/bin/env bash
# Builds one swiftquant binary with the Swift runtime and Foundation linked in statically
# (swift build -c release --static-swift-stdlib, in .build-static) and installs it as PREFIX/bin/swiftquant.
# At run time it needs no Swift toolchain, only OpenBLAS, LAPACKE, oneDNN and libcurl (libopenblas0,
# liblapacke, libdnnl2, libcurl4 on Debian; curl is what Foundation's URLSession downloads models
# with). The build needs their -dev packages (scripts/install-deps.sh installs the first three; this
# script installs libcurl4-openssl-dev, which only the static link needs, when it is missing). The file is written beside the target and renamed into place.
# An existing PREFIX/bin/swiftquant is replaced only when this script installed it (its checksum is
# recorded in PREFIX/share/swiftquant/install-record) or with --force.
#   usage: scripts/install.sh [--prefix DIR] [--force]      (DIR defaults to ~/.local)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="${HOME:?HOME is not set}/.local"
FORCE=0
log() { printf '[install] %s\n' "$*" >&2; }
usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] && [ -n "$2" ] || { log "--prefix needs a directory"; exit 2; }; PREFIX="$2"; shift 2 ;;
        --force) FORCE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) log "unknown option $1"; usage >&2; exit 2 ;;
    esac
done
case "$PREFIX" in /*) ;; *) PREFIX="$(pwd)/$PREFIX" ;; esac
BINDIR="$PREFIX/bin"
DEST="$BINDIR/swiftquant"
RECORD="$PREFIX/share/swiftquant/install-record"

# Refuse before building: a directory or other non-file at the target, a symbolic link (without
# --force, which replaces the link, never its target), or a file this script did not write.
if [ -L "$DEST" ]; then
    [ "$FORCE" = 1 ] || { log "$DEST is a symbolic link: pass --force to replace the link (not its target)"; exit 1; }
elif [ -e "$DEST" ] && [ ! -f "$DEST" ]; then
    log "$DEST exists and is not a regular file: not replacing it"; exit 1
elif [ -f "$DEST" ] && [ "$FORCE" != 1 ]; then
    recorded="$(cat "$RECORD" 2>/dev/null || true)"
    actual="$(sha256sum "$DEST" | cut -d' ' -f1)"
    [ -n "$recorded" ] && [ "$recorded" = "$actual" ] || {
        log "$DEST exists and was not installed by this script (or changed since): pass --force to replace it"; exit 1; }
fi

command -v swift >/dev/null || { log "swift not found on PATH: the build needs the Swift 6 toolchain (running the binary does not)"; exit 1; }
cd "$ROOT"
SWIFTQUANT_SKIP_MODELS=1 bash scripts/install-deps.sh
# The static Foundation's FoundationNetworking links libcurl by name (-lcurl): the .so symlink of the
# -dev package, absent when only the runtime libcurl4 is installed.
if ! dpkg-query -W -f='${Status}' libcurl4-openssl-dev 2>/dev/null | grep -q "install ok installed"; then
    log "installing libcurl4-openssl-dev (the static link needs it)"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libcurl4-openssl-dev >/dev/null
fi
log "building (swift build -c release --static-swift-stdlib; several minutes the first time)"
swift build -c release --static-swift-stdlib --product swiftquant --scratch-path "$ROOT/.build-static" >&2
BUILT="$(swift build -c release --static-swift-stdlib --scratch-path "$ROOT/.build-static" --show-bin-path)/swiftquant"
[ -x "$BUILT" ] || { log "the build did not produce $BUILT"; exit 1; }

mkdir -p "$BINDIR" "$(dirname "$RECORD")"
TMP="$(mktemp "$BINDIR/.swiftquant.XXXXXX")"
trap 'rm -f "$TMP" "$RECORD.tmp"' EXIT
trap 'exit 130' INT TERM
cp "$BUILT" "$TMP"
# Debug info only: the symbol table stays for crash backtraces.
if command -v strip >/dev/null; then strip --strip-debug "$TMP"; fi
chmod 755 "$TMP"
missing="$(ldd "$TMP" | grep 'not found' || true)"
[ -z "$missing" ] || { log "libraries missing at run time (apt-get install libopenblas0 liblapacke libdnnl2 libcurl4): $missing"; exit 1; }
version="$(env -i PATH=/usr/bin:/bin "$TMP" --version)" || { log "the built binary does not run"; exit 1; }
sha256sum "$TMP" | cut -d' ' -f1 > "$RECORD.tmp"
mv -f "$TMP" "$DEST"
mv -f "$RECORD.tmp" "$RECORD"
trap - EXIT
log "installed $DEST ($version, $(du -h "$DEST" | cut -f1))"
case ":$PATH:" in *":$BINDIR:"*) ;; *) log "$BINDIR is not on PATH: add it, e.g. export PATH=\"$BINDIR:\$PATH\"" ;; esac
