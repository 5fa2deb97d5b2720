#!/usr/bin/env python3
"""llm-compressor 0.14 `oneshot` of a recipe YAML file on any model: the peer side of Benchmarks/algorithms.sh.

usage (the interop venv's python, scripts/python-env.sh):
  python Benchmarks/llmc_oneshot.py --model DIR --recipe R.yaml --out NEW_DIR [--samples N --seqlen L]
  python Benchmarks/llmc_oneshot.py --recipe R.yaml --describe      # {"calibrated", "modifiers"} as JSON

The same calls as ../shared/reference/anchors/_common.py::run (which hard-codes SmolLM2-135M and the
recipe): torch threads 2, torch.manual_seed(0), the model loaded with dtype="auto" (bf16 as stored for
SmolLM2), and -- only when one of the recipe's modifiers requires calibration data by llm-compressor's own
`requires_calibration_data` (the anchors pass no data to their RTN recipes) -- C(n, L) of
../shared/docs/evaluation.md, computed by the anchors' own `calib_ids`, as a datasets.Dataset of input_ids
+ all-ones attention_mask, batch size 1, shuffle_calibration_samples=False, num_calibration_samples=n,
max_seq_length=L. The samples are given in C(n, L) order, as the anchors do (llm-compressor's sampler then
visits them in its own order, see scripts/interop/llmc_sample_order.py). Then
save_pretrained(save_compressed=True) and the model's tokenizer files copied unchanged.
For a recipe with AWQModifier on a machine without CUDA, torch.Tensor.pin_memory is made a no-op, exactly
as ../shared/reference/anchors/awq_w4a16_g64.py does (AWQ pins its cached activations; pinning only
page-locks host memory, so no number changes).
Unlike _common.py, --out must not exist: this script never deletes anything.
"""
import argparse, json, os, shutil, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.environ.get("SWIFTQUANT_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
ANCHORS = os.path.join(SHARED, "reference", "anchors")
CORPUS = os.path.join(ROOT, "data", "wikitext-2-raw", "wiki.test.raw")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def recipe_modifiers(path):
    """[(class name, requires_calibration_data)] of the recipe, as llm-compressor resolves it."""
    from llmcompressor.recipe import Recipe
    return [(type(m).__name__, bool(m.requires_calibration_data)) for m in Recipe.create_instance(path).modifiers]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--recipe", required=True)
    ap.add_argument("--out")
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--seqlen", type=int, default=512)
    ap.add_argument("--corpus", default=CORPUS)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--describe", action="store_true")
    a = ap.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if a.describe:
        import io, contextlib
        with contextlib.redirect_stdout(io.StringIO()):   # llm-compressor logs to stdout
            mods = recipe_modifiers(a.recipe)
        print(json.dumps({"calibrated": any(r for _, r in mods), "modifiers": [n for n, _ in mods]}))
        return
    if not a.model or not a.out:
        ap.error("--model and --out are required")
    if os.path.exists(a.out):
        raise SystemExit(f"llmc_oneshot.py: --out {a.out} exists (this script writes only new folders)")

    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    recipe_text = open(a.recipe).read()
    if "AWQModifier" in recipe_text and not torch.cuda.is_available():
        torch.Tensor.pin_memory = lambda self, *args, **kwargs: self   # CPU-only: pinning needs a CUDA driver
    from transformers import AutoModelForCausalLM
    from llmcompressor import oneshot
    sys.path.insert(0, ANCHORS)
    from _common import calib_ids   # the anchors' own C(n, L)

    mods = recipe_modifiers(a.recipe)
    calibrated = any(r for _, r in mods)
    print(f"recipe {a.recipe}: modifiers {[n for n, _ in mods]}; calibration "
          f"{'C(%d, %d)' % (a.samples, a.seqlen) if calibrated else 'none (no modifier requires data)'}", flush=True)
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype="auto")
    kwargs = {}
    if calibrated:
        from datasets import Dataset
        n, L = a.samples, a.seqlen
        samples = calib_ids(n, L, model_dir=a.model, corpus=a.corpus)
        ds = Dataset.from_dict({"input_ids": samples, "attention_mask": [[1] * L for _ in range(n)]})
        kwargs = dict(dataset=ds, num_calibration_samples=n, max_seq_length=L,
                      shuffle_calibration_samples=False, batch_size=1)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(recipe_text)
    try:
        oneshot(model=model, recipe=f.name, **kwargs)
    finally:
        os.unlink(f.name)
    model.save_pretrained(a.out, save_compressed=True)
    for fn in TOKENIZER_FILES:
        if os.path.exists(os.path.join(a.model, fn)):
            shutil.copy(os.path.join(a.model, fn), a.out)   # the original tokenizer files, unchanged
    print("SAVED", a.out, flush=True)


if __name__ == "__main__":
    main()
