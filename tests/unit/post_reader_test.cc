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

namespace postsearch {

namespace {

bool has_message(const ReadResult& r, const std::string& text) {
  for (const auto& d : r.diagnostics) {
    if (d.to_string().find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("post reader: stored fields lose control characters, with a warning", "[post_reader]") {
  const auto r = read("_posts/2024-03-05-c.md",
                      "---\ntitle: \"a\\x01b\\ec\"\ndescription: \"d\\uFFFEe\"\n"
                      "tags: [\"t\\x07\", \"\\x01\"]\n---\nbody\x01 text\x0b!\n");
  REQUIRE(r.status == ReadStatus::kIndexed);
  CHECK(r.post->title == "abc");
  CHECK(r.post->description == "de");
  CHECK(r.post->tags == std::vector<std::string>{"t"});
  CHECK(r.post->sections.at(0).text.find('\x01') == std::string::npos);
  CHECK(has_message(r, "_posts/2024-03-05-c.md:2: warning: title: control characters removed"));
  CHECK(has_message(r, "control characters removed from the body"));
}

TEST_CASE("post reader: fields over their limits are cut with a warning", "[post_reader]") {
  std::string words;
  while (words.size() < 10000) words += "word ";
  std::string tags;
  for (int i = 0; i < 70; ++i) tags += (i ? ", t" : "t") + std::to_string(i);
  const auto r = read("_posts/2024-03-05-big.md", "---\ntitle: T\ndescription: " + words +
                                                      "\ntags: [" + tags + "]\n---\nbody\n");
  REQUIRE(r.status == ReadStatus::kIndexed);
  CHECK(r.post->description.size() <= 4096);
  CHECK(r.post->description.size() > 4000);
  CHECK(r.post->description.substr(r.post->description.size() - 4) == "word");
  CHECK(has_message(r, ":3: warning: description: 9999 bytes, over the limit of 4096; cut to"));
  CHECK(r.post->tags.size() == 64);
  CHECK(has_message(r, "warning: tags: 70 items, over the limit of 64"));
}

TEST_CASE("post reader: an impossible file name date without a front-matter date is refused",
          "[post_reader]") {
  for (const char* name : {"0000-00-00-x", "2023-02-30-x"}) {
    const auto r = read(std::string("_posts/") + name + ".md", "---\ntitle: X\n---\nbody\n");
    CHECK(r.status == ReadStatus::kFailed);
    CHECK(has_message(r, "error: file name date '" + std::string(name).substr(0, 10) +
                             "' is not a real date and the front matter gives no valid date"));
    CHECK_FALSE(has_message(r, "front-matter date is used"));
  }
  const auto dated = read("_posts/2023-02-30-x.md", "---\ndate: 2023-03-01\n---\nbody\n");
  CHECK(dated.status == ReadStatus::kIndexed);
  CHECK(has_message(dated,
                    "warning: file name date '2023-02-30' is not a real date; the "
                    "front-matter date is used"));
}

TEST_CASE("post reader: the URL's origin is the field that set it", "[post_reader]") {
  const auto own = read("_posts/2024-03-05-p.md", "---\ntitle: P\npermalink: /same/\n---\nb\n");
  CHECK(own.url_origin.field == "permalink");
  CHECK(own.url_origin.line == 3);
  CHECK(read("_posts/2024-03-05-p.md", "---\ntitle: P\n---\nb\n").url_origin.field.empty());
}

}  // namespace postsearch
