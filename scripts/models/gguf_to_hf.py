#!/usr/bin/env python3
"""Converts a Llama-architecture GGUF (here SmolLM2-135M-Instruct Q4_1) into a Hugging Face folder:
config.json, generation_config.json, model.safetensors (bf16, or fp32 with --dtype fp32),
tokenizer.json, tokenizer_config.json, special_tokens_map.json.

usage: python gguf_to_hf.py MODEL.gguf OUT_DIR [--dtype bf16|fp32]

- Weights: gguf-py dequantizes each tensor exactly to fp32; bf16 is round-to-nearest-even of that.
  llama.cpp stores q_proj / k_proj rows in its RoPE order (pairs interleaved per head); they are put
  back in transformers' order (the first half of each head's rows, then the second).
- The tokenizer is rebuilt from the GGUF metadata (tokens, merges, token types): byte-level BPE with
  transformers' layout for SmolLM2 (Digits + ByteLevel pre-tokenizer, ByteLevel post-processor and
  decoder); control tokens become special added tokens; the chat template goes to
  tokenizer_config.json.
- Only numpy and gguf are needed (the safetensors file is written here, with its header in
  tensor-name order and `__metadata__: {"format": "pt"}`).
"""
import argparse, json, os, struct, sys

import numpy as np
import gguf

# GGUF tensor name (after "blk.N.") -> transformers module path (after "model.layers.N.")
LAYER_NAMES = {
    "attn_q.weight": "self_attn.q_proj.weight", "attn_k.weight": "self_attn.k_proj.weight",
    "attn_v.weight": "self_attn.v_proj.weight", "attn_output.weight": "self_attn.o_proj.weight",
    "ffn_gate.weight": "mlp.gate_proj.weight", "ffn_up.weight": "mlp.up_proj.weight",
    "ffn_down.weight": "mlp.down_proj.weight", "attn_norm.weight": "input_layernorm.weight",
    "ffn_norm.weight": "post_attention_layernorm.weight",
}


def field(reader, key, default=None):
    f = reader.fields.get(key)
    return default if f is None else f.contents()


def hf_name(name):
    if name == "token_embd.weight":
        return "model.embed_tokens.weight"
    if name == "output_norm.weight":
        return "model.norm.weight"
    if name == "output.weight":
        return "lm_head.weight"
    if name.startswith("blk."):
        _, layer, rest = name.split(".", 2)
        if rest in LAYER_NAMES:
            return f"model.layers.{layer}.{LAYER_NAMES[rest]}"
    raise SystemExit(f"unexpected GGUF tensor {name}")


def unpermute(w, heads):
    """llama.cpp's RoPE row order back to transformers' (inverse of its conversion's permute)."""
    rows = w.shape[0]
    return w.reshape(heads, rows // heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def to_bf16_bits(a):
    bits = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16   # round to nearest even (finite values)
    return rounded.astype(np.uint16)


def write_safetensors(path, tensors):
    """tensors: {name: (dtype string, shape, bytes)}; header keys sorted, data in that order."""
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for name in sorted(tensors):
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def byte_level_alphabet():
    """GPT-2's byte-to-unicode table: the tokens' byte-level characters."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars, n = list(keep), 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(keep, chars)}


def tokenizer_files(reader):
    tokens = field(reader, "tokenizer.ggml.tokens")
    types = field(reader, "tokenizer.ggml.token_type")
    merges = field(reader, "tokenizer.ggml.merges")
    bos, eos = field(reader, "tokenizer.ggml.bos_token_id"), field(reader, "tokenizer.ggml.eos_token_id")
    unk, pad = field(reader, "tokenizer.ggml.unknown_token_id"), field(reader, "tokenizer.ggml.padding_token_id")
    template = field(reader, "tokenizer.chat_template")
    control = [i for i, t in enumerate(types) if t == gguf.TokenType.CONTROL]
    added = [{"id": i, "content": tokens[i], "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i in control]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Digits", "individual_digits": True}, byte_level]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {t: i for i, t in enumerate(tokens)}, "merges": list(merges)},
    }

    def spec(i):
        return {"content": tokens[i], "lstrip": False, "normalized": False, "rstrip": False, "single_word": False}

    extra = [tokens[i] for i in (bos, eos)]
    special = {"additional_special_tokens": extra, "bos_token": spec(bos), "eos_token": spec(eos),
               "pad_token": spec(pad), "unk_token": spec(unk)}
    config = {"add_prefix_space": False,
              "added_tokens_decoder": {str(i): {**spec(i), "special": True} for i in control},
              "additional_special_tokens": extra, "bos_token": tokens[bos], "chat_template": template,
              "clean_up_tokenization_spaces": False, "eos_token": tokens[eos],
              "model_max_length": 8192, "pad_token": tokens[pad], "tokenizer_class": "GPT2Tokenizer",
              "unk_token": tokens[unk], "vocab_size": len(tokens)}
    return tokenizer, config, special


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gguf")
    ap.add_argument("out")
    ap.add_argument("--dtype", choices=["bf16", "fp32"], default="bf16")
    a = ap.parse_args()
    reader = gguf.GGUFReader(a.gguf)
    if field(reader, "general.architecture") != "llama":
        raise SystemExit(f"{a.gguf}: architecture {field(reader, 'general.architecture')!r}, expected llama")
    heads = int(field(reader, "llama.attention.head_count"))
    kv_heads = int(field(reader, "llama.attention.head_count_kv"))
    tensors = {}
    for t in reader.tensors:
        w = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
        shape = [int(d) for d in reversed(t.shape)]
        w = w.reshape(shape)
        name = hf_name(t.name)
        if t.name.endswith("attn_q.weight"):
            w = unpermute(w, heads)
        elif t.name.endswith("attn_k.weight"):
            w = unpermute(w, kv_heads)
        if a.dtype == "bf16":
            tensors[name] = ("BF16", shape, to_bf16_bits(w).tobytes())
        else:
            tensors[name] = ("F32", shape, np.ascontiguousarray(w).tobytes())
    os.makedirs(a.out, exist_ok=True)
    write_safetensors(os.path.join(a.out, "model.safetensors"), tensors)
    hidden = int(field(reader, "llama.embedding_length"))
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": int(field(reader, "tokenizer.ggml.bos_token_id")), "eos_token_id": int(field(reader, "tokenizer.ggml.eos_token_id")),
        "pad_token_id": int(field(reader, "tokenizer.ggml.padding_token_id")),
        "head_dim": int(field(reader, "llama.rope.dimension_count", hidden // heads)), "hidden_act": "silu",
        "hidden_size": hidden, "initializer_range": 0.041666666666666664,
        "intermediate_size": int(field(reader, "llama.feed_forward_length")),
        "max_position_embeddings": int(field(reader, "llama.context_length")), "mlp_bias": False,
        "num_attention_heads": heads, "num_hidden_layers": int(field(reader, "llama.block_count")),
        "num_key_value_heads": kv_heads, "pretraining_tp": 1,
        # The GGUF holds the float32 nearest to the original; the config's is the decimal it came from.
        "rms_norm_eps": float(f"{float(np.float32(field(reader, 'llama.attention.layer_norm_rms_epsilon'))):.7g}"),
        "rope_scaling": None, "rope_theta": float(field(reader, "llama.rope.freq_base")),
        "tie_word_embeddings": "output.weight" not in {t.name for t in reader.tensors},
        "torch_dtype": "bfloat16" if a.dtype == "bf16" else "float32", "use_cache": True,
        "vocab_size": int(field(reader, "llama.vocab_size")),
    }
    tokenizer, tokenizer_config, special = tokenizer_files(reader)
    generation = {k: config[k] for k in ("bos_token_id", "eos_token_id", "pad_token_id")}
    for name, obj in [("config.json", config), ("generation_config.json", generation), ("tokenizer.json", tokenizer),
                      ("tokenizer_config.json", tokenizer_config), ("special_tokens_map.json", special)]:
        with open(os.path.join(a.out, name), "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
