#!/usr/bin/env python3
"""What writing through `xapian-tcpsrv --writable` costs the indexer, beside local shards.

    bench/remote_index_bench.py [--posts 10000] [--words 150] [--shards 2] [--changed 20]
                                [--work /tmp/psremoteix]

On one generated corpus: a full build of N local shards, a full run through N writable
servers on loopback (empty databases), then an incremental run of each after changing
--changed posts. Reports seconds, the indexer's peak RSS and the servers' peak RSS (each
server holds its transaction in memory until it commits)."""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import benchlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def servers(work, n, base_port):
    procs = []
    env = dict(os.environ, XAPIAN_FLUSH_THRESHOLD="100000000")
    for k in range(n):
        path = os.path.join(work, f"remote-shard-{k}")
        shutil.rmtree(path, ignore_errors=True)
        procs.append(subprocess.Popen(["xapian-tcpsrv", "--writable", "--quiet", "--port", str(base_port + k),
                                       "--interface", "127.0.0.1", path],
                                      stdout=subprocess.DEVNULL, env=env, start_new_session=True))
    time.sleep(1)
    return procs


class RssSampler(threading.Thread):
    """The largest RSS of the servers' processes (each a session, with a child serving each
    connection), sampled every 100 ms while it runs."""

    def __init__(self, procs):
        super().__init__(daemon=True)
        self.procs, self.peak, self.done = procs, 0, threading.Event()

    def run(self):
        while not self.done.wait(0.1):
            for p in self.procs:
                pids = subprocess.run(["ps", "-o", "rss=", "-s", str(p.pid)], capture_output=True,
                                      text=True).stdout.split()
                self.peak = max([self.peak] + [int(kb) * 1024 for kb in pids])


def stop(procs):
    for p in procs:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait()


def touch(corpus, count):
    posts = os.path.join(corpus, "_posts")
    for name in sorted(os.listdir(posts))[:count]:
        with open(os.path.join(posts, name), "a") as f:
            f.write("\nAn added sentence about remote indexing.\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=10000)
    ap.add_argument("--words", type=int, default=150)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--changed", type=int, default=20)
    ap.add_argument("--work", default="/tmp/psremoteix")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    corpus = os.path.join(a.work, f"corpus-{a.posts}-{a.words}")
    shutil.rmtree(corpus, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), corpus, str(a.posts),
                    "--words", str(a.words), "--seed", "1000"], check=True)
    indexer = benchlib.binary("indexer", "indexer")
    local, remote = os.path.join(a.work, "local"), os.path.join(a.work, "remote")
    for d in (local, remote):
        shutil.rmtree(d, ignore_errors=True)
    print(f"machine: {benchlib.machine()}")
    print(f"command: bench/remote_index_bench.py {' '.join(sys.argv[1:])}\n")
    print("| run | local s | local RSS MiB | remote s | indexer RSS MiB | largest server RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    procs = servers(a.work, a.shards, 33500)
    sampler = RssSampler(procs)
    sampler.start()
    addresses = [a2 for k in range(a.shards) for a2 in ("--remote-shard", f"127.0.0.1:{33500 + k}")]
    rows = []
    for run, extra in (("full", ["--shards", str(a.shards)]), ("incremental", [])):
        if run == "incremental":
            touch(corpus, a.changed)
        ls, lrss, _ = benchlib.timed([indexer, corpus, "--index", local, "-q", *extra])
        rs, rrss, _ = benchlib.timed([indexer, corpus, "--index", remote, "-q",
                                      *(addresses if run == "full" else [])])
        rows.append((run, ls, lrss, rs, rrss))
    sampler.done.set()
    sampler.join()
    server_rss = sampler.peak
    stop(procs)
    for run, ls, lrss, rs, rrss in rows:
        print(f"| {run} | {ls:.2f} | {lrss / 2**20:.0f} | {rs:.2f} | {rrss / 2**20:.0f} | "
              f"{server_rss / 2**20:.0f} |")


if __name__ == "__main__":
    main()
