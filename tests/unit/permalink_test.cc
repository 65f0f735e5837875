#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "indexer/permalink.h"

namespace postsearch {

TEST_CASE("permalink: Jekyll's built-in styles", "[permalink]") {
  JekyllUrlInput in;
  in.basename = "my-post";
  in.categories = {"Web", "news"};
  in.date = {2024, 3, 5, 10, 0, 0};
  in.pattern = "date";
  CHECK(jekyll_url(in) == "/web/news/2024/03/05/my-post.html");
  in.pattern = "pretty";
  CHECK(jekyll_url(in) == "/web/news/2024/03/05/my-post/");
  in.pattern = "ordinal";
  CHECK(jekyll_url(in) == "/web/news/2024/065/my-post.html");
  in.pattern = "none";
  CHECK(jekyll_url(in) == "/web/news/my-post.html");
  in.categories.clear();
  in.pattern = "date";
  CHECK(jekyll_url(in) == "/2024/03/05/my-post.html");
}

TEST_CASE("permalink: custom patterns and placeholders", "[permalink]") {
  JekyllUrlInput in;
  in.basename = "Hello World";
  in.date = {2021, 1, 9, 0, 0, 0};
  in.pattern = "/blog/:year/:i_month/:i_day/:title/";
  CHECK(jekyll_url(in) == "/blog/2021/1/9/Hello-World/");
  in.pattern = "/:slug:output_ext";
  CHECK(jekyll_url(in) == "/hello-world.html");
  in.slug = "custom slug";
  in.pattern = "/:short_year/:title";
  CHECK(jekyll_url(in) == "/21/custom-slug");
}

TEST_CASE("permalink: slugify and escaping", "[permalink]") {
  CHECK(jekyll_slugify("C++ & Rust!", SlugMode::kDefault, false) == "c-rust");
  CHECK(jekyll_slugify("C++ & Rust!", SlugMode::kPretty, true) == "C++-&-Rust!");
  CHECK(escape_url_path("/a b/é#") == "/a%20b/%C3%A9%23");
  CHECK(join_url("/blog/", "/x/") == "/blog/x/");
  CHECK(join_url("", "/x/") == "/x/");
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("permalink: Jekyll pages, as Page#url makes them", "[permalink]") {
  JekyllPageUrlInput in;
  in.basename = "about";
  for (const auto& [style, url] : std::vector<std::pair<std::string, std::string>>{
           {"date", "/about.html"},
           {"pretty", "/about/"},
           {"ordinal", "/about.html"},
           {"none", "/about.html"},
           {"weekdate", "/about"},  // Jekyll 4.3's add_permalink_suffix knows no :weekdate
           {"/:categories/:year/:title/", "/about/"},
           {"/:year/:title:output_ext", "/about.html"},
           {"/:year/:title", "/about"}}) {
    in.style = style;
    CHECK(jekyll_page_url(in) == url);
  }
  in.style = "date";
  in.dir = "docs/guide";
  CHECK(jekyll_page_url(in) == "/docs/guide/about.html");
  in.basename = "index";
  CHECK(jekyll_page_url(in) == "/docs/guide/");
  in.dir = "";
  CHECK(jekyll_page_url(in) == "/");
  // A permalink wins; only :path, :basename and :output_ext are placeholders of a page.
  in.basename = "faq";
  in.permalink = "/help/:basename:output_ext";
  CHECK(jekyll_page_url(in) == "/help/faq.html");
  in.permalink = "/help/:title/";
  CHECK(jekyll_page_url(in) == "/help/:title/");
  in.permalink = "about";
  CHECK(jekyll_page_url(in) == "/about");
  in.permalink = "/a/../b//c/";
  CHECK(jekyll_page_url(in) == "/a/b/c/");
  in.permalink = "";
  in.basename = "über uns";
  CHECK(jekyll_page_url(in) == "/%C3%BCber%20uns.html");
}

TEST_CASE("permalink: the style's suffix of collection URLs", "[permalink]") {
  CHECK(jekyll_permalink_suffix("/:collection/:path", "date") == "/:collection/:path:output_ext");
  CHECK(jekyll_permalink_suffix("/:collection/:path", "pretty") == "/:collection/:path/");
  CHECK(jekyll_permalink_suffix("/:collection/:path", "/:title/") == "/:collection/:path/");
  CHECK(jekyll_permalink_suffix("/:collection/:path", "/:title") == "/:collection/:path");
}

}  // namespace postsearch
