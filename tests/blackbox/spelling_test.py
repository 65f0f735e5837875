#!/usr/bin/env python3
"""Spelling corrections ("did you mean") through the real indexer and query binaries: a
misspelt word is corrected to the word the index has, and to an identifier that names a
page (in a title or heading: `_florbix`), never to other code identifiers (`_chmod`,
`zorbul_ax`) nor to words with digits (`quorx9lin`), after a full build and after an
incremental run alike; a word whose posts are edited or deleted is no longer offered."""
import os
import unittest

from harness import SiteTestCase, index, query_json

FIRST = """---
title: Quendalorn gardens
---
## The _florbix function

The quendalorn grows in `zorbul_ax` beds and quorx9lin pots.

```c
int _chmod(const char *path);
```
"""

LATER = """---
title: Vexmorial nights with _glimtrax
---
A vexmorial night with `glimbor_tax` and brindle7wax lamps.
"""


class Spelling(SiteTestCase):
    def did_you_mean(self, q):
        return query_json(self.idx, "--no-facets", "--query-lang", "en", q)["did_you_mean"]

    def test_words_are_offered_and_identifiers_are_not(self):
        self.write("_posts/2024-01-01-quendalorn.md", FIRST)
        s, _ = index(self.site, self.idx)
        self.assertTrue(s["rebuilt"])
        self.assertEqual(self.did_you_mean("quendalron"), "quendalorn")
        self.assertIsNone(self.did_you_mean("zorbulax"))  # one edit from zorbul_ax
        self.assertIsNone(self.did_you_mean("quorxlin"))  # one edit from quorx9lin
        self.assertIsNone(self.did_you_mean("xchmod"))  # one edit from _chmod
        self.assertEqual(self.did_you_mean("florbix"), "_florbix")

        self.write("_posts/2024-02-02-vexmorial.md", LATER)
        s, _ = index(self.site, self.idx)
        self.assertFalse(s["rebuilt"])
        self.assertEqual(s["added"], 1)
        self.assertEqual(self.did_you_mean("vexmorail"), "vexmorial")
        self.assertIsNone(self.did_you_mean("glimbortax"))
        self.assertIsNone(self.did_you_mean("brindlewax"))
        self.assertEqual(self.did_you_mean("glimtrax"), "_glimtrax")

    def test_words_of_edited_and_deleted_posts_are_no_longer_offered(self):
        first = self.write("_posts/2024-01-01-quendalorn.md", FIRST)
        later = self.write("_posts/2024-02-02-vexmorial.md", LATER)
        index(self.site, self.idx)
        self.assertEqual(self.did_you_mean("vexmorail"), "vexmorial")
        os.remove(first)
        self.write("_posts/2024-02-02-vexmorial.md", LATER.replace("Vexmorial", "Lantern").replace("vexmorial", "lantern"))
        s, _ = index(self.site, self.idx)
        self.assertFalse(s["rebuilt"])
        self.assertEqual((s["updated"], s["deleted"]), (1, 1))
        self.assertTrue(os.path.exists(later))
        for typo in ("quendalron", "florbix", "vexmorail"):
            self.assertIsNone(self.did_you_mean(typo), typo)
        self.assertEqual(self.did_you_mean("glimtrax"), "_glimtrax")  # still in the title


if __name__ == "__main__":
    unittest.main()
