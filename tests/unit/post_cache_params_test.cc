// The service's post memo (query/post_cache.h: a byte bound, CLOCK eviction, warming that
// never displaces a post shown) and the search API's parameter parser (query/http/params.h:
// every parameter named in its error, repeats, bounds, JSON bodies).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <variant>

#include "query/http/params.h"
#include "query/post_cache.h"

namespace postsearch {
namespace {

std::shared_ptr<const StoredPost> post_of(const std::string& id, std::size_t text_bytes) {
  auto p = std::make_shared<StoredPost>();
  p->id = id;
  p->title = "T";
  p->sections.push_back({"", "", 0, std::string(text_bytes, 'x')});
  return p;
}

http::ParamError error_of(const http::Params& params) {
  const http::SearchParse parsed = http::search_request_from_params(params);
  REQUIRE(std::holds_alternative<http::ParamError>(parsed));
  return std::get<http::ParamError>(parsed);
}

}  // namespace

TEST_CASE("post cache: kept within its byte bound, the posts shown survive", "[post_cache]") {
  const std::size_t one = PostCache::bytes_of(*post_of("a", 1000));
  PostCache cache(3 * one);
  for (Xapian::docid d = 1; d <= 3; ++d) cache.insert(d, post_of("p" + std::to_string(d), 1000));
  CHECK(cache.size() == 3);
  CHECK(cache.bytes() <= 3 * one);
  REQUIRE(cache.find(2));  // shown: the hand passes it over once
  cache.insert(4, post_of("p4", 1000));
  CHECK(cache.size() == 3);
  CHECK(cache.bytes() <= 3 * one);
  CHECK(cache.contains(2));
  CHECK(cache.contains(4));
  CHECK(cache.find(4)->id == "p4");
}

TEST_CASE("post cache: warming never displaces, and oversized or out-of-range posts stay out",
          "[post_cache]") {
  const std::size_t one = PostCache::bytes_of(*post_of("a", 1000));
  PostCache cache(2 * one);
  CHECK(cache.insert_if_room(1, post_of("p1", 1000)));
  CHECK(cache.insert_if_room(2, post_of("p2", 1000)));
  CHECK_FALSE(cache.insert_if_room(3, post_of("p3", 1000)));  // full: nothing dropped for it
  CHECK(cache.contains(1));
  CHECK(cache.contains(2));
  CHECK(cache.insert_if_room(2, post_of("p2", 1000)));  // already kept
  cache.insert(5, post_of("huge", 10 * one));           // larger than the whole budget
  CHECK_FALSE(cache.contains(5));
  cache.insert(PostCache::kMaxDocid + 1, post_of("far", 10));
  CHECK_FALSE(cache.contains(PostCache::kMaxDocid + 1));
  CHECK_FALSE(cache.find(99));
}

TEST_CASE("params: values land in the request, filters by the schema's names", "[params]") {
  const http::SearchParse parsed = http::search_request_from_params({{"q", "bread"},
                                                                     {"tag", "a"},
                                                                     {"tag", "b"},
                                                                     {"type", "page"},
                                                                     {"page", "2"},
                                                                     {"per_page", "5"},
                                                                     {"sort", "-date"},
                                                                     {"facets", "false"},
                                                                     {"utm_source", "x"}});
  REQUIRE(std::holds_alternative<SearchRequest>(parsed));
  const SearchRequest& r = std::get<SearchRequest>(parsed);
  CHECK(r.q == "bread");
  CHECK(r.values(schema::Filter::kTag) == std::vector<std::string>{"a", "b"});
  CHECK(r.values(schema::Filter::kType) == std::vector<std::string>{"page"});
  CHECK(r.page == 2);
  CHECK(r.per_page == 5);
  CHECK(r.sort == SortOrder::kDateDescending);
  CHECK_FALSE(r.facets);
}

TEST_CASE("params: every error names its parameter", "[params]") {
  CHECK(error_of({{"page", "two"}}).param == "page");
  CHECK(error_of({{"page", "0"}}).param == "page");
  CHECK(error_of({{"per_page", "1000"}}).param == "per_page");
  CHECK(error_of({{"q", "a"}, {"q", "b"}}).param == "q");  // a scalar given twice
  CHECK(error_of({{"facets", "maybe"}}).param == "facets");
  CHECK(error_of({{"sort", "sideways"}}).param == "sort");
  CHECK(error_of({{"recency", "soon"}}).param == "recency");
  CHECK(error_of({{"tag", std::string(201, 'x')}}).param == "tag");
  CHECK(error_of({{"author", "\xff"}}).param == "author");
  CHECK(error_of({{"after", "yesterday"}}).param == "after");
  http::Params many;
  for (int i = 0; i < 21; ++i) many.emplace("category", "c" + std::to_string(i));
  CHECK(error_of(many).param == "category");
}

TEST_CASE("params: a JSON body takes the same names, arrays for lists", "[params]") {
  const http::SearchParse ok =
      http::search_request_from_json(R"({"q": "bread", "tag": ["a", "b"], "year": [2023]})");
  REQUIRE(std::holds_alternative<SearchRequest>(ok));
  CHECK(std::get<SearchRequest>(ok).values(schema::Filter::kYear) ==
        std::vector<std::string>{"2023"});
  const http::SearchParse unknown = http::search_request_from_json(R"({"colour": "red"})");
  REQUIRE(std::holds_alternative<http::ParamError>(unknown));
  CHECK(std::get<http::ParamError>(unknown).param == "colour");
  const http::SearchParse not_object = http::search_request_from_json("[1]");
  REQUIRE(std::holds_alternative<http::ParamError>(not_object));
  CHECK(std::get<http::ParamError>(not_object).param == "body");
}

}  // namespace postsearch
