// Every filter field a request can select is driven by the schema table alone
// (schema::kFilterFields): for each one, the HTTP parameter, the command line flag and the
// query language's field select the same posts, the facet of the same filter counts them,
// and a malformed value is refused naming the field. A field added to the table is tested
// here without a line of this file changing; one that some path forgets fails here.
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/schema.h"
#include "query/cli.h"
#include "query/http/params.h"
#include "query/searcher.h"
#include "tests/unit/test_support.h"

namespace postsearch {
namespace {

using nlohmann::json;

const schema::FacetField* facet_of(schema::Filter filter) {
  for (const auto& f : schema::kFacetFields) {
    if (f.filter == filter) return &f;
  }
  return nullptr;
}

// The first value of the facet of `filter` over every post, and its count.
std::pair<std::string, std::size_t> some_value(Searcher& s, schema::Filter filter) {
  SearchRequest all;
  all.values(schema::Filter::kLang) = {"*"};
  // Months are counted within a year selected (json_io.h): a month lies within its year.
  if (filter == schema::Filter::kMonth) all.values(schema::Filter::kYear) = {"2023"};
  const SearchResponse r = s.search(all);
  for (const Facet& f : r.facets) {
    if (f.name == facet_of(filter)->name && !f.values.empty())
      return {f.values.front().value, f.values.front().count};
  }
  return {"", 0};
}

std::size_t cli_total(const std::string& flag, const std::string& value) {
  std::ostringstream out;
  std::ostringstream err;
  std::vector<std::string> args{"--index", testing::example_index().string(), "--json", flag,
                                value};
  if (flag != "--lang") args.insert(args.end(), {"--lang", "*"});
  args.insert(args.end(), {"--", ""});
  const int rc = run_query_cli(args, {out, err});
  INFO(err.str());
  REQUIRE(rc == 0);
  return json::parse(out.str())["total"]["estimate"].get<std::size_t>();
}

}  // namespace

TEST_CASE("filter fields: parameter, flag, query field and facet come from the schema",
          "[filters]") {
  Searcher s(testing::example_index());
  for (const auto& field : schema::kFilterFields) {
    if (!field.requested) continue;
    const std::string name(field.name);
    INFO(name);
    REQUIRE(facet_of(field.filter) != nullptr);  // a requested field has a facet
    const auto [value, count] = some_value(s, field.filter);
    REQUIRE(count > 0);  // the example site has posts with a value of every field

    // HTTP parameter.
    const http::SearchParse parsed =
        http::search_request_from_params({{name, value}, {"lang", "*"}});
    REQUIRE(std::holds_alternative<SearchRequest>(parsed));
    SearchRequest by_param = std::get<SearchRequest>(parsed);
    if (field.filter != schema::Filter::kLang)
      CHECK(by_param.values(field.filter) == std::vector{value});
    if (field.filter == schema::Filter::kLang) by_param.values(field.filter) = {value};
    CHECK(s.search(by_param).total.estimate == count);

    // Command line flag.
    CHECK(cli_total("--" + name, value) == count);

    // Query language field.
    SearchRequest by_query;
    const bool spaced = value.find(' ') != std::string::npos;
    by_query.q = name + ":" + (spaced ? "\"" + value + "\"" : value);
    by_query.values(schema::Filter::kLang) = {"*"};
    if (field.filter == schema::Filter::kLang) by_query.values(schema::Filter::kLang).clear();
    CHECK(s.search(by_query).total.estimate == count);
  }
}

TEST_CASE("filter fields: a malformed value is refused naming its field", "[filters]") {
  for (const auto& field : schema::kFilterFields) {
    if (!field.requested || field.check == schema::ValueCheck::kAny) continue;
    const std::string name(field.name);
    const http::SearchParse parsed = http::search_request_from_params({{name, "not-a-date"}});
    REQUIRE(std::holds_alternative<http::ParamError>(parsed));
    CHECK(std::get<http::ParamError>(parsed).param == name);
  }
}

}  // namespace postsearch
