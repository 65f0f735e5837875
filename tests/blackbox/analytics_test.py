"""The site owner's loop through the real binaries: `query test` (a site's relevance tests),
search analytics counted by `query serve` (with DNT/GPC, the k threshold, restarts and
retention), the beacon, /api/stats's access rule, and `query report`."""
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import QUERY, SOURCE, SiteTestCase, index, run  # noqa: E402
from http_test import Service  # noqa: E402

EXAMPLE_TESTS = os.path.join(SOURCE, "examples", "relevance-tests.yml")
SOURDOUGH_URL = "/kitchen/2019/11/30/sourdough-for-programmers/"
SOURDOUGH_ID = "_posts/2019-11-30-sourdough-for-programmers.md"


class RelevanceTests(SiteTestCase):
    def setUp(self):
        super().setUp()
        index(self.site, self.idx)

    def write_tests(self, text):
        path = os.path.join(self.tmp, "tests.yml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_the_example_file_passes(self):
        p = run([QUERY, "test", EXAMPLE_TESTS, "--index", self.idx], check=0)
        self.assertIn(" 0 failed; nDCG@10 ", p.stdout)
        self.assertNotIn("FAIL", p.stdout)
        out = json.loads(run([QUERY, "test", EXAMPLE_TESTS, "--index", self.idx, "--json"], check=0).stdout)
        self.assertEqual(out["failed"], 0)
        self.assertGreater(out["tests"], 3)
        self.assertGreater(out["ndcg"], 0.5)
        self.assertLessEqual(out["ndcg"], 1.0)

    def test_failures_say_what_came_instead_and_exit_1(self):
        path = self.write_tests(
            "tests:\n"
            "  - query: bread\n"
            "    expect: /2019/04/17/building-a-static-site-with-jekyll/\n"
            "    top: 1\n"
            "  - query: sourdough\n"
            f"    must_not: {SOURDOUGH_URL}\n"
            "  - query: sourdough\n"
            "    expect: /no/such/post/\n"
            f"  - query: sourdough\n    expect: {SOURDOUGH_ID}\n    top: 1\n")
        p = run([QUERY, "test", path, "--index", self.idx])
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn('FAIL  line 2: "bread"', p.stdout)
        self.assertIn("in the top 1, ", p.stdout)
        self.assertIn(f"must not show {SOURDOUGH_URL}, at rank 1", p.stdout)
        self.assertIn("expected /no/such/post/ in the top 10, no post has this URL or id", p.stdout)
        self.assertIn(f'ok    line 9: "sourdough"', p.stdout)
        self.assertIn("got:\n        1. ", p.stdout)
        self.assertIn("4 tests, 3 failed; nDCG@10 ", p.stdout)
        out = json.loads(run([QUERY, "test", path, "--index", self.idx, "--json"], check=1).stdout)
        self.assertEqual([c["passed"] for c in out["cases"]], [False, False, False, True])
        self.assertEqual(out["cases"][3]["ndcg"], 1.0)
        self.assertEqual(out["cases"][2]["ndcg"], 0.0)

    def test_filters_are_the_apis(self):
        path = self.write_tests(
            "- query: sourdough\n  filters: {tag: cooking}\n  expect: " + SOURDOUGH_URL + "\n"
            "- query: sourdough\n  filters: {year: 2020}\n  must_not: " + SOURDOUGH_URL + "\n")
        p = run([QUERY, "test", path, "--index", self.idx], check=0)
        self.assertIn('"sourdough" (tag=cooking)', p.stdout)

    def test_bad_cases_name_their_line_and_exit_2(self):
        path = self.write_tests(
            "tests:\n"
            "  - query: sourdough\n"
            f"    expect: {SOURDOUGH_URL}\n"
            "  - query: bread\n"
            "    top: many\n"
            "  - query: x\n"
            "    filters: {year: twenty}\n"
            "    expect: /x/\n")
        p = run([QUERY, "test", path, "--index", self.idx])
        self.assertEqual(p.returncode, 2)
        self.assertIn(f"{path}:5: error: top: expected a whole number", p.stderr)
        self.assertIn(f"{path}:7: error: filters.year", p.stderr)
        self.assertIn('ok    line 2: "sourdough"', p.stdout)  # the good case still ran
        self.assertEqual(run([QUERY, "test", os.path.join(self.tmp, "none.yml"), "--index", self.idx]).returncode, 2)
        broken = self.write_tests("tests: [\n")
        self.assertIn(broken + ":", run([QUERY, "test", broken, "--index", self.idx], check=2).stderr)
        self.assertEqual(run([QUERY, "test", path]).returncode, 2)  # no --index


def search(svc, q, headers=None, **params):
    qs = urllib.parse.urlencode({"q": q, **params})
    status, _, _ = svc.request("GET", "/api/search?" + qs, headers=headers)
    assert status == 200, status
    return status


def beacon(svc, q, rank, post_id, headers=None):
    body = urllib.parse.urlencode({"q": q, "rank": rank, "id": post_id})
    h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    status, _, data = svc.request("POST", "/api/beacon", body=body, headers=h)
    return status, data


def stats(svc, headers=None, path="/api/stats"):
    status, _, body = svc.get_json(path, headers=headers)
    return status, body


def queries_in(report):
    lists = ["top", "zero_result", "partial", "corrected", "never_opened"]
    return {q["query"] for name in lists for q in report[name]}


def store_file(idx):
    return os.path.join(idx, "analytics.sqlite")


class Analytics(SiteTestCase):
    def setUp(self):
        super().setUp()
        index(self.site, self.idx)
        self.services = []

    def tearDown(self):
        for s in self.services:
            s.stop()
        super().tearDown()

    def serve(self, *extra, listen="127.0.0.1:0"):
        svc = Service(self.idx, "--rate-limit", "0", *extra, listen=listen)
        self.services.append(svc)
        return svc

    def scripted(self, svc):
        for q in ["Sourdough", "sourdough", "  SOURDOUGH  "]:
            search(svc, q)
        search(svc, "sourdough", page=2)  # the same search read further: not counted
        self.assertEqual(svc.request("GET", "/search?q=Sourdough")[0], 200)  # the page, no script
        self.assertEqual(svc.request("POST", "/api/search", body=json.dumps({"q": "sourdough"}),
                                     headers={"Content-Type": "application/json"})[0], 200)
        for _ in range(3):
            search(svc, "quantum blockchain")  # no post has either word
            search(svc, "sourdogh")  # corrected
            search(svc, "sourdough kubernetes")  # no post has both
            search(svc, "tatra mtn")  # the Tatra post says "mountains"
            search(svc, "bread", tag="cooking")
        search(svc, "alice smith's diagnosis")  # once: never shown
        self.assertEqual(beacon(svc, "Sourdough", 1, SOURDOUGH_ID)[0], 204)
        self.assertEqual(beacon(svc, "sourdough", 1, SOURDOUGH_ID)[0], 204)
        self.assertEqual(beacon(svc, "sourdough", 2, "_posts/other.md")[0], 204)

    def test_counts_after_searches_and_beacons(self):
        svc = self.serve()
        self.scripted(svc)
        status, report = stats(svc)
        self.assertEqual(status, 200, report)
        top = {(q["query"], q["filters"]): q for q in report["top"]}
        self.assertEqual(top[("sourdough", "")]["searches"], 5)
        self.assertEqual(top[("sourdough", "")]["opens"], 3)
        self.assertGreater(top[("sourdough", "")]["hits"], 0)
        self.assertEqual(top[("bread", "tag=cooking")]["searches"], 3)
        self.assertEqual([q["query"] for q in report["zero_result"]], ["quantum blockchain"])
        self.assertEqual(report["zero_result"][0]["fix"]["kind"], "uncovered")
        self.assertEqual([q["query"] for q in report["corrected"]], ["sourdogh"])
        self.assertEqual(report["corrected"][0]["fix"]["kind"], "spelling")
        self.assertIn("sourdough", report["corrected"][0]["fix"]["text"])
        partial = {q["query"]: q for q in report["partial"]}
        self.assertEqual(partial["sourdough kubernetes"]["fix"]["kind"], "dropped_word")
        self.assertEqual(partial["tatra mtn"]["fix"]["kind"], "synonym")
        self.assertIn("[mtn, mountains]", partial["tatra mtn"]["fix"]["text"])
        never = {q["query"]: q for q in report["never_opened"]}
        self.assertNotIn("sourdough", never)
        self.assertEqual(never["bread"]["fix"]["kind"], "review")
        self.assertEqual(report["opens_by_rank"], [
            {"rank": 1, "opens": 2, "rate": 2 / report["searches"]},
            {"rank": 2, "opens": 1, "rate": 1 / report["searches"]}])
        # The k threshold: a query searched once on one day appears nowhere.
        self.assertNotIn("alice smith's diagnosis", queries_in(report))
        self.assertNotIn("alice", json.dumps(report))
        self.assertEqual(report["queries_hidden"], 1)
        self.assertEqual(report["searches"], 5 + 15 + 1)

    def test_do_not_track_and_gpc_are_not_counted(self):
        svc = self.serve()
        for _ in range(3):
            search(svc, "tatra", headers={"DNT": "1"})
            search(svc, "tatra", headers={"Sec-GPC": "1"})
            self.assertEqual(beacon(svc, "tatra", 1, "_posts/x.md", headers={"DNT": "1"})[0], 204)
        search(svc, "rust")
        status, report = stats(svc)
        self.assertEqual(report["searches"], 1)
        self.assertEqual(report["opens_by_rank"], [])

    def test_the_store_holds_nothing_of_the_reader(self):
        svc = self.serve()
        reader = {"User-Agent": "Canary-UA/7.7", "Cookie": "session=canary-cookie",
                  "X-Forwarded-For": "203.0.113.77", "Referer": "https://canary.example/"}
        for _ in range(3):
            search(svc, "sourdough", headers=reader)
            beacon(svc, "sourdough", 1, SOURDOUGH_ID, headers=reader)
        svc.stop()  # writes what is pending
        self.services.remove(svc)
        data = b""
        for name in os.listdir(self.idx):
            if name.startswith("analytics.sqlite"):
                with open(os.path.join(self.idx, name), "rb") as f:
                    data += f.read()
        self.assertIn(b"sourdough", data)
        for canary in [b"Canary-UA", b"canary-cookie", b"203.0.113.77", b"127.0.0.1", b"canary.example"]:
            self.assertNotIn(canary, data)
        db = sqlite3.connect(store_file(self.idx))
        columns = {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")] for t in ["searches", "opens"]}
        self.assertEqual(columns, {
            "searches": ["day", "query", "langs", "filters", "count", "zero", "partial", "corrected", "hits"],
            "opens": ["day", "query", "rank", "post", "count"]})
        self.assertEqual(db.execute("SELECT count, query FROM searches").fetchall(), [(3, "sourdough")])
        db.close()

    def test_counts_survive_a_restart_and_old_days_expire(self):
        svc = self.serve()
        for _ in range(2):
            search(svc, "sourdough")
        svc.stop()
        self.services.remove(svc)
        today = int(time.time() // 86400)
        db = sqlite3.connect(store_file(self.idx))
        db.execute("INSERT INTO searches VALUES (?, 'ancient', '', '', 9, 0, 0, 0, 1)", (today - 40,))
        db.execute("INSERT INTO searches VALUES (?, 'recent', '', '', 9, 0, 0, 0, 1)", (today - 20,))
        db.commit()
        db.close()
        svc = self.serve("--analytics-retention-days", "30")
        search(svc, "sourdough")
        status, report = stats(svc, path="/api/stats?days=365")
        top = {q["query"]: q["searches"] for q in report["top"]}
        self.assertEqual(top, {"sourdough": 3, "recent": 9})
        db = sqlite3.connect(store_file(self.idx))
        self.assertEqual(sorted(r[0] for r in db.execute("SELECT query FROM searches")), ["recent", "sourdough"])
        db.close()

    def test_beacons_are_checked(self):
        svc = self.serve()
        self.assertEqual(beacon(svc, "rust", 0, "x")[0], 400)
        self.assertEqual(beacon(svc, "rust", "one", "x")[0], 400)
        self.assertEqual(beacon(svc, "", 1, "x")[0], 400)
        self.assertEqual(beacon(svc, "rust", 1, "")[0], 400)
        status, _, _ = svc.request("POST", "/api/beacon", body="q=" + "x" * 2000 + "&rank=1&id=y",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 413)
        self.assertEqual(svc.request("GET", "/api/beacon")[0], 405)

    def test_stats_only_for_operators(self):
        config = os.path.join(self.tmp, "serve.yml")
        with open(config, "w") as f:
            f.write("stats_token: s3cret-token\n")
        svc = self.serve("--config", config, listen="0.0.0.0:0")
        self.assertEqual(stats(svc)[0], 200)  # loopback
        self.assertEqual(stats(svc, {"X-Forwarded-For": "203.0.113.9"})[0], 403)  # a local proxy
        self.assertEqual(stats(svc, {"X-Forwarded-For": "203.0.113.9",
                                     "Authorization": "Bearer s3cret-token"})[0], 200)
        self.assertEqual(stats(svc, {"X-Forwarded-For": "203.0.113.9",
                                     "Authorization": "Bearer wrong"})[0], 403)
        other = non_loopback_address()
        if other is None:
            self.skipTest("no address other than loopback on this machine")
        import http.client
        for headers, expect in [({}, 403), ({"Authorization": "Bearer s3cret-token"}, 200)]:
            conn = http.client.HTTPConnection(other, svc.port, timeout=30)
            conn.request("GET", "/api/stats", headers=headers)
            r = conn.getresponse()
            r.read()
            conn.close()
            self.assertEqual(r.status, expect, headers)

    def test_trust_proxy_needs_the_token(self):
        svc = self.serve("--trust-proxy")
        status, body = stats(svc)
        self.assertEqual(status, 403)
        self.assertEqual(body["error"]["code"], "forbidden")

    def test_analytics_off(self):
        svc = self.serve("--no-analytics")
        search(svc, "sourdough")
        self.assertEqual(stats(svc)[0], 404)
        self.assertEqual(beacon(svc, "sourdough", 1, SOURDOUGH_ID)[0], 204)
        self.assertFalse(os.path.exists(store_file(self.idx)))

    def test_state_dir_and_a_read_only_one(self):
        state = os.path.join(self.tmp, "state")
        os.mkdir(state)
        svc = self.serve("--state-dir", state)
        search(svc, "sourdough")
        self.assertEqual(stats(svc)[0], 200)
        self.assertTrue(os.path.exists(os.path.join(state, "analytics.sqlite")))
        missing = self.serve("--state-dir", os.path.join(self.tmp, "missing"))
        search(missing, "sourdough")  # searching goes on without analytics
        self.assertEqual(stats(missing)[0], 404)

    def test_report_cli(self):
        svc = self.serve()
        self.scripted(svc)
        svc.stop()
        self.services.remove(svc)
        p = run([QUERY, "report", "--index", self.idx], check=0)
        for heading in ["Top queries", "No results", "No post has every word", "Answered for a corrected spelling",
                        "Results never opened", "Opened results by rank"]:
            self.assertIn(heading, p.stdout)
        self.assertIn("fix: no post covers this", p.stdout)
        self.assertIn('fix: the index has a close spelling: "sourdough"', p.stdout)
        self.assertIn('fix: no post has "kubernetes" with the other words', p.stdout)
        self.assertIn('to it, or to a synonym group', p.stdout)
        self.assertIn("add [mtn, mountains] to _data/synonyms.yml", p.stdout)
        self.assertNotIn("alice", p.stdout)
        j = json.loads(run([QUERY, "report", "--index", self.idx, "--json"], check=0).stdout)
        self.assertEqual(j["zero_result"][0]["query"], "quantum blockchain")
        stubs = run([QUERY, "report", "--index", self.idx, "--as-tests"], check=0).stdout
        path = os.path.join(self.tmp, "stubs.yml")
        with open(path, "w") as f:
            f.write(stubs)
        self.assertIn('- query: "quantum blockchain"', stubs)
        self.assertNotIn("alice", stubs)
        t = run([QUERY, "test", path, "--index", self.idx], check=0)  # nothing expected yet
        self.assertIn("nothing expected yet", t.stderr)
        self.assertEqual(run([QUERY, "report", "--index", self.idx, "--min-count", "1"]).returncode, 2)
        self.assertEqual(run([QUERY, "report", "--index", self.idx, "--state-dir", self.tmp]).returncode, 2)

    def test_control_characters_in_queries_never_reach_the_report(self):
        """A reader's query reaches the owner's terminal through `query report`: escape
        sequences in it (clear the screen, retitle the window) are dropped as it is counted."""
        svc = self.serve()
        evil = "\x1b[2J\x1b]0;pwned\x07zzqx \x9b31m\x7f"
        for _ in range(3):
            search(svc, evil, tag="cooking\x1b[5m")
        svc.stop()
        self.services.remove(svc)
        out = run([QUERY, "report", "--index", self.idx], check=0).stdout
        self.assertIn('"[2j]0;pwnedzzqx 31m" tag=cooking[5m', out)
        for c in ("\x1b", "\x07", "\x9b", "\x7f"):
            self.assertNotIn(c, out)
        j = run([QUERY, "report", "--index", self.idx, "--json"], check=0).stdout
        self.assertEqual(json.loads(j)["zero_result"][0]["query"], "[2j]0;pwnedzzqx 31m")


def non_loopback_address():
    """An address of this machine other than loopback, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent
            addr = s.getsockname()[0]
        return None if addr.startswith("127.") else addr
    except OSError:
        return None


if __name__ == "__main__":
    unittest.main()
