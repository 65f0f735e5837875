#!/usr/bin/env python3
"""HTTP load benchmark: wrk (Debian) against a real `query serve` on loopback.

    bench/http_load.py INDEX_DIR CORPUS_POSTS_DIR [--connections 16,64,256] [--seconds 30]
    bench/http_load.py INDEX_DIR CORPUS_POSTS_DIR --analytics-ab [--connections 16,64]
        (two servers, search analytics on (state in a temporary folder) and off
         (--no-analytics), measured in turn at each connection count, twice: what counting
         costs the search path)
    bench/http_load.py INDEX_DIR CORPUS_POSTS_DIR --soak 600 [--connections 64]
        [--reindex-site SITE_DIR --reindex-every 60]
        (one long run; the server's RSS and cache sizes (/metrics) sampled every 10 s: is
         there growth after the first minute's plateau? With --reindex-site, a new post is
         written into SITE_DIR and `indexer SITE_DIR --index INDEX_DIR` runs every
         --reindex-every seconds, every fifth run a --rebuild: zero failed requests is the
         point)

Queries are distinct (../shared/peers/make-query-mix.py over the corpus, or the bundled
fallback), so no result cache can stand in for the engine. Reports requests/s, p50/p99,
errors and the server's peak RSS per connection count."""
import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import benchlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def cpu_times(pid):
    """User and system CPU time the process has used so far, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_per_request(pid, user_before, sys_before, result):
    """'total (user + system)' milliseconds of server CPU per request since the *_before times."""
    user, system = cpu_times(pid)
    n = max(1, result["requests"])
    u, s = 1000 * (user - user_before) / n, 1000 * (system - sys_before) / n
    return f"{u + s:.2f} ({u:.2f} + {s:.2f})"


def current_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cache_gauges(port):
    """The server's cache sizes from /metrics: {"posts": {"entries": N, "bytes": B}, ...}."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            text = r.read().decode()
    except OSError:
        return {}
    found = {}
    for kind, name, value in re.findall(r'^postsearch_cache_(entries|bytes)\{cache="(\w+)"\} (\d+)$', text, re.M):
        found.setdefault(name, {})[kind] = int(value)
    return found


def soak(a, server, port, queries):
    c = a.connections.split(",")[0]
    wrk = subprocess.Popen(["wrk", "-t", str(a.threads), "-c", c, "-d", f"{a.soak}s", "--timeout", "10s",
                            "-s", os.path.join(HERE, "http_load.lua"), f"http://127.0.0.1:{port}", "--",
                            queries, "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = time.time()
    samples = []
    reindexed = []
    while wrk.poll() is None:
        time.sleep(10)
        now = time.time() - start
        samples.append((now, current_rss_kb(server.pid) / 1024, cache_gauges(port)))
        if a.reindex_site and now >= a.reindex_every * (len(reindexed) + 1) and now < a.soak - 5:
            reindexed.append(reindex(a, len(reindexed)))
    out = wrk.stdout.read()
    r = json.loads(re.search(r"JSON (\{.*\})", out).group(1))
    print("| seconds | server RSS MiB | cached posts (MiB) | posting bitmaps (MiB) | completions |\n"
          "|---:|---:|---:|---:|---:|")
    for t, rss, caches in samples:
        def cell(name):
            c = caches.get(name, {})
            return f"{c.get('entries', 0)} ({c.get('bytes', 0) / 2**20:.1f})"
        print(f"| {t:.0f} | {rss:.1f} | {cell('posts')} | {cell('posting_bitmaps')} | "
              f"{caches.get('completions', {}).get('entries', 0)} |")
    plateau = max(rss for t, rss, _ in samples if t <= 60)
    later = max(rss for t, rss, _ in samples if t > 60)
    # The maximum of many noisy samples exceeds that of a few, so also the trend after the
    # first minute: the least-squares slope of RSS against time.
    late = [(t, rss) for t, rss, _ in samples if t > 60]
    slope = 60 * statistics.linear_regression(*zip(*late)).slope if len(late) > 1 else 0.0
    errors = r["errors"] + r["status_errors"] + r["timeouts"]
    kinds = "/".join(str(r[k]) for k in ["connect", "read", "write", "status_errors", "timeouts"])
    print(f"\n{c} connections, {a.soak} s: {r['requests']} requests, {r['rps']:.0f}/s, p99 {r['p99_ms']:.1f} ms, "
          f"{errors} errors (connect/read/write/status/timeout {kinds}, statuses {r.get('bad_statuses') if a.statuses else 'not named: --statuses'}); RSS max in the first minute {plateau:.1f} MiB, after it {later:.1f} MiB "
          f"({later - plateau:+.1f} MiB); after the first minute RSS ranged {min(r for _, r in late):.1f}-"
          f"{max(r for _, r in late):.1f} MiB, trend {slope:+.3f} MiB a minute")
    if reindexed:
        ok = sum(1 for rc, _ in reindexed if rc == 0)
        print(f"re-indexed {len(reindexed)} times ({ok} exit 0; every fifth a --rebuild), "
              f"median {sorted(t for _, t in reindexed)[len(reindexed) // 2]:.1f} s per run")


def reindex(a, n):
    """Adds one post to the site and runs the indexer over it; returns (exit status, seconds)."""
    posts = os.path.join(a.reindex_site, "_posts")
    with open(os.path.join(posts, f"2026-01-01-soak-{n}.md"), "w") as f:
        f.write(f"---\ntitle: Soak post {n}\ntags: [soak]\n---\nSoakword{n} arrives during the load.\n")
    args = [benchlib.binary("indexer", "indexer"), a.reindex_site, "--index", a.index, "-q"]
    if n % 5 == 4:
        args.append("--rebuild")
    start = time.monotonic()
    rc = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return rc, time.monotonic() - start


def warms(port):
    """postsearch_warms_total from the server's /metrics (0 when it cannot be read)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            m = re.search(r"^postsearch_warms_total (\d+)$", r.read().decode(), re.M)
    except OSError:
        return 0
    return int(m.group(1)) if m else 0


def start_server(index, extra):
    """A `query serve` on a free port, once it has filled its caches (as search_latency and
    run_queries warm them before their clocks start): the warm-up's CPU, seconds of it at
    100,000 posts, is not any request's."""
    if "--state-dir" not in extra and "--no-analytics" not in extra:
        # Search analytics stay on, as a service runs, but in a folder of the run's own:
        # by default they would be written beside the index, which may be shared.
        extra = ["--state-dir", tempfile.mkdtemp(prefix="psload-state-"), *extra]
    server = subprocess.Popen([benchlib.binary("query", "query"), "serve", "--index", index, "--listen", "127.0.0.1:0",
                               "--rate-limit", "0", "--max-connections-per-client", "0", "-q", *extra],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = re.search(r":(\d+)/", server.stdout.readline()).group(1)
    deadline = time.monotonic() + 300
    while "--no-warm" not in extra and warms(port) < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    return server, port


def wrk_row(a, c, server, port, queries, offset, label=""):
    """One wrk run of a.seconds at c connections: a table row, or None when wrk said nothing."""
    user_before, sys_before = cpu_times(server.pid)
    p = subprocess.run(["wrk", "-t", str(a.threads), "-c", str(c), "-d", f"{a.seconds}s", "--timeout", "10s",
                        "-s", os.path.join(HERE, "http_load.lua"), f"http://127.0.0.1:{port}", "--",
                        queries, str(offset)], capture_output=True, text=True)
    m = re.search(r"JSON (\{.*\})", p.stdout)
    if not m:
        print(p.stdout, p.stderr)
        return None
    r = json.loads(m.group(1))
    errors = r["errors"] + r["status_errors"] + r["timeouts"]
    kinds = "/".join(str(r[k]) for k in ["connect", "read", "write", "status_errors", "timeouts"])
    return (f"| {label}{c} | {a.seconds} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {errors} ({kinds}) | "
            f"{rss_kb(server.pid) / 1024:.0f} | {cpu_per_request(server.pid, user_before, sys_before, r)} |")


def analytics_ab(a, queries):
    """Search analytics on and off, alternating at each connection count (on, off, off, on),
    each server fed its own distinct queries."""
    state = tempfile.mkdtemp(prefix="psload-state-")
    servers = {"on": start_server(a.index, ["--state-dir", state, *a.server_arg]),
               "off": start_server(a.index, ["--no-analytics", *a.server_arg])}
    print("| analytics, connections | seconds | requests/s | p50 ms | p99 ms | errors "
          "| server RSS MiB (peak) | server CPU ms/request (user + system) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    offset = 0
    try:
        for c in [int(x) for x in a.connections.split(",")]:
            for mode in ["on", "off", "off", "on"]:
                server, port = servers[mode]
                row = wrk_row(a, c, server, port, queries, offset, f"{mode}, ")
                offset += 20000
                if row:
                    print(row, flush=True)
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait()
    with sqlite3.connect(os.path.join(state, "analytics.sqlite")) as db:
        rows, searches = db.execute("SELECT count(*), coalesce(sum(count), 0) FROM searches").fetchone()
    print(f"\nthe store after the run: {rows} rows, {searches} searches counted "
          f"(distinct queries kept per day: the service's bound)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index")
    ap.add_argument("corpus")
    ap.add_argument("--connections", default="16,64,256")
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--soak", type=int, default=0, help="seconds of one long run, RSS sampled")
    ap.add_argument("--server-arg", action="append", default=[], help="extra query serve argument")
    ap.add_argument("--reindex-site", help="with --soak: the site INDEX_DIR was built from, re-indexed meanwhile")
    ap.add_argument("--reindex-every", type=int, default=60, help="seconds between re-index runs")
    ap.add_argument("--query-mix", help="make-query-mix.py (default: ../shared/peers/ beside the checkout)")
    ap.add_argument("--analytics-ab", action="store_true",
                    help="compare search analytics on and off, alternating, in one run")
    ap.add_argument("--statuses", action="store_true",
                    help="name the statuses of failed requests (costs wrk CPU the server then lacks)")
    a = ap.parse_args()
    if 0 < a.soak <= 70:
        ap.error("--soak needs more than 70 seconds: RSS after the first minute is compared with it")
    if a.statuses:
        os.environ["WRK_STATUSES"] = "1"
    tmp = tempfile.mkdtemp(prefix="psload-")
    queries = os.path.join(tmp, "queries.txt")
    mix = a.query_mix or os.path.join(HERE, "..", "..", "shared", "peers", "make-query-mix.py")
    count = str(max(200000, a.soak * 1500))
    subprocess.run(["/usr/bin/python3", mix, a.corpus, queries, count], check=True, stdout=subprocess.DEVNULL)
    server, port = start_server(a.index, a.server_arg)
    print(f"machine: {benchlib.machine()}")
    print(f"command: bench/http_load.py {' '.join(sys.argv[1:])}\n")
    if a.soak:
        try:
            soak(a, server, port, queries)
        finally:
            server.terminate()
            server.wait()
        return
    if a.analytics_ab:
        server.terminate()
        server.wait()
        analytics_ab(a, queries)
        return
    print("| connections | seconds | requests/s | p50 ms | p99 ms | errors (connect/read/write/status/timeout) "
          "| server RSS MiB (peak) | server CPU ms/request (user + system) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    offset = 0
    try:
        for c in [int(x) for x in a.connections.split(",")]:
            row = wrk_row(a, c, server, port, queries, offset)
            offset += 50000
            if row:
                print(row, flush=True)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
