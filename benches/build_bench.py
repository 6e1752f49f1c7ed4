#!/usr/bin/env python3
"""Benchmark `kbgen build` on synthetic sites: median wall time and peak memory.

Usage: build_bench.py [--runs 5] [--sizes 1000,10000] [--keep-work DIR]

For each size it generates a site with gen_site.py, then runs `kbgen build` RUNS times, each
into a new output folder (nothing is deleted between runs: on ext4, deleting thousands of files
slows file creation for minutes afterwards, which would measure the disk, not kbgen). A last run
rebuilds over an existing output, which also removes the old tree. Prints a Markdown table.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BIN = os.path.join(REPO, "target", "release", "kbgen")


def timed(cmd):
    """Run cmd under /usr/bin/time; return (seconds, peak RSS in MB)."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M"] + cmd, capture_output=True, text=True, check=True
    )
    secs, kb = out.stderr.strip().splitlines()[-1].split()
    return float(secs), int(kb) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=REPO, check=True)
    work = args.work or tempfile.mkdtemp(prefix="kbgen-bench-")
    rows = []
    try:
        for n in [int(s) for s in args.sizes.split(",")]:
            site = os.path.join(work, f"site{n}")
            if not os.path.isdir(site):
                subprocess.run([sys.executable, os.path.join(HERE, "gen_site.py"), str(n), site], check=True)
            time.sleep(2)
            fresh = [timed([BIN, "build", "-q", "--root", site, "--out", os.path.join(work, f"out{n}-{i}")]) for i in range(args.runs)]
            over = timed([BIN, "build", "-q", "--root", site, "--out", os.path.join(work, f"out{n}-0")])
            files = sum(len(f) for _, _, f in os.walk(os.path.join(work, f"out{n}-0")))
            rows.append((n, files, statistics.median(t for t, _ in fresh), max(m for _, m in fresh), over[0]))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print("| entries | files written | median wall time (fresh output) | peak memory | rebuild over existing output |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for n, files, t, m, over in rows:
        print(f"| {n:,} | {files:,} | {t:.2f} s | {m:.0f} MB | {over:.2f} s |")


if __name__ == "__main__":
    main()
