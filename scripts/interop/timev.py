#!/usr/bin/env python3
"""Parse a `/usr/bin/time -v` log into JSON (standard library only).

usage: python3 scripts/interop/timev.py TIME_LOG [--set KEY=VALUE ...] [--out FILE]
Prints {"wall_seconds", "peak_rss_mib", "user_seconds", "system_seconds", "cpu_percent", "exit_status", ...}.
"""
import argparse, json, re, sys


def parse(text):
    def grab(label):
        m = re.search(r"^\s*" + re.escape(label) + r":\s*(.+)$", text, re.M)
        return m.group(1).strip() if m else None
    wall = grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    if wall is None:
        raise ValueError("not a /usr/bin/time -v log (no 'Elapsed (wall clock) time' line)")
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    rss = grab("Maximum resident set size (kbytes)")
    cpu = grab("Percent of CPU this job got")
    status = grab("Exit status")
    return {"wall_seconds": round(seconds, 2),
            "peak_rss_mib": round(int(rss) / 1024, 1) if rss else None,
            "user_seconds": float(grab("User time (seconds)") or 0),
            "system_seconds": float(grab("System time (seconds)") or 0),
            "cpu_percent": int(cpu.rstrip("%")) if cpu and cpu.rstrip("%").isdigit() else None,
            "exit_status": int(status) if status is not None else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--set", action="append", default=[], help="extra KEY=VALUE (JSON value if it parses)")
    ap.add_argument("--out")
    a = ap.parse_args()
    res = parse(open(a.log, errors="replace").read())
    for kv in a.set:
        k, _, v = kv.partition("=")
        try:
            res[k] = json.loads(v)
        except ValueError:
            res[k] = v
    s = json.dumps(res, indent=1)
    if a.out:
        with open(a.out, "w") as f:
            f.write(s + "\n")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
