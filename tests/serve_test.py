#!/usr/bin/python3
"""serve_test.py — `bodnaarplot serve` through its HTTP API, without a
browser: the re-rank equals an independent one (serve_rank_helper), rank
stability is exact at its bounds, the consensus is the intersection of the
parties' top N, and a scripted list of malformed and hostile requests (bad
JSON, huge bodies, bad tokens, traversal paths, bad hosts) all get a 4xx and
never crash the server.  The ASan build runs it too: the server must exit 0
with no sanitizer report.

    serve_test.py BODNAARPLOT SOURCE_DIR HELPER
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_common import Server, make_zwolle  # noqa: E402

BP, SRC, HELPER = sys.argv[1], sys.argv[2], sys.argv[3]
failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok   " + what)
    else:
        failures += 1
        print("FAIL " + what)


def helper_top(gpkg, profile, gap, n, weights):
    out = subprocess.run([HELPER, gpkg, profile, repr(gap), str(n)] + ["%s=%r" % kv for kv in weights.items()],
                         check=True, capture_output=True, text=True).stdout
    return [line.split(" ", 1)[1] for line in out.splitlines()]


def server_top(ids, rr, n):
    by = sorted((r, i) for i, r in enumerate(rr["rank"]) if r > 0)
    return [ids[i] for r, i in by[:n]]


with tempfile.TemporaryDirectory() as work:
    gpkg = make_zwolle(BP, SRC, work)
    parties = os.path.join(work, "partijen.yaml")
    with open(parties, "w") as f:
        f.write("gemeente: {supermarkt: 5, ontmoeting: 4}\ncorporatie: {ov_halte: 4, gap_weight: 0.5}\n"
                "zorgorganisatie: {zorg: 6, huisarts: 5}\n")
    srv = Server(BP, gpkg, "--parties", parties)
    check(srv.first_line.startswith("bodnaarplot: serving on http://127.0.0.1:"), "prints its URL")
    st, meta = srv.json("GET", "/api/meta")
    check(st == 200 and meta["n"] == 400 and "zorg" in meta["categories"], "meta")
    check([p["name"] for p in meta["parties"]] == ["gemeente", "corporatie", "zorgorganisatie"], "parties file read")
    st, plots = srv.json("GET", "/api/plots")
    ids = plots["ids"]
    check(st == 200 and len(ids) == 400 and len(plots["off"]) == 401, "plots")
    st, hd, page = srv.request("GET", "/")
    check(st == 200 and b"Van bod naar plot" in page and "script-src 'self'" in hd.get("content-security-policy", ""),
          "page with a content security policy")
    st, _, js = srv.request("GET", "/leaflet/leaflet.js")
    check(st == 200 and len(js) > 100000, "Leaflet served locally")
    for lyr in ("gemeente_gap", "facilities"):
        st, g = srv.json("GET", "/api/layer/" + lyr)
        check(st == 200 and g["type"] == "FeatureCollection" and len(g["features"]) > 0, "layer " + lyr)
    st, _, _ = srv.request("GET", "/api/layer/walk_network")
    check(st == 404, "absent layer is 404")
    st, gm = srv.json("GET", "/api/gemeenten")
    check(st == 200 and len(gm["gemeenten"]) == 5 and "opgave" in gm["gemeenten"][0]["geclusterd"], "gemeenten")

    # ---- re-rank equals an independent re-rank, exactly
    base = meta["weights"]["geclusterd"]
    for w, gap, prof in (({"zorg": 8, "ontmoeting": 0.5}, 0.25, "geclusterd"), ({"supermarkt": 1}, 0.8, "geclusterd"),
                         ({}, 0.25, "zorggeschikt")):
        st, rr = srv.json("POST", "/api/rerank", {"profile": prof, "gap_weight": gap, "weights": w})
        full = dict(meta["weights"][prof], **w)
        want = helper_top(gpkg, prof, gap, 400, full)
        got = server_top(ids, rr, 400)
        check(st == 200 and got == want, "re-rank %s %s gap %s equals the library's (%d ranked)" % (prof, w, gap, len(want)))

    # ---- rank stability: inside the bounds in the top N, beyond them out
    n = 10
    st, rr = srv.json("POST", "/api/rerank", {})
    top = server_top(ids, rr, n)
    tested = 0
    for pid in top[:4]:
        i = ids.index(pid)
        st, card = srv.json("POST", "/api/plot", {"plot": i, "n": n})
        for c in card["criteria"]:
            lo, hi = c["stable"]
            cat = c["category"]
            for val, inside in ((lo * 0.98 - 0.02, False), (lo * 1.02 + 0.01, True), (None if hi is None else hi * 0.98, True),
                                (None if hi is None else hi * 1.02 + 0.01, False)):
                if val is None or val < 0 or (not inside and lo == 0 and val < lo) or val > 100:
                    continue
                w = dict(base, **{cat: val})
                ranked = helper_top(gpkg, "geclusterd", 0.25, n, w)
                check((pid in ranked) == inside,
                      "plot %s, %s=%.3f (stable %s..%s): %s the top %d" % (pid, cat, val, lo, hi,
                                                                          "in" if inside else "out of", n))
                tested += 1
    check(tested >= 8, "stability checked at %d bounds" % tested)

    # ---- consensus: the intersection of each party's top N
    profs = [dict(base, supermarkt=5, ontmoeting=4), dict(base, zorg=6, huisarts=5)]
    st, cons = srv.json("POST", "/api/consensus", {"n": 20, "parties": [{"weights": p} for p in profs]})
    sets = [set(helper_top(gpkg, "geclusterd", 0.25, 20, p)) for p in profs]
    check(st == 200 and set(ids[i] for i in cons["consensus"]) == sets[0] & sets[1],
          "consensus = intersection of the top 20s (%d plots)" % len(cons["consensus"]))

    # ---- the programme: the plots' homes add up to the gemeenten's programmed figures
    st, prog = srv.json("POST", "/api/program", {})
    sums = {}
    st2, cards = 200, {}
    for i, t, homes, reserved in prog["plots"]:
        st2, card = srv.json("GET", "/api/plot/%d" % i)
        sums[(card["gemeente"], t)] = sums.get((card["gemeente"], t), 0) + homes
    check(st == 200 and len(prog["plots"]) > 0 and all(
        abs(g[t] - sums.get((g["code"], t), 0)) < 1 for g in prog["gemeenten"] for t in ("nultreden", "geclusterd", "zorggeschikt")),
        "programme: %d plots, their homes = the gemeenten's programmed" % len(prog["plots"]))

    # ---- the plot card
    st, card = srv.json("GET", "/api/plot/3")
    check(st == 200 and card["id"] == ids[3] and len(card["criteria"]) == len(meta["categories"]) and card["reason"],
          "plot card with distances and reason")

    # ---- decisions: written through to the GeoPackage, seen after a restart
    note = "<script>window.__xss=1</script> & 'quotes'"
    pid = top[0]
    i = ids.index(pid)
    st, res = srv.json("POST", "/api/decision", {"plot": i, "besluit": "kansrijk", "woningtype": "geclusterd",
                                                 "woningen": "24", "partner_corporatie": "Woonstichting <b>X</b>",
                                                 "partner_zorg": "", "opmerking": note})
    check(st == 200, "decision saved")
    import sqlite3
    db = sqlite3.connect(gpkg)
    row = db.execute("SELECT besluit, besluit_woningtype, besluit_woningen, opmerking FROM candidates WHERE plot_id = ?", (pid,)).fetchone()
    nlog = db.execute("SELECT count(*) FROM besluiten_log").fetchone()[0]
    db.close()
    check(row == ("kansrijk", "geclusterd", 24, note), "decision in the GeoPackage: %r" % (row,))
    check(nlog >= 1, "decision logged in besluiten_log")
    st, card = srv.json("POST", "/api/plot", {"plot": i})
    check(card["decision"]["besluit"] == "kansrijk" and card["decision"]["opmerking"] == note, "decision on the card")
    st, _, raw = srv.request("POST", "/api/plot", {"plot": i})
    check(b"<script>" not in raw and b"\\u003cscript" in raw, "the note is escaped in JSON (\\u003c)")
    st, rr = srv.json("POST", "/api/rerank", {})
    check([i, "kansrijk"] in rr["decided"], "decision listed with the ranking")
    drop = ids.index(top[1])
    st, _ = srv.json("POST", "/api/decision", {"plot": drop, "besluit": "afgevallen"})
    st, rr = srv.json("POST", "/api/rerank", {})
    check(st == 200 and rr["rank"][drop] == 0, "a dropped plot is knocked out")
    for body in ({"plot": i, "besluit": "misschien"}, {"plot": i, "woningtype": "villa"},
                 {"plot": i, "opmerking": "x" * 2001}, {"plot": i, "woningen": "veel"}):
        st, _ = srv.json("POST", "/api/decision", body)
        check(st == 400, "bad decision %s -> 400 (got %d)" % (str(body)[:50], st))
    srv.stop()
    srv = Server(BP, gpkg, "--parties", parties)
    st, card = srv.json("POST", "/api/plot", {"plot": i})
    check(card["decision"]["besluit"] == "kansrijk" and card["decision"]["woningen"] == 24, "decision after a restart")
    st, rr = srv.json("POST", "/api/rerank", {})
    check(rr["rank"][drop] == 0, "dropped plot still knocked out after a restart")
    st, _ = srv.json("POST", "/api/decision", {"plot": drop, "besluit": "open"})

    # ---- concurrent mixed requests: each answer as if alone (the ThreadSanitizer
    # run of scripts/test.sh runs this too)
    import threading
    jobs = []
    for k in range(40):
        w = {"zorg": 1 + k % 7, "ontmoeting": 1 + (k * 3) % 5}
        if k % 4 == 0:
            jobs.append(("POST", "/api/plot", {"plot": k, "n": 10, "weights": w}))
        elif k % 4 == 1:
            jobs.append(("POST", "/api/consensus", {"n": 10, "parties": [{"weights": w}, {"weights": {"zorg": 3}}]}))
        elif k % 8 == 2:
            jobs.append(("POST", "/api/decision", {"plot": 100 + k, "besluit": "kansrijk", "opmerking": "k%d" % k}))
        else:
            jobs.append(("POST", "/api/rerank", {"weights": w}))
    answers = [None] * len(jobs)

    def run(k):
        answers[k] = srv.json(*jobs[k])

    ths = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
    for t in ths:
        t.start()
    for t in ths:
        t.join(120)
    check(all(a is not None and a[0] == 200 for a in answers), "40 concurrent mixed requests all 200")
    same = 0
    for k, (method, path, body) in enumerate(jobs):
        if path == "/api/rerank" and answers[k]:
            want = helper_top(gpkg, "geclusterd", 0.25, 400, dict(base, **body["weights"]))
            same += server_top(ids, answers[k][1], 400) == want
    nrr = sum(1 for j in jobs if j[1] == "/api/rerank")
    check(same == nrr, "every concurrent re-rank equals the library's alone (%d of %d)" % (same, nrr))
    for k in range(len(jobs)):
        if jobs[k][1] == "/api/decision":
            srv.json("POST", "/api/decision", {"plot": jobs[k][2]["plot"], "besluit": "open", "opmerking": ""})

    # ---- malformed and hostile requests: 4xx, never a crash
    bad = [
        ("POST", "/api/rerank", "{", 400), ("POST", "/api/rerank", "[1,2]", 400), ("POST", "/api/rerank", "", 400),
        ("POST", "/api/rerank", '{"weights":{"zorg":"x"}}', 400), ("POST", "/api/rerank", '{"weights":{"zorg":-1}}', 400),
        ("POST", "/api/rerank", '{"weights":{"onbekend":1}}', 400), ("POST", "/api/rerank", '{"gap_weight":2}', 400),
        ("POST", "/api/rerank", '{"profile":"villa"}', 400), ("POST", "/api/rerank", '{"weights":[1]}', 400),
        ("POST", "/api/rerank", '{"weights":{' + ",".join('"%s":0' % c for c in meta["categories"]) + "}}", 400),
        ("POST", "/api/rerank", '{"gap_weight":1e999}', 400), ("POST", "/api/rerank", '{"gap_weight":NaN}', 400),
        ("POST", "/api/rerank", "[" * 20000, 400), ("POST", "/api/rerank", '{"a":"\\ud800"}', 400),
        ("POST", "/api/rerank", '{"a":"\\u0000"}', 400), ("POST", "/api/rerank", b'{"a":"\xff\xfe"} x', 400),
        ("POST", "/api/rerank", "x" * 200000, 413), ("POST", "/api/rerank", '{"a":1}\x00', 400),
        ("POST", "/api/plot", '{"plot":400}', 400), ("POST", "/api/plot", '{"plot":-1}', 400),
        ("POST", "/api/plot", '{"plot":1.5}', 400), ("POST", "/api/plot", '{"plot":1,"n":0}', 400),
        ("POST", "/api/plot", '{"plot":1,"n":100000}', 400),
        ("GET", "/api/plot/abc", None, 400), ("GET", "/api/plot/-1", None, 400), ("GET", "/api/plot/1x", None, 400),
        ("GET", "/api/plot/99999999999999999999999", None, 400), ("GET", "/api/plot/", None, 400),
        ("POST", "/api/consensus", '{"parties":[]}', 400), ("POST", "/api/consensus", '{"parties":[1]}', 400),
        ("POST", "/api/consensus", '{"parties":' + json.dumps([{}] * 13) + "}", 400),
        ("POST", "/api/decision", '{"plot":"x"}', 400), ("POST", "/api/decision", '{"plot":1,"opmerking":5}', 400),
        ("POST", "/api/decision", '{"plot":1,"woningen":-3}', 400), ("POST", "/api/decision", '{"plot":1,"woningen":2.5}', 400),
        ("POST", "/api/nothing", "{}", 404), ("GET", "/api/layer/../../etc/passwd", None, 404),
        ("GET", "/etc/passwd", None, 404), ("GET", "/leaflet/../../../../etc/passwd", None, 404),
        ("GET", "/leaflet/images/../../leaflet.js", None, 404), ("GET", "/%2e%2e/%2e%2e/etc/passwd", None, 404),
        ("GET", "/app.js%00.png", None, 404), ("PUT", "/api/meta", "{}", 405), ("DELETE", "/", None, 405),
    ]
    for method, path, body, want in bad:
        st, _, data = srv.request(method, path, body)
        shown = (body if isinstance(body, str) else repr(body))[:40] if body else ""
        check(st == want and b"root:" not in data, "%s %s %s -> %d (got %d)" % (method, path[:40], shown, want, st))
    for raw in (b"GET /../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
                b"GET /leaflet/..%%2f..%%2f..%%2fetc/passwd HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n",
                b"GET /api/meta HTTP/1.1\r\n" + b"X-Long: " + b"a" * 100000 + b"\r\n\r\n",
                b"POST /api/rerank HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Length: 99999999\r\n\r\n{",
                b"\x00\x01\x02garbage\r\n\r\n"):
        try:
            msg = raw % srv.port if b"%d" in raw else raw
        except TypeError:
            msg = raw
        resp = srv.raw(msg, timeout=3)
        code = resp.split(b" ", 2)[1] if resp.startswith(b"HTTP/") else b"closed"
        check(b"root:" not in resp and not resp.startswith(b"HTTP/1.1 200"), "raw %r... -> %s" % (msg[:40], code.decode()))
    st, _ = srv.json("GET", "/api/meta")
    check(st == 200, "still serving after the hostile requests")
    rc, err = srv.stop()
    check(rc == 0 and "Sanitizer" not in err and "runtime error" not in err, "exits 0 on SIGTERM, no sanitizer report")
    if rc != 0 or err.strip():
        print(err[-3000:])

    # ---- a token: required on every request, in a header, the query or the cookie
    token = "T0k3n-abcdefghijklmnop"
    srv = Server(BP, gpkg, "--token", token)
    check(srv.request("GET", "/api/meta")[0] == 401, "no token: 401")
    check(srv.request("GET", "/", headers={"X-Token": token + "x"})[0] == 401, "wrong token: 401")
    check(srv.request("GET", "/", headers={"X-Token": token[:-1]})[0] == 401, "short token: 401")
    check(srv.request("GET", "/leaflet/leaflet.js")[0] == 401, "assets need the token too")
    check(srv.request("GET", "/api/meta", headers={"X-Token": token})[0] == 200, "token header: 200")
    st, hd, _ = srv.request("GET", "/?token=" + token)
    check(st == 200 and "bp_token=" in hd.get("set-cookie", "") and "HttpOnly" in hd.get("set-cookie", ""),
          "token in the query: 200 and an HttpOnly cookie")
    check(srv.request("GET", "/api/meta", headers={"Cookie": "bp_token=" + token})[0] == 200, "token cookie: 200")
    check(srv.request("GET", "/api/meta", headers={"Cookie": "bp_token=nope"})[0] == 401, "wrong cookie: 401")
    rc, err = srv.stop()
    check(rc == 0 and "Sanitizer" not in err, "token server exits 0")

    # ---- usage errors
    for args, what in ((["--listen", "0.0.0.0", "--token", "short"], "short token"),
                       (["--listen", "not-an-ip"], "bad address"), (["--port", "0"], "bad port"),
                       (["--leaflet", work], "missing Leaflet"), (["--parties", gpkg], "bad parties file")):
        p = subprocess.run([BP, "serve", gpkg, "--port", "1", *args], capture_output=True, text=True, timeout=120)
        check(p.returncode == 2 and p.stderr.startswith("bodnaarplot: error:"), "%s: exit 2 (%s)" % (what, p.stderr.strip()[:90]))
    p = subprocess.run([BP, "serve", os.path.join(work, "missing.gpkg")], capture_output=True, text=True)
    check(p.returncode != 0 and "error" in p.stderr, "missing GeoPackage refused")

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
