"""Formats the quantization benchmark (Benchmarks/quantize.sh) as Markdown. Standard library only.

Reads from --dir: ours.<i>.log / peer.<i>.log (each ending in a /usr/bin/time -v report), compare.json
(scripts/interop/compare_checkpoints.py peer vs ours), versions.json, swift-version.txt, git-rev.txt,
load-before.txt / load-after.txt, and the two output folders ours/ and peer/ (sizes).
"""
import argparse, json, os, platform, re, subprocess


def time_v(path):
    text = open(path, errors="replace").read()

    def grab(label):
        m = re.search(r"^\s*" + re.escape(label) + r":\s*(.+)$", text, re.M)
        return m.group(1).strip() if m else None
    wall = grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    if wall is None:
        raise SystemExit(f"no /usr/bin/time -v report in {path}")
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    return {"wall": seconds, "rss_mib": int(grab("Maximum resident set size (kbytes)")) / 1024,
            "user": float(grab("User time (seconds)")), "sys": float(grab("System time (seconds)")),
            "cpu": grab("Percent of CPU this job got")}


def read(path, default=""):
    try:
        return open(path).read().strip()
    except OSError:
        return default


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return re.search(r"Model name:\s*(.+)", out).group(1).strip()
    except Exception:
        for line in read("/proc/cpuinfo").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def dir_size(p):
    total = 0
    for root, _, files in os.walk(p):
        for f in files:
            if f.endswith(".safetensors"):
                total += os.path.getsize(os.path.join(root, f))
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    d = a.dir
    ours = [time_v(f"{d}/ours.{i}.log") for i in range(1, a.repeat + 1)]
    peer = [time_v(f"{d}/peer.{i}.log") for i in range(1, a.repeat + 1)]
    best = lambda runs: min(runs, key=lambda r: r["wall"])
    bo, bp = best(ours), best(peer)
    versions = {}
    try:
        versions = json.loads(read(f"{d}/versions.json", "{}") or "{}")
    except ValueError:
        pass
    cmp = {}
    try:
        cmp = json.load(open(f"{d}/compare.json"))
    except (OSError, ValueError):
        pass
    name = os.path.basename(os.path.normpath(a.model))
    mem = ""
    for line in read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal"):
            mem = f", {int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"

    print("# Quantization: SwiftQuant vs llm-compressor (whole process)\n")
    print(f"Job: `{name}`, W4A16 int4 symmetric group 64, RTN, `ignore: [lm_head]`, no calibration, written as a "
          f"compressed-tensors `pack-quantized` checkpoint (`save_compressed=True`).\n")
    print(f"- SwiftQuant: `swiftquant quantize --model {name} --scheme W4A16 --group-size 64 --ignore lm_head --output T1` "
          f"(release build, git {read(f'{d}/git-rev.txt', '?')}, {read(f'{d}/swift-version.txt', 'swift ?')}).")
    print(f"- llm-compressor: `scripts/interop/llmc_quantize.py --case w4a16_g64` — interpreter start, imports, model "
          f"load, `oneshot(QuantizationModifier)`, `save_pretrained(save_compressed=True)`, tokenizer copy "
          f"({', '.join(f'{k} {v}' for k, v in versions.items()) or 'versions unknown'}).")
    print(f"- Machine: nproc {os.cpu_count()}, {cpu_model()}{mem}, {platform.platform()}; OMP_NUM_THREADS=2; both "
          f"measured in this run, one process at a time, `/usr/bin/time -v` (wall = elapsed, RSS = maximum resident set size).")
    print(f"- Load average before: `{read(f'{d}/load-before.txt')}`; after: `{read(f'{d}/load-after.txt')}`.\n")

    print("| tool | wall s | peak RSS MiB | user s | sys s | CPU |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, runs in (("SwiftQuant", ours), ("llm-compressor", peer)):
        for i, r in enumerate(runs, 1):
            tag = f" (run {i})" if len(runs) > 1 else ""
            print(f"| {label}{tag} | {r['wall']:.2f} | {r['rss_mib']:.1f} | {r['user']:.2f} | {r['sys']:.2f} | {r['cpu']} |")
    print()
    which = " (fastest run of each)" if a.repeat > 1 else ""
    print(f"| ratio{which} | value |")
    print("|---|---:|")
    print(f"| wall: llm-compressor / SwiftQuant (speed-up) | **{bp['wall'] / bo['wall']:.2f}×** |")
    print(f"| wall: SwiftQuant / llm-compressor | {bo['wall'] / bp['wall']:.3f} |")
    print(f"| peak RSS: SwiftQuant / llm-compressor | {bo['rss_mib'] / bp['rss_mib']:.3f} |")
    print()
    so, sp = dir_size(f"{d}/ours"), dir_size(f"{d}/peer")
    if cmp:
        ident = "yes" if cmp.get("tensors_bit_identical") else "no"
        files = "yes" if cmp.get("files_identical") else "no"
        print(f"Outputs: safetensors {so:,} bytes (SwiftQuant) / {sp:,} bytes (llm-compressor); every tensor "
              f"bit-identical: **{ident}**; model.safetensors byte-identical: {files}; "
              f"compare_checkpoints.py result: {'PASS' if cmp.get('ok') else 'FAIL'}.")
    else:
        print(f"Outputs: safetensors {so:,} bytes (SwiftQuant) / {sp:,} bytes (llm-compressor); comparison unavailable.")


if __name__ == "__main__":
    main()
