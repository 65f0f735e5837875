"""`indexer --remote-shard HOST:PORT ...`: the indexer writes shards served by real
`xapian-tcpsrv --writable` processes; searches go through read-only `xapian-tcpsrv` on the
same databases, as on a shard host (docs/SCALING.md).

What the searcher sees equals a local index with the same shard count; a re-run changes only
the shards whose posts changed; another list of shards routes every post again, leaving none
behind; a shard server that dies fails the run with its address, and the next run after its
restart completes the work."""
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SiteTestCase, index, query_json, run, INDEXER  # noqa: E402
from remote_test import TCPSRV, ShardServer  # noqa: E402
from shards_test import SAME_QUERIES, without_timing  # noqa: E402

POST = "_posts/2019-11-30-sourdough-for-programmers.md"


@unittest.skipUnless(TCPSRV, "xapian-tcpsrv (xapian-tools) is not installed")
class RemoteIndexer(SiteTestCase):
    def setUp(self):
        super().setUp()
        self.local = os.path.join(self.tmp, "local")
        self.writers, self.readers = [], []
        for k in range(3):
            self.add_shard(k)

    def add_shard(self, k):
        """Shard k's database behind a writable server; its read-only server starts later
        (it opens the database, which the first run creates)."""
        w = ShardServer(os.path.join(self.tmp, f"shard-{k}"), None, "--writable")
        self.addCleanup(w.stop)
        self.writers.append(w)

    def addresses(self, n):
        return [f"127.0.0.1:{w.port}" for w in self.writers[:n]]

    def search_stub(self, n):
        """The search host's stub: read-only servers on the same shard databases."""
        while len(self.readers) < n:
            r = ShardServer(self.writers[len(self.readers)].path)
            self.addCleanup(r.stop)
            self.readers.append(r)
        stub = os.path.join(self.tmp, f"search-{n}")
        os.makedirs(stub, exist_ok=True)
        with open(os.path.join(stub, "XAPIANDB"), "w") as f:
            f.writelines(f"remote 127.0.0.1:{r.port}\n" for r in self.readers[:n])
        return stub

    def assert_same_answers(self, stub, local):
        for q in SAME_QUERIES:
            if q == "sourdugh ":
                continue  # spelling data does not cross xapian-tcpsrv (docs/SCALING.md)
            with self.subTest(q=q):
                a = without_timing(query_json(local, "--", q, check=0))
                a["did_you_mean"] = None  # likewise
                self.assertEqual(a, without_timing(query_json(stub, "--", q, check=0)))
        for args in (["--related", POST], ["--post", POST]):
            with self.subTest(args=args):
                self.assertEqual(without_timing(query_json(local, *args, check=0)),
                                 without_timing(query_json(stub, *args, check=0)))

    def remote_run(self, *extra, check=0):
        return index(self.site, self.idx, *extra, check=check)

    def revisions(self):
        out = []
        for w in self.writers:
            delve = run(["xapian-delve", w.path], check=0).stdout
            out.append(next(line for line in delve.splitlines() if line.startswith("revision = ")))
        return out

    def test_a_first_run_then_incremental_runs_equal_a_local_index(self):
        args = [a for address in self.addresses(3) for a in ("--remote-shard", address)]
        summary, p = self.remote_run(*args)
        self.assertTrue(summary["remote"])
        self.assertTrue(summary["rebuilt"])
        self.assertEqual((summary["shards"], summary["documents"], summary["added"]), (3, 50, 50))
        self.assertIn("3 shards", run([INDEXER, self.site, "--index", self.idx], check=0).stdout)
        with open(os.path.join(self.idx, "XAPIANDB")) as f:
            self.assertEqual(f.read(), "".join(f"remote {a}\n" for a in self.addresses(3)))
        index(self.site, self.local, "--shards", "3")
        stub = self.search_stub(3)
        self.assertEqual(query_json(stub, "--info")["documents"], 50)
        self.assert_same_answers(stub, self.local)

        # The stub remembers the shards: a plain re-run is incremental and writes nothing.
        summary, _ = self.remote_run()
        self.assertFalse(summary["rebuilt"])
        self.assertEqual((summary["added"], summary["updated"], summary["deleted"]), (0, 0, 0))
        self.assertEqual(summary["documents"], 50)

        # One post changed: its shard and shard 0 (the index-wide settings) commit, not the third.
        with open(os.path.join(self.site, POST), "a") as f:
            f.write("\nA new paragraph about quinoa.\n")
        before = self.revisions()
        summary, _ = self.remote_run()
        after = self.revisions()
        self.assertEqual(summary["updated"], 1)
        changed = [k for k in range(3) if before[k] != after[k]]
        self.assertIn(0, changed)
        self.assertEqual(len(changed), summary["shards_written"])
        self.assertLess(len(changed), 3)
        self.assertEqual([h["id"] for h in query_json(stub, "quinoa")["hits"]], [POST])

        # One post deleted, one added.
        os.remove(os.path.join(self.site, "_posts", sorted(os.listdir(os.path.join(self.site, "_posts")))[0]))
        self.write("_posts/2024-02-02-remote.md", "---\ntitle: Written through the network\n---\nZebrafish.\n")
        summary, _ = self.remote_run()
        index(self.site, self.local)
        self.assertFalse(summary["rebuilt"])
        self.assertEqual((summary["added"], summary["updated"], summary["deleted"]), (1, 0, 1))
        self.assertEqual(summary["documents"], 50)
        self.assertEqual(len(query_json(stub, "zebrafish")["hits"]), 1)
        self.assert_same_answers(stub, self.local)

    def test_another_list_of_shards_routes_every_post_again(self):
        self.remote_run(*[a for address in self.addresses(2) for a in ("--remote-shard", address)])
        summary, _ = self.remote_run(*[a for address in self.addresses(3) for a in ("--remote-shard", address)])
        self.assertTrue(summary["rebuilt"])
        self.assertEqual((summary["shards"], summary["documents"]), (3, 50))
        index(self.site, self.local, "--shards", "3")
        stub = self.search_stub(3)
        self.assertEqual(query_json(stub, "--info")["documents"], 50)  # none left behind twice
        self.assert_same_answers(stub, self.local)
        # --shards must agree with the list.
        p = run([INDEXER, self.site, "--index", self.idx, "--shards", "2"], check=2)
        self.assertIn("--shards 2 with 3 remote shards", p.stderr)

    def test_a_local_build_copied_to_the_shard_hosts_is_taken_over_incrementally(self):
        # The quick first build: local shards, copied to the hosts before their servers start.
        for w in self.writers:
            w.stop()
        index(self.site, self.local, "--shards", "2")
        for k in range(2):
            shutil.rmtree(self.writers[k].path)  # the server made an empty database there
            shutil.copytree(os.path.join(self.local, "gen-000001", f"shard-{k}"), self.writers[k].path)
            self.writers[k].start()
        args = [a for address in self.addresses(2) for a in ("--remote-shard", address)]
        summary, _ = self.remote_run(*args)
        self.assertFalse(summary["rebuilt"])
        self.assertEqual((summary["added"], summary["updated"], summary["deleted"], summary["documents"]),
                         (0, 0, 0, 50))
        # Listed the other way round, every post is recorded outside its shard: all are sent
        # again, and none is left behind twice.
        summary, _ = self.remote_run(*[a for address in reversed(self.addresses(2)) for a in ("--remote-shard", address)])
        self.assertTrue(summary["rebuilt"])
        self.assertEqual(summary["documents"], 50)
        summary, _ = self.remote_run()
        self.assertFalse(summary["rebuilt"])
        stub = os.path.join(self.tmp, "reversed")
        os.makedirs(stub)
        readers = [ShardServer(w.path) for w in reversed(self.writers[:2])]
        for r in readers:
            self.addCleanup(r.stop)
        with open(os.path.join(stub, "XAPIANDB"), "w") as f:
            f.writelines(f"remote 127.0.0.1:{r.port}\n" for r in readers)
        self.assertEqual(query_json(stub, "--info")["documents"], 50)
        self.assert_same_answers(stub, self.local)

    def test_a_dead_shard_server_fails_the_run_and_the_next_run_completes_it(self):
        self.remote_run(*[a for address in self.addresses(2) for a in ("--remote-shard", address)])
        index(self.site, self.local, "--shards", "2")
        dead = self.writers[1]
        dead.stop()
        self.write("_posts/2024-02-03-offline.md", "---\ntitle: Sent while a shard is down\n---\nNarwhal.\n")
        for k in range(12):  # posts on both shards
            self.write(f"_posts/2024-03-{k + 1:02d}-more.md", f"---\ntitle: More {k}\n---\nWalrus {k}.\n")
        p = run([INDEXER, self.site, "--index", self.idx, "--remote-timeout", "2000"], check=2)
        self.assertIn(f"remote shard 127.0.0.1:{dead.port}", p.stderr)
        self.assertIn("the next run redoes the rest", p.stderr)
        dead.start()
        summary, _ = self.remote_run()
        index(self.site, self.local)
        self.assertEqual(summary["documents"], 63)
        self.assert_same_answers(self.search_stub(2), self.local)
        self.assertEqual(len(query_json(self.search_stub(2), "walrus", "--per-page", "50")["hits"]), 12)

    def test_bad_addresses_are_named(self):
        for bad in ("nowhere", "host:http", "host:70000", ":80"):
            with self.subTest(bad=bad):
                p = run([INDEXER, self.site, "--index", self.idx, "--remote-shard", bad], check=2)
                self.assertIn(f"a remote shard is written HOST:PORT (`{bad}` is not)", p.stderr)
        config = os.path.join(self.tmp, "indexer.yml")
        with open(config, "w") as f:
            f.write(f"site: site\nindex: index\nremote_shards: [{self.addresses(1)[0]}, bad]\n")
        p = run([INDEXER, "--config", config], check=2)
        self.assertIn("indexer.yml:3: remote_shards: a remote shard is written HOST:PORT (`bad` is not)", p.stderr)
        # A stub that lists local and remote shards is not written.
        os.makedirs(self.idx, exist_ok=True)
        with open(os.path.join(self.idx, "XAPIANDB"), "w") as f:
            f.write(f"glass gen-000001\nremote {self.addresses(1)[0]}\n")
        p = run([INDEXER, self.site, "--index", self.idx], check=2)
        self.assertIn("lists local and remote shards", p.stderr)
        shutil.rmtree(self.idx)


if __name__ == "__main__":
    unittest.main()
