#!/usr/bin/env python3
"""Helpers of Benchmarks/algorithms.sh (standard library only).

  python3 Benchmarks/algorithms.py adapt --model DIR --recipe R.yaml --out OUT.yaml
      Writes the recipe for this model: unchanged, unless a group size of the recipe does not divide the
      model's intermediate_size (stories260K: 172); then `"re:.*down_proj$"` is added to every ignore list
      holding lm_head (as scripts/interop/llmc_quantize.py does) and `AWQModifier: {}` gets explicit
      mappings without up_proj -> down_proj (llm-compressor 0.14 divides 0 by 0 when that mapping's only
      balance layer is unquantized). Prints {"adjusted": bool, "notes": [...]} as JSON.
  python3 Benchmarks/algorithms.py report --dir WORK --model DIR --recipes a,b ... > RESULT.md
      Formats the run directory written by algorithms.sh as Markdown.
"""
import argparse, json, math, os, platform, re, sys

AWQ_MAPPINGS_NO_DOWN_PROJ = """AWQModifier:
      mappings:
      - smooth_layer: "re:.*input_layernorm$"
        balance_layers: ["re:.*q_proj$", "re:.*k_proj$", "re:.*v_proj$"]
      - smooth_layer: "re:.*post_attention_layernorm$"
        balance_layers: ["re:.*gate_proj$", "re:.*up_proj$"]"""


def adapt(a):
    cfg = json.load(open(os.path.join(a.model, "config.json")))
    text = open(a.recipe).read()
    notes = []
    inter, hidden = cfg.get("intermediate_size", 0), cfg.get("hidden_size", 0)
    groups = sorted({int(g) for g in re.findall(r"group_size:\s*(\d+)", text)})
    bad = [g for g in groups if g > 0 and inter % g != 0]
    if bad:
        new, n = re.subn(r"ignore:\s*\[lm_head\]", 'ignore: [lm_head, "re:.*down_proj$"]', text)
        if n:
            notes.append(f'ignore += "re:.*down_proj$" (intermediate_size {inter} is not a multiple of group size '
                         f'{", ".join(map(str, bad))})')
            text = new
        new, n = re.subn(r"AWQModifier:\s*\{\}", AWQ_MAPPINGS_NO_DOWN_PROJ, text)
        if n:
            notes.append("AWQModifier mappings without up_proj -> down_proj (its only balance layer is ignored)")
            text = new
    if [g for g in groups if g > 0 and hidden % g != 0]:
        notes.append(f"hidden_size {hidden} is not a multiple of the group size: both tools will refuse the recipe")
    with open(a.out, "w") as f:
        f.write(text)
    print(json.dumps({"adjusted": bool(notes) and text != open(a.recipe).read(), "notes": notes}))


# ---------------------------------------------------------------------------------------------------------
def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read().strip()
    except OSError:
        return default


def load_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def last_json_line(path):
    for line in reversed(read(path).splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return None


def time_v(path):
    """wall s, peak RSS MiB, user, sys, CPU %, exit status of a /usr/bin/time -v report (or None)."""
    text = read(path)

    def grab(label):
        m = re.search(r"^\s*" + re.escape(label) + r":\s*(.+)$", text, re.M)
        return m.group(1).strip() if m else None
    wall = grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    if wall is None:
        return None
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    rss = grab("Maximum resident set size (kbytes)")
    status = grab("Exit status")
    return {"wall": seconds, "rss_mib": int(rss) / 1024 if rss else None, "user": float(grab("User time (seconds)") or 0),
            "sys": float(grab("System time (seconds)") or 0), "cpu": grab("Percent of CPU this job got"),
            "exit": int(status) if status is not None else None}


def cpu_info():
    model, flags, cores, siblings, sockets = "unknown", set(), None, None, set()
    for line in read("/proc/cpuinfo").splitlines():
        k, _, v = line.partition(":")
        k, v = k.strip(), v.strip()
        if k == "model name" and model == "unknown":
            model = v
        elif k == "flags" and not flags:
            flags = set(v.split())
        elif k == "cpu cores" and cores is None:
            cores = v
        elif k == "siblings" and siblings is None:
            siblings = v
        elif k == "physical id":
            sockets.add(v)
    fam = {}
    for line in read("/proc/cpuinfo").splitlines():
        k, _, v = line.partition(":")
        if k.strip() in ("cpu family", "model", "stepping") and k.strip() not in fam:
            fam[k.strip()] = v.strip()
    avx512 = sorted(f for f in flags if f.startswith("avx512"))
    mem = ""
    for line in read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return {"model": model, "family": fam, "avx512": avx512, "avx2": "avx2" in flags, "amx": sorted(f for f in flags if f.startswith("amx")),
            "nproc": os.cpu_count(), "cores_per_socket": cores, "siblings": siblings, "sockets": len(sockets) or None,
            "hypervisor": "hypervisor" in flags, "mem": mem}


def fmt(x, spec):
    return "–" if x is None else format(x, spec)


def ppl_of(d, t, ev):
    """(ppl, error) of evaluator ev ('sqeval' / 'tfeval') on output t ('peer' / 'ours')."""
    if read(f"{d}/{t}.{ev}.rc") == "":
        return None, None
    if read(f"{d}/{t}.{ev}.rc") != "0":
        return None, read(f"{d}/{t}.{ev}.err") or "failed"
    j = last_json_line(f"{d}/{t}.sqeval.log") if ev == "sqeval" else load_json(f"{d}/{t}.tfeval.json")
    if not j or "ppl" not in j:
        return None, "no perplexity in its output"
    return float(j["ppl"]), None


def shown_path(p):
    """A driver path as the reader knows it: ../shared/reference/anchors/x.py or Benchmarks/..."""
    p = os.path.normpath(p)
    i = p.find(os.sep + "reference" + os.sep + "anchors" + os.sep)
    return "../shared" + p[i:] if i >= 0 else p


def report(a):
    d0 = a.dir
    recipes = [r for r in a.recipes.split(",") if r]
    name = os.path.basename(os.path.normpath(a.model))
    cpu = cpu_info()
    vers = load_json(f"{d0}/versions.json", {}) or {}
    sq_ver = read(f"{d0}/swiftquant-version.txt", "swiftquant ?")
    git = read(f"{d0}/git.txt").split()
    anchors = {}
    aj = load_json(a.anchors, {}) if a.anchors else {}
    for run in (aj or {}).get("runs", []):
        anchors[run.get("name")] = (run.get("eval") or {}).get("ppl")
    am = (aj or {}).get("machine") or {}
    anchor_cpu = f"{am.get('cpu_model', '?')} {am.get('cpu_family_model', '')}".strip()
    fam_here = f"{cpu_info()['family'].get('cpu family', '?')}/{cpu_info()['family'].get('model', '?')}"
    same_cpu = am.get("cpu_family_model") == fam_here and am.get("cpu_model", "") in cpu_info()["model"]
    anchor_comparable = name == "smollm2-135m" and (a.samples, a.seqlen, a.ctx, a.tokens) == (64, 512, 512, 8192)

    title = "# Algorithms: SwiftQuant vs llm-compressor, whole process, measured in the same run"
    if a.skip_peer:
        title += " — SMOKE TEST (`--skip-peer`: llm-compressor not run, no peer figures, no ratios)"
    print(title + "\n")
    print(f"- Model `{name}`; calibration C({a.samples}, {a.seqlen}) of `../shared/docs/evaluation.md` (second half of "
          f"`wiki.test.raw`; swiftquant `--dataset-start half`; llm-compressor only when a modifier requires data); "
          f"perplexity E({a.ctx}, {a.tokens}) in fp32 on the start of `wiki.test.raw`.")
    print(f"- Run: {read(f'{d0}/date-start.txt')} – {read(f'{d0}/date-end.txt')} (UTC). Load average before: "
          f"`{read(f'{d0}/load-before.txt')}`; after: `{read(f'{d0}/load-after.txt')}`.")
    loads = [float(m.group(1)) for m in (re.search(r"load average:\s*([0-9.]+)", read(f"{d0}/load-{w}.txt"))
                                         for w in ("before", "after")) if m]
    if loads and max(loads) > 1.5 and os.cpu_count() and max(loads) >= 0.75 * os.cpu_count():
        print(f"- **The machine was busy** (1-minute load average up to {max(loads):.2f} on {os.cpu_count()} CPUs; "
              f"this run's own processes account for at most about 2 of it): wall times are longer than on a quiet machine and their "
              f"ratios are only indicative; peak RSS and perplexities are unaffected.")
    fam = cpu["family"]
    print(f"- Machine: {cpu['model']} (family {fam.get('cpu family', '?')} model {fam.get('model', '?')}"
          f"{', KVM/VM guest' if cpu['hypervisor'] else ''}); AVX-512: "
          + (f"**yes** ({' '.join(cpu['avx512'])})" if cpu['avx512'] else "**no**")
          + f"; AVX2: {'yes' if cpu['avx2'] else 'no'}; nproc {cpu['nproc']}, cores per socket {cpu['cores_per_socket']}, "
            f"siblings {cpu['siblings']}; {cpu['mem']} RAM; {platform.platform()}; OMP_NUM_THREADS=2, torch threads 2.")
    print(f"- Tools: {sq_ver} (release build, git {git[0] if git else '?'}{' + uncommitted changes' if 'dirty' in git else ''}, "
          f"{read(f'{d0}/swift-version.txt', 'swift ?')}); llm-compressor {vers.get('llmcompressor', '?')}, "
          f"compressed-tensors {vers.get('compressed-tensors', '?')}, torch {vers.get('torch', '?')}, transformers "
          f"{vers.get('transformers', '?')}, python {vers.get('python', '?')}.")
    print("- wall s / peak RSS: `/usr/bin/time -v` around the whole quantization process (interpreter or binary start, "
          "model load, calibration data, algorithm, save). ppl (swiftquant eval): `swiftquant eval --json`; ppl "
          "(transformers): `../shared/reference/anchors/eval_ppl.py` (from_pretrained fp32 with "
          "`CompressedTensorsConfig(dequantize=True)`; dynamic activation quantization stays simulated). "
          "|Δppl|/ppl = |swiftquant eval − transformers| / transformers on the same output. CPU = the process's "
          "share of the 2 cores (`Percent of CPU this job got`; low values with a high load average mean the machine "
          "was shared). Ratios: SwiftQuant / llm-compressor of this run (below 1 = SwiftQuant faster / smaller).")
    print("- Peer driver: the anchor driver `../shared/reference/anchors/<recipe>.py` itself when the recipe file equals "
          "its RECIPE and the job is SmolLM2 with C(64, 512); otherwise `Benchmarks/llmc_oneshot.py` (the same calls "
          "as the anchors' `_common.py`).\n")

    for r in recipes:
        d = f"{d0}/{r}"
        desc = load_json(f"{d}/describe.json", {}) or {}
        ad = load_json(f"{d}/adapt.json", {}) or {}
        driver = read(f"{d}/peer.driver")
        calib = desc.get("calibrated")
        print(f"## `{r}`\n")
        mods = " + ".join(desc.get("modifiers") or []) or "?"
        print(f"Recipe `Benchmarks/recipes/{r}.yaml` ({mods}; calibration "
              f"{'C(%d, %d)' % (a.samples, a.seqlen) if calib else 'none' if calib is False else '?'})"
              + (f"; adjusted for this model: {'; '.join(ad['notes'])}" if ad.get("notes") else "")
              + (f"; peer driver `{shown_path(driver)}`" if driver and driver != "skipped" else "") + ".\n")
        print("| tool | wall s | peak RSS MiB | CPU | ppl (swiftquant eval) | ppl (transformers) | \\|Δppl\\|/ppl (evaluators) | note |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        rows = {}
        for t, label in (("peer", f"llm-compressor {vers.get('llmcompressor', '')}".strip()),
                         ("ours", sq_ver.replace("swiftquant", "SwiftQuant"))):
            if t == "peer" and driver == "skipped":
                print(f"| {label} | – | – | – | – | – | – | **skipped** (`--skip-peer`, smoke test: no peer run, nothing reused) |")
                rows[t] = None
                continue
            tv = time_v(f"{d}/{t}.time")
            ok = read(f"{d}/{t}.rc") == "0" and os.path.exists(f"{d}/{t}/config.json")
            notes = []
            if not ok:
                notes.append(f"**failed**: `{read(f'{d}/{t}.err') or 'exit ' + read(f'{d}/{t}.rc', '?')}`")
            p_sq, e_sq = ppl_of(d, t, "sqeval")
            p_tf, e_tf = ppl_of(d, t, "tfeval")
            if e_sq:
                notes.append(f"swiftquant eval failed: `{e_sq}`")
            if e_tf:
                notes.append(f"transformers eval failed: `{e_tf}`")
            rel = abs(p_sq - p_tf) / p_tf if p_sq is not None and p_tf is not None else None
            if t == "peer" and ok and anchor_comparable and anchors.get(r) is not None and p_tf is not None:
                same = f"{p_tf:.6f}" == f"{anchors[r]:.6f}"
                notes.append(f"anchors.md ppl {anchors[r]:.6f} on {anchor_cpu}"
                             + ("" if same_cpu else " (another CPU)") + ": "
                             + ("reproduced" if same else f"{p_tf - anchors[r]:+.6f}"))
            rows[t] = {"ok": ok, "tv": tv}
            print(f"| {label} | {fmt(tv and tv['wall'], '.2f')} | {fmt(tv and tv['rss_mib'], '.1f')} | "
                  f"{(tv and tv['cpu']) or '–'} | {fmt(p_sq, '.6f')} | "
                  f"{fmt(p_tf, '.6f')} | {fmt(rel, '.2e')} | {'; '.join(notes)} |")
        pr, ou = rows.get("peer"), rows.get("ours")
        if pr and ou and pr["ok"] and ou["ok"] and pr["tv"] and ou["tv"]:
            tw, rs = ou["tv"]["wall"] / pr["tv"]["wall"], ou["tv"]["rss_mib"] / pr["tv"]["rss_mib"]
            print(f"| **ratio SwiftQuant / llm-compressor** | **{tw:.3f}** | **{rs:.3f}** | | | | | "
                  f"{'%.1f× faster' % (1 / tw) if tw < 1 else '%.2f× slower' % tw}, {rs:.2f}× the memory |")
        else:
            why = "llm-compressor skipped" if pr is None else "a run failed"
            print(f"| ratio SwiftQuant / llm-compressor | – | – | | | | | no ratio ({why}) |")
        cmpj = load_json(f"{d}/compare.json")
        if cmpj:
            if cmpj.get("mode") == "algorithm":
                t = cmpj.get("totals", {})
                s = (f"scales {100 * t.get('scale_share', 0):.2f} % bit-identical, quantized values "
                     f"{100 * t.get('value_share', 0):.2f} % identical (max |Δq| {t.get('value_max_abs_diff')})")
            else:
                s = ("every tensor bit-identical" if cmpj.get("tensors_bit_identical") else
                     f"{cmpj.get('tensor_counts', {}).get('differ', '?')} tensors differ")
                s += ", model.safetensors byte-identical" if cmpj.get("files_identical") else ""
            print(f"\nOutputs compared (`scripts/interop/compare_checkpoints.py{' --algorithm' if cmpj.get('mode') == 'algorithm' else ''}`"
                  f" llm-compressor vs SwiftQuant): {s}; {'PASS' if cmpj.get('ok') else 'FAIL'}.")
        ev = []
        for t in ("peer", "ours"):
            for e, lab in (("sqeval", "swiftquant eval"), ("tfeval", "transformers")):
                tv = time_v(f"{d}/{t}.{e}.time")
                if tv:
                    ev.append(f"{'llm-compressor' if t == 'peer' else 'SwiftQuant'} output / {lab}: "
                              f"{tv['wall']:.1f} s, {tv['rss_mib']:.0f} MiB")
        if ev:
            print("\nEvaluation processes (wall, peak RSS): " + "; ".join(ev) + ".")
        print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("adapt")
    p.add_argument("--model", required=True)
    p.add_argument("--recipe", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--dir", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--recipes", required=True)
    p.add_argument("--samples", type=int, required=True)
    p.add_argument("--seqlen", type=int, required=True)
    p.add_argument("--ctx", type=int, required=True)
    p.add_argument("--tokens", type=int, required=True)
    p.add_argument("--anchors")
    p.add_argument("--skip-peer", action="store_true")
    a = ap.parse_args()
    adapt(a) if a.cmd == "adapt" else report(a)


if __name__ == "__main__":
    main()
