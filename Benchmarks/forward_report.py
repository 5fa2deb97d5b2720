"""Formats the forward-pass benchmark (Benchmarks/forward.sh) as a Markdown table. Standard library only."""
import argparse, json, os, platform, re, subprocess


def time_v(path):
    text = open(path).read()
    def grab(label):
        m = re.search(re.escape(label) + r":\s*(.+)", text)
        return m.group(1).strip() if m else None
    wall = grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    return {"wall": seconds, "rss_mib": int(grab("Maximum resident set size (kbytes)")) / 1024,
            "cpu": grab("Percent of CPU this job got")}


def last_json(path):
    for line in reversed(open(path).read().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"no JSON result in {path}")


def forward_flops(config, ctx, tokens):
    h, inter, layers = config["hidden_size"], config["intermediate_size"], config["num_hidden_layers"]
    heads, kv = config["num_attention_heads"], config.get("num_key_value_heads", config["num_attention_heads"])
    hd = config.get("head_dim") or h // heads
    vocab = config["vocab_size"]
    linear = layers * (h * heads * hd * 2 + h * kv * hd * 2 + 3 * h * inter)
    per_window = 2 * ctx * linear + 2 * (ctx - 1) * vocab * h
    per_window += layers * heads * 2 * 2 * hd * (ctx * (ctx + 1) // 2)  # causal QK^T and PV
    return per_window * (tokens // ctx)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model"); ap.add_argument("--ctx", type=int); ap.add_argument("--tokens", type=int); ap.add_argument("--dir")
    a = ap.parse_args()
    config = json.load(open(os.path.join(a.model, "config.json")))
    flops = forward_flops(config, a.ctx, a.tokens)
    ours, peer = last_json(f"{a.dir}/ours.json"), last_json(f"{a.dir}/peer.json")
    ours_t, peer_t = time_v(f"{a.dir}/ours.time"), time_v(f"{a.dir}/peer.time")
    sq = [last_json(f"{a.dir}/sgemm-square.json"), last_json(f"{a.dir}/sgemm-square-after.json")]
    mlp = last_json(f"{a.dir}/sgemm-mlp.json")
    peak = max(s["gflops"] for s in sq)
    cpu = "unknown"
    try:
        cpu = re.search(r"Model name:\s*(.+)", subprocess.run(["lscpu"], capture_output=True, text=True).stdout).group(1).strip()
    except Exception:
        pass
    print(f"# Forward pass: SwiftQuant eval vs transformers (fp32, CPU)\n")
    print(f"Model `{os.path.basename(a.model.rstrip('/'))}`, E({a.ctx}, {a.tokens}), machine: nproc {os.cpu_count()}, {cpu}, {platform.platform()}.\n")
    print(f"cblas_sgemm in the same run: 2048³ {sq[0]['gflops']:.1f} GFLOP/s before, {sq[1]['gflops']:.1f} after; "
          f"{mlp['m']}×{mlp['n']}×{mlp['k']} {mlp['gflops']:.1f} GFLOP/s. Forward FLOPs (causal attention counted once): {flops/1e9:.1f} GFLOP.\n")
    print("| tool | ppl | eval loop s | tokens/s | achieved GFLOP/s | share of sgemm peak | whole-process wall s | peak RSS MiB | CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, r, t in (("SwiftQuant", ours, ours_t), ("transformers", peer, peer_t)):
        g = flops / r["eval_seconds"] / 1e9
        print(f"| {name} | {r['ppl']:.6f} | {r['eval_seconds']:.2f} | {a.tokens / r['eval_seconds']:.1f} | {g:.1f} | {100*g/peak:.0f} % | {t['wall']:.2f} | {t['rss_mib']:.0f} | {t['cpu']} |")
    print(f"\nSpeed ratio (eval loop, transformers / SwiftQuant): **{peer['eval_seconds'] / ours['eval_seconds']:.2f}×**; "
          f"whole process: {peer_t['wall'] / ours_t['wall']:.2f}×. Peak RSS ratio (SwiftQuant / transformers): {ours_t['rss_mib'] / peer_t['rss_mib']:.2f}.")


if __name__ == "__main__":
    main()
