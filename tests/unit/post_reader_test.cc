#include <catch2/catch.hpp>

#include "indexer/post_reader.h"
#include "test_support.h"

namespace postsearch {

using testing::jekyll_site;

namespace {

ReadResult read(const std::string& rel, const std::string& text,
                SiteConfig site = jekyll_site("/site")) {
  SourceFile f{"/site/" + rel, rel, SourceKind::kPost, "posts", {}, "", ""};
  ReadOptions o;
  o.now = 1900000000;
  return read_post(site, f, text, o);
}

}  // namespace

TEST_CASE("post reader: Jekyll fields in their common forms", "[post_reader]") {
  const auto r =
      read("_posts/2024-03-05-my-post.md",
           "---\ntitle: My Post\nauthor: [a, b]\ntags: one two\ntag: three\ncategory: Web\n"
           "description: d\n---\n# Heading\n\nBody\n");
  REQUIRE(r.status == ReadStatus::kIndexed);
  const Post& p = *r.post;
  CHECK(p.title == "My Post");
  CHECK(p.authors == std::vector<std::string>{"a", "b"});
  CHECK(p.tags == std::vector<std::string>{"one", "two", "three"});
  CHECK(p.categories == std::vector<std::string>{"Web"});
  CHECK(p.url == "/web/2024/03/05/my-post.html");
  CHECK(p.date_text == "2024-03-05T00:00:00Z");
  CHECK(p.lang == "en");
  CHECK(p.description == "d");
}

TEST_CASE("post reader: title falls back to the first heading, then the file name",
          "[post_reader]") {
  CHECK(read("_posts/2024-03-05-x.md", "---\n---\n## Found Heading\n").post->title ==
        "Found Heading");
  CHECK(read("_posts/2024-03-05-file-name-title.md", "---\n---\ntext\n").post->title ==
        "File Name Title");
}

TEST_CASE("post reader: skip rules", "[post_reader]") {
  CHECK(read("_posts/2024-03-05-a.md", "---\npublished: false\n---\n").skip_reason ==
        "published: false");
  CHECK(read("_posts/2024-03-05-a.md", "---\nsearch: false\n---\n").skip_reason == "search: false");
  CHECK(read("_posts/2024-03-05-a.md", "---\nnoindex: true\n---\n").skip_reason == "noindex: true");
  CHECK(read("_posts/2024-03-05-a.md", "---\ndraft: true\n---\n").skip_reason == "draft: true");
  CHECK(read("_posts/2099-03-05-a.md", "---\n---\n").skip_reason == "dated in the future");
  CHECK(read("_posts/not-dated.md", "---\n---\n").status == ReadStatus::kSkipped);
}

TEST_CASE("post reader: bad field values are reported with their line, the post still goes in",
          "[post_reader]") {
  const auto r =
      read("_posts/2017-02-03-odd.md",
           "---\ntitle: Odd\ndate: 2017-2-30\ntags:\n  - 42\n  - {a: 1}\n  - null\n---\ntext\n");
  REQUIRE(r.status == ReadStatus::kIndexed);
  CHECK(r.post->tags == std::vector<std::string>{"42"});
  CHECK(r.post->date_text == "2017-02-03T00:00:00Z");  // the file name's date
  REQUIRE(r.diagnostics.size() == 2);
  CHECK(r.diagnostics[0].to_string() ==
        "_posts/2017-02-03-odd.md:3: warning: date: invalid date '2017-2-30' (expected YYYY-MM-DD, "
        "optionally with a time and UTC offset); the file name's date is used");
  CHECK(r.diagnostics[1].line == 4);
  CHECK(r.diagnostics[1].field == "tags");
}

TEST_CASE("post reader: authors from _data/authors.yml", "[post_reader]") {
  SiteConfig site = jekyll_site("/site");
  site.authors = {{"ada", {{"name", "Ada Lindqvist"}}}};
  CHECK(read("_posts/2024-03-05-a.md", "---\nauthor: ada\n---\n", site).post->authors ==
        std::vector<std::string>{"Ada Lindqvist"});
}

TEST_CASE("post reader: broken front matter fails the post with the line", "[post_reader]") {
  const auto r = read("_posts/2024-03-05-a.md", "---\ntitle: [unclosed\n---\n");
  CHECK(r.status == ReadStatus::kFailed);
  REQUIRE_FALSE(r.diagnostics.empty());
  CHECK(r.diagnostics[0].severity == Severity::kError);
}

TEST_CASE("post reader: Hugo URLs from the content path, slug and url", "[post_reader]") {
  SiteConfig site;
  site.generator = Generator::kHugo;
  site.root = "/site";
  SourceFile f{"/site/content/posts/My Trip.md",
               "content/posts/My Trip.md",
               SourceKind::kPost,
               "posts",
               {},
               "",
               ""};
  ReadOptions o;
  o.now = 1900000000;
  CHECK(read_post(site, f, "---\ntitle: T\n---\n", o).post->url == "/posts/my-trip/");
  CHECK(read_post(site, f, "---\nslug: custom\n---\n", o).post->url == "/posts/custom/");
  CHECK(read_post(site, f, "---\nurl: /x/y/\n---\n", o).post->url == "/x/y/");
  SourceFile bundle{"/site/content/posts/trip/index.md",
                    "content/posts/trip/index.md",
                    SourceKind::kPost,
                    "posts",
                    {},
                    "",
                    ""};
  CHECK(read_post(site, bundle, "---\n---\n", o).post->url == "/posts/trip/");
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("post reader: former URLs from redirect_from, with the base URL", "[post_reader]") {
  SiteConfig site = testing::jekyll_site("/site");
  site.baseurl = "/blog";
  const auto r = read("_posts/2024-03-05-a.md",
                      "---\nredirect_from:\n  - /old/a/\n  - older.html\n"
                      "  - https://elsewhere.example/x/\n---\n",
                      site);
  REQUIRE(r.post);
  CHECK(r.post->aliases == std::vector<std::string>{"/blog/old/a/", "/blog/older.html",
                                                    "https://elsewhere.example/x/"});
}

}  // namespace postsearch
