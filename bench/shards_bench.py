#!/usr/bin/env python3
"""Shards benchmark: one generated corpus indexed as 1, 4 and 8 shards, then the search-box
query mix through each, with every shard local and with every shard behind its own
`xapian-tcpsrv` on loopback.

    bench/shards_bench.py [--posts 1000000] [--words 150] [--shards 1,4,8] [--queries 1000]
                          [--work /tmp/psshards]

Reports index time, index size, query p50/p99 (in-process, one thread, facets and snippets,
distinct queries from ../shared/peers/make-query-mix.py) and the remote/local ratio."""
import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
import benchlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def timing(path):
    with open(path) as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


def run_mix(index, queries, out):
    subprocess.run([benchlib.binary("bench", "run_queries"), "--index", index, "--queries", queries,
                    "--out", out, "--search-box"], check=True, stdout=subprocess.DEVNULL)
    t = timing(out + ".timing")
    return float(t["p50_ms"]), float(t["p99_ms"])


def with_tcpsrv(index, n, base_port, work):
    """Starts one xapian-tcpsrv per shard; returns (processes, a folder with a remote stub)."""
    procs, stub = [], os.path.join(work, f"remote-{n}")
    os.makedirs(stub, exist_ok=True)
    lines = []
    with open(os.path.join(index, "XAPIANDB")) as f:
        shards = [line.split()[1] for line in f if line.strip() and not line.startswith("#")]
    for k, shard in enumerate(shards):
        port = base_port + k
        # A session of its own: xapian-tcpsrv signals its whole process group when it stops.
        procs.append(subprocess.Popen(["xapian-tcpsrv", "--port", str(port), "--interface", "127.0.0.1", "--quiet",
                                       os.path.join(index, shard)], stdout=subprocess.DEVNULL,
                                      start_new_session=True))
        lines.append(f"remote 127.0.0.1:{port}\n")
    with open(os.path.join(stub, "XAPIANDB"), "w") as f:
        f.writelines(lines)
    time.sleep(1)
    return procs, stub


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1000000)
    ap.add_argument("--words", type=int, default=150)
    ap.add_argument("--shards", default="1,4,8")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--work", default="/tmp/psshards")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    corpus = os.path.join(a.work, f"corpus-{a.posts}-{a.words}")
    if not os.path.exists(os.path.join(corpus, "_config.yml")):
        t0 = time.time()
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), corpus, str(a.posts),
                        "--words", str(a.words), "--seed", "1000"], check=True)
        print(f"generated {a.posts} posts in {time.time() - t0:.0f} s", flush=True)
    mix = os.path.join(a.work, "mix.txt")
    subprocess.run([sys.executable, os.path.join(HERE, "..", "..", "shared", "peers", "make-query-mix.py"),
                    os.path.join(corpus, "_posts"), mix, str(a.queries)], check=True, stdout=subprocess.DEVNULL)
    queries = os.path.join(a.work, "mix.tsv")
    with open(mix) as f, open(queries, "w") as out:
        for i, line in enumerate(f):
            out.write(f"q{i}\t{urllib.parse.unquote_plus(line.strip())}\n")
    print(f"machine: {benchlib.machine()}")
    print(f"command: bench/shards_bench.py {' '.join(sys.argv[1:])}\n")
    print("| shards | index s | index GiB | local p50 ms | local p99 ms | remote p50 ms | remote p99 ms "
          "| remote/local p50 | remote/local p99 |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in [int(x) for x in a.shards.split(",")]:
        index = os.path.join(a.work, f"index-{n}")
        subprocess.run(["rm", "-rf", index], check=True)
        t0 = time.time()
        subprocess.run([benchlib.binary("indexer", "indexer"), corpus, "--index", index, "--shards", str(n), "-q"],
                       check=True, stdout=subprocess.DEVNULL)
        seconds = time.time() - t0
        size = int(subprocess.run(["du", "-sb", index], capture_output=True, text=True).stdout.split()[0])
        lp50, lp99 = run_mix(index, queries, os.path.join(a.work, f"local-{n}.trec"))
        procs, stub = with_tcpsrv(index, n, 33300 + 10 * n, a.work)
        try:
            rp50, rp99 = run_mix(stub, queries, os.path.join(a.work, f"remote-{n}.trec"))
        finally:
            for p in procs:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait()
        print(f"| {n} | {seconds:.0f} | {size / 2**30:.2f} | {lp50:.2f} | {lp99:.2f} | {rp50:.2f} | {rp99:.2f} "
              f"| {rp50 / lp50:.2f} | {rp99 / lp99:.2f} |", flush=True)


if __name__ == "__main__":
    main()
