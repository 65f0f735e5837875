"""Shards are invisible: one database, the same posts in local shards, and the same shards
behind xapian-tcpsrv give the same hits in the same order with the same scores.

The site holds many posts of equal weight for the words searched (the same text under
different titles, dates and kinds), so the order among equal scores is what is compared:
it must come from the posts themselves (date, then id), never from document ids, which
differ from one layout to another. A word being typed (a group of completions) and a long
question (feedback terms) are searched too: their weights are estimates Xapian makes per
shard, which must not depend on the layout."""
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SiteTestCase, index, query_json  # noqa: E402
from remote_test import TCPSRV, ShardServer  # noqa: E402
from shards_test import without_timing  # noqa: E402

TWIN_TEXT = "Kneading rye dough with caraway seeds, then a long cold rest before baking.\n"

QUERIES = [
    ["--", "caraway "],
    ["--", "rye dough "],
    ["--", "carawa"],  # a word being typed
    ["--", "cara"],
    ["--", "kneading rye dough with caraway and a cold rest "],  # a long question
    # A long question whose top five posts are chosen among equals that differ in a word
    # of their own: the feedback terms (and so the scores) depend on which five are taken.
    ["--", "proofing spelt loaves overnight keeps crumb open rye "],
    ["--per-page", "7", "--page", "2", "--", "caraway "],
    ["--per-page", "5", "--page", "4", "--", "seeds "],
    ["--tag", "twins", "--", ""],  # no words: every weight equal
    ["--sort", "date", "--", "caraway "],
]


def hits(answer):
    return [(h["rank"], h["id"], round(h["score"], 9)) for h in answer["hits"]]


@unittest.skipUnless(TCPSRV, "xapian-tcpsrv (xapian-tools) is not installed")
class InvisibleShards(SiteTestCase):
    def setUp(self):
        super().setUp()
        # 24 dated posts on 4 days (6 a day) and 8 pages without a date, all of one text.
        for n in range(24):
            day = 10 + n % 4
            self.write(f"_posts/2021-03-{day}-twin-{n:02d}.md",
                       f"---\ntitle: Twin note {n}\ntags: [twins]\n---\n{TWIN_TEXT}")
        for n in range(8):
            self.write(f"twins/page-{n}.md", f"---\ntitle: Twin page {n}\ntags: [twins]\n---\n{TWIN_TEXT}")
        # 12 posts of one text and one word of each's own (the same length, so that the
        # question's words weigh the same in each).
        for n in range(12):
            own = "".join("qwertyuiopas"[(n + k) % 12] for k in range(8))
            self.write(f"_posts/2021-04-{10 + n % 3}-spelt-{n:02d}.md",
                       f"---\ntitle: Spelt note {n}\n---\n"
                       f"Proofing spelt loaves overnight keeps the crumb open and soft. {own} {own}\n")
        # Words that complete "cara", each in another number of posts: the group's weight is
        # an estimate of the posts holding any of them, which Xapian makes in each shard.
        words = ["caramel", "carafe", "caravan", "carat", "carapace", "caraway", "caracal", "carambola"]
        for n in range(30):
            mix = " ".join(w for k, w in enumerate(words) if (n * 7 + k * 3) % (k + 2) == 0)
            self.write(f"_posts/2022-05-{1 + n % 28:02d}-mix-{n:02d}.md",
                       f"---\ntitle: Mixed bag {n}\n---\nA bag of {mix or 'nothing'} and more.\n")
        self.one = os.path.join(self.tmp, "one")
        index(self.site, self.one)
        index(self.site, self.idx, "--shards", "3")
        gen = os.path.join(self.idx, "gen-000001")
        servers = [ShardServer(os.path.join(gen, f"shard-{k}")) for k in range(3)]
        for s in servers:
            self.addCleanup(s.stop)
        self.remote = os.path.join(self.tmp, "remote")
        os.makedirs(self.remote)
        with open(os.path.join(self.remote, "XAPIANDB"), "w") as f:
            for s in servers:
                f.write(f"remote 127.0.0.1:{s.port}\n")

    def test_every_layout_gives_the_same_hits_in_the_same_order(self):
        for args in QUERIES:
            with self.subTest(args=args):
                one = query_json(self.one, *args, check=0)
                self.assertGreaterEqual(len(one["hits"]), 5, args)
                for layout in (self.idx, self.remote):
                    other = query_json(layout, *args, check=0)
                    self.assertEqual(hits(other), hits(one), (layout, args))
                    self.assertEqual(without_timing(other)["total"], one["total"], (layout, args))

    def test_equal_scores_are_newest_first_then_by_id(self):
        answer = query_json(self.one, "--per-page", "40", "--no-facets", "--", "caraway ", check=0)
        scores = {round(h["score"], 9) for h in answer["hits"]}
        self.assertEqual(len(scores), 1, "the twins should weigh the same")
        keys = [((h["date"] or "")[:10], h["id"]) for h in answer["hits"]]
        dated = [k for k in keys if k[0]]
        self.assertEqual(dated, sorted(dated, key=lambda k: (-int(k[0].replace("-", "")), k[1])))
        self.assertEqual(keys[len(dated):], sorted(k for k in keys if not k[0]))  # undated last, by id


if __name__ == "__main__":
    unittest.main()
