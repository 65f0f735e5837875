"""Read replicas with Xapian's own replication: `xapian-replicate-server` on the indexing host
serves INDEX_DIR/live (the live generation, a link the indexer keeps), `xapian-replicate` on
a search host keeps a copy, and `query serve` on that copy sees each publish without a
restart: an incremental run arrives as a changeset, a rebuild (a new generation) as a full
copy."""
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, SiteTestCase, free_port, query_json, run, wait_for_port  # noqa: E402
from http_test import Service  # noqa: E402

SERVER = shutil.which("xapian-replicate-server")
CLIENT = shutil.which("xapian-replicate")


@unittest.skipUnless(SERVER and CLIENT, "xapian-replicate (xapian-tools) is not installed")
class Replica(SiteTestCase):
    def setUp(self):
        super().setUp()
        # Changesets are written only when the writer's environment asks for them.
        self.env = dict(os.environ, XAPIAN_MAX_CHANGESETS="10")
        self.index()
        self.port = free_port()
        self.server = subprocess.Popen([SERVER, "--interface", "127.0.0.1", "--port", str(self.port), self.idx],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.addCleanup(self.stop_server)
        wait_for_port(self.port)
        self.replica = os.path.join(self.tmp, "replica")

    def stop_server(self):
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait()

    def index(self, *extra):
        return run([INDEXER, self.site, "--index", self.idx, "-q", *extra], check=0, env=self.env)

    def replicate(self):
        """One round of the replica's client, as its timer would run it (-r 0: no reader wait)."""
        p = run([CLIENT, "-h", "127.0.0.1", "-p", str(self.port), "-m", "live", "-r", "0", "-o", "-v",
                 self.replica], check=0)
        return p.stdout + p.stderr

    def test_a_replica_follows_two_publishes(self):
        self.assertEqual(os.readlink(os.path.join(self.idx, "live")), "gen-000001")
        out = self.replicate()
        self.assertIn("1 copies", out)
        self.assertEqual(query_json(self.replica, "--info", check=0)["documents"], 50)
        svc = Service(self.replica, "--rate-limit", "0", "-q")
        self.addCleanup(svc.stop)
        self.assertEqual(svc.get_json("/readyz")[2]["documents"], 50)

        # Publish 1: an incremental run, shipped as a changeset.
        self.write("_posts/2026-01-02-zanzibar.md", "---\ntitle: Zanzibar\n---\nzanzibarword spice.\n")
        self.index()
        out = self.replicate()
        self.assertIn("0 copies, 1 changesets", out)
        self.assert_service_sees(svc, "zanzibarword", 51)

        # Publish 2: a rebuild writes a new generation; `live` follows it and the replica gets
        # a full copy (another directory behind its own stub), which the service opens anew.
        self.write("_posts/2026-01-03-quokka.md", "---\ntitle: Quokka\n---\nquokkaword smiles.\n")
        self.index("--rebuild")
        self.assertEqual(os.readlink(os.path.join(self.idx, "live")), "gen-000002")
        out = self.replicate()
        self.assertIn("1 copies", out)
        self.assert_service_sees(svc, "quokkaword", 52)
        self.assert_service_sees(svc, "zanzibarword", 52)
        with open(os.path.join(self.replica, "XAPIANDB")) as f:  # xapian-replicate's own stub
            live = [line.split()[1] for line in f if line.strip() and not line.startswith("#")][0]
        p = run(["xapian-check", os.path.join(self.replica, live)])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def assert_service_sees(self, svc, word, documents):
        # The service reopens at each request: the first one after a round sees it, and
        # nothing fails in between.
        status, _, body = svc.get_json(f"/api/search?q={word}+")
        self.assertEqual(status, 200, body)
        deadline = time.time() + 10
        while time.time() < deadline:
            status, _, body = svc.get_json(f"/api/search?q={word}+")
            if status == 200 and body["total"]["estimate"] == 1:
                break
            time.sleep(0.2)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["total"]["estimate"], 1, body)
        self.assertEqual(svc.get_json("/readyz")[2]["documents"], documents)


@unittest.skipUnless(SERVER and CLIENT, "xapian-replicate (xapian-tools) is not installed")
class ShardedReplica(Replica):
    """A sharded index replicated shard by shard (-m live/shard-K), searched on the replica
    host through a stub that lists the shard copies."""

    SHARDS = 3

    def index(self, *extra):
        return run([INDEXER, self.site, "--index", self.idx, "-q", "--shards", str(self.SHARDS), *extra],
                   check=0, env=self.env)

    def replicate(self):
        """One round: shard 0 last, since it carries the publish's settings and identity."""
        out = ""
        for k in [*range(1, self.SHARDS), 0]:
            p = run([CLIENT, "-h", "127.0.0.1", "-p", str(self.port), "-m", f"live/shard-{k}", "-r", "0", "-o",
                     "-v", os.path.join(self.replica_dir, f"shard-{k}")], check=0)
            out += p.stdout + p.stderr
        return out

    def setUp(self):
        super().setUp()
        self.replica_dir = os.path.join(self.tmp, "copies")
        os.makedirs(self.replica)
        os.makedirs(self.replica_dir)
        with open(os.path.join(self.replica, "XAPIANDB"), "w") as f:
            f.writelines(f"auto {os.path.join(self.replica_dir, f'shard-{k}')}\n" for k in range(self.SHARDS))

    def test_a_replica_follows_two_publishes(self):
        self.assertEqual(os.readlink(os.path.join(self.idx, "live")), "gen-000001")
        out = self.replicate()
        self.assertEqual(out.count("1 copies"), self.SHARDS, out)
        self.assertEqual(query_json(self.replica, "--info", check=0)["documents"], 50)
        svc = Service(self.replica, "--rate-limit", "0", "-q")
        self.addCleanup(svc.stop)
        self.assertEqual(svc.get_json("/readyz")[2]["documents"], 50)

        # Publish 1: an incremental run writes a new generation in which the changed shard
        # and shard 0 are copies, changed; both arrive as changesets, the rest as nothing.
        self.write("_posts/2026-01-02-zanzibar.md",
                   "---\ntitle: Zanzibar\ntags: [zanzibartag]\n---\nzanzibarword spice.\n")
        self.index()
        self.assertEqual(os.readlink(os.path.join(self.idx, "live")), "gen-000002")
        out = self.replicate()
        self.assertNotIn("1 copies", out)
        self.assertIn("0 copies, 1 changesets", out)
        self.assert_service_sees(svc, "zanzibarword", 51)
        # The facet counts follow too (they are cached per publish).
        facets = svc.get_json("/api/search?q=zanzibarword")[2]["facets"]
        self.assertEqual([(v["value"], v["count"]) for v in facets["tags"]["values"]], [("zanzibartag", 1)])
        self.assertEqual(svc.get_json("/api/search?q=&tag=zanzibartag")[2]["total"]["estimate"], 1)

        # Publish 2: a rebuild; every shard arrives as a full copy.
        self.write("_posts/2026-01-03-quokka.md", "---\ntitle: Quokka\n---\nquokkaword smiles.\n")
        self.index("--rebuild")
        out = self.replicate()
        self.assertEqual(out.count("1 copies"), self.SHARDS, out)
        self.assert_service_sees(svc, "quokkaword", 52)
        self.assert_service_sees(svc, "zanzibarword", 52)
        for k in range(self.SHARDS):
            shard = os.path.join(self.replica_dir, f"shard-{k}")
            with open(os.path.join(shard, "XAPIANDB")) as f:
                live = [line.split()[1] for line in f if line.strip() and not line.startswith("#")][0]
            p = run(["xapian-check", os.path.join(shard, live)])
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
