#!/usr/bin/env python3
"""llm-compressor reference quantization for SwiftQuant's interop checks.

Runs llm-compressor's `oneshot` with a QuantizationModifier recipe for one named case on any Hugging
Face model folder, writes the result with `save_pretrained(save_compressed=True)` (llm-compressor adds
its own `recipe.yaml`) and copies the model's tokenizer files unchanged, exactly as
../shared/reference/anchors/_common.py does.

usage:
  python scripts/interop/llmc_quantize.py --model DIR --case CASE --out DIR [--samples N --seqlen L]
  python scripts/interop/llmc_quantize.py --model DIR --case CASE --describe   # JSON, no torch import
  python scripts/interop/llmc_quantize.py --list-cases [--all]      # --all: with the opt-in cases

Cases (ignore always holds lm_head; group cases also ignore "re:.*down_proj$" when the model's
intermediate_size is not a multiple of the group size, e.g. stories260K's 172 — see formats.md §1.1):
  w4a16_g64       config_groups int4 sym group 64                   (data-free)
  w4a16_asym_g64  preset W4A16_ASYM with group_size 64              (data-free)
  w4a16_g64_mse   config_groups int4 sym group 64, observer mse     (data-free)
  w8a16_channel   config_groups int8 sym channel                    (data-free)
  w8a8            scheme W8A8 (int8 channel weights, dynamic token) (data-free)
  fp8_dynamic     scheme FP8_DYNAMIC                                (data-free)
  int8_static     config_groups int8 channel sym weights + int8 tensor static sym inputs (calibrated)
  fp8_static      scheme FP8 (static tensor fp8 inputs)             (calibrated)
  fp8_static_kv   scheme FP8 + kv_cache_scheme fp8 tensor (k_scale / v_scale)  (calibrated)

Opt-in cases (calibrated algorithms; listed only by --list-cases --all, so scripts/interop/run.sh runs
them only when named with --cases, never in its default list that scripts/test.sh and CI run). Their
references are compared with compare_checkpoints.py --algorithm (scales bit-identical, >= 99 % of the
integer values identical) instead of bit for bit:
  gptq_w4a16_g64        GPTQModifier, config_groups int4 sym group 64, defaults (block_size 128,
                        dampening_frac 0.01, actorder static)                  (calibrated)
  gptq_w4a16_g64_noact  the same with actorder: null (no column permutation)   (calibrated)
  gptq_w8a8_channel     GPTQModifier, scheme W8A8 (int8 channel weights, dynamic token inputs)
                                                                               (calibrated)
  gptq_w4a16_g16_b32    GPTQModifier block_size 32, int4 sym group 16: several groups and GPTQ
                        blocks per row on stories260K (group 64 / block 128 give one of each there)
                                                                               (calibrated)
  sq08_gptq_w8a8        SmoothQuantModifier smoothing_strength 0.8, then GPTQModifier scheme W8A8
                        (the anchor recipe sq08_gptq_w8a8)                     (calibrated)
  awq_w4a16_g64         AWQModifier (defaults) + QuantizationModifier int4 sym group 64 (the anchor
                        recipe awq_w4a16_g64); with down_proj ignored (stories260K) its mappings are
                        written out without up_proj -> down_proj, which llm-compressor 0.14 cannot
                        run when down_proj is unquantized (ZeroDivisionError)  (calibrated)
  awq_w4a16_channel     the same with int4 sym channel weights: nothing but lm_head is ignored, so
                        the up_proj -> down_proj mapping runs on stories260K too  (calibrated)
There is no actorder "group" case: compressed-tensors 0.19 refuses actorder group/dynamic
(QuantizationArgs.validate_actorder: "actorder='group' has been removed"), and llm-compressor 0.14's
GPTQ accepts only weight/static (gptq/helpers.py apply_activation_ordering), so no 0.14 checkpoint has
a weight_g_idx tensor.

Calibration = C(n, L) of ../shared/docs/evaluation.md from the second half of wiki.test.raw
(default C(64, 512), C(16, 128) for stories* and wiki260K), fed pre-tokenised, batch size 1, no shuffling.
NOTE: even without shuffling llm-compressor does not visit the samples in dataset order: its
LengthAwareSampler iterates an unstable torch.argsort of the (equal) lengths, see llmc_sample_order.py
(identity for n <= 16; for n = 64: 48, 33..47, 32, 49..63, 16, 1..15, 0, 17..31). The moving-average
(minmax) observer depends on that order. --calib-order natural (default) pre-permutes the dataset so
that llm-compressor visits C(n, L) in order 0..n-1, as SwiftQuant does; --calib-order llmc feeds the
dataset in C(n, L) order and lets the sampler permute it (what a plain oneshot call does). The order
actually visited is printed ("calibration visit order") and recorded by make_ref.sh.
"""
import argparse, json, os, shutil, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(ROOT, "data", "wikitext-2-raw", "wiki.test.raw")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")

# name -> (kind, payload, calibrated, swiftquant flags for the same job (besides --ignore/--dataset))
#   kind "groups": payload = config_groups dict (YAML recipe; swiftquant gets the same YAML via --recipe
#                  unless swift flags are given)
#   kind "scheme": payload = preset name
W4_SYM_G64 = {"num_bits": 4, "type": "int", "symmetric": True, "strategy": "group", "group_size": 64}
CASES = {
    "w4a16_g64": ("groups", {"group_0": {"targets": ["Linear"], "weights": W4_SYM_G64}}, False,
                  ["--scheme", "W4A16", "--group-size", "64"]),
    # The W4A16_ASYM preset is int4 / group 128 / asymmetric / static; QuantizationModifier has no
    # "preset + group_size" parameter, so the preset's weights are written out with group_size 64
    # (build_w4a16_asym_g64 checks that this equals preset_name_to_scheme("W4A16_ASYM") + group 64).
    "w4a16_asym_g64": ("groups", {"group_0": {"targets": ["Linear"], "weights": {
        "num_bits": 4, "type": "int", "symmetric": False, "strategy": "group", "group_size": 64,
        "dynamic": False}}}, False, ["--scheme", "W4A16_ASYM", "--group-size", "64"]),
    # The mse observer: a grid search of a shrink factor per group (llm-compressor's memoryless_mse).
    "w4a16_g64_mse": ("groups", {"group_0": {"targets": ["Linear"], "weights": dict(W4_SYM_G64, observer="mse")}},
                      False, None),
    "w8a16_channel": ("groups", {"group_0": {"targets": ["Linear"], "weights": {
        "num_bits": 8, "type": "int", "symmetric": True, "strategy": "channel"}}}, False, None),
    "w8a8": ("scheme", "W8A8", False, ["--scheme", "W8A8"]),
    "fp8_dynamic": ("scheme", "FP8_DYNAMIC", False, ["--scheme", "FP8_DYNAMIC"]),
    "int8_static": ("groups", {"group_0": {"targets": ["Linear"],
        "weights": {"num_bits": 8, "type": "int", "symmetric": True, "strategy": "channel"},
        "input_activations": {"num_bits": 8, "type": "int", "symmetric": True, "strategy": "tensor",
                              "dynamic": False}}}, True, None),
    "fp8_static": ("scheme", "FP8", True, ["--scheme", "FP8"]),
    # FP8 with an fp8 KV cache (kv_cache_scheme, self_attn.k_scale / v_scale): swiftquant gets the YAML.
    "fp8_static_kv": ("scheme", "FP8", True, None),
}

# Opt-in cases (not listed by --list-cases without --all): the same 4-tuple, plus what differs from a
# plain QuantizationModifier recipe: "modifier" (the quantizing modifier), "args" (its extra fields, in
# this order, written before ignore/config_groups), "pre" (modifiers placed before it in the stage).
# swiftquant gets the same YAML via --recipe; the result is compared with compare_checkpoints.py
# --algorithm.
ALGO_CASES = {
    "gptq_w4a16_g64": ("groups", {"group_0": {"targets": ["Linear"], "weights": W4_SYM_G64}}, True, None,
                       {"modifier": "GPTQModifier"}),
    "gptq_w4a16_g64_noact": ("groups", {"group_0": {"targets": ["Linear"], "weights": W4_SYM_G64}}, True, None,
                             {"modifier": "GPTQModifier", "args": {"actorder": None}}),
    # group 16 and block_size 32: on stories260K (64 input features) 4 groups and 2 GPTQ blocks per row, so
    # actorder's group lookup (g_idx) and the error propagation between blocks are exercised (with group
    # 64 / block 128 every quantized stories260K row is one group and one block)
    "gptq_w4a16_g16_b32": ("groups", {"group_0": {"targets": ["Linear"], "weights": dict(W4_SYM_G64, group_size=16)}},
                           True, None, {"modifier": "GPTQModifier", "args": {"block_size": 32}}),
    "gptq_w8a8_channel": ("scheme", "W8A8", True, None, {"modifier": "GPTQModifier"}),
    "sq08_gptq_w8a8": ("scheme", "W8A8", True, None,
                       {"modifier": "GPTQModifier", "pre": [("SmoothQuantModifier", {"smoothing_strength": 0.8})]}),
    # AWQModifier (defaults) + QuantizationModifier int4 g64, the anchor recipe awq_w4a16_g64. When down_proj
    # is ignored (stories260K) the mappings are given without up_proj -> down_proj: with its only balance
    # layer unquantized, llm-compressor 0.14 divides 0 by 0 (awq/base.py _compute_layer_means).
    "awq_w4a16_g64": ("groups", {"group_0": {"targets": ["Linear"], "weights": W4_SYM_G64}}, True, None,
                      {"modifier": "QuantizationModifier", "pre": [("AWQModifier", {})]}),
    # The same with int4 channel weights: nothing is ignored but lm_head, so on stories260K (intermediate
    # size 172) the up_proj -> down_proj mapping, whose grid-search parent is down_proj itself, runs too.
    "awq_w4a16_channel": ("groups", {"group_0": {"targets": ["Linear"], "weights": {
        "num_bits": 4, "type": "int", "symmetric": True, "strategy": "channel"}}}, True, None,
        {"modifier": "QuantizationModifier", "pre": [("AWQModifier", {})]}),
}
AWQ_MAPPINGS_NO_DOWN_PROJ = [
    {"smooth_layer": "re:.*input_layernorm$", "balance_layers": ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"]},
    {"smooth_layer": "re:.*post_attention_layernorm$", "balance_layers": ["re:.*gate_proj$", "re:.*up_proj$"]},
]
ALL_CASES = {**CASES, **{k: v[:4] for k, v in ALGO_CASES.items()}}
# QuantizationModifier fields a default case adds to its recipe.
KV_FP8 = {"num_bits": 8, "type": "float", "strategy": "tensor", "dynamic": False, "symmetric": True}
CASE_ARGS = {"fp8_static_kv": {"kv_cache_scheme": KV_FP8}}


def algo(case):
    """What an opt-in case adds to a QuantizationModifier recipe ({} for the default cases)."""
    return ALGO_CASES[case][4] if case in ALGO_CASES else {}


def load_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        return json.load(f)


def group_size_of(case):
    kind, payload = ALL_CASES[case][0], ALL_CASES[case][1]
    if kind != "groups":
        return None
    w = payload["group_0"].get("weights") or {}
    return w.get("group_size") if w.get("strategy") == "group" else None


def ignore_list(case, model_dir, down_proj="auto"):
    """lm_head always; "re:.*down_proj$" for group cases whose group does not divide intermediate_size."""
    ign = ["lm_head"]
    g = group_size_of(case)
    if down_proj == "yes" or (down_proj == "auto" and g is not None
                              and load_config(model_dir).get("intermediate_size", 0) % g != 0):
        ign.append("re:.*down_proj$")
    return ign


def default_calib(model_dir):
    name = os.path.basename(os.path.normpath(model_dir)).lower()
    return (16, 128) if name.startswith(("stories", "wiki260k")) else (64, 512)


def yaml_scalar(v):
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    return json.dumps(s) if any(c in s for c in ":#[]{},'\"*&!|>%@`") or s != s.strip() else s


def yaml_block(obj, indent):
    pad = " " * indent
    out = []
    for k, v in obj.items():
        if isinstance(v, dict) and not v:
            out.append(f"{pad}{k}: {{}}")
        elif isinstance(v, dict):
            out.append(f"{pad}{k}:")
            out.extend(yaml_block(v, indent + 2))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            out.append(f"{pad}{k}:")
            for x in v:  # block sequence of mappings: "- key: value" with the item's keys aligned
                item = yaml_block(x, indent + 2)
                out.append(f"{pad}- " + item[0][indent + 2:])
                out.extend(item[1:])
        elif isinstance(v, list):
            out.append(f"{pad}{k}: [{', '.join(yaml_scalar(x) for x in v)}]")
        else:
            out.append(f"{pad}{k}: {yaml_scalar(v)}")
    return out


def recipe_yaml(case, ignore):
    """The llm-compressor recipe (YAML) for a case; the same text is what swiftquant gets via --recipe."""
    kind, payload = ALL_CASES[case][0], ALL_CASES[case][1]
    extra = algo(case)
    mod = dict(extra.get("args", {}))
    mod.update(CASE_ARGS.get(case, {}))
    if kind == "scheme":
        mod.update({"targets": ["Linear"], "ignore": ignore, "scheme": payload})
    else:
        mod.update({"ignore": ignore, "config_groups": payload})
    mods = {name: dict(args) for name, args in extra.get("pre", [])}
    if "AWQModifier" in mods and "re:.*down_proj$" in ignore:
        mods["AWQModifier"]["mappings"] = AWQ_MAPPINGS_NO_DOWN_PROJ
    mods[extra.get("modifier", "QuantizationModifier")] = mod
    doc = {"quant_stage": {"quant_modifiers": mods}}
    return "\n".join(yaml_block(doc, 0)) + "\n"


def activation_quantized(case):
    """True when the case quantizes Linear inputs (their evaluation is then numerically chaotic: the
    perplexity moves by ~0.5 % with the floating-point summation order, see run.sh)."""
    kind, payload = ALL_CASES[case][0], ALL_CASES[case][1]
    if kind == "scheme":
        return payload in ("W8A8", "FP8_DYNAMIC", "FP8")
    return any(g.get("input_activations") for g in payload.values())


def describe(case, model_dir, samples, seqlen, down_proj="auto"):
    kind, payload, calibrated, swift = ALL_CASES[case]
    ign = ignore_list(case, model_dir, down_proj)
    extra = algo(case)
    return {"case": case, "model": os.path.basename(os.path.normpath(model_dir)), "kind": kind,
            "calibrated": calibrated, "activation_quantized": activation_quantized(case), "samples": samples if calibrated else None,
            "seqlen": seqlen if calibrated else None, "ignore": ign,
            "recipe_yaml": recipe_yaml(case, ign),
            # flags for `swiftquant quantize` besides --model/--output/--ignore/--dataset...; None = use --recipe
            "swift_scheme_flags": swift,
            # opt-in algorithm cases: not in the default list; compared with compare_checkpoints.py --algorithm
            "opt_in": case in ALGO_CASES,
            "compare": "algorithm" if case in ALGO_CASES else "exact",
            "modifiers": [n for n, _ in extra.get("pre", [])] + [extra.get("modifier", "QuantizationModifier")]}


def calib_ids(n, L, model_dir, corpus):
    """C(n, L): text after the first newline at/after the byte midpoint, model's tokenizer.json, no
    special tokens, consecutive windows (identical to anchors/_common.py::calib_ids)."""
    from tokenizers import Tokenizer
    b = open(corpus, "rb").read()
    nl = b.index(b"\n", len(b) // 2)
    ids = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json")).encode(
        b[nl + 1:].decode("utf-8"), add_special_tokens=False).ids
    if len(ids) < n * L:
        raise SystemExit(f"calibration: have {len(ids)} tokens, need {n * L}")
    return [ids[i * L:(i + 1) * L] for i in range(n)]


def check_asym_preset_equivalence():
    """The config_groups weights of w4a16_asym_g64 must resolve to the same QuantizationArgs as the
    W4A16_ASYM preset with group_size 64 (both after QuantizationModifier's observer overrides)."""
    from compressed_tensors.quantization import QuantizationScheme, preset_name_to_scheme
    from llmcompressor.modifiers.quantization import QuantizationModifier
    preset = preset_name_to_scheme("W4A16_ASYM", ["Linear"]).model_dump()
    preset["weights"]["group_size"] = 64
    via_preset = QuantizationModifier(config_groups={"group_0": QuantizationScheme.model_validate(preset)})
    via_groups = QuantizationModifier(config_groups=CASES["w4a16_asym_g64"][1])
    a = via_preset.resolve_quantization_config().model_dump()
    b = via_groups.resolve_quantization_config().model_dump()
    if a != b:
        raise SystemExit(f"w4a16_asym_g64: config_groups differ from preset W4A16_ASYM + group 64:\n{a}\n{b}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="Hugging Face model folder")
    ap.add_argument("--case", choices=sorted(ALL_CASES))
    ap.add_argument("--out", help="output folder (replaced)")
    ap.add_argument("--samples", type=int, help="calibration samples n (default 64; 16 for stories* and wiki260K)")
    ap.add_argument("--seqlen", type=int, help="calibration sample length L (default 512; 128 for stories*)")
    ap.add_argument("--corpus", default=CORPUS, help="calibration corpus (default wiki.test.raw)")
    ap.add_argument("--ignore-down-proj", choices=["auto", "yes", "no"], default="auto",
                    help="add re:.*down_proj$ to ignore (auto: group cases when intermediate_size %% g != 0)")
    ap.add_argument("--calib-order", choices=["natural", "llmc"], default="natural",
                    help="natural: llm-compressor visits C(n, L) in order 0..n-1 (default); llmc: dataset in "
                         "C(n, L) order, llm-compressor's unstable length sort permutes it")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--describe", action="store_true", help="print the case as JSON and exit (no torch)")
    ap.add_argument("--list-cases", action="store_true", help="the default cases (what run.sh runs without --cases)")
    ap.add_argument("--all", action="store_true", help="with --list-cases: also the opt-in algorithm cases")
    a = ap.parse_args()
    if a.list_cases:
        print("\n".join(list(ALL_CASES) if a.all else list(CASES)))
        return
    if not a.model or not a.case:
        ap.error("--model and --case are required")
    n0, L0 = default_calib(a.model)
    n, L = a.samples or n0, a.seqlen or L0
    desc = describe(a.case, a.model, n, L, a.ignore_down_proj)
    if desc["calibrated"]:
        desc["calib_order"] = a.calib_order
    if a.describe:
        print(json.dumps(desc))
        return
    if not a.out:
        ap.error("--out is required")

    t_start = time.perf_counter()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    from transformers import AutoModelForCausalLM
    from llmcompressor import oneshot
    if "AWQModifier" in desc["modifiers"] and not torch.cuda.is_available():
        # as ../shared/reference/anchors/awq_w4a16_g64.py: AWQ pins its cached activations, which needs a
        # CUDA driver; pinning only page-locks host memory, so a no-op changes no number
        torch.Tensor.pin_memory = lambda self, *args, **kwargs: self
    if a.case == "w4a16_asym_g64":
        check_asym_preset_equivalence()

    model = AutoModelForCausalLM.from_pretrained(a.model, dtype="auto")
    kwargs = {}
    if desc["calibrated"]:
        from datasets import Dataset
        samples = calib_ids(n, L, a.model, a.corpus)
        # llm-compressor's LengthAwareSampler visits rows in torch.argsort(lengths, descending=True)
        # order, which is not stable: for 64 equal lengths it is [48, 33..47, 32, 49..63, 16, 1..15,
        # 0, 17..31]. The moving-average (minmax) observer depends on that order, so place sample k at
        # row order[k]: the sampler then feeds C(n, L) in its own order 0..n-1, as SwiftQuant does.
        from llmcompressor.datasets.utils import LengthAwareSampler
        import torch
        index = list(range(n))                  # index[row] = which sample of C(n, L) sits in dataset row
        if a.calib_order == "natural":
            order = torch.argsort(torch.tensor([L] * n), descending=True).tolist()
            for k, row in enumerate(order):
                index[row] = k
        ds = Dataset.from_dict({"input_ids": [samples[i] for i in index],
                                "attention_mask": [[1] * L for _ in range(n)]})
        visit = [index[row] for row in LengthAwareSampler(ds, num_samples=n, batch_size=1)]
        if a.calib_order == "natural" and visit != list(range(n)):
            raise SystemExit(f"calibration: llm-compressor would visit {visit}, not 0..{n - 1}")
        desc["calib_visit_order"] = visit
        print(f"calibration visit order (indices into C({n}, {L})): {visit}", flush=True)
        kwargs = dict(dataset=ds, num_calibration_samples=n, max_seq_length=L,
                      shuffle_calibration_samples=False, batch_size=1)
    print(f"case {a.case} model {desc['model']} ignore {desc['ignore']} "
          f"calibration {'C(%d, %d)' % (n, L) if desc['calibrated'] else 'none'}\n{desc['recipe_yaml']}",
          flush=True)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(desc["recipe_yaml"])
    try:
        t0 = time.perf_counter()
        oneshot(model=model, recipe=f.name, **kwargs)
        t_oneshot = time.perf_counter() - t0
    finally:
        os.unlink(f.name)
    if os.path.isdir(a.out):
        shutil.rmtree(a.out)
    t0 = time.perf_counter()
    model.save_pretrained(a.out, save_compressed=True)
    t_save = time.perf_counter() - t0
    for fn in TOKENIZER_FILES:
        if os.path.exists(os.path.join(a.model, fn)):
            shutil.copy(os.path.join(a.model, fn), a.out)  # original tokenizer files, unchanged
    wall = time.perf_counter() - t_start
    print(f"SAVED {a.out}", flush=True)
    print(json.dumps({"case": a.case, "model": desc["model"], "out": a.out,
                      "calib_order": desc.get("calib_order"), "calib_visit_order": desc.get("calib_visit_order"),
                      "oneshot_seconds": round(t_oneshot, 3),
                      "save_seconds": round(t_save, 3), "wall_seconds_in_process": round(wall, 3)}), flush=True)


if __name__ == "__main__":
    main()
