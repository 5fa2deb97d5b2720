#!/usr/bin/env python3
"""A NumPy AscendV1 inference runtime for Llama-family checkpoints (SwiftQuant's or msModelSlim's
`ascendv1_saver` output), to check an export against its compressed-tensors twin.

usage (the interop venv's python, scripts/python-env.sh; or scripts/interop/ascend_runtime.sh):
  python scripts/interop/ascend_runtime.py ASCEND_DIR --data wiki.test.raw
         [--ct CT_DIR] [--swiftquant BIN] [--ctx 512] [--tokens 8192] [--layer-windows 2]
         [--rtol 1e-3] [--ppl-rtol 5e-3] [--ct-ppl] [--json OUT]
  python scripts/interop/ascend_runtime.py MODEL_DIR --float-check --data wiki.test.raw
         (an unquantized folder: this forward against transformers' LlamaForCausalLM, logits of one window)

The runtime (../shared/docs/formats.md §2.2), per Linear P by its quant_model_description type:
  W8A8 (static):  x_q = clamp(rne(x / input_scale + input_offset), -128, 127)   (fp32 arithmetic)
                  y = (x_q · Wqᵀ + quant_bias) · deq_scale (+ bias); deq_scale is float32, or int64
                  holding the float32 bit pattern sign-extended (fp32/fp16 sources) — both decoded.
                  x_q · Wqᵀ is exact (fp32 GEMMs over ≤ 1024 columns: every partial sum ≤ 2^24).
  W8A8_DYNAMIC:   x_scale = max|x_row| / 127 per token, x_q = clamp(rne(x / x_scale), -128, 127),
                  y = (x_q · Wqᵀ) · x_scale · weight_scale (+ bias).
  W8A16:          W = (Wq − weight_offset) · weight_scale (per channel (out,1) or per group (out,in/g)),
                  y = x · Wᵀ (+ bias).
  FLOAT:          tensors as stored (upcast to fp32).
The model (fp32 activations, as `swiftquant eval` and transformers with dtype=float32): embedding,
RMSNorm, RoPE (rope_theta, default rope type), GQA attention with a causal mask, SiLU MLP, final norm,
lm_head (the saver writes a tied lm_head as a copy of the embedding table).

With --ct CT_DIR (the compressed-tensors twin written from the same calibration), each quantized Linear
is also evaluated as `swiftquant eval` does for that checkpoint (Sources/Formats/QuantizedModelLoader.swift):
weights (q − zp)·scale in fp32, inputs fake-quantized with the stored input_scale / input_zero_point
(static; t = f32(x/s), t = f32(t + zp), clamp, rne, f32((q − zp)·s)) or per token with compressed-tensors'
qparams (symmetric: scale = amax / 127.5). Both Linears get the same real inputs: the activations of the
first --layer-windows windows run through this runtime. Per Linear, the error is
max|y_runtime − y_fakequant| / max|y_fakequant| (over the window's tokens and output channels); the
report gives its maximum per Linear kind (q_proj, …, down_proj) and flags Linears above --rtol.
Per-token (W8A8_DYNAMIC) inputs cannot match within --rtol: compressed-tensors' dynamic qparams divide
amax by 127.5, msModelSlim's runtime by 127 (a difference of the two formats, not of the export). For
those Linears the raw error is reported, and the pass/fail bound applies to the twin re-evaluated with
the divisor 127 (which isolates everything else: weights, weight scales, rounding). Likewise for W8A8 on
a bf16 model: msModelSlim's deq_scale is input_scale·weight_scale rounded to bf16 (up to 2^-8 relative
per output channel) while the twin multiplies the exact scales; the bound then applies to the twin's
output scaled per channel by deq_scale/(input_scale·weight_scale), and how many channels equal the
fp32 / bf16 product is reported.
--swiftquant BIN runs `BIN eval --model CT_DIR --data … --ctx … --tokens … --json` and compares its
perplexity with the runtime's (|Δ|/ppl_swiftquant ≤ --ppl-rtol). --ct-ppl also computes the twin's
perplexity with this script's forward (separates forward-pass differences from format differences).

Perplexity protocol (docs/evaluation.md, Sources/Evaluation/Perplexity.swift): the corpus encoded whole
with the folder's tokenizer.json without special tokens, the first --tokens ids in windows of --ctx,
each window alone from position 0, log-softmax in fp32, NLL summed in fp64 over ctx − 1 positions.

Prints a human-readable report and, last, one JSON line; exit 0 when every check passed, 1 otherwise.
"""
import argparse, json, math, os, struct, subprocess, sys, time

import numpy as np

LINEAR_KINDS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
K_CHUNK = 1024  # |x_q·w_q| ≤ 2^14, so ≤ 1024 terms keep every fp32 partial sum an exact integer


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# safetensors (own reader: numpy has no bfloat16, and the files may be sharded)

_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I8": np.int8, "U8": np.uint8,
           "I16": np.int16, "I32": np.int32, "I64": np.int64, "BF16": np.uint16, "BOOL": np.bool_}


def _read_file(path, out, dtypes):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        data = np.memmap(path, dtype=np.uint8, mode="r")
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = info["dtype"]
        if dt not in _DTYPES:
            raise SystemExit(f"{path}: tensor {name} has dtype {dt}, which this runtime does not read")
        a, b = info["data_offsets"]
        raw = np.frombuffer(data[base + a: base + b], dtype=_DTYPES[dt]).reshape(info["shape"])
        if dt == "BF16":
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        out[name] = raw
        dtypes[name] = dt


def load_safetensors_dir(d, pattern_prefix=None):
    """All tensors of the *.safetensors files in d (optionally only files whose name starts with prefix)."""
    out, dtypes = {}, {}
    files = sorted(f for f in os.listdir(d) if f.endswith(".safetensors")
                   and (pattern_prefix is None or f.startswith(pattern_prefix)))
    if not files:
        raise SystemExit(f"{d}: no {pattern_prefix or ''}*.safetensors file")
    for f in files:
        _read_file(os.path.join(d, f), out, dtypes)
    return out, dtypes


def f32(a):
    return np.asarray(a, dtype=np.float32)


def bf16(x):
    """float32 → nearest-even bfloat16, as float32."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    return (((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16).astype(np.uint32).view(np.float32)


def decode_deq_scale(a):
    """deq_scale: float32, or int64 holding the float32 bit pattern sign-extended."""
    if a.dtype == np.int64:
        lo = a.astype(np.int64)
        if np.any((lo < -(1 << 31)) | (lo >= (1 << 31))):
            raise SystemExit("deq_scale (int64) holds values outside int32: not a sign-extended float32 bit pattern")
        return lo.astype(np.int32).view(np.float32)
    return f32(a)


# ---------------------------------------------------------------------------------------------
# Linears

def int_gemm(xq, wq_t_chunks):
    """x_q · Wqᵀ exactly (integers as fp32), accumulated in fp64 across ≤ 1024-column chunks."""
    acc = None
    for lo, hi, wt in wq_t_chunks:
        part = xq[:, lo:hi] @ wt
        acc = part.astype(np.float64) if acc is None else acc + part
    return acc


def chunks_of(wq):
    """Wqᵀ as fp32 pieces over ≤ K_CHUNK input columns."""
    cols = wq.shape[1]
    return [(lo, min(cols, lo + K_CHUNK), np.ascontiguousarray(wq[:, lo:min(cols, lo + K_CHUNK)].T.astype(np.float32)))
            for lo in range(0, cols, K_CHUNK)]


class AscendLinear:
    def __init__(self, prefix, kind, t):
        self.prefix, self.kind = prefix, kind
        self.bias = f32(t[prefix + ".bias"]) if prefix + ".bias" in t else None
        w = t[prefix + ".weight"]
        if kind == "FLOAT":
            self.w_t = np.ascontiguousarray(f32(w).T)
        elif kind == "W8A8":
            if w.dtype != np.int8:
                raise SystemExit(f"{prefix}.weight: W8A8 weight is {w.dtype}, expected int8")
            self.chunks = chunks_of(w)
            self.input_scale = f32(t[prefix + ".input_scale"]).reshape(-1)[0]
            self.input_offset = f32(t[prefix + ".input_offset"]).reshape(-1)[0]
            self.quant_bias = t[prefix + ".quant_bias"].astype(np.int64)
            self.deq_scale = decode_deq_scale(t[prefix + ".deq_scale"]).reshape(-1)
        elif kind == "W8A8_DYNAMIC":
            self.chunks = chunks_of(w)
            self.weight_scale = f32(t[prefix + ".weight_scale"]).reshape(-1)
            off = f32(t[prefix + ".weight_offset"])
            if np.any(off != 0):
                raise SystemExit(f"{prefix}.weight_offset: W8A8_DYNAMIC with nonzero weight offsets is not supported")
        elif kind == "W8A16":
            ws, wo = f32(t[prefix + ".weight_scale"]), f32(t[prefix + ".weight_offset"])
            out, cols = w.shape
            g = cols // ws.shape[1]
            if ws.shape[1] * g != cols:
                raise SystemExit(f"{prefix}: weight_scale {ws.shape} does not fit a {w.shape} weight")
            W = (w.astype(np.float32).reshape(out, ws.shape[1], g) - wo[:, :, None]) * ws[:, :, None]
            self.w_t = np.ascontiguousarray(W.reshape(out, cols).T)
        else:
            raise SystemExit(f"{prefix}: description type {kind} is not supported by this runtime")

    def quantize_input(self, x):
        t = (x / self.input_scale).astype(np.float32)
        t = (t + self.input_offset).astype(np.float32)
        return np.clip(np.rint(t), -128, 127).astype(np.float32)

    def __call__(self, x):
        x = f32(x)
        if self.kind in ("FLOAT", "W8A16"):
            y = x @ self.w_t
        elif self.kind == "W8A8":
            acc = int_gemm(self.quantize_input(x), self.chunks) + self.quant_bias
            # int32 accumulator + int32 quant_bias, converted to fp32, times deq_scale in fp32
            y = acc.astype(np.float32) * self.deq_scale
        else:  # W8A8_DYNAMIC
            amax = np.max(np.abs(x), axis=1, keepdims=True)
            xs = (amax / np.float32(127)).astype(np.float32)
            xs = np.where(xs == 0, np.float32(1), xs)  # an all-zero row quantizes to zeros either way
            xq = np.clip(np.rint((x / xs).astype(np.float32)), -128, 127).astype(np.float32)
            acc = int_gemm(xq, self.chunks).astype(np.float32)
            y = acc * xs * self.weight_scale
        y = f32(y)
        if self.bias is not None:
            y = y + self.bias
        return y


def unpack_rows(packed, cols, bits):
    """compressed-tensors' pack-quantized int32 words (value i of a row at bits [i·b, i·b+b), unsigned
    with offset 2^(b−1)) back to signed integers, rows × cols (Sources/Formats/Packing.swift)."""
    u = np.ascontiguousarray(packed).view(np.uint32).astype(np.uint64)
    words = u.shape[1]
    bit = np.arange(cols) * bits
    word, shift = bit // 32, (bit % 32).astype(np.uint64)
    chunk = u[:, word]
    straddle = (bit % 32) + bits > 32
    if straddle.any():
        nxt = u[:, np.minimum(word + 1, words - 1)]
        chunk = chunk | np.where(straddle & (word + 1 < words), nxt << np.uint64(32), np.uint64(0))
    return ((chunk >> shift) & np.uint64((1 << bits) - 1)).astype(np.int64) - (1 << (bits - 1))


class FakeQuantLinear:
    """A compressed-tensors Linear as `swiftquant eval` evaluates it (QuantizedModelLoader.swift)."""

    def __init__(self, prefix, t, scheme, token_divisor=127.5):
        self.prefix = prefix
        self.token_divisor = np.float32(token_divisor)
        wargs, aargs = scheme.get("weights"), scheme.get("input_activations")
        self.bias = f32(t[prefix + ".bias"]) if prefix + ".bias" in t else None
        bits = (wargs or {}).get("num_bits", 8)
        if prefix + ".weight_packed" in t:
            rows, cols = (int(v) for v in t[prefix + ".weight_shape"])
            w = unpack_rows(t[prefix + ".weight_packed"], cols, bits)
        else:
            w = t[prefix + ".weight"]
        if wargs is None or w.dtype not in (np.int8, np.int64):
            self.w_t = np.ascontiguousarray(f32(w).T)
        else:
            s = f32(t[prefix + ".weight_scale"])
            s = s.reshape(s.shape[0], -1) if s.ndim == 2 else s.reshape(1, 1)
            self.weight_scale = s
            zp = np.zeros_like(s)
            if not wargs.get("symmetric", True) and prefix + ".weight_zero_point" in t:
                z = t[prefix + ".weight_zero_point"]
                if z.dtype == np.int32:  # pack-quantized: packed along dim 0
                    z = unpack_rows(np.ascontiguousarray(z.T), s.shape[0], bits).T
                zp = z.astype(np.float32).reshape(s.shape)
            if prefix + ".weight_g_idx" in t:
                raise SystemExit(f"{prefix}: weight_g_idx (activation order) is not read by this script")
            out, cols = w.shape
            g = cols // s.shape[1]
            q = w.astype(np.float32).reshape(out, s.shape[1], g)
            W = ((q - zp[:, :, None]).astype(np.float32) * s[:, :, None]).astype(np.float32)
            self.w_t = np.ascontiguousarray(W.reshape(out, cols).T)
        self.act = None
        if aargs is not None:
            if aargs.get("type", "int") != "int" or aargs.get("num_bits", 8) != 8:
                raise SystemExit(f"{prefix}: only int8 input activations are simulated here")
            self.sym = aargs.get("symmetric", True)
            dyn = aargs.get("dynamic", False)
            if dyn is True or dyn == "local":
                if aargs.get("strategy") not in ("token", None):
                    raise SystemExit(f"{prefix}: dynamic {aargs.get('strategy')} activations are not simulated here")
                self.act = "token"
            else:
                self.act = "static"
                self.s = f32(t[prefix + ".input_scale"]).reshape(-1)[0]
                self.zp = np.float32(t[prefix + ".input_zero_point"].reshape(-1)[0]) \
                    if prefix + ".input_zero_point" in t else np.float32(0)

    @staticmethod
    def _fq(x, s, zp, sym):
        # QuantArithmetic.quantize / dequantize with dtype fp32
        t = (x / s).astype(np.float32)
        if not sym:
            t = (t + zp).astype(np.float32)
        q = np.rint(np.clip(t, -128, 127)).astype(np.float32)
        shifted = q if (np.isscalar(zp) and zp == 0) else (q - zp).astype(np.float32)
        return (shifted * s).astype(np.float32)

    def __call__(self, x):
        x = f32(x)
        if self.act == "static":
            x = self._fq(x, self.s, self.zp, self.sym)
        elif self.act == "token":
            lo = np.minimum(x.min(axis=1, keepdims=True), 0)
            hi = np.maximum(x.max(axis=1, keepdims=True), 0)
            if self.sym:
                amax = np.maximum(np.abs(lo), np.abs(hi))
                s = (amax / self.token_divisor).astype(np.float32)
                zp = np.float32(0)
            else:
                s = ((hi - lo).astype(np.float32) / np.float32(255)).astype(np.float32)
                zp = np.clip(np.rint(np.clip((np.float32(-128) - (lo / s).astype(np.float32)), -128, 127)), -128, 127)
            s = np.where(s == 0, np.float32(2.0 ** -23), s).astype(np.float32)
            x = self._fq(x, s, zp, self.sym)
        y = f32(x @ self.w_t)
        if self.bias is not None:
            y = y + self.bias
        return y


# ---------------------------------------------------------------------------------------------
# Llama forward (transformers' LlamaForCausalLM, fp32)

class Llama:
    def __init__(self, cfg, tensors, linears):
        self.cfg = cfg
        self.t = tensors
        self.linears = linears  # path -> callable
        self.H = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.nkv = cfg.get("num_key_value_heads", self.nh)
        self.hd = cfg.get("head_dim") or self.H // self.nh
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.L = cfg["num_hidden_layers"]
        rs = cfg.get("rope_scaling")
        if rs and rs.get("rope_type", rs.get("type", "default")) not in ("default", None):
            raise SystemExit(f"rope_scaling {rs} is not supported by this runtime")
        theta = float(cfg.get("rope_theta", 10000.0))
        exps = (np.arange(0, self.hd, 2, dtype=np.int64).astype(np.float32) / np.float32(self.hd)).astype(np.float32)
        self.inv_freq = (np.float32(1.0) / np.power(np.float32(theta), exps).astype(np.float32)).astype(np.float32)
        self.embed = f32(tensors["model.embed_tokens.weight"])
        if "lm_head.weight" in tensors:
            self.lm_head_t = np.ascontiguousarray(f32(tensors["lm_head.weight"]).T)
        else:
            self.lm_head_t = np.ascontiguousarray(self.embed.T)
        self.capture = None

    def rms(self, x, w):
        var = np.mean(x * x, axis=-1, keepdims=True, dtype=np.float32)
        return (f32(w) * (x / np.sqrt(var + np.float32(self.eps))).astype(np.float32)).astype(np.float32)

    def lin(self, path, x):
        if self.capture is not None:
            self.capture(path, x)
        return self.linears[path](x)

    def rope(self, n):
        freqs = np.outer(np.arange(n, dtype=np.float32), self.inv_freq).astype(np.float32)
        emb = np.concatenate([freqs, freqs], axis=-1)
        return np.cos(emb).astype(np.float32), np.sin(emb).astype(np.float32)

    @staticmethod
    def rot(x, cos, sin):
        h = x.shape[-1] // 2
        rh = np.concatenate([-x[..., h:], x[..., :h]], axis=-1)
        return (x * cos + rh * sin).astype(np.float32)

    def hidden(self, ids):
        n = len(ids)
        x = self.embed[np.asarray(ids)].astype(np.float32)
        cos, sin = self.rope(n)
        mask = np.triu(np.full((n, n), -np.inf, dtype=np.float32), k=1)
        rep = self.nh // self.nkv
        scale = np.float32(1.0 / math.sqrt(self.hd))
        for i in range(self.L):
            p = f"model.layers.{i}."
            h = self.rms(x, self.t[p + "input_layernorm.weight"])
            q = self.lin(p + "self_attn.q_proj", h).reshape(n, self.nh, self.hd).transpose(1, 0, 2)
            k = self.lin(p + "self_attn.k_proj", h).reshape(n, self.nkv, self.hd).transpose(1, 0, 2)
            v = self.lin(p + "self_attn.v_proj", h).reshape(n, self.nkv, self.hd).transpose(1, 0, 2)
            q, k = self.rot(q, cos, sin), self.rot(k, cos, sin)
            k = np.repeat(k, rep, axis=0)
            v = np.repeat(v, rep, axis=0)
            # numpy's stacked matmul is ~30x slower than einsum for a tiny head_dim (stories260K: 8),
            # einsum (no BLAS) much slower than matmul for SmolLM2's 64
            small = self.hd < 32
            s = (np.einsum("hqd,hkd->hqk", q, k) if small else q @ k.transpose(0, 2, 1)) * scale + mask
            s = s - s.max(axis=-1, keepdims=True)
            e = np.exp(s)
            a = (e / e.sum(axis=-1, keepdims=True)).astype(np.float32)
            o = (np.einsum("hqk,hkd->qhd", a, v) if small else (a @ v).transpose(1, 0, 2)).reshape(n, self.nh * self.hd)
            x = x + self.lin(p + "self_attn.o_proj", o)
            h = self.rms(x, self.t[p + "post_attention_layernorm.weight"])
            g = self.lin(p + "mlp.gate_proj", h)
            u = self.lin(p + "mlp.up_proj", h)
            act = (g / (np.float32(1) + np.exp(-g))).astype(np.float32) * u
            x = x + self.lin(p + "mlp.down_proj", act)
        return self.rms(x, self.t["model.norm.weight"])

    def logits(self, ids):
        return f32(self.hidden(ids) @ self.lm_head_t)


def window_nll(model, window):
    logits = model.logits(window)[:-1]
    m = logits.max(axis=1, keepdims=True)
    lse = (m[:, 0] + np.log(np.exp(logits - m).sum(axis=1, dtype=np.float32))).astype(np.float32)
    tgt = np.asarray(window[1:])
    lp = (logits[np.arange(len(tgt)), tgt] - lse).astype(np.float32)
    return -float(lp.astype(np.float64).sum())


def perplexity(model, ids, ctx, tokens, label):
    if tokens % ctx or len(ids) < tokens:
        raise SystemExit(f"--tokens {tokens} must be a multiple of --ctx {ctx} and ≤ {len(ids)} corpus tokens")
    total, t0 = 0.0, time.perf_counter()
    W = tokens // ctx
    for w in range(W):
        total += window_nll(model, ids[w * ctx:(w + 1) * ctx])
        log(f"  {label}: window {w + 1}/{W} ({time.perf_counter() - t0:.0f} s)")
    return math.exp(total / (W * (ctx - 1))), time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# loading

def linear_paths(cfg):
    L = cfg["num_hidden_layers"]
    out = []
    for i in range(L):
        for k in LINEAR_KINDS:
            out.append(f"model.layers.{i}.{'self_attn' if k in LINEAR_KINDS[:4] else 'mlp'}.{k}")
    return out


def load_ascend(d):
    desc_path = os.path.join(d, "quant_model_description.json")
    if not os.path.exists(desc_path):
        raise SystemExit(f"{d}: no quant_model_description.json (not an AscendV1 folder)")
    desc = json.load(open(desc_path))
    t, dtypes = load_safetensors_dir(d, "quant_model_weights")
    cfg = json.load(open(os.path.join(d, "config.json")))
    missing = [k for k, v in desc.items() if isinstance(v, str) and k.count(".") >= 1 and k not in t
               and k not in ("version", "model_quant_type")]
    if missing:
        raise SystemExit(f"{d}: described but not stored: {missing[:5]}")
    linears, kinds = {}, {}
    for p in linear_paths(cfg):
        kind = desc.get(p + ".weight")
        if kind is None:
            raise SystemExit(f"{d}: {p}.weight is not described")
        linears[p] = AscendLinear(p, kind, t)
        kinds[p] = kind
    return cfg, t, dtypes, desc, linears, kinds


def load_ct(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    q = cfg.get("quantization_config")
    if not q or q.get("quant_method") != "compressed-tensors":
        raise SystemExit(f"{d}: config.json has no compressed-tensors quantization_config")
    files = [f for f in os.listdir(d) if f.startswith("model") and f.endswith(".safetensors")]
    t, _ = load_safetensors_dir(d, "model")
    groups = q.get("config_groups", {})
    ignore = q.get("ignore", [])

    def scheme(path):
        if path in ignore or any(i.startswith("re:") and __import__("re").match(i[3:], path) for i in ignore):
            return None
        for name in sorted(groups):
            for tg in groups[name].get("targets", []):
                if tg == "Linear" or tg == path or (tg.startswith("re:") and __import__("re").match(tg[3:], path)):
                    return groups[name]
        return None

    linears = {}
    for p in linear_paths(cfg):
        s = scheme(p)
        linears[p] = FakeQuantLinear(p, t, s or {})
    return cfg, t, linears, files


def tokenize(folder, data):
    from tokenizers import Tokenizer
    tj = os.path.join(folder, "tokenizer.json")
    if not os.path.exists(tj):
        raise SystemExit(f"{folder}: no tokenizer.json (pass --tokenizer)")
    text = open(data, "rb").read().decode("utf-8")
    return Tokenizer.from_file(tj).encode(text, add_special_tokens=False).ids


# ---------------------------------------------------------------------------------------------

def float_check(a):
    """This forward on an unquantized folder against transformers (fp32, eager and sdpa)."""
    import torch
    from transformers import AutoModelForCausalLM
    torch.set_num_threads(a.threads)
    cfg = json.load(open(os.path.join(a.folder, "config.json")))
    t, _ = load_safetensors_dir(a.folder)
    lin = {p: AscendLinear(p, "FLOAT", t) for p in linear_paths(cfg)}
    model = Llama(cfg, t, lin)
    ids = tokenize(a.tokenizer or a.folder, a.data)[:a.ctx]
    ours = model.logits(ids)
    res = {"model": a.folder, "ctx": a.ctx}
    for impl in ("eager", "sdpa"):
        hf = AutoModelForCausalLM.from_pretrained(a.folder, dtype=torch.float32, attn_implementation=impl).eval()
        with torch.no_grad():
            ref = hf(torch.tensor([ids]), use_cache=False).logits[0].float().numpy()
        d = float(np.max(np.abs(ours - ref)))
        res[impl] = {"max_abs_logit_diff": d, "max_abs_logit": float(np.max(np.abs(ref))),
                     "argmax_agree": float(np.mean(ours.argmax(1) == ref.argmax(1)))}
        print(f"float forward vs transformers ({impl}), {len(ids)} tokens: max |Δlogit| = {d:.3g} "
              f"(max |logit| {res[impl]['max_abs_logit']:.3g}), argmax agreement {res[impl]['argmax_agree']:.4f}")
    if a.tokens:
        ids_all = tokenize(a.tokenizer or a.folder, a.data)
        ppl, secs = perplexity(model, ids_all, a.ctx, a.tokens, "float")
        res["ppl"] = ppl
        print(f"float E({a.ctx}, {a.tokens}) = {ppl:.6f} ({secs:.0f} s)")
    ok = all(res[i]["max_abs_logit_diff"] <= 1e-3 * max(1.0, res[i]["max_abs_logit"]) for i in ("eager", "sdpa"))
    res["ok"] = ok
    print("RESULT:", "PASS" if ok else "FAIL")
    print(json.dumps(res))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", help="AscendV1 folder (or, with --float-check, an unquantized model folder)")
    ap.add_argument("--ct", help="the compressed-tensors twin from the same calibration")
    ap.add_argument("--data", required=True, help="corpus file (e.g. ../shared/data/wikitext-2-raw/wiki.test.raw)")
    ap.add_argument("--tokenizer", help="folder with tokenizer.json (default: the AscendV1 folder)")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--tokens", type=int, default=8192, help="0 skips the perplexity")
    ap.add_argument("--layer-windows", type=int, default=2, help="windows whose real activations feed the per-Linear check")
    ap.add_argument("--rtol", type=float, default=1e-3, help="per-Linear bound on max|Δy| / max|y_fakequant|")
    ap.add_argument("--ppl-rtol", type=float, default=5e-3, help="bound on |ppl_runtime − ppl_swiftquant| / ppl_swiftquant")
    ap.add_argument("--swiftquant", help="swiftquant binary: also run `eval` on --ct and compare perplexities")
    ap.add_argument("--ct-ppl", action="store_true", help="also the twin's perplexity with this script's forward")
    ap.add_argument("--float-check", action="store_true", help="FOLDER is unquantized: compare this forward with transformers")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the result object here too")
    a = ap.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if a.float_check:
        sys.exit(float_check(a))

    t0 = time.perf_counter()
    cfg, t, dtypes, desc, rt_lin, kinds = load_ascend(a.folder)
    model = Llama(cfg, t, rt_lin)
    ids = tokenize(a.tokenizer or a.folder, a.data)
    res = {"ascend": a.folder, "ct": a.ct, "model_quant_type": desc.get("model_quant_type"),
           "linear_types": {k: sum(1 for v in kinds.values() if v == k) for k in sorted(set(kinds.values()))},
           "ctx": a.ctx, "tokens": a.tokens}
    print(f"AscendV1 {a.folder}: model_quant_type {desc.get('model_quant_type')}, Linears {res['linear_types']}, "
          f"deq_scale stored as {sorted({dtypes[k] for k in t if k.endswith('.deq_scale')}) or '-'}")
    failures = []

    if a.ct:
        ccfg, ct, ct_lin, _ = load_ct(a.ct)
        worst = {}
        over = []
        deq_stats = {}
        for w in range(a.layer_windows):
            window = ids[w * a.ctx:(w + 1) * a.ctx]
            per = {}

            def cap(path, x):
                if kinds[path] == "FLOAT":
                    return
                y_rt = rt_lin[path](x)
                y_fq = ct_lin[path](x)
                denom = float(np.max(np.abs(y_fq)))
                r = float(np.max(np.abs(y_rt - y_fq))) / max(denom, 1e-30)
                fro = float(np.linalg.norm(y_rt - y_fq) / max(np.linalg.norm(y_fq), 1e-30))
                r_adj = None
                fq = ct_lin[path]
                if kinds[path] == "W8A8" and fq.act == "static" and fq.weight_scale.shape[1] == 1:
                    # diagnostic: deq_scale against the twin's input_scale · weight_scale (exact in fp32 for an
                    # fp32 model; msModelSlim rounds the product to bf16 for a bf16 model, formats.md §2)
                    exact = (fq.s * fq.weight_scale[:, 0]).astype(np.float32)
                    factor = (rt_lin[path].deq_scale / exact).astype(np.float32)
                    deq_stats.setdefault(path, (int(np.sum(rt_lin[path].deq_scale == exact)),
                                                int(np.sum(rt_lin[path].deq_scale == bf16(exact))), exact.size,
                                                float(np.max(np.abs(factor - 1)))))
                    if np.any(factor != 1):
                        yd = (y_fq * factor).astype(np.float32)
                        r_adj = float(np.max(np.abs(y_rt - yd))) / max(float(np.max(np.abs(yd))), 1e-30)
                if fq.act == "token":
                    # diagnostic: the twin's per-token fake quantization with msModelSlim's divisor 127
                    fq.token_divisor = np.float32(127)
                    y127 = fq(x)
                    fq.token_divisor = np.float32(127.5)
                    r_adj = float(np.max(np.abs(y_rt - y127))) / max(float(np.max(np.abs(y127))), 1e-30)
                per[path] = (r, fro, r_adj)
            model.capture = cap
            model.hidden(window)
            model.capture = None
            for path, (r, fro, r_adj) in per.items():
                kind = path.rsplit(".", 1)[1]
                wr = worst.setdefault(kind, {"max_rel": 0.0, "max_fro_rel": 0.0, "worst_linear": "-"})
                if r > wr["max_rel"]:
                    wr["max_rel"], wr["worst_linear"] = r, path
                wr["max_fro_rel"] = max(wr["max_fro_rel"], fro)
                if r_adj is not None:
                    wr["max_rel_twin_adjusted"] = max(wr.get("max_rel_twin_adjusted", 0.0), r_adj)
                # per-token Linears are judged against the twin with msModelSlim's divisor (127), bf16 W8A8
                # against the twin with the bf16-rounded deq_scale; the raw differences are properties
                # of the two formats, reported above
                judged = r if r_adj is None else r_adj
                if judged > a.rtol:
                    over.append((path, w, judged))
        res["per_linear"] = worst
        res["linears_over_rtol"] = len({p for p, _, _ in over})
        print(f"\nPer-Linear check, {a.layer_windows} window(s) of {a.ctx} real activations "
              f"(runtime vs `swiftquant eval`'s fake quantization of {a.ct}):")
        print(f"  {'kind':10s} {'max rel (max|Δ|/max|y|)':>24s} {'max ‖Δ‖/‖y‖':>12s}  worst Linear")
        for kind in LINEAR_KINDS:
            if kind in worst:
                wr = worst[kind]
                judged = wr.get("max_rel_twin_adjusted", wr["max_rel"])
                flag = "" if judged <= a.rtol else f"  > {a.rtol:g}"
                if judged != wr["max_rel"] and wr["max_rel"] > a.rtol:
                    flag = f"  (> {a.rtol:g}: a format difference, see below)"
                print(f"  {kind:10s} {wr['max_rel']:24.3e} {wr['max_fro_rel']:12.3e}  {wr['worst_linear']}{flag}")
        adjusted = ", ".join(f"{k} {worst[k]['max_rel_twin_adjusted']:.3e}" for k in LINEAR_KINDS
                             if "max_rel_twin_adjusted" in worst.get(k, {}))
        if any(v == "W8A8_DYNAMIC" for v in kinds.values()) and adjusted:
            print("  per-token inputs: compressed-tensors' dynamic qparams divide amax by 127.5, the AscendV1 runtime\n"
                  "  (msModelSlim) by 127. With 127 in the twin's fake quantization the max rel errors are: " + adjusted)
        if deq_stats:
            n_exact = sum(v[0] for v in deq_stats.values()); n_bf = sum(v[1] for v in deq_stats.values())
            n = sum(v[2] for v in deq_stats.values()); dev = max(v[3] for v in deq_stats.values())
            res["deq_scale_vs_twin"] = {"channels": n, "equal_f32_product": n_exact, "equal_bf16_product": n_bf,
                                        "max_rel_deviation": dev}
            print(f"  deq_scale vs the twin's input_scale·weight_scale: {n_exact}/{n} channels equal the fp32 product, "
                  f"{n_bf}/{n} its bf16 rounding; max rel deviation {dev:.3e}")
            if adjusted and n_exact < n:
                print("  deq_scale is the bf16-rounded product (msModelSlim on a bf16 model), the twin uses the exact\n"
                      "  scales: with the twin's outputs scaled per channel by deq/(input_scale·weight_scale) the max rel\n"
                      "  errors are: " + adjusted)
        if over:
            failures.append(f"{res['linears_over_rtol']} Linear(s) above rtol {a.rtol:g}, e.g. {over[0][0]} ({over[0][2]:.3g})")
        if a.ct_ppl and a.tokens:
            ct_model = Llama(ccfg, ct, ct_lin)
            res["ppl_ct_numpy"], _ = perplexity(ct_model, ids, a.ctx, a.tokens, "twin (numpy fake quant)")

    if a.tokens:
        res["ppl_runtime"], res["runtime_seconds"] = perplexity(model, ids, a.ctx, a.tokens, "AscendV1 runtime")
    if a.swiftquant and a.ct and a.tokens:
        cmd = [a.swiftquant, "eval", "--model", a.ct, "--data", a.data, "--ctx", str(a.ctx),
               "--tokens", str(a.tokens), "--json"]
        log("  " + " ".join(cmd))
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            failures.append(f"swiftquant eval failed: {p.stderr.strip().splitlines()[-1:]}")
        else:
            line = [l for l in p.stdout.splitlines() if l.strip().startswith("{")][-1]
            res["ppl_swiftquant_ct"] = json.loads(line)["ppl"]
    print()
    if "ppl_runtime" in res:
        print(f"E({a.ctx}, {a.tokens}) AscendV1 runtime            = {res['ppl_runtime']:.6f}")
    if "ppl_ct_numpy" in res:
        print(f"E({a.ctx}, {a.tokens}) twin, this script's forward = {res['ppl_ct_numpy']:.6f}")
    if "ppl_swiftquant_ct" in res:
        print(f"E({a.ctx}, {a.tokens}) twin, swiftquant eval      = {res['ppl_swiftquant_ct']:.6f}")
        gap = abs(res["ppl_runtime"] - res["ppl_swiftquant_ct"]) / res["ppl_swiftquant_ct"]
        res["ppl_rel_gap"] = gap
        print(f"relative gap runtime vs swiftquant eval = {gap:.3e} (bound {a.ppl_rtol:g})")
        if gap > a.ppl_rtol:
            failures.append(f"perplexity gap {gap:.3g} > {a.ppl_rtol:g}")
    res["failures"] = failures
    res["ok"] = not failures
    res["total_seconds"] = round(time.perf_counter() - t0, 1)
    for f in failures:
        print("FAIL", f)
    print("RESULT:", "PASS" if not failures else "FAIL")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    print(json.dumps(res))
    sys.exit(0 if not failures else 1)


if __name__ == "__main__":
    main()
