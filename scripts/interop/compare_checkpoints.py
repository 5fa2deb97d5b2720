#!/usr/bin/env python3
"""Compare two compressed-tensors checkpoint folders tensor by tensor, bit for bit.

usage: python3 scripts/interop/compare_checkpoints.py A B [--scale-rtol X] [--show N] [--json FILE] [--quiet]

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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--scale-rtol", type=float, help="relative tolerance for *input_scale/*k_scale/*v_scale")
    ap.add_argument("--show", type=int, default=5, help="mismatches to print per category (default 5)")
    ap.add_argument("--json", help="write the full result as JSON to this file")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    for p in (a.a, a.b):
        if not os.path.isdir(p):
            raise SystemExit(f"compare_checkpoints.py: not a folder: {p}")
    res = compare(a.a, a.b, a.scale_rtol, a.show, a.quiet)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    sys.exit(0 if res["ok"] else 1)


if __name__ == "__main__":
    main()
