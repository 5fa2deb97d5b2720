#!/usr/bin/env bash
# `--model ORG/NAME` against a Hugging Face cache written by huggingface_hub itself.
#   1. hf_cache.py serves SmolLM2 (the shared assets' copy, else scripts/get-smollm2.sh's cache) as HuggingFaceTB/SmolLM2-135M-Instruct on a
#      loopback Hub; huggingface_hub's hf_hub_download fills $TMP/hf-home/hub (transformers' layout).
#   2. HF_HUB_OFFLINE=1 HF_HOME=$TMP/hf-home swiftquant eval --model HuggingFaceTB/SmolLM2-135M-Instruct
#      must print the same E(ctx, T) as eval of the folder itself.
#   3. swiftquant's own download (online, from the same server, into a second HF_HOME) must leave the
#      same cache tree as huggingface_hub: refs, snapshot links, blob names and bytes.
#   usage: scripts/interop/hf_cache_check.sh   (env: CTX=512 TOKENS=1024 SWIFTQUANT=.build/debug/swiftquant)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODEL_DIR="$(bash "$ROOT/scripts/get-smollm2.sh" --where)"
DATA="$ROOT/data/wikitext-2-raw/wiki.test.raw"
REPO="HuggingFaceTB/SmolLM2-135M-Instruct"
CTX="${CTX:-512}"; TOKENS="${TOKENS:-1024}"
SQ="${SWIFTQUANT:-$ROOT/.build/debug/swiftquant}"
[ -x "$SQ" ] || { echo "$0: $SQ not built (swift build)" >&2; exit 2; }
[ -f "$MODEL_DIR/model.safetensors" ] || { echo "$0: $MODEL_DIR is missing (run scripts/get-smollm2.sh)" >&2; exit 2; }
PY="$(bash "$ROOT/scripts/python-env.sh" --check | tail -n 1)" || { echo "$0: the venv is not ready (scripts/python-env.sh)" >&2; exit 2; }
TMP="$(mktemp -d)"
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

"$PY" "$HERE/hf_cache.py" serve "$MODEL_DIR" "$REPO" "$TMP/port" &
SERVER=$!
for _ in $(seq 1 600); do [ -s "$TMP/port" ] && break; sleep 0.1; done
[ -s "$TMP/port" ] || { echo "$0: the local Hub did not start" >&2; exit 1; }
ENDPOINT="http://127.0.0.1:$(cat "$TMP/port")"
FILES="config.json model.safetensors.index.json model.safetensors tokenizer.json tokenizer_config.json special_tokens_map.json generation_config.json chat_template.jinja"

echo "== huggingface_hub fills \$HF_HOME/hub from $ENDPOINT"
# shellcheck disable=SC2086
HF_ENDPOINT="$ENDPOINT" HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_XET=1 "$PY" "$HERE/hf_cache.py" populate "$REPO" "$TMP/hf-home/hub" $FILES 2>&1 | grep -v "^populate:" || true

echo "== offline eval by id vs eval of the folder"
by_id="$(env -u HF_HUB_CACHE HF_HUB_OFFLINE=1 HF_HOME="$TMP/hf-home" HF_ENDPOINT=http://127.0.0.1:9 "$SQ" eval --model "$REPO" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" --json)"
by_dir="$("$SQ" eval --model "$MODEL_DIR" --data "$DATA" --ctx "$CTX" --tokens "$TOKENS" --json)"
ppl() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ppl"])' "$1"; }
echo "by id:     E($CTX, $TOKENS) = $(ppl "$by_id")"
echo "by folder: E($CTX, $TOKENS) = $(ppl "$by_dir")"
[ "$(ppl "$by_id")" = "$(ppl "$by_dir")" ] || { echo "FAIL: perplexities differ" >&2; exit 1; }

echo "== swiftquant downloads the same cache tree"
env -u HF_HUB_CACHE -u HF_HUB_OFFLINE HF_HOME="$TMP/sq-home" HF_ENDPOINT="$ENDPOINT" "$SQ" inspect "$REPO" > /dev/null
# Paths, link targets and sizes (CACHEDIR.TAG: present; its comment line is each tool's own).
tree() { (cd "$1" && find . -path ./.locks -prune -o \( -type l -printf '%p -> %l\n' -o -type f -printf '%p %s\n' \) | grep -v '^\./\.locks' | sed 's/^\(\.\/CACHEDIR\.TAG\) .*/\1/' | sort); }
if ! diff <(tree "$TMP/hf-home/hub") <(tree "$TMP/sq-home/hub"); then
    echo "FAIL: the cache trees differ (< huggingface_hub, > swiftquant)" >&2; exit 1
fi
for blob in "$TMP"/hf-home/hub/models--*/blobs/*; do
    cmp -s "$blob" "$TMP/sq-home/hub/${blob#"$TMP"/hf-home/hub/}" || { echo "FAIL: $blob differs" >&2; exit 1; }
done
echo "OK: offline eval by id equals eval of the folder; swiftquant's cache tree equals huggingface_hub's"
