#!/usr/bin/env python3
"""Measure `kbgen serve`'s save-to-reload latency: from writing an FAQ file to the live-reload
event (Server-Sent Events) that tells an open page to reload.

Usage: serve_latency.py [--sizes 0,1000,10000] [--runs 15] [--bin target/release/kbgen]

Size 0 is the bundled site; other sizes are generated with gen_site.py. For each size, `kbgen
serve` runs on a free port and one stream is opened on /__kbgen/events, as a page would. Each run
rewrites one FAQ file's body and records two times:

  page   until the reload event that names the entry's own page (what the editor looks at);
  all    until the reload event that names the search index (the lists and index are current).

A run starts only when the server has been quiet for a while. A few changes to site.yaml measure
a full rebuild too. Medians are printed as a Markdown table.
"""
import argparse
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_site(n: int, work: str) -> tuple[str, str, str]:
    """A site with n generated entries (0: the bundled site): (root, faq file, page path)."""
    root = os.path.join(work, f"site-{n}")
    if n == 0:
        for part in ("content", "themes"):
            shutil.copytree(os.path.join(REPO, part), os.path.join(root, part))
        return root, "content/faq/02-free-of-charge.md", "faq/free-of-charge/index.html"
    subprocess.run([sys.executable, os.path.join(HERE, "gen_site.py"), str(n), root],
                   check=True, stdout=subprocess.DEVNULL)
    i = n // 2
    return root, f"content/faq/gen/{i:05d}.md", f"faq/entry-{i:05d}/index.html"


class Serve:
    """`kbgen serve` on `root`, with its stdout lines and one event stream."""

    def __init__(self, binary: str, root: str):
        port = free_port()
        self.proc = subprocess.Popen([binary, "serve", "--root", root, "--port", str(port)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        self.port = self._wait_url()
        self.events: "queue.Queue[tuple[float, str, str]]" = queue.Queue()
        self.sock = socket.create_connection(("127.0.0.1", self.port))
        self.sock.sendall(b"GET /__kbgen/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
        threading.Thread(target=self._read_events, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def _wait_url(self) -> int:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            line = self.lines.get(timeout=600)
            if line.startswith("built "):
                print(f"  {line}", file=sys.stderr)
            if line.startswith("serving http://"):
                return int(line.split()[1].rstrip("/").rsplit(":", 1)[1])
        raise TimeoutError("kbgen serve did not start")

    def _read_events(self) -> None:
        event, buf = "", b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            now = time.perf_counter()
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").rstrip("\r")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event:
                    self.events.put((now, event, line[6:]))
                    event = ""

    def drain(self, quiet: float = 0.8) -> None:
        """Wait until no event came for `quiet` seconds."""
        while True:
            try:
                self.events.get(timeout=quiet)
            except queue.Empty:
                return

    def wait_reload(self, needle: str) -> float:
        """The arrival time of the next reload event whose data holds `needle` (or names all)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            at, event, data = self.events.get(timeout=TIMEOUT)
            if event == "reload" and (needle in data or '"paths":null' in data):
                return at
            if event == "problem" and '"text":null' not in data:
                raise RuntimeError(f"the site broke: {data[:300]}")
        raise TimeoutError(f"no reload naming {needle}")

    def stop(self) -> None:
        self.sock.close()
        self.proc.kill()
        self.proc.wait()


def edit_runs(serve: Serve, root: str, faq: str, page: str, runs: int) -> tuple[list, list]:
    path = os.path.join(root, faq)
    original = open(path, encoding="utf-8").read()
    page_ms, all_ms = [], []
    for i in range(runs):
        serve.drain()
        t0 = time.perf_counter()
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"{original}\n延遲測試第{i}次。\n")
        page_ms.append((serve.wait_reload(page) - t0) * 1000)
        all_ms.append((serve.wait_reload('"search/') - t0) * 1000)
    return page_ms, all_ms


def full_runs(serve: Serve, root: str, runs: int) -> list:
    path = os.path.join(root, "content", "site.yaml")
    original = open(path, encoding="utf-8").read()
    out = []
    for i in range(runs):
        serve.drain()
        t0 = time.perf_counter()
        with open(path, "w", encoding="utf-8") as f:
            f.write(original.replace("description: ", f"description: 第{i}版。", 1))
        out.append((serve.wait_reload("index.html") - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="0,1000,10000")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--full-runs", type=int, default=3)
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "release", "kbgen"))
    args = ap.parse_args()
    if not os.path.exists(args.bin):
        sys.exit(f"no kbgen binary at {args.bin}: run cargo build --release first")
    rows = []
    with tempfile.TemporaryDirectory(prefix="kbgen-serve-bench-") as work:
        for n in (int(s) for s in args.sizes.split(",")):
            root, faq, page = make_site(n, work)
            print(f"size {n}: starting kbgen serve", file=sys.stderr)
            serve = Serve(args.bin, root)
            try:
                page_ms, all_ms = edit_runs(serve, root, faq, page, args.runs)
                full_ms = full_runs(serve, root, args.full_runs)
            finally:
                serve.stop()
            label = "bundled site" if n == 0 else f"{n:,} generated + bundled"
            rows.append((label, statistics.median(page_ms), statistics.median(all_ms),
                         max(page_ms), statistics.median(full_ms)))
    print(f"\nmachine: {os.cpu_count()} cores; {args.runs} FAQ edits and {args.full_runs} "
          "site.yaml edits per size; milliseconds from the file write to the reload event\n")
    print("| site | FAQ edit: page reload (median) | FAQ edit: lists + search index (median) "
          "| FAQ edit: page reload (worst) | site.yaml edit: full rebuild (median) |")
    print("|---|---:|---:|---:|---:|")
    for label, page, all_, worst, full in rows:
        print(f"| {label} | {page:.0f} | {all_:.0f} | {worst:.0f} | {full:.0f} |")


if __name__ == "__main__":
    main()
