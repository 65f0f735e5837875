"""Pages by default: examples/site (Jekyll) and tests/fixtures/hugo-pages (Hugo) are indexed
with their pages, each typed; every indexed URL is a page the real generator wrote; listing
pages (a posts loop, a tag archive, Hugo's _index.md) are not indexed; `--posts-only` keeps
posts alone; incremental runs follow edited and deleted pages."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import INDEXER, SOURCE, SiteTestCase, index, query_json, run, site_problems  # noqa: E402

HUGO_PAGES = os.path.join(SOURCE, "tests", "fixtures", "hugo-pages")
JEKYLL_PAGES = {"about.md": "/about/", "contact.html": "/contact/", "install.md": "/install/"}


def types(idx, *args):
    """The `types` facet of a search: {value: count}."""
    out = query_json(idx, "--per-page", "1", *args, check=0)
    facet = out["facets"].get("types", {"values": []})
    return {v["value"]: v["count"] for v in facet["values"]}


def hits(idx, *args):
    out = query_json(idx, "--per-page", "100", "--no-facets", "--no-collapse", *args, check=None)
    return out["hits"] if out else []


@unittest.skipUnless(shutil.which("jekyll"), "jekyll is not installed (scripts/install-deps installs it)")
class JekyllPages(SiteTestCase):
    def build(self):
        dest = os.path.join(self.tmp, "_site")
        shutil.rmtree(dest, ignore_errors=True)
        p = run(["jekyll", "build", "--source", self.site, "--destination", dest, "--quiet"], timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        return dest

    def test_pages_are_indexed_with_their_type_and_listings_are_not(self):
        dest = self.build()
        summary, _ = index(self.site, self.idx)
        problems, checked = site_problems(self.idx, dest)
        self.assertEqual(problems, [])
        self.assertEqual(checked, summary["documents"])
        self.assertEqual(summary["documents_by_type"], {"post": 47, "page": 3})
        self.assertEqual(types(self.idx), {"post": 47, "page": 3})
        # index.md loops over site.posts and tags.md over site.tags: Jekyll writes them, but
        # they list posts that are found anyway.
        self.assertTrue(os.path.exists(os.path.join(dest, "index.html")))
        self.assertTrue(os.path.exists(os.path.join(dest, "tags", "index.html")))
        self.assertEqual(summary["skipped_by_reason"].get("listing page (loops over posts)"), 2)
        self.assertEqual(summary["listing_pages_skipped"], 2)
        self.assertEqual(summary["skipped_by_reason"].get("error page (404)"), 1)
        pages = hits(self.idx, "--type", "page")
        self.assertEqual({h["id"]: h["url"] for h in pages}, JEKYLL_PAGES)
        self.assertEqual({h["type"] for h in pages}, {"page"})
        self.assertEqual(len(hits(self.idx, "type:page")), 3)
        self.assertEqual({h["type"] for h in hits(self.idx, "--type", "post")}, {"post"})
        # The page a reader looks for comes first, with a section anchor Jekyll wrote.
        first = hits(self.idx, "install")[0]
        self.assertEqual((first["id"], first["type"], first["date"]), ("install.md", "page", None))
        self.assertEqual(hits(self.idx, "corrections trail")[0]["id"], "contact.html")

    def test_summary_text_names_each_type(self):
        p = run([INDEXER, self.site, "--index", self.idx], check=0)
        self.assertIn("by type: 3 page, 47 post", p.stdout)
        self.assertIn("skipped 2: listing page (loops over posts)", p.stdout)

    def test_pages_in_folders_collections_and_layout_listings_match_jekyll(self):
        # A layout that loops over posts makes a listing; the same loop in a layout posts
        # use (a "recent posts" list in default.html) does not.
        self.write("_layouts/archive.html", "---\nlayout: default\n---\n{{ content }}\n"
                   "{% for post in site.posts %}<a href=\"{{ post.url }}\">{{ post.title }}</a>{% endfor %}\n")
        self.write("archive.md", "---\nlayout: archive\ntitle: Archive\n---\nEvery post we wrote.\n")
        default = os.path.join(self.site, "_layouts", "default.html")
        with open(default) as f:
            text = f.read()
        with open(default, "w") as f:
            f.write(text.replace("</main>", "</main>\n<aside>{% for post in site.posts limit:3 %}"
                                 "{{ post.title }}{% endfor %}</aside>"))
        self.write("docs/index.md", "---\ntitle: Docs\n---\nThe documentation: docsindexword.\n")
        self.write("docs/guide.md", "---\ntitle: Guide\n---\n## Getting started\n\nguidepageword.\n")
        self.write("docs/_partial.md", "---\ntitle: Hidden\n---\nhiddenpartialword\n")
        self.write("docs/nofront.md", "nofrontmatterword, copied as it is.\n")
        self.write("search.html", "---\nlayout: default\ntitle: Search\n---\n<form><input name=q></form>\n")
        self.write("_recipes/bread.md", "---\ntitle: Bread\n---\nFlour, water, salt: breadrecipeword.\n")
        with open(os.path.join(self.site, "_config.yml"), "a") as f:
            f.write("collections:\n  recipes:\n    output: true\n")
        dest = self.build()
        summary, _ = index(self.site, self.idx)
        self.assertEqual(site_problems(self.idx, dest), ([], summary["documents"]))
        self.assertEqual(summary["documents_by_type"], {"post": 47, "page": 5, "recipes": 1})
        self.assertEqual(summary["skipped_by_reason"].get("listing page (loops over posts)"), 3)
        self.assertEqual(summary["skipped_by_reason"].get("no text of its own"), 1)
        self.assertEqual(summary["skipped_by_reason"].get("no front matter (Jekyll copies the file as it is)"), 1)
        self.assertEqual([h["url"] for h in hits(self.idx, "docsindexword")], ["/docs/"])
        self.assertEqual([h["url"] for h in hits(self.idx, "guidepageword")], ["/docs/guide/"])
        self.assertEqual([h["type"] for h in hits(self.idx, "breadrecipeword")], ["recipes"])
        self.assertEqual(hits(self.idx, "hiddenpartialword"), [])
        self.assertTrue(os.path.exists(os.path.join(dest, "archive", "index.html")))
        self.assertEqual(hits(self.idx, "type:page", "archive"), [])
        # The "date" style gives pages their extension, as Jekyll writes them.
        cfg = os.path.join(self.site, "_config.yml")
        with open(cfg) as f:
            text = f.read()
        with open(cfg, "w") as f:
            f.write(text.replace("permalink: /:categories/:year/:month/:day/:title/", "permalink: date"))
        dest = self.build()
        index(self.site, self.idx)
        self.assertEqual(site_problems(self.idx, dest)[0], [])
        self.assertEqual([h["url"] for h in hits(self.idx, "guidepageword")], ["/docs/guide.html"])

    def test_posts_only_keeps_posts_alone(self):
        summary, _ = index(self.site, self.idx, "--posts-only")
        self.assertEqual(summary["documents"], 47)
        self.assertEqual(summary["documents_by_type"], {"post": 47})
        self.assertEqual(summary["listing_pages_skipped"], 0)
        self.assertEqual(hits(self.idx, "--type", "page"), [])
        # The same from the configuration file; turning pages on again rebuilds with them.
        cfg = os.path.join(self.tmp, "indexer.yml")
        with open(cfg, "w") as f:
            f.write(f"site: {self.site}\nindex: {self.idx}\nposts_only: true\n")
        summary, _ = index(self.site, self.idx, "--config", cfg)
        self.assertEqual(summary["documents"], 47)
        summary, _ = index(self.site, self.idx)
        self.assertTrue(summary["rebuilt"])
        self.assertEqual(summary["documents_by_type"], {"post": 47, "page": 3})

    def test_incremental_run_follows_edited_and_deleted_pages(self):
        index(self.site, self.idx)
        path = os.path.join(self.site, "install.md")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text + "\n## Upgrade\n\nInstall the new release over the old: upgradeword.\n")
        os.remove(os.path.join(self.site, "contact.html"))
        summary, _ = index(self.site, self.idx)
        self.assertFalse(summary["rebuilt"])
        self.assertEqual((summary["updated"], summary["deleted"]), (1, 1))
        self.assertEqual(summary["documents_by_type"], {"post": 47, "page": 2})
        self.assertEqual([h["id"] for h in hits(self.idx, "upgradeword")], ["install.md"])
        self.assertNotIn("contact.html", [h["id"] for h in hits(self.idx, "corrections")])
        # A page that turns into a listing leaves the index.
        with open(os.path.join(self.site, "about.md"), "a") as f:
            f.write("\n{% for post in site.posts %}- {{ post.title }}\n{% endfor %}\n")
        summary, _ = index(self.site, self.idx)
        self.assertEqual(summary["skipped_by_reason"], {"listing page (loops over posts)": 1})
        self.assertEqual(summary["documents_by_type"], {"post": 47, "page": 1})

    def test_dates_feeds_and_related_keep_to_posts(self):
        index(self.site, self.idx)
        # Oldest first and newest first both put the undated pages last.
        for order in ("date", "-date"):
            listed = hits(self.idx, "--sort", order)
            self.assertEqual([h["type"] for h in listed[-3:]], ["page"] * 3, order)
            self.assertTrue(all(h["date"] for h in listed[:-3]), order)
        post = hits(self.idx, "--type", "post", "install")[0]["id"]
        related = query_json(self.idx, "--related", post, "--per-page", "20", check=0)["hits"]
        self.assertTrue(related)
        self.assertEqual({h["type"] for h in related}, {"post"})


@unittest.skipUnless(shutil.which("hugo"), "hugo is not installed (scripts/install-deps installs it)")
class HugoPages(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="postsearch-hugo-pages-")
        self.site = os.path.join(self.tmp, "site")
        shutil.copytree(HUGO_PAGES, self.site)
        self.idx = os.path.join(self.tmp, "index")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_pages_and_types_as_hugo_writes_them(self):
        dest = os.path.join(self.tmp, "public")
        p = run(["hugo", "--quiet", "--source", self.site, "--destination", dest], timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        summary, _ = index(self.site, self.idx)
        self.assertEqual(site_problems(self.idx, dest), ([], 6))
        # posts is the main section (the one with the most pages); docs/faq.md says type: help.
        self.assertEqual(summary["documents_by_type"], {"post": 3, "page": 1, "docs": 1, "help": 1})
        self.assertEqual(types(self.idx), {"post": 3, "page": 1, "docs": 1, "help": 1})
        self.assertEqual(summary["listing_pages_skipped"], 2)
        # The list pages Hugo writes are not indexed.
        for word, page in [("homelistword", "index.html"), ("postslistword", "posts/index.html")]:
            self.assertTrue(os.path.exists(os.path.join(dest, page)), page)
            self.assertEqual(hits(self.idx, word), [], word)
        self.assertEqual([h["url"] for h in hits(self.idx, "installerword")], ["/install-guide/"])
        self.assertEqual([h["url"] for h in hits(self.idx, "--type", "page")], ["/about/"])
        summary, _ = index(self.site, self.idx, "--posts-only")
        self.assertEqual(summary["documents_by_type"], {"post": 3})

    def test_main_sections_from_the_configuration(self):
        with open(os.path.join(self.site, "hugo.toml"), "a") as f:
            f.write("\n[params]\nmainSections = [\"docs\"]\n")
        summary, _ = index(self.site, self.idx)
        self.assertEqual(summary["documents_by_type"], {"post": 2, "page": 1, "posts": 3})


if __name__ == "__main__":
    unittest.main(verbosity=2)
