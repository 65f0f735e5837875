"""Remote shards: `query` and `query serve` over an index whose stub lists shards served by
real `xapian-tcpsrv` processes (Debian's xapian-tools), beside a local one.

Answers equal one database holding the same posts; a shard server that dies is reported
with 503, or left out with a warning naming it (`--on-shard-down partial`); a restarted or
idle-timed-out server is reconnected without a failed request."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, QUERY, SiteTestCase, free_port, index, query_json, run, wait_for_port  # noqa: E402
from http_test import Service  # noqa: E402
from shards_test import PREFIX_QUERIES, SAME_QUERIES, without_timing  # noqa: E402

TCPSRV = shutil.which("xapian-tcpsrv")
SEARCH_LATENCY = os.path.join(BIN, "bench", "search_latency")


class ShardServer:
    """One xapian-tcpsrv serving one shard on a loopback port."""

    def __init__(self, path, port=None, *extra):
        self.path, self.port, self.extra = path, port or free_port(), extra
        self.start()

    def start(self):
        # Its own process group: xapian-tcpsrv forks a child per connection, and a dead shard
        # server means those too.
        self.proc = subprocess.Popen([TCPSRV, "--port", str(self.port), "--interface", "127.0.0.1", "--quiet",
                                      *self.extra, self.path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        if not wait_for_port(self.port):
            raise AssertionError(f"xapian-tcpsrv did not start on port {self.port}")

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


class SlowMatcher:
    """A loopback proxy in front of a shard server that passes everything at once except the
    reply to each MSG_GETMSET (Xapian 1.4's remote protocol: message type 26, sent by the
    client as a write of its own), which it holds `delay` seconds: a shard that is up and
    opens at once, but whose matcher is slower than the client's remote timeout."""

    GETMSET = 26

    def __init__(self, upstream_port, delay):
        self.upstream, self.delay = upstream_port, delay
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            held = threading.Event()
            threading.Thread(target=self._pipe, args=(client, server, held, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, held, True), daemon=True).start()

    def _pipe(self, src, dst, held, replies):
        try:
            while data := src.recv(65536):
                if not replies and data[0] == self.GETMSET:
                    held.set()
                elif replies and held.is_set():
                    held.clear()
                    time.sleep(self.delay)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self):
        self.listener.close()


class ShardServers(SiteTestCase):
    """An index of 3 shards, shards 1 and 2 behind xapian-tcpsrv, and a stub that lists them."""

    def setUp(self):
        super().setUp()
        self.one = os.path.join(self.tmp, "one")
        index(self.site, self.one)
        index(self.site, self.idx, "--shards", "3")
        gen = os.path.join(self.idx, "gen-000001")
        self.servers = [ShardServer(os.path.join(gen, f"shard-{k}"), None, *self.server_args()) for k in (1, 2)]
        for s in self.servers:
            self.addCleanup(s.stop)
        # The search host's view: shard 0 on its own disk, shards 1 and 2 over the network.
        self.mixed = os.path.join(self.tmp, "mixed")
        os.makedirs(self.mixed)
        with open(os.path.join(self.mixed, "XAPIANDB"), "w") as f:
            f.write(f"glass {os.path.join(gen, 'shard-0')}\n")
            for s in self.servers:
                f.write(f"remote 127.0.0.1:{s.port}\n")

    def server_args(self):
        return []


@unittest.skipUnless(TCPSRV, "xapian-tcpsrv (xapian-tools) is not installed")
class RemoteShards(ShardServers):
    def test_answers_equal_one_database(self):
        for q in SAME_QUERIES:
            if q == "sourdugh ":
                continue  # spelling data does not cross xapian-tcpsrv (see docs/SCALING.md)
            with self.subTest(q=q):
                self.assertEqual(without_timing(query_json(self.one, "--", q, check=0)),
                                 without_timing(query_json(self.mixed, "--", q, check=0)))
        # Oldest first: the same posts, in the same order, as one database has them (remote
        # shards cannot place the undated pages last: they come first there).
        a = query_json(self.one, "--sort", "date", "--type", "post", "--per-page", "100", check=0)["hits"]
        b = query_json(self.mixed, "--sort", "date", "--type", "post", "--per-page", "100", check=0)["hits"]
        self.assertEqual([h["id"] for h in a], [h["id"] for h in b])
        self.assertEqual(len(query_json(self.mixed, "--sort", "date", "--per-page", "100", check=0)["hits"]), 50)
        for q in PREFIX_QUERIES:
            with self.subTest(q=q):
                a = query_json(self.one, "--per-page", "50", "--", q, check=0)
                b = query_json(self.mixed, "--per-page", "50", "--", q, check=0)
                self.assertEqual(sorted(h["id"] for h in a["hits"]), sorted(h["id"] for h in b["hits"]))
                self.assertEqual(a["facets"], b["facets"])
        post = "_posts/2019-11-30-sourdough-for-programmers.md"
        for args in (["--related", post], ["--post", post], ["--info"]):
            with self.subTest(args=args):
                a = without_timing(query_json(self.one, *args, check=0))
                b = without_timing(query_json(self.mixed, *args, check=0))
                if args == ["--info"]:
                    self.assertEqual(a["documents"], b["documents"])
                else:
                    self.assertEqual(a, b)
        # What a remote shard cannot run is reported, not a failure.
        r = query_json(self.mixed, "--recency", "30", "--", "bread ", check=0)
        self.assertIn("recency is not available with remote shards; ignored", r["warnings"])
        # The service answers what the command line prints.
        svc = Service(self.mixed, "--rate-limit", "0", "-q")
        self.addCleanup(svc.stop)
        status, _, body = svc.get_json("/api/search?q=search+engine+")
        self.assertEqual(status, 200)
        self.assertEqual(without_timing(body), without_timing(query_json(self.one, "--", "search engine ", check=0)))

    def test_shards_given_as_flags_or_in_the_config_file(self):
        gen = os.path.join(self.idx, "gen-000001")
        flags = ["--shard", os.path.join(gen, "shard-0")]
        for s in self.servers:
            flags += ["--shard", f"tcp://127.0.0.1:{s.port}"]
        for q in ("bread ", "search engine ", "tag:cooking"):
            with self.subTest(q=q):
                self.assertEqual(without_timing(query_json(self.one, "--", q, check=0)),
                                 without_timing(json.loads(run([QUERY, "--json", *flags, "--", q], check=0).stdout)))
        svc = Service(None, *flags, "--rate-limit", "0", "-q")
        self.addCleanup(svc.stop)
        status, _, body = svc.get_json("/api/search?q=bread+")
        self.assertEqual(status, 200)
        self.assertEqual(without_timing(body), without_timing(query_json(self.one, "--", "bread ", check=0)))
        config = os.path.join(self.tmp, "serve.yml")
        with open(config, "w") as f:
            f.write("shards:\n" + "".join(f"  - {flags[i + 1]}\n" for i in range(0, len(flags), 2)))
        svc = Service(None, "--config", config, "--rate-limit", "0", "-q")
        self.addCleanup(svc.stop)
        self.assertEqual(svc.get_json("/readyz")[2]["documents"], 50)
        # Mistakes are named.
        p = run([QUERY, "--json", "--shard", "tcp://127.0.0.1:http", "bread"], check=2)
        self.assertIn("--shard tcp://127.0.0.1:http: a remote shard is written HOST:PORT", p.stderr)
        p = run([QUERY, "--json", "--index", self.idx, *flags, "bread"], check=2)
        self.assertIn("give --index INDEX_DIR, --shard for each shard or --site for each site (one of them)", p.stderr)
        p = run([QUERY, "serve", "--shard", os.path.join(self.tmp, "nothing")], check=2)
        self.assertIn("neither tcp://HOST:PORT nor an existing database directory", p.stderr)

    def test_a_dead_shard_fails_or_is_left_out_as_configured(self):
        strict = Service(self.mixed, "--rate-limit", "0", "-q", "--remote-timeout", "2000")
        partial = Service(self.mixed, "--rate-limit", "0", "-q", "--remote-timeout", "2000",
                          "--on-shard-down", "partial")
        for svc in (strict, partial):
            self.addCleanup(svc.stop)
            self.assertEqual(svc.get_json("/api/search?q=bread+")[0], 200)
        everything = partial.get_json("/api/search?q=&per_page=100")[2]["total"]["estimate"]
        self.assertEqual(everything, 50)
        dead = self.servers[0]
        dead.stop()
        status, _, body = strict.get_json("/api/search?q=&per_page=100")
        self.assertEqual(status, 503, body)
        self.assertIn("shard", body["error"]["message"])
        self.assertEqual(strict.get_json("/readyz")[0], 503)
        status, _, body = partial.get_json("/api/search?q=&per_page=100")
        self.assertEqual(status, 200, body)
        self.assertLess(body["total"]["estimate"], 50)
        self.assertIn(f"shard `remote 127.0.0.1:{dead.port}` is unreachable: its posts are left out",
                      body["warnings"])
        self.assertEqual(partial.get_json("/healthz")[0], 200)
        r = query_json(self.mixed, "--on-shard-down", "partial", "--remote-timeout", "2000", "--", "bread ")
        self.assertTrue(any("unreachable" in w for w in r["warnings"]))
        # The shard server comes back: both answer from every shard again, without restart.
        dead.start()
        for svc in (strict, partial):
            status, _, body = svc.get_json("/api/search?q=&per_page=100")
            self.assertEqual(status, 200, body)
            self.assertEqual(body["total"]["estimate"], 50)
            self.assertEqual(body["warnings"], [])

    def test_a_shard_slower_than_the_timeout_is_named_with_the_timeout(self):
        slow = SlowMatcher(self.servers[1].port, 1.5)
        self.addCleanup(slow.close)
        stub = os.path.join(self.tmp, "slow")
        os.makedirs(stub)
        with open(os.path.join(self.mixed, "XAPIANDB")) as f:
            lines = f.read().replace(f"127.0.0.1:{self.servers[1].port}", f"127.0.0.1:{slow.port}")
        with open(os.path.join(stub, "XAPIANDB"), "w") as f:
            f.write(lines)
        said = f"shard remote:tcp(127.0.0.1:{slow.port}) did not answer within 300 ms (the remote timeout)"
        p = run([QUERY, "--index", stub, "--remote-timeout", "300", "bread"], check=2)
        self.assertIn(said, p.stderr)
        svc = Service(stub, "--rate-limit", "0", "-q", "--remote-timeout", "300")
        self.addCleanup(svc.stop)
        status, _, body = svc.get_json("/api/search?q=bread")
        self.assertEqual(status, 503, body)
        self.assertEqual(body["error"]["message"], "a shard of the index is too slow: " + said +
                         ": Timeout expired while trying to read")
        # Given the time it needs, the same shard answers as one database does.
        self.assertEqual(query_json(stub, "--remote-timeout", "5000", "bread")["total"],
                         query_json(self.one, "bread")["total"])

    @unittest.skipUnless(os.path.exists(SEARCH_LATENCY), "bench/search_latency is not built")
    def test_the_latency_bench_measures_remote_shards_and_names_a_hung_one(self):
        p = run([SEARCH_LATENCY, "--index", self.mixed, "--per-shape", "2", "--remote-timeout", "5000"], check=0)
        self.assertIn("| all | 12 |", p.stdout)
        # A server that accepts connections but answers nothing (stopped: the kernel still
        # completes the handshake) fails the run within the timeout given, with a message
        # naming the shard and the timeout, not an uncaught exception.
        hung = self.servers[1]
        os.killpg(hung.proc.pid, signal.SIGSTOP)
        try:
            p = run([SEARCH_LATENCY, "--index", self.mixed, "--per-shape", "2", "--remote-timeout", "300"],
                    check=2)
        finally:
            os.killpg(hung.proc.pid, signal.SIGCONT)
        self.assertIn(f"shard `remote 127.0.0.1:{hung.port}` did not answer within 300 ms (the remote timeout)",
                      p.stderr)
        self.assertNotIn("terminate called", p.stderr)


@unittest.skipUnless(TCPSRV, "xapian-tcpsrv (xapian-tools) is not installed")
class IdleTimeout(ShardServers):
    """xapian-tcpsrv closes idle connections (60 s by default; 300 ms here): the next request
    must connect again and succeed, not fail."""

    def server_args(self):
        return ["--idle-timeout", "300"]

    def test_idle_connections_closed_by_the_server_are_reopened(self):
        svc = Service(self.mixed, "--rate-limit", "0", "-q")
        self.addCleanup(svc.stop)
        for _ in range(3):
            status, _, body = svc.get_json("/api/search?q=bread+")
            self.assertEqual(status, 200, body)
            self.assertEqual(body["warnings"], [])
            time.sleep(0.8)


if __name__ == "__main__":
    unittest.main(verbosity=2)
