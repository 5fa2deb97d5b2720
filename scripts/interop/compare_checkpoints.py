#!/usr/bin/env python3
"""Compare two compressed-tensors checkpoint folders tensor by tensor, bit for bit.

usage: python3 scripts/interop/compare_checkpoints.py A B [--scale-rtol X] [--show N] [--json FILE] [--quiet]
       python3 scripts/interop/compare_checkpoints.py A B --algorithm [--min-value-share 0.99]
               [--min-scale-share 1.0] [--per-kind] [--other-rtol X] [--json FILE] [--quiet]

--algorithm: for calibrated algorithms (GPTQ, AWQ, SmoothQuant) whose quantized values are not expected
to match bit for bit. Per tensor kind (module path without the layer index, e.g. self_attn.q_proj) it
reports the share of bit-identical scales (`*_scale`) and zero points, the share of identical integer
values after unpacking (`weight_packed` int32 words -> int4/...; int8 `weight`; fp8 `weight` bytes) and
their largest |delta q|, and whether `weight_g_idx` is equal. It fails (exit 1) when
  * tensor names, dtypes or shapes differ, `weight_shape` or `weight_g_idx` differ;
  * the share of bit-identical scale / zero-point elements is below --min-scale-share (default 1.0);
  * the share of identical quantized values is below --min-value-share (default 0.99) -- over all
    quantized tensors, or in every kind with --per-kind;
  * another tensor (norms, embeddings, ignored Linears) is not bit-identical (or, with --other-rtol X,
    differs by more than X relative);
  * config.json differs (quantization_config apart from `version`, or any other key).
The table and the JSON (--json) hold every figure whether or not a threshold is missed.

Checks (exit 0 only when all hold):
  * the same tensor names in both (all shards, via model.safetensors.index.json when present);
  * per tensor: the same dtype, the same shape and the same bytes. Tensors whose names end in
    `input_scale`, `k_scale` or `v_scale` (calibrated activation scales) must instead agree within
    relative tolerance X when --scale-rtol X is given (|a-b| <= X*max(|a|,|b|) element-wise); without
    it they too must be bit-identical;
  * config.json: `quantization_config` equal apart from `version`, and every other key equal.
Reported as information (never a failure): whether each safetensors file is byte-identical as a whole
file, whether the headers are identical (layout/order), the `version` strings, and whether the other
files (generation_config.json, recipe.yaml, tokenizer files) are identical.

Safetensors headers are read directly (8-byte little-endian length + JSON); tensor data is compared
with numpy when it is importable (max abs diff and count of differing elements, int4/int8 packed
words unpacked to values), otherwise byte-wise.
"""
import argparse, hashlib, json, os, struct, sys

try:
    import numpy as np
except ImportError:  # byte comparison only
    np = None

SCALE_SUFFIXES = ("input_scale", "k_scale", "v_scale")
DTYPE_SIZE = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "I16": 2, "U16": 2, "F16": 2,
              "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}
OTHER_FILES = ("generation_config.json", "recipe.yaml", "tokenizer.json", "tokenizer_config.json",
               "special_tokens_map.json")


class Checkpoint:
    def __init__(self, path):
        self.path = path
        self.files = {}      # file name -> (header dict, data start offset)
        self.where = {}      # tensor name -> file name
        idx = os.path.join(path, "model.safetensors.index.json")
        if os.path.exists(idx):
            with open(idx) as f:
                wm = json.load(f)["weight_map"]
            names = sorted(set(wm.values()))
        else:
            names = sorted(n for n in os.listdir(path) if n.endswith(".safetensors"))
            wm = None
        if not names:
            raise SystemExit(f"{path}: no .safetensors file")
        for fn in names:
            with open(os.path.join(path, fn), "rb") as f:
                n = struct.unpack("<Q", f.read(8))[0]
                raw = f.read(n)
            hdr = json.loads(raw)
            self.files[fn] = (hdr, 8 + n, raw)
            for k in hdr:
                if k == "__metadata__":
                    continue
                if k in self.where:
                    raise SystemExit(f"{path}: tensor {k} in both {self.where[k]} and {fn}")
                self.where[k] = fn
        if wm is not None:
            missing = set(wm) ^ set(self.where)
            if missing:
                raise SystemExit(f"{path}: index and shards disagree on {sorted(missing)[:5]}")

    def info(self, name):
        return self.files[self.where[name]][0][name]

    def data(self, name):
        fn = self.where[name]
        hdr, start, _ = self.files[fn]
        a, b = hdr[name]["data_offsets"]
        with open(os.path.join(self.path, fn), "rb") as f:
            f.seek(start + a)
            return f.read(b - a)

    def config(self):
        p = os.path.join(self.path, "config.json")
        return json.load(open(p)) if os.path.exists(p) else None


def fp8_table(kind):
    """float64 value of each fp8 byte (e4m3fn: bias 7, no inf, 0x7f/0xff NaN; e5m2: IEEE-like)."""
    ebits, bias = (4, 7) if kind == "F8_E4M3" else (5, 15)
    mbits = 7 - ebits
    out = np.zeros(256)
    for v in range(256):
        s = -1.0 if v & 0x80 else 1.0
        e = (v >> mbits) & ((1 << ebits) - 1)
        m = v & ((1 << mbits) - 1)
        if kind == "F8_E4M3" and e == 15 and m == 7:
            out[v] = np.nan
        elif kind == "F8_E5M2" and e == 31:
            out[v] = np.nan if m else s * np.inf
        elif e == 0:
            out[v] = s * m * 2.0 ** (1 - bias - mbits)
        else:
            out[v] = s * (1 + m / (1 << mbits)) * 2.0 ** (e - bias)
    return out


def decode(raw, dtype, shape):
    """numpy array (float64 for floats, int64 for ints) of a tensor's bytes."""
    if dtype == "BF16":
        u = np.frombuffer(raw, "<u2").astype("<u4") << 16
        arr = u.view("<f4").astype(np.float64)
    elif dtype in ("F8_E4M3", "F8_E5M2"):
        arr = fp8_table(dtype)[np.frombuffer(raw, np.uint8)]
    else:
        npd = {"BOOL": "u1", "U8": "u1", "I8": "i1", "I16": "<i2", "U16": "<u2", "F16": "<f2", "I32": "<i4",
               "U32": "<u4", "F32": "<f4", "I64": "<i8", "U64": "<u8", "F64": "<f8"}[dtype]
        arr = np.frombuffer(raw, npd)
        arr = arr.astype(np.float64) if npd[-2] == "f" else arr.astype(np.int64)
    return arr.reshape(shape) if shape else arr.reshape(())


def unpack_rows(words, bits, count):
    """Values of a row-wise little-endian bit stream (compressed-tensors pack_to_int32), unsigned."""
    rows = words.reshape(words.shape[0], -1).astype("<i4")
    by = rows.view(np.uint8).reshape(rows.shape[0], -1)
    bitarr = np.unpackbits(by, axis=1, bitorder="little")[:, :count * bits]
    weights = (1 << np.arange(bits)).astype(np.int64)
    return (bitarr.reshape(rows.shape[0], count, bits) * weights).sum(-1)


def packed_bits(cfg, name):
    """num_bits for a weight_packed / weight_zero_point tensor from quantization_config (if unique)."""
    qc = (cfg or {}).get("quantization_config") or {}
    bits = {g.get("weights", {}).get("num_bits") for g in (qc.get("config_groups") or {}).values()
            if isinstance(g, dict) and g.get("weights")}
    return bits.pop() if len(bits) == 1 else None


def diff_tensor(name, ia, ib, ra, rb, rtol, cfg_a, shape_a_of):
    """Returns (status, detail dict). status in {"equal", "within_rtol", "differ"}."""
    d = {"name": name}
    if ia["dtype"] != ib["dtype"] or ia["shape"] != ib["shape"]:
        d.update(problem="dtype/shape", a=f"{ia['dtype']}{ia['shape']}", b=f"{ib['dtype']}{ib['shape']}")
        return "differ", d
    if ra == rb:
        return "equal", d
    is_scale = name.endswith(SCALE_SUFFIXES)
    d["dtype"], d["shape"] = ia["dtype"], ia["shape"]
    if np is None:
        size = DTYPE_SIZE.get(ia["dtype"], 1)
        nd = sum(ra[i:i + size] != rb[i:i + size] for i in range(0, len(ra), size))
        d.update(differing_elements=nd, total_elements=len(ra) // size)
        return "differ", d
    a, b = decode(ra, ia["dtype"], ia["shape"]), decode(rb, ib["dtype"], ib["shape"])
    neq = (a != b) & ~(np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else (a != b)
    d["differing_elements"], d["total_elements"] = int(neq.sum()), int(a.size)
    diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
    d["max_abs_diff"] = float(np.nanmax(diff)) if diff.size else 0.0
    denom = np.maximum(np.abs(a), np.abs(b)).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(denom > 0, diff / denom, 0.0)
    d["max_rel_diff"] = float(np.nanmax(rel)) if rel.size else 0.0
    if ia["dtype"] == "I32" and (name.endswith("weight_packed") or name.endswith("weight_zero_point")):
        bits = packed_bits(cfg_a, name)
        if bits:
            try:
                if name.endswith("weight_packed"):
                    n_cols = shape_a_of(name[: -len("packed")] + "shape")
                    va, vb = unpack_rows(a, bits, n_cols), unpack_rows(b, bits, n_cols)
                else:  # packed along dim 0
                    n_rows = shape_a_of(name[: -len("zero_point")] + "shape", row=True)
                    va, vb = unpack_rows(a.T.copy(), bits, n_rows), unpack_rows(b.T.copy(), bits, n_rows)
                d["unpacked_differing_values"] = int((va != vb).sum())
                d["unpacked_total_values"] = int(va.size)
                d["unpacked_max_abs_diff"] = int(np.abs(va - vb).max())
            except Exception as e:  # informative only
                d["unpack_error"] = str(e)
    if is_scale and rtol is not None and d["max_rel_diff"] <= rtol:
        return "within_rtol", d
    return "differ", d


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest() if os.path.exists(path) else None


def fmt_detail(d):
    if "problem" in d:
        return f"{d['name']}: {d['problem']} A={d['a']} B={d['b']}"
    s = f"{d['name']} [{d['dtype']}{d['shape']}]: {d['differing_elements']}/{d['total_elements']} elements differ"
    if "max_abs_diff" in d:
        s += f", max abs diff {d['max_abs_diff']:.6g}, max rel diff {d['max_rel_diff']:.3g}"
    if "unpacked_differing_values" in d:
        s += (f"; unpacked: {d['unpacked_differing_values']}/{d['unpacked_total_values']} values differ "
              f"(max |Δq| {d['unpacked_max_abs_diff']})")
    return s


def dict_diff(a, b, prefix=""):
    """List of 'key: A -> B' strings for differing leaves."""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{prefix}.{k}" if prefix else k
            if k not in a:
                out.append(f"{p}: missing in A (B={json.dumps(b[k])[:120]})")
            elif k not in b:
                out.append(f"{p}: missing in B (A={json.dumps(a[k])[:120]})")
            else:
                out.extend(dict_diff(a[k], b[k], p))
    elif isinstance(a, list) and isinstance(b, list) and a != b:
        i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        out.append(f"{prefix}: lists differ (len A {len(a)}, B {len(b)}) first at [{i}]: "
                   f"A={json.dumps(a[i:i + 3])[:120]} B={json.dumps(b[i:i + 3])[:120]}")
    elif a != b:
        out.append(f"{prefix}: A={json.dumps(a)[:160]} B={json.dumps(b)[:160]}")
    return out


def compare(pa, pb, rtol=None, show=5, quiet=False):
    say = (lambda *x: None) if quiet else (lambda *x: print(*x, flush=True))
    A, B = Checkpoint(pa), Checkpoint(pb)
    ok = True
    res = {"a": pa, "b": pb, "scale_rtol": rtol}
    names_a, names_b = set(A.where), set(B.where)
    only_a, only_b = sorted(names_a - names_b), sorted(names_b - names_a)
    res["only_in_a"], res["only_in_b"] = only_a, only_b
    if only_a or only_b:
        ok = False
        say(f"FAIL tensor names: {len(only_a)} only in A, {len(only_b)} only in B")
        for n in only_a[:show]:
            say(f"  only in A: {n}  {A.info(n)['dtype']}{A.info(n)['shape']}")
        for n in only_b[:show]:
            say(f"  only in B: {n}  {B.info(n)['dtype']}{B.info(n)['shape']}")
    cfg_a, cfg_b = A.config(), B.config()

    def shape_a_of(n, row=False):
        sh = decode(A.data(n), A.info(n)["dtype"], A.info(n)["shape"])
        return int(sh[0] if row else sh[1])

    common = sorted(names_a & names_b)
    counts = {"equal": 0, "within_rtol": 0, "differ": 0}
    differ, within, scale_names = [], [], []
    max_scale_rel = 0.0
    for n in common:
        ia, ib = A.info(n), B.info(n)
        st, d = diff_tensor(n, ia, ib, A.data(n), B.data(n), rtol, cfg_a, shape_a_of)
        counts[st] += 1
        if n.endswith(SCALE_SUFFIXES):
            scale_names.append(n)
            if "max_rel_diff" in d:
                max_scale_rel = max(max_scale_rel, d["max_rel_diff"])
        if st == "differ":
            differ.append(d)
        elif st == "within_rtol":
            within.append(d)
    res.update(tensors_compared=len(common), tensor_counts=counts, differing=differ, within_rtol=within,
               scale_tensors=len(scale_names), max_scale_rel_diff=max_scale_rel)
    res["tensors_bit_identical"] = not only_a and not only_b and counts["equal"] == len(common)
    say(f"tensors: {len(common)} compared, {counts['equal']} bit-identical, {counts['within_rtol']} scales within "
        f"rtol, {counts['differ']} differ" + (f"; {len(scale_names)} activation/kv scale tensors, max rel diff "
                                              f"{max_scale_rel:.3g}" if scale_names else ""))
    if differ:
        ok = False
        say(f"FAIL {len(differ)} tensor(s) differ (first {min(show, len(differ))}):")
        for d in differ[:show]:
            say("  " + fmt_detail(d))
    if within:
        say(f"note: {len(within)} scale tensor(s) not bit-identical but within rtol {rtol} (first {min(show, len(within))}):")
        for d in within[:show]:
            say("  " + fmt_detail(d))

    # config.json
    if cfg_a is None or cfg_b is None:
        ok = False
        say(f"FAIL config.json missing in {'A' if cfg_a is None else 'B'}")
        res["config_equal"] = False
    else:
        qa, qb = dict(cfg_a.get("quantization_config") or {}), dict(cfg_b.get("quantization_config") or {})
        res["version_a"], res["version_b"] = qa.pop("version", None), qb.pop("version", None)
        qd = dict_diff(qa, qb, "quantization_config")
        ra = {k: v for k, v in cfg_a.items() if k != "quantization_config"}
        rb = {k: v for k, v in cfg_b.items() if k != "quantization_config"}
        rd = dict_diff(ra, rb)
        if "quantization_config" not in cfg_a or "quantization_config" not in cfg_b:
            qd.insert(0, "quantization_config missing in " + ("A" if "quantization_config" not in cfg_a else "B"))
        res["quantization_config_diffs"], res["config_rest_diffs"] = qd, rd
        res["config_equal"] = not qd and not rd
        if qd:
            ok = False
            say(f"FAIL quantization_config differs (apart from version) in {len(qd)} place(s):")
            for line in qd[:max(show, 10)]:
                say("  " + line)
        else:
            say(f"quantization_config: equal (version A {res['version_a']!r}, B {res['version_b']!r})")
        if rd:
            ok = False
            say(f"FAIL config.json (outside quantization_config) differs in {len(rd)} place(s):")
            for line in rd[:max(show, 10)]:
                say("  " + line)
        else:
            say("config.json (rest): equal")
        fa, fb = open(os.path.join(pa, "config.json"), "rb").read(), open(os.path.join(pb, "config.json"), "rb").read()
        res["config_file_identical"] = fa == fb

    # whole files (information)
    files = {}
    for fn in sorted(set(A.files) | set(B.files)):
        ha, hb = sha(os.path.join(pa, fn)), sha(os.path.join(pb, fn))
        same_hdr = fn in A.files and fn in B.files and A.files[fn][2] == B.files[fn][2]
        files[fn] = {"identical": ha is not None and ha == hb, "header_identical": same_hdr}
    res["safetensors_files"] = files
    res["files_identical"] = bool(files) and all(v["identical"] for v in files.values())
    for fn, v in files.items():
        say(f"{fn}: whole file {'byte-identical' if v['identical'] else 'NOT byte-identical'}"
            f"{'' if v['identical'] else ' (header ' + ('identical' if v['header_identical'] else 'differs') + ')'}")
    others = {}
    for fn in OTHER_FILES:
        ha, hb = sha(os.path.join(pa, fn)), sha(os.path.join(pb, fn))
        if ha or hb:
            others[fn] = "identical" if ha == hb else ("missing in A" if not ha else "missing in B" if not hb else "differs")
    res["other_files"] = others
    if others:
        say("other files (information): " + ", ".join(f"{k} {v}" for k, v in others.items()))
    res["ok"] = ok
    say("RESULT: " + ("PASS" if ok else "FAIL") + (" (all tensors bit-identical)" if res["tensors_bit_identical"] else ""))
    return res


QUANT_PARAM_SUFFIXES = ("weight_packed", "weight_scale", "weight_zero_point", "weight_shape", "weight_g_idx",
                        "weight_global_scale", "input_scale", "input_zero_point", "output_scale",
                        "output_zero_point", "k_scale", "v_scale", "q_scale")


def kind_of(module):
    """A module path without its layer index: model.layers.3.self_attn.q_proj -> self_attn.q_proj."""
    import re
    return re.sub(r"^.*?\.layers\.\d+\.", "", module)


def split_name(name, quantized_modules):
    """(module, parameter, role) of a tensor name; role in value/scale/zero_point/shape/g_idx/other."""
    for suf in QUANT_PARAM_SUFFIXES:
        if name.endswith("." + suf):
            mod = name[: -len(suf) - 1]
            role = ("g_idx" if suf.endswith("g_idx") else "shape" if suf.endswith("shape") else
                    "zero_point" if suf.endswith("zero_point") else "value" if suf == "weight_packed" else "scale")
            return mod, suf, role
    if name.endswith(".weight") and name[: -len(".weight")] in quantized_modules:
        return name[: -len(".weight")], "weight", "value"
    mod = name.rsplit(".", 1)[0]
    return mod, name.rsplit(".", 1)[1], "other"


def share(n, d):
    return (n / d) if d else 1.0


def pct(n, d):
    return f"{n}/{d} ({100.0 * share(n, d):.2f} %)"


def compare_algorithm(pa, pb, min_value_share=0.99, min_scale_share=1.0, per_kind=False, other_rtol=None,
                      show=5, quiet=False):
    """The --algorithm comparison (see the module docstring). Returns the result dict ("ok" = thresholds met)."""
    say = (lambda *x: None) if quiet else (lambda *x: print(*x, flush=True))
    if np is None:
        raise SystemExit("compare_checkpoints.py --algorithm needs numpy (run it with the interop venv's python)")
    A, B = Checkpoint(pa), Checkpoint(pb)
    cfg_a, cfg_b = A.config(), B.config()
    res = {"a": pa, "b": pb, "mode": "algorithm", "min_value_share": min_value_share,
           "min_scale_share": min_scale_share, "per_kind": per_kind, "other_rtol": other_rtol}
    fails = []
    names_a, names_b = set(A.where), set(B.where)
    only_a, only_b = sorted(names_a - names_b), sorted(names_b - names_a)
    res["only_in_a"], res["only_in_b"] = only_a, only_b
    if only_a or only_b:
        fails.append(f"tensor names: {len(only_a)} only in A {only_a[:show]}, {len(only_b)} only in B {only_b[:show]}")
    quantized = {n[: -len(".weight_scale")] for n in names_a | names_b if n.endswith(".weight_scale")}
    bits = packed_bits(cfg_a, None) or packed_bits(cfg_b, None)

    kinds = {}   # kind -> counters
    other = []   # per-tensor records for unquantized tensors that differ

    def K(kind):
        return kinds.setdefault(kind, {"modules": set(), "scale_equal": 0, "scale_total": 0,
                                       "zp_equal": 0, "zp_total": 0, "value_equal": 0, "value_total": 0,
                                       "value_max_abs_diff": 0, "value_diff_gt1": 0, "g_idx": None,
                                       "shape_equal": True})
    other_total, other_identical = 0, 0
    for n in sorted(names_a & names_b):
        ia, ib = A.info(n), B.info(n)
        mod, param, role = split_name(n, quantized)
        if ia["dtype"] != ib["dtype"] or ia["shape"] != ib["shape"]:
            fails.append(f"{n}: dtype/shape A={ia['dtype']}{ia['shape']} B={ib['dtype']}{ib['shape']}")
            continue
        ra, rb = A.data(n), B.data(n)
        if role == "other":
            other_total += 1
            if ra == rb:
                other_identical += 1
                continue
            a, b = decode(ra, ia["dtype"], ia["shape"]), decode(rb, ib["dtype"], ib["shape"])
            diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
            denom = np.maximum(np.abs(a), np.abs(b)).astype(np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(denom > 0, diff / denom, 0.0)
            rec = {"name": n, "differing_elements": int((a != b).sum()), "total_elements": int(a.size),
                   "max_abs_diff": float(diff.max()), "max_rel_diff": float(rel.max())}
            rec["within_rtol"] = other_rtol is not None and rec["max_rel_diff"] <= other_rtol
            other.append(rec)
            continue
        k = K(kind_of(mod))
        k["modules"].add(mod)
        if role == "shape":
            if ra != rb:
                k["shape_equal"] = False
                fails.append(f"{n}: weight_shape differs")
            continue
        if role == "g_idx":
            eq = ra == rb
            k["g_idx"] = eq if k["g_idx"] is None else (k["g_idx"] and eq)
            if not eq:
                fails.append(f"{n}: g_idx differs")
            continue
        size = DTYPE_SIZE.get(ia["dtype"], 1)
        if role in ("scale", "zero_point") and not (role == "zero_point" and param == "weight_zero_point"
                                                     and ia["dtype"] == "I32"):
            ea = np.frombuffer(ra, np.uint8).reshape(-1, size)
            eb = np.frombuffer(rb, np.uint8).reshape(-1, size)
            eq = int((ea == eb).all(axis=1).sum())
            key = "scale" if role == "scale" else "zp"
            k[key + "_equal"] += eq
            k[key + "_total"] += ea.shape[0]
            continue
        # quantized values (and packed zero points)
        a, b = decode(ra, ia["dtype"], ia["shape"]), decode(rb, ib["dtype"], ib["shape"])
        if ia["dtype"] == "I32":
            if not bits:
                fails.append(f"{n}: packed int32 but num_bits not unique in quantization_config")
                continue
            if param == "weight_packed":
                shp = decode(A.data(mod + ".weight_shape"), A.info(mod + ".weight_shape")["dtype"],
                             A.info(mod + ".weight_shape")["shape"])
                va, vb = unpack_rows(a, bits, int(shp[1])), unpack_rows(b, bits, int(shp[1]))
            else:  # weight_zero_point packed along dim 0
                shp = decode(A.data(mod + ".weight_shape"), A.info(mod + ".weight_shape")["dtype"],
                             A.info(mod + ".weight_shape")["shape"])
                va = unpack_rows(a.T.copy(), bits, int(shp[0]))
                vb = unpack_rows(b.T.copy(), bits, int(shp[0]))
        elif ia["dtype"] in ("F8_E4M3", "F8_E5M2"):
            va, vb = np.frombuffer(ra, np.int8).astype(np.int64), np.frombuffer(rb, np.int8).astype(np.int64)
        else:
            va, vb = a, b
        eq = int((va == vb).sum())
        if role == "zero_point":
            k["zp_equal"] += eq
            k["zp_total"] += int(va.size)
            continue
        d = np.abs(va.astype(np.int64) - vb.astype(np.int64))
        k["value_equal"] += eq
        k["value_total"] += int(va.size)
        if ia["dtype"] not in ("F8_E4M3", "F8_E5M2"):
            k["value_max_abs_diff"] = max(k["value_max_abs_diff"], int(d.max()) if d.size else 0)
            k["value_diff_gt1"] += int((d > 1).sum())

    tot = {x: sum(k[x] for k in kinds.values()) for x in
           ("scale_equal", "scale_total", "zp_equal", "zp_total", "value_equal", "value_total", "value_diff_gt1")}
    tot["value_max_abs_diff"] = max([k["value_max_abs_diff"] for k in kinds.values()] or [0])
    say(f"A: {pa}\nB: {pb}")
    say(f"{'kind':<22} {'modules':>7}  {'scales bit-identical':<24} {'zero points identical':<22} "
        f"{'values identical':<28} {'max|dq|':>7} {'|dq|>1':>7}  g_idx")
    for kind in sorted(kinds):
        k = kinds[kind]
        g = "-" if k["g_idx"] is None else ("equal" if k["g_idx"] else "DIFFER")
        say(f"{kind:<22} {len(k['modules']):>7}  {pct(k['scale_equal'], k['scale_total']):<24} "
            f"{pct(k['zp_equal'], k['zp_total']) if k['zp_total'] else '-':<22} "
            f"{pct(k['value_equal'], k['value_total']):<28} {k['value_max_abs_diff']:>7} {k['value_diff_gt1']:>7}  {g}")
    say(f"{'all':<22} {sum(len(k['modules']) for k in kinds.values()):>7}  {pct(tot['scale_equal'], tot['scale_total']):<24} "
        f"{pct(tot['zp_equal'], tot['zp_total']) if tot['zp_total'] else '-':<22} "
        f"{pct(tot['value_equal'], tot['value_total']):<28} {tot['value_max_abs_diff']:>7} {tot['value_diff_gt1']:>7}")

    checks = []   # (label, ok, detail)
    sc = share(tot["scale_equal"] + tot["zp_equal"], tot["scale_total"] + tot["zp_total"])
    bad_sc = [kd for kd, k in kinds.items()
              if share(k["scale_equal"] + k["zp_equal"], k["scale_total"] + k["zp_total"]) < min_scale_share]
    checks.append(("scales and zero points bit-identical", not bad_sc,
                   f"{100 * sc:.4f} % (need >= {100 * min_scale_share:g} % in every kind"
                   + (f"; below in {sorted(bad_sc)})" if bad_sc else ")")))
    vs = share(tot["value_equal"], tot["value_total"])
    if per_kind:
        bad_v = [kd for kd, k in kinds.items() if share(k["value_equal"], k["value_total"]) < min_value_share]
        checks.append(("quantized values identical", not bad_v,
                       f"{100 * vs:.4f} % overall (need >= {100 * min_value_share:g} % in every kind"
                       + (f"; below in {sorted(bad_v)})" if bad_v else ")")))
    else:
        checks.append(("quantized values identical", vs >= min_value_share,
                       f"{100 * vs:.4f} % (need >= {100 * min_value_share:g} % over all quantized tensors)"))
    g_known = [k["g_idx"] for k in kinds.values() if k["g_idx"] is not None]
    checks.append(("g_idx", all(g_known), "equal" if g_known and all(g_known) else
                   "no weight_g_idx tensors" if not g_known else "DIFFER"))
    bad_other = [r for r in other if not r["within_rtol"]]
    checks.append(("other tensors (norms, embeddings, unquantized)", not bad_other,
                   f"{other_identical}/{other_total} bit-identical"
                   + (f", {len(other) - len(bad_other)} within rtol {other_rtol}" if other_rtol is not None else "")
                   + (f"; differ: " + "; ".join(f"{r['name']} {r['differing_elements']}/{r['total_elements']} "
                                                  f"max rel {r['max_rel_diff']:.3g}" for r in bad_other[:show])
                      if bad_other else "")))
    if cfg_a is None or cfg_b is None:
        checks.append(("config.json", False, "missing in " + ("A" if cfg_a is None else "B")))
        res["quantization_config_diffs"], res["config_rest_diffs"] = [], []
    else:
        qa, qb = dict(cfg_a.get("quantization_config") or {}), dict(cfg_b.get("quantization_config") or {})
        res["version_a"], res["version_b"] = qa.pop("version", None), qb.pop("version", None)
        qd = dict_diff(qa, qb, "quantization_config")
        rd = dict_diff({k: v for k, v in cfg_a.items() if k != "quantization_config"},
                       {k: v for k, v in cfg_b.items() if k != "quantization_config"})
        res["quantization_config_diffs"], res["config_rest_diffs"] = qd, rd
        checks.append(("config.json", not qd and not rd,
                       "equal apart from version" if not qd and not rd else "; ".join((qd + rd)[:max(show, 5)])))
    checks.append(("tensor names, dtypes, shapes, weight_shape", not fails,
                   "equal" if not fails else "; ".join(fails[:show])))
    for label, ok, detail in checks:
        say(f"{'PASS' if ok else 'FAIL'} {label}: {detail}")
    res["kinds"] = {kd: dict(k, modules=len(k["modules"]), scale_share=share(k["scale_equal"], k["scale_total"]),
                             value_share=share(k["value_equal"], k["value_total"]))
                    for kd, k in sorted(kinds.items())}
    res["totals"] = dict(tot, scale_share=share(tot["scale_equal"], tot["scale_total"]),
                         zp_share=share(tot["zp_equal"], tot["zp_total"]), value_share=vs)
    res["other_tensors"] = {"total": other_total, "bit_identical": other_identical, "differing": other}
    res["problems"] = fails
    res["checks"] = [{"check": label, "ok": ok, "detail": detail} for label, ok, detail in checks]
    res["ok"] = all(ok for _, ok, _ in checks)
    say("RESULT: " + ("PASS" if res["ok"] else "FAIL"))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--algorithm", action="store_true",
                    help="calibrated-algorithm comparison: share of bit-identical scales and of identical values")
    ap.add_argument("--min-value-share", type=float, default=0.99,
                    help="--algorithm: least share of identical quantized values (default 0.99)")
    ap.add_argument("--min-scale-share", type=float, default=1.0,
                    help="--algorithm: least share of bit-identical scale/zero-point elements (default 1.0)")
    ap.add_argument("--per-kind", action="store_true",
                    help="--algorithm: apply --min-value-share to every tensor kind, not only to the total")
    ap.add_argument("--other-rtol", type=float,
                    help="--algorithm: relative tolerance for unquantized tensors (default: bit-identical)")
    ap.add_argument("--scale-rtol", type=float, help="relative tolerance for *input_scale/*k_scale/*v_scale")
    ap.add_argument("--show", type=int, default=5, help="mismatches to print per category (default 5)")
    ap.add_argument("--json", help="write the full result as JSON to this file")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    for p in (a.a, a.b):
        if not os.path.isdir(p):
            raise SystemExit(f"compare_checkpoints.py: not a folder: {p}")
    if a.algorithm:
        res = compare_algorithm(a.a, a.b, a.min_value_share, a.min_scale_share, a.per_kind, a.other_rtol,
                                a.show, a.quiet)
    else:
        res = compare(a.a, a.b, a.scale_rtol, a.show, a.quiet)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    sys.exit(0 if res["ok"] else 1)


if __name__ == "__main__":
    main()
