#!/usr/bin/env python3
"""Publish-under-load stress: wrk against a real `query serve` while the indexer publishes.

    bench/publish_stress.py [--rounds 50] [--posts 1000] [--site SITE_DIR] [--connections 32]
        [--rebuild-every 5] [--pause 0.5] [--timeout 10] [--work DIR]

Each round changes one post (a word of its own joins its body) and runs `indexer SITE --index
IDX`, every --rebuild-every-th round with --rebuild; then asks the service for that round's word
and expects the changed post back. wrk (Debian's) keeps --connections connections searching
all along (bench/http_load.lua, distinct queries from the posts' titles). Passes when every
indexer run exits 0, every round's word is found, wrk saw no failed request (connect, read,
write, status, timeout), the service is still running and exits cleanly, and its standard
error holds no sanitizer report. Run it against the release, ASan and TSan builds
(POSTSEARCH_BUILD=build/asan ...; --indexer takes another build's indexer): a crash leaves
its core file in the work directory when the kernel's core_pattern writes files (the script
says where cores go) and keeps the work directory. Exit status 0 on a pass, 1 on a failure."""
import argparse
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SANITIZER_REPORT = re.compile(r"ERROR: AddressSanitizer|WARNING: ThreadSanitizer|ERROR: LeakSanitizer|"
                              r"runtime error:|SUMMARY: \w+Sanitizer")


def core_note():
    """Where a crashing service's core file goes, in words."""
    try:
        with open("/proc/sys/kernel/core_pattern") as f:
            pattern = f.read().strip()
    except OSError:
        return "core_pattern unreadable"
    if pattern.startswith("|"):
        return f"core_pattern pipes cores to {pattern[1:].split()[0]} (not into the work directory)"
    return f"core_pattern `{pattern}`: relative names land in the work directory"


def unlimited_core():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def make_site(a, work):
    site = os.path.join(work, "site")
    if a.site:
        shutil.copytree(a.site, site)
    else:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), site, str(a.posts),
                        "--words", str(a.words)], check=True)
    return site


def change_post(path, word):
    """Appends a paragraph naming `word` to the post (a new version of it to index)."""
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"\n\nRevised: {word} marks this version.\n")


def found(port, word, timeout):
    url = f"http://127.0.0.1:{port}/api/search?facets=false&q={word}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return len(json.loads(r.read())["hits"]) if r.status == 200 else -1
    except (OSError, ValueError, KeyError) as e:
        print(f"  search for {word} failed: {e}")
        return -1


def start_service(a, idx, work):
    log = open(os.path.join(work, "serve.stderr"), "w")
    server = subprocess.Popen([benchlib.binary("query", "query"), "serve", "--index", idx, "--listen",
                               "127.0.0.1:0", "--rate-limit", "0", "--max-connections-per-client", "0", "-q",
                               *a.server_arg],
                              cwd=work, stdout=subprocess.PIPE, stderr=log, text=True,
                              preexec_fn=unlimited_core)
    line = server.stdout.readline()
    m = re.search(r":(\d+)/", line)
    if not m:
        raise SystemExit(f"query serve did not start: {line!r}; see {log.name}")
    return server, m.group(1)


def start_wrk(a, port, queries):
    env = dict(os.environ, WRK_STATUSES="1")  # name the statuses of failed requests
    return subprocess.Popen(["wrk", "-t", "2", "-c", str(a.connections), "-d", "24h", "--timeout", f"{a.timeout}s",
                             "-s", os.path.join(HERE, "http_load.lua"), f"http://127.0.0.1:{port}", "--",
                             queries, "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def publish_rounds(a, site, idx, port, server):
    """Runs the rounds; returns a list of failures (empty when all went well)."""
    failures = []
    posts = benchlib.site_posts(site)
    indexer = a.indexer
    times = {"incremental": [], "rebuild": []}
    for n in range(a.rounds):
        word = f"pubstress{n}x"
        change_post(posts[(n * 7919) % len(posts)], word)
        rebuild = a.rebuild_every > 0 and n % a.rebuild_every == a.rebuild_every - 1
        start = time.monotonic()
        p = subprocess.run([indexer, site, "--index", idx, "-q", *(["--rebuild"] if rebuild else [])],
                           capture_output=True, text=True)
        times["rebuild" if rebuild else "incremental"].append(time.monotonic() - start)
        if p.returncode != 0:
            failures.append(f"round {n}: indexer exited {p.returncode}: {p.stderr[-500:]}")
        total = found(port, word, a.timeout)
        if total != 1:
            failures.append(f"round {n}: a search for {word} found {total} posts, not 1")
        if server.poll() is not None:
            failures.append(f"round {n}: query serve exited with {server.returncode}")
            break
        print(f"round {n + 1}/{a.rounds}: {'rebuild' if rebuild else 'incremental'} "
              f"{time.monotonic() - start:.1f} s, {word} found {total}", flush=True)
        time.sleep(a.pause)
    for kind, ts in times.items():
        if ts:
            print(f"{kind} runs: {len(ts)}, median {sorted(ts)[len(ts) // 2]:.1f} s")
    return failures


def stop_wrk(wrk):
    """Ends wrk as Ctrl-C would (it then prints its summary); returns that summary."""
    if wrk.poll() is None:
        wrk.send_signal(signal.SIGINT)
    out, err = wrk.communicate(timeout=60)
    m = re.search(r"JSON (\{.*\})", out)
    if not m:
        raise SystemExit(f"wrk printed no summary:\n{out}\n{err}")
    return json.loads(m.group(1))


def check_service(server, work):
    """Stops the service; returns failures: a crash, an unclean exit, a sanitizer report."""
    failures = []
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            failures.append("query serve did not stop within 60 s of SIGTERM")
    if server.returncode != 0:
        failures.append(f"query serve exited with {server.returncode}")
    with open(os.path.join(work, "serve.stderr"), errors="replace") as f:
        stderr = f.read()
    if SANITIZER_REPORT.search(stderr):
        failures.append("sanitizer report in query serve's standard error:\n" + stderr[-6000:])
    cores = [f for f in os.listdir(work) if f.startswith("core")]
    if cores:
        failures.append(f"core files in {work}: {', '.join(cores)}")
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--posts", type=int, default=1000, help="posts of the generated site (without --site)")
    ap.add_argument("--words", type=int, default=300, help="typical body length of generated posts")
    ap.add_argument("--site", help="a Jekyll site to copy instead of generating one")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--rebuild-every", type=int, default=5, help="every Nth run is a --rebuild (0: never)")
    ap.add_argument("--pause", type=float, default=0.5, help="seconds between rounds")
    ap.add_argument("--timeout", type=int, default=10, help="seconds a request may take (wrk --timeout)")
    ap.add_argument("--server-arg", action="append", default=[], help="extra query serve argument")
    ap.add_argument("--work", help="work directory (default: a new temporary one, removed on a pass)")
    ap.add_argument("--indexer", help="the indexer binary (default: the one beside the query binary)")
    a = ap.parse_args()
    a.indexer = os.path.abspath(a.indexer) if a.indexer else benchlib.binary("indexer", "indexer")
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    work = a.work or tempfile.mkdtemp(prefix="pubstress-")
    os.makedirs(work, exist_ok=True)
    print(f"machine: {benchlib.machine()}")
    print(f"command: bench/publish_stress.py {' '.join(sys.argv[1:])}")
    print(f"binaries: query {benchlib.binary('query', 'query')}, indexer {a.indexer}")
    print(f"work directory {work}; {core_note()}", flush=True)
    site = make_site(a, work)
    idx = os.path.join(work, "idx")
    subprocess.run([a.indexer, site, "--index", idx, "-q"], check=True,
                   stdout=subprocess.DEVNULL)
    queries = os.path.join(work, "queries.txt")
    with open(queries, "w") as f:
        f.write("\n".join(benchlib.title_queries(benchlib.site_posts(site))) + "\n")
    server, port = start_service(a, idx, work)
    wrk = start_wrk(a, port, queries)
    try:
        failures = publish_rounds(a, site, idx, port, server)
        r = stop_wrk(wrk)
    finally:
        if wrk.poll() is None:
            wrk.kill()
        failures_after = check_service(server, work)
    failures += failures_after
    errors = r["errors"] + r["status_errors"] + r["timeouts"]
    kinds = "/".join(str(r[k]) for k in ["connect", "read", "write", "status_errors", "timeouts"])
    print(f"\nwrk, {a.connections} connections: {r['requests']} requests, {r['rps']:.0f}/s, p50 {r['p50_ms']:.1f} ms, "
          f"p99 {r['p99_ms']:.1f} ms, {errors} failed (connect/read/write/status/timeout {kinds}; "
          f"statuses {r['bad_statuses']})")
    if errors:
        failures.append(f"{errors} failed requests")
    if r["requests"] == 0:
        failures.append("wrk made no request")
    for f in failures:
        print("FAIL:", f)
    if failures:
        print(f"work directory kept: {work}")
        return 1
    print(f"PASS: {a.rounds} rounds, 0 failed requests")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
