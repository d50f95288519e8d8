#!/usr/bin/python3
"""serve_load.py — load test of `bodnaarplot serve`: N concurrent re-rank
requests (each with its own weights, so none is answered from the server's
cache or a ranking it already holds) against 127.0.0.1, bounded in count
and time.
Reports p50, p95 and max latency, errors, and the server's peak memory;
exits 1 on any error or when the whole run exceeds --max-seconds.

    scripts/serve_load.py [--gpkg OUT.gpkg | --plots 100000] [--requests 200]
        [--concurrency 200] [--max-seconds 120] [--bodnaarplot build/bodnaarplot]

Without --gpkg it makes benchmark data with scripts/make_bench_data.py and
scores it into build/bench-serve/ (reused when made with the same
parameters).
"""

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from serve_common import Server  # noqa: E402

CATS = ["supermarkt", "huisarts", "apotheek", "ov_halte", "ontmoeting", "zorg", "groen", "fysio"]


def bench_gpkg(bp, plots, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "out.gpkg")
    want = "plots=%d per_category=2000 seed=1 scored" % plots
    params = os.path.join(out_dir, "serve_params.txt")
    if os.path.exists(out) and os.path.exists(params) and open(params).read() == want:
        return out
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts/make_bench_data.py"), out_dir, "--plots", str(plots),
                    "--per-category", "2000", "--seed", "1"], check=True)
    cmd = [bp, "score", "--candidates", out_dir + "/plots.gpkg|layername=plots", "--id-field", "plot_id"]
    for c in CATS:
        cmd += ["--facility", "%s=%s/facilities.gpkg|layername=%s" % (c, out_dir, c)]
    cmd += ["--gemeenten", out_dir + "/gemeenten.gpkg|layername=gemeenten", "--targets", out_dir + "/targets.csv",
            "-o", out, "--overwrite", "-q"]
    subprocess.run(cmd, check=True)
    with open(params, "w") as f:
        f.write(want)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bodnaarplot", default=os.path.join(ROOT, "build/bodnaarplot"))
    ap.add_argument("--gpkg")
    ap.add_argument("--plots", type=int, default=100000)
    ap.add_argument("--data-dir", default=os.path.join(ROOT, "build/bench-serve"))
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--max-seconds", type=float, default=120)
    a = ap.parse_args()
    gpkg = a.gpkg or bench_gpkg(a.bodnaarplot, a.plots, a.data_dir)
    t0 = time.time()
    srv = Server(a.bodnaarplot, gpkg, timeout=300)
    start_s = time.time() - t0
    st, meta = srv.json("GET", "/api/meta")
    cats = meta["categories"]
    lat, errors, lock = [], [], threading.Lock()
    todo = list(range(a.requests))
    gate = threading.Barrier(min(a.concurrency, a.requests))

    def worker():
        gate.wait()
        while True:
            with lock:
                if not todo:
                    return
                k = todo.pop()
            # k / 1000 makes every request's weights its own: no answer comes from the cache
            body = json.dumps({"weights": {c: 1 + (k * 7 + j * 3) % 10 + k / 1000 for j, c in enumerate(cats)},
                               "gap_weight": (k % 5) / 4})
            t = time.perf_counter()
            try:
                c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=a.max_seconds)
                c.request("POST", "/api/rerank", body=body, headers={"Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
                c.close()
                # every answer whole (status, shape); the first ten parsed in full (parsing
                # all would spend the 2 cores the server needs on the client)
                ok = r.status == 200 and data.startswith(b'{"profile":') and data.endswith(b"}")
                if ok and k >= a.requests - 10:
                    ok = len(json.loads(data)["rank"]) == meta["n"]
                err = None if ok else "HTTP %d %s" % (r.status, data[:100])
            except Exception as e:  # noqa: BLE001 - every failure counts
                err = repr(e)
            dt = time.perf_counter() - t
            with lock:
                lat.append(dt)
                if err:
                    errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(min(a.concurrency, a.requests))]
    t1 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(a.max_seconds + 60)
    wall = time.time() - t1
    hwm = 0
    try:
        for line in open("/proc/%d/status" % srv.proc.pid):
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) // 1024
    except OSError:
        pass
    rc, err = srv.stop()
    lat.sort()
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
    print("serve_load: %d plots, %d re-rank requests, %d concurrent: p50 %.0f ms, p95 %.0f ms, max %.0f ms; "
          "%.1f s in all (%.1f requests/s); %d errors; server start %.1f s, peak memory %d MiB"
          % (meta["n"], len(lat), min(a.concurrency, a.requests), p(0.5), p(0.95), lat[-1] * 1000 if lat else 0,
             wall, len(lat) / wall if wall else 0, len(errors), start_s, hwm))
    for e in errors[:5]:
        print("  error: " + e)
    bad = errors or len(lat) != a.requests or wall > a.max_seconds or rc != 0
    if rc != 0:
        print("server exit code %d: %s" % (rc, err[-500:]))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
