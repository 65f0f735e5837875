#!/usr/bin/env python3
"""Soak with hostile and normal clients: what readers see while others attack the service.

    bench/hostile_soak.py INDEX_DIR [--seconds 600] [--site SITE_DIR] [--normal 8 --normal-rate 5]
        [--only slowloris,idle,...] [--server-arg ARG ...]

Starts `query serve` on INDEX_DIR with its shipped defaults (plus --server-arg) and, for
--seconds, runs normal clients (--normal keep-alive connections, each sending a search every
1/--normal-rate seconds, from the posts' titles of --site, or plain words) beside hostile ones,
each kind in a process of its own and from a loopback address of its own (127.0.1.K; normal
clients 127.0.0.2 and up), so that a per-client limit can tell them apart:

  slowloris   connections that send a request's headers a line every few seconds, never ending
  idle        keep-alive connections that ask once and then hold the connection, idle
  range       GETs of the largest asset with a Range of hundreds of overlapping parts
  gzip        POST /api/search bodies of a few hundred KiB that inflate (Content-Encoding:
              gzip) to --bomb-mb MiB of JSON white space
  wildcard    searches of many short wildcards, ORs and phrases (the most costly queries)
  lang        searches each with a query_lang never sent before
  pipeline    many requests written at once on one connection before reading any answer

The request floods (range, gzip, wildcard, lang, pipeline) run through bench/hostile_client,
compiled with the project (POSTSEARCH_BUILD/bench/hostile_client), each opening at most
--hostile-rate connections a second (--clients python: this script's own loops, as fast as
answered). Each connection over loopback costs its client about 0.1 ms of CPU in the kernel
whichever the language; the Python loops add their own on top. --hostile-nice N runs the
hostile clients at niceness N: on one machine their CPU is taken from the server and the
readers, which remote attackers' is not.

Every 10 s it prints the normal clients' p50/p99 and failures in that interval, the server's
RSS, open files and threads, and what each hostile kind got (answers by status, connections
held). At the end: the CPU each party used, the normal clients' p50/p99 over the run as they
saw it and as the server timed it (Server-Timing; the target is the readers' p99 under
--target-p99-ms), their failures, and whether the server's RSS stayed bounded: under
--rss-cap-mib throughout, and flat after the first half (rss_verdicts()).
Exit status 0 when every target is met."""
import argparse
import http.client
import multiprocessing
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from hostile_clients import Tally, hostile, raise_fd_limit  # noqa: E402

KINDS = ["slowloris", "idle", "range", "gzip", "wildcard", "lang", "pipeline"]
INTERVAL = 10


def normal(a, port, queries, k, results, stop):
    """One reader: a search every 1/--normal-rate s on a keep-alive connection; appends
    (time, milliseconds or None when it failed, the server's own milliseconds from its
    Server-Timing header) to `results`."""
    rng = random.Random(k)
    source = f"127.0.0.{2 + k}"
    conn = None
    next_at = time.monotonic()
    while not stop.is_set():
        next_at += 1 / a.normal_rate
        stop.wait(max(0.0, next_at - time.monotonic()))
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=a.normal_timeout,
                                              source_address=(source, 0))
        start = time.monotonic()
        server_ms = None
        try:
            conn.request("GET", f"/api/search?per_page=10&q={rng.choice(queries)}")
            r = conn.getresponse()
            r.read()
            ok = r.status == 200
            m = re.search(r"dur=([0-9.]+)", r.getheader("Server-Timing") or "")
            server_ms = float(m.group(1)) if m else None
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = None
        results.put((time.time(), 1000 * (time.monotonic() - start) if ok else None, server_ms))


def normal_clients(a, port, queries, results, stop):
    threads = [threading.Thread(target=normal, args=(a, port, queries, k, results, stop), daemon=True)
               for k in range(a.normal)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def proc_status(pid):
    """The server's (RSS MiB, open files, threads) now."""
    rss = threads = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                elif line.startswith("Threads:"):
                    threads = int(line.split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0.0, 0, 0
    return rss, fds, threads


def descendants(pid):
    """`pid` and every live process below it."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def cpu_seconds(pids):
    """CPU seconds (user and system) used so far by the processes `pids` and those below them."""
    total = 0.0
    for pid in {d for p in pids for d in descendants(p)}:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def percentile(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def start_server(a):
    server = subprocess.Popen([benchlib.binary("query", "query"), "serve", "--index", a.index, "--listen",
                               "127.0.0.1:0", "-q", *a.server_arg],
                              stdout=subprocess.PIPE, stderr=open(a.server_log, "w"), text=True)
    m = re.search(r":(\d+)/", server.stdout.readline())
    if not m:
        raise SystemExit(f"query serve did not start; see {a.server_log}")
    return server, int(m.group(1))


def report_interval(t, ok, fails, status, hostile_tallies, last):
    """One row: the readers' answers (milliseconds each) and failures in the interval, the
    server's state, and what each hostile kind got since the last row."""
    cells = []
    for kind, tally in hostile_tallies.items():
        now = tally.snapshot()
        before = last.get(kind, {k: 0 for k in now})
        d = {k: now[k] - before[k] for k in now if k not in ("held",)}
        held = f" held {now['held']}, closed {d['closed']}" if kind in ("slowloris", "idle") else ""
        cells.append(f"{kind}: {d['2xx']}/{d['4xx']}/{d['429']}/{d['5xx']}/{d['failed']}{held}")
        last[kind] = now
    rss, fds, threads = status
    print(f"| {t:.0f} | {len(ok)} | {fails} | {percentile(ok, 50):.1f} | {percentile(ok, 99):.1f} | "
          f"{rss:.0f} | {fds} | {threads} | {'; '.join(cells)} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index")
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--site", help="the site of INDEX_DIR: normal clients search its posts' titles")
    ap.add_argument("--only", default=",".join(KINDS), help="hostile kinds to run (comma-separated; '' for none)")
    ap.add_argument("--normal", type=int, default=8, help="normal clients")
    ap.add_argument("--normal-rate", type=float, default=5, help="searches a second per normal client")
    ap.add_argument("--normal-timeout", type=float, default=10, help="seconds a normal client waits")
    ap.add_argument("--slow", type=int, default=300, help="slowloris connections")
    ap.add_argument("--idle", type=int, default=600, help="idle keep-alive connections")
    ap.add_argument("--range-parts", type=int, default=500)
    ap.add_argument("--bomb-mb", type=int, default=60,
                    help="what each gzip body inflates to (60: a body under the 64 KiB default limit)")
    ap.add_argument("--pipeline-depth", type=int, default=64)
    ap.add_argument("--target-p99-ms", type=float, default=100)
    ap.add_argument("--rss-cap-mib", type=float, default=200,
                    help="the server's RSS may never pass this (200: the service's caches at their defaults over "
                         "the 2,000-post site of bench/README.md, its searchers and threads, and the allocator's slack)")
    ap.add_argument("--rss-plateau-slack", type=float, default=0.05,
                    help="how far the second half's RSS maximum may rise above the first half's (0.05: 5 %%)")
    ap.add_argument("--hostile-nice", type=int, default=0,
                    help="niceness of the hostile clients' processes: on one machine their own CPU is taken "
                         "from the server's, which remote attackers' is not (10 leaves them the idle CPU)")
    ap.add_argument("--clients", choices=["compiled", "python"], default="compiled",
                    help="run the request floods (range, gzip, wildcard, lang, pipeline) through "
                         "bench/hostile_client (built with the project), or through this script's own "
                         "Python loops, which cost the machine about a core at the same rates")
    ap.add_argument("--hostile-rate", type=float, default=2000,
                    help="connections a second each compiled flood opens at most (0: as fast as answered; "
                         "2000 is above what the Python loops reach on the 2-core machine, about 1,750)")
    ap.add_argument("--server-arg", action="append", default=[], help="extra query serve argument")
    ap.add_argument("--server-log", default="/tmp/hostile_soak.serve.log")
    a = ap.parse_args()
    kinds = [k for k in a.only.split(",") if k]
    if any(k not in KINDS for k in kinds):
        ap.error(f"--only takes {','.join(KINDS)}")
    raise_fd_limit()
    queries = benchlib.title_queries(benchlib.site_posts(a.site)) if a.site else \
        ["the", "time", "world", "people%20life", "work", "year", "new", "good"]
    server, port = start_server(a)
    print(f"machine: {benchlib.machine()}")
    print(f"command: bench/hostile_soak.py {' '.join(sys.argv[1:])}")
    print(f"normal: {a.normal} clients x {a.normal_rate}/s; hostile: {', '.join(kinds) or 'none'}\n")
    stop = multiprocessing.Event()
    tallies = {k: Tally() for k in kinds}
    procs = [multiprocessing.Process(target=hostile, args=(k, a, port, f"127.0.1.{i + 1}", tallies[k], stop),
                                     daemon=True) for i, k in enumerate(kinds)]
    results = multiprocessing.Queue()
    procs.append(multiprocessing.Process(target=normal_clients, args=(a, port, queries, results, stop), daemon=True))
    for p in procs:
        p.start()
    print("| s | normal ok | normal failed | p50 ms | p99 ms | RSS MiB | fds | threads | "
          "hostile: 2xx/4xx/429/5xx/failed |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    start = time.time()
    parties = {"server": [server.pid], "hostile clients": [p.pid for p in procs[:-1]],
               "normal clients": [procs[-1].pid]}
    cpu_start = {name: cpu_seconds(pids) for name, pids in parties.items()}
    all_ok, all_server, all_failed, samples, last = [], [], 0, [], {}
    try:
        while time.time() - start < a.seconds and server.poll() is None:
            lat, fails = [], 0
            end = time.time() + min(INTERVAL, a.seconds - (time.time() - start))
            while time.time() < end:
                try:
                    _, ms, server_ms = results.get(timeout=max(0.01, end - time.time()))
                except Exception:  # queue.Empty
                    continue
                if ms is None:
                    fails += 1
                else:
                    lat.append(ms)
                    all_server.append(server_ms or 0.0)
            status = proc_status(server.pid)
            samples.append((time.time() - start, status[0]))
            report_interval(time.time() - start, lat, fails, status, tallies, last)
            all_ok += lat
            all_failed += fails
        cpu = {name: max(0.0, cpu_seconds(pids) - cpu_start[name]) for name, pids in parties.items()}  # 0: it ended
        cpu["wall"] = time.time() - start
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=15)
            if p.is_alive():
                p.terminate()
        crashed = server.poll()
        server.terminate()
        server.wait()
    print_cpu(cpu)
    summary(a, all_ok, all_server, all_failed, samples, crashed)
    return 0 if summary.passed else 1


def print_cpu(cpu):
    """Whose CPU the run took: on one machine the clients' own is taken from the server's."""
    wall = cpu.pop("wall")
    print("\nCPU over the run (cores): " + ", ".join(f"{name} {s / wall:.2f}" for name, s in cpu.items()))


def rss_verdicts(a, samples):
    """Whether memory stayed bounded, in two verdicts, and the line that shows why. Under a
    cap: the RSS never passed --rss-cap-mib. A plateau: the allocator climbs to its high-water
    mark while the first floods arrive, so the second half of the run (after max(60 s, half
    the run)) may not rise more than --rss-plateau-slack above the first half's maximum; a
    step up late in the run fails it, however flat the run is after the step."""
    settled = max(60, a.seconds / 2)
    early = [rss for t, rss in samples if t <= settled]
    late = [(t, rss) for t, rss in samples if t > settled]
    rss_max = max((rss for _, rss in samples), default=0)
    verdicts = {f"RSS under the cap of {a.rss_cap_mib:.0f} MiB": rss_max <= a.rss_cap_mib}
    line = f"server RSS: max {rss_max:.0f} MiB; up to {settled:.0f} s {min(early, default=0):.0f}-{max(early, default=0):.0f} MiB"
    if len(late) > 2:
        late_max = max(r for _, r in late)
        trend = 60 * statistics.linear_regression(*zip(*late)).slope
        line += (f"; after it {min(r for _, r in late):.0f}-{late_max:.0f} MiB "
                 f"({100 * (late_max / max(early) - 1):+.1f} % on the first part's maximum, trend {trend:+.2f} MiB a minute)")
        verdicts[f"RSS plateau (second half at most {100 * a.rss_plateau_slack:.0f} % above the first)"] = \
            late_max <= max(early) * (1 + a.rss_plateau_slack)
    else:
        line += "; no plateau verdict (run 90 s or longer)"
    return verdicts, line


def summary(a, ok, server_ms, failed, samples, crashed):
    p50, p99 = percentile(ok, 50), percentile(ok, 99)
    print(f"\nnormal clients: {len(ok)} answered, {failed} failed; p50 {p50:.1f} ms, p99 {p99:.1f} ms "
          f"(target under {a.target_p99_ms:.0f}); inside the server (Server-Timing, from routing to the "
          f"answer) p50 {percentile(server_ms, 50):.1f} ms, p99 {percentile(server_ms, 99):.1f} ms")
    memory, line = rss_verdicts(a, samples)
    print(line)
    verdicts = {
        "service alive": crashed is None,
        "normal p99": p99 < a.target_p99_ms,
        "normal failures": failed == 0,
        **memory,
    }
    for name, good in verdicts.items():
        print(f"{'PASS' if good else 'FAIL'}: {name}")
    summary.passed = all(verdicts.values())


if __name__ == "__main__":
    sys.exit(main())
