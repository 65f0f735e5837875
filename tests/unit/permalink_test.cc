#include <catch2/catch.hpp>

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
