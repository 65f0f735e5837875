// Multi-select facet counts (query/facets.h) over the example site's index, in each of the
// three ways FacetCounter counts (a matcher pass reading each match's facets value, the
// facet table over posting lists, Xapian's serialisable spies), against a brute-force count:
// one Xapian query per facet value.
#include <catch2/catch.hpp>

#include <xapian.h>

#include <map>
#include <string>

#include "common/schema.h"
#include "query/facet_table.h"
#include "query/facets.h"
#include "query/filters.h"
#include "query/query_builder.h"
#include "test_support.h"

namespace postsearch {
namespace {

// How many posts match `text` with the request's filters but `f`'s, and `value` for `f`.
Xapian::doccount brute_count(const Xapian::Database& db, const SearchRequest& request,
                             const ParsedQuery& parsed, const schema::FacetField& f,
                             const std::string& value) {
  const Xapian::Query others = filter_query(request, parsed, f.filter);
  const Xapian::Query mine(schema::filter_term(f.filter, value));
  Xapian::Enquire e(db);
  e.set_query(with_filters(
      parsed.query, others.empty() ? mine : Xapian::Query(Xapian::Query::OP_AND, others, mine)));
  return e.get_mset(0, db.get_doccount(), db.get_doccount()).get_matches_estimated();
}

std::map<std::string, std::map<std::string, std::size_t>> by_name(const std::vector<Facet>& fs) {
  std::map<std::string, std::map<std::string, std::size_t>> out;
  for (const auto& f : fs)
    for (const auto& v : f.values) out[f.name][v.value] = v.count;
  return out;
}

}  // namespace

TEST_CASE("facets: every count equals a brute-force count, however counted", "[facets]") {
  const Xapian::Database db(testing::example_index().string());
  QueryBuilder builder(db, "en");
  SearchRequest request;
  request.q = GENERATE(as<std::string>{}, "", "bread OR mountains OR water");
  request.facet_limit = 1000;
  request.values(schema::Filter::kTag) = {"cooking"};
  const ParsedQuery parsed = builder.parse(request.q, ParseOptions{});
  const auto table = FacetTable::build(db);

  FacetCounter plain(request, parsed);
  const auto counted = by_name(plain.finish(db, parsed.query, -1));
  FacetCounter serialisable(request, parsed, FacetOptions{nullptr, nullptr, true});
  CHECK(by_name(serialisable.finish(db, parsed.query, -1)) == counted);
  FacetCounter direct(request, parsed, FacetOptions{table.get(), nullptr, false});
  CHECK(by_name(direct.finish(db, parsed.query, -1)) == counted);

  std::size_t values = 0;
  for (const auto& f : schema::kFacetFields) {
    const auto it = counted.find(std::string(f.name));
    if (it == counted.end()) continue;
    for (const auto& [value, n] : it->second) {
      CAPTURE(f.name, value);
      CHECK(n == brute_count(db, request, parsed, f, value));
      ++values;
    }
  }
  // The selected tag counts as if nothing were selected in its own field: other tags too.
  CHECK(counted.at("tags").size() > 1);
  CHECK(counted.at("tags").count("cooking") == 1);
  CHECK(values > 5);
}

TEST_CASE("facets: the limit keeps the selected value and the largest counts", "[facets]") {
  const Xapian::Database db(testing::example_index().string());
  QueryBuilder builder(db, "en");
  SearchRequest request;
  request.facet_limit = 1;
  request.values(schema::Filter::kTag) = {"Cooking"};
  const ParsedQuery parsed = builder.parse("", ParseOptions{});
  FacetCounter counter(request, parsed);
  for (const auto& f : counter.finish(db, parsed.query, -1)) {
    REQUIRE(f.values.size() <= 1);
    if (f.name == "tags") {
      REQUIRE(f.values.size() == 1);
      CHECK(f.values[0].value == "cooking");
      CHECK(f.values[0].selected);
      CHECK(f.other_values > 0);
    }
  }
}

}  // namespace postsearch
