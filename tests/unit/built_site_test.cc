#include <catch2/catch.hpp>

#include "indexer/built_site.h"
#include "test_support.h"

namespace postsearch {

using testing::TempDir;
using testing::write_file;

TEST_CASE("built site: pages, ids, canonical and titles", "[built_site]") {
  TempDir dir;
  write_file(dir.path() / "2013/05/05/one.html",
             "<html><head><title>One  post</title>"
             "<link rel=\"canonical\" href=\"https://example.org/blog/2013/05/05/one.html\">"
             "</head><body><h2 id=\"intro\">Intro</h2><p id=\"p1\">x</p></body></html>");
  write_file(dir.path() / "about/index.html", "<h1>About us</h1><h1>Same</h1>");
  write_file(dir.path() / "two/index.html", "<h1>Same</h1>");
  write_file(dir.path() / "style.css", "h1{}");
  TempDir outside;
  write_file(outside.path() / "secret.html", "<title>Secret</title>");
  std::filesystem::create_symlink(outside.path() / "secret.html", dir.path() / "linked.html");
  Diagnostics diagnostics;
  const BuiltSite site = BuiltSite::load(dir.path(), {"/blog/"}, diagnostics);
  CHECK(diagnostics.empty());
  CHECK(site.size() == 3);  // not the link, which leads outside

  const BuiltPage* one = site.find("/blog/2013/05/05/one.html");
  REQUIRE(one != nullptr);
  CHECK(one->ids == std::set<std::string>{"intro", "p1"});
  CHECK(one->canonical == "/blog/2013/05/05/one.html");
  CHECK(site.find("/blog/2013/05/05/one") == one);      // as a static server resolves it
  CHECK(site.find("/2013/05/05/one.html") == nullptr);  // without the base URL
  CHECK(site.find("/blog/2013/05/06/one.html") == nullptr);
  CHECK(site.find("/blog/about/")->titles.front() == "About us");
  CHECK(site.find("https://example.org/blog/about") != nullptr);
  CHECK(site.find("/blog/ab%6Fut/") != nullptr);

  CHECK(site.by_title("One post") == one);
  CHECK(site.by_title("Same") == nullptr);  // two pages: ambiguous
  CHECK(site.by_title("Nothing") == nullptr);
  CHECK(site.by_canonical("/blog/2013/05/05/one.html") == one);

  CHECK(site.nearest("/blog/2013/05/06/one.html") == one);
  CHECK(site.url_of(*site.nearest("/blog/abut/")) == "/blog/about/");
}

}  // namespace postsearch
