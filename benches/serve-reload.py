#!/usr/bin/env python3
"""Time from saving a guide to the reload event `guidesite serve` sends.

For each N (default 1000 and 10000) it generates N guides with
../shared/bench/gen-corpus, starts `guidesite serve --port 0` on them, opens
the server-sent event stream, then edits one guide ROUNDS times and measures
save -> `event: reload` with a monotonic clock. The debounce window (15 ms)
is part of what is measured: it is what an author waits for.

Usage: benches/serve-reload.py [N ...]   (build first: cargo build --release)
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROUNDS = 20
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(REPO, "target", "release", "guidesite")
GEN = os.environ.get("GEN_CORPUS", os.path.join(REPO, "..", "shared", "bench", "gen-corpus"))


def measure(n, workdir):
    site = os.path.join(workdir, f"corpus-{n}")
    subprocess.run([sys.executable, GEN, str(n), site], check=True, capture_output=True)
    server = subprocess.Popen([BINARY, "--root", site, "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        started = time.monotonic()
        line = server.stdout.readline()
        startup = time.monotonic() - started
        host, port = line.split("http://")[1].split("/")[0].split(":")
        events = socket.create_connection((host, int(port)))
        events.sendall(b"GET /__guidesite/events HTTP/1.1\r\nHost: x\r\n\r\n")
        events.settimeout(5)
        events.recv(4096)  # response headers
        guide = os.path.join(site, "content", "src-00007.md")
        with open(guide, encoding="utf-8") as f:
            original = f.read()
        samples = []
        for i in range(ROUNDS):
            text = original.replace("Follow the steps below", f"Follow these steps ({i})", 1)
            if text == original:
                text = original + f"\nEdited {i}.\n"
            time.sleep(0.2)  # let the previous round settle
            t0 = time.monotonic()
            with open(guide, "w", encoding="utf-8") as f:
                f.write(text)
            buffer = b""
            while b"event: reload" not in buffer:
                buffer += events.recv(4096)
            samples.append((time.monotonic() - t0) * 1000)
        return startup, samples
    finally:
        server.kill()
        server.wait()


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    if not os.path.exists(BINARY):
        sys.exit("build first: cargo build --release")
    print("| guides | startup s | median ms | p90 ms | max ms |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as workdir:
        for n in sizes:
            startup, samples = measure(n, workdir)
            samples.sort()
            p90 = samples[int(len(samples) * 0.9) - 1]
            print(f"| {n} | {startup:.2f} | {statistics.median(samples):.1f} | {p90:.1f} | {max(samples):.1f} |")


if __name__ == "__main__":
    main()
