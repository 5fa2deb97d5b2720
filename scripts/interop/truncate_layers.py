#!/usr/bin/env python3
"""Writes a copy of a Hugging Face checkpoint that keeps only its first N decoder layers
(config.json num_hidden_layers = N, model.layers.K.* dropped for K >= N, every other file copied),
for comparing a calibrated algorithm with llm-compressor on a short job (e.g. AWQ on SmolLM2's first
4 layers takes ~17 min in llm-compressor on an AVX2 CPU instead of ~3 h for the whole model).

usage (the interop venv's python, scripts/python-env.sh):
  python scripts/interop/truncate_layers.py SRC_DIR NEW_DIR N
NEW_DIR must not exist: this script writes only a new folder. Single-file checkpoints only.
"""
import json, os, shutil, sys

def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if os.path.exists(dst):
        raise SystemExit(f"truncate_layers.py: {dst} exists (this script writes only new folders)")
    weights = os.path.join(src, "model.safetensors")
    if not os.path.isfile(weights):
        raise SystemExit(f"truncate_layers.py: {weights} not found (sharded checkpoints are not supported)")
    cfg = json.load(open(os.path.join(src, "config.json")))
    if not 1 <= n <= cfg["num_hidden_layers"]:
        raise SystemExit(f"truncate_layers.py: N must be 1..{cfg['num_hidden_layers']}, got {n}")
    from safetensors.torch import load_file, save_file
    tensors = load_file(weights)
    keep = {k: v for k, v in tensors.items() if not k.startswith("model.layers.") or int(k.split(".")[2]) < n}
    os.makedirs(dst)
    cfg["num_hidden_layers"] = n
    json.dump(cfg, open(os.path.join(dst, "config.json"), "w"), indent=2)
    save_file(keep, os.path.join(dst, "model.safetensors"), metadata={"format": "pt"})
    for f in os.listdir(src):
        if f not in ("config.json", "model.safetensors") and os.path.isfile(os.path.join(src, f)):
            shutil.copy(os.path.join(src, f), dst)
    print(dst)

if __name__ == "__main__":
    main()
