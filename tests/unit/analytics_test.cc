// Search analytics' pieces on their own: the query normaliser, the SQLite store (bounds,
// retention, the k threshold), the recorder's batching, and the relevance tests' reader and
// score. The service and the CLI are tested through the real binary (analytics_test.py).
#include <catch2/catch.hpp>

#include <cmath>

#include "query/analytics/normalise.h"
#include "query/analytics/recorder.h"
#include "query/analytics/report.h"
#include "query/analytics/store.h"
#include "query/relevance_tests.h"
#include "query/searcher.h"
#include "test_support.h"

namespace postsearch::analytics {
namespace {

using testing::TempDir;

SearchKey key(Day day, const std::string& q) { return {day, q, "", ""}; }

Batch searches(Day day, const std::string& q, long long n, long long zero = 0) {
  Batch b;
  b.searches[key(day, q)] = {n, zero, 0, 0, zero > 0 ? 0 : 3};
  return b;
}

TEST_CASE("queries are folded: case, white space, length; bad input is not a query",
          "[analytics]") {
  CHECK(normalise_query("  Rust \t Ownership ") == "rust ownership");
  CHECK(normalise_query("ÉTÉ À Paris") == "été à paris");
  CHECK(normalise_query("   ") == std::nullopt);
  CHECK(normalise_query("") == std::nullopt);
  CHECK(normalise_query(std::string("a\xff")) == std::nullopt);
  const auto long_one = normalise_query(std::string(500, 'x'));
  REQUIRE(long_one);
  CHECK(long_one->size() == kMaxQueryBytes);
  // A cut never splits a character.
  const auto accents = normalise_query(std::string(300, 'a') + "é");
  CHECK(accents->size() <= kMaxQueryBytes);
}

TEST_CASE("languages and filters are keys in a fixed order", "[analytics]") {
  SearchRequest a;
  a.values(schema::Filter::kTag) = {"Rust", "cpp"};
  a.values(schema::Filter::kYear) = {"2021"};
  a.values(schema::Filter::kType) = {"Page"};
  a.values(schema::Filter::kLang) = {"en", "DE"};
  SearchRequest b;
  b.values(schema::Filter::kYear) = {"2021"};
  b.values(schema::Filter::kTag) = {"cpp", "rust"};
  b.values(schema::Filter::kType) = {"page"};
  b.values(schema::Filter::kLang) = {"de", "en"};
  CHECK(filters_key(a) == "tag=cpp tag=rust type=page year=2021");
  CHECK(filters_key(a) == filters_key(b));
  CHECK(langs_key(a) == "de,en");
  CHECK(filters_key(SearchRequest{}).empty());
}

TEST_CASE("the store adds counts, survives reopening and shows only queries over k",
          "[analytics]") {
  TempDir dir;
  const auto file = dir.path() / kStoreFileName;
  const Day d = 20000;
  {
    Store store(file, {});
    store.add(searches(d, "sourdough", 2), d);
    store.add(searches(d, "sourdough", 1), d);
    store.add(searches(d, "alice smith", 1), d);  // one search, one day: never shown
    store.add(searches(d - 2, "tatra", 1), d);
    store.add(searches(d - 1, "tatra", 1), d);
    store.add(searches(d, "tatra", 1, 1), d);  // three days, one search each
  }
  Store store(file, {});
  const QueryList list = store.queries({d - 29, d}, 3);
  REQUIRE(list.shown.size() == 2);
  CHECK(list.hidden == 1);
  CHECK(list.searches == 7);
  CHECK(list.shown[0].query == "sourdough");
  CHECK(list.shown[0].counts.count == 3);
  CHECK(list.shown[1].query == "tatra");
  CHECK(list.shown[1].days == 3);
  CHECK(list.shown[1].counts.zero == 1);
  CHECK(list.shown[1].counts.hits == 0);  // the latest day's
}

TEST_CASE("old days are deleted and a day's distinct queries are bounded", "[analytics]") {
  TempDir dir;
  StoreOptions o;
  o.retention_days = 7;
  o.max_queries_per_day = 2;
  Store store(dir.path() / kStoreFileName, o);
  const Day d = 20000;
  store.add(searches(d - 7, "old", 5), d - 7);
  CHECK(store.queries({d - 100, d}, 2).shown.size() == 1);
  store.add(searches(d, "a", 5), d);  // pruned as of d: d-7 is an eighth day
  const auto list = store.queries({d - 100, d}, 2);
  REQUIRE(list.shown.size() == 1);
  CHECK(list.shown[0].query == "a");
  CHECK(store.add(searches(d, "b", 5), d) == 0);
  CHECK(store.add(searches(d, "c", 5), d) == 1);  // a third query on a full day
  CHECK(store.add(searches(d, "a", 5), d) == 0);  // a known one still counts
  CHECK(store.queries({d, d}, 2).shown.size() == 2);
}

TEST_CASE("opens are counted by rank", "[analytics]") {
  TempDir dir;
  Store store(dir.path() / kStoreFileName, {});
  Batch b;
  b.opens[{100, "rust", 1, "a"}] = 3;
  b.opens[{100, "rust", 2, "b"}] = 1;
  b.opens[{100, "go", 1, "c"}] = 1;
  store.add(b, 100);
  const auto ranks = store.opens_by_rank({100, 100});
  CHECK(ranks.at(1) == 4);
  CHECK(ranks.at(2) == 1);
}

TEST_CASE("the recorder counts first pages only and writes on flush", "[analytics]") {
  TempDir dir;
  const auto file = dir.path() / kStoreFileName;
  std::vector<std::string> errors;
  {
    Recorder recorder(std::make_unique<Store>(file, StoreOptions{}), {},
                      [&](const std::string& e) { errors.push_back(e); });
    SearchRequest r;
    r.q = "Sourdough";
    SearchResponse answer;
    answer.hits.resize(1);
    answer.every_word = true;
    answer.total.estimate = 1;
    for (int i = 0; i < 3; ++i) recorder.record_search(r, answer);
    r.page = 2;
    recorder.record_search(r, answer);  // the same search read further
    CHECK(recorder.record_open("sourdough", 1, "_posts/x.md"));
    CHECK_FALSE(recorder.record_open("sourdough", 0, "_posts/x.md"));
    CHECK_FALSE(recorder.record_open("sourdough", 1, ""));
    CHECK(recorder.store().queries({0, today()}, 3).shown.empty());  // not written yet
    recorder.flush();
    const auto list = recorder.store().queries({0, today()}, 3);
    REQUIRE(list.shown.size() == 1);
    CHECK(list.shown[0].counts.count == 3);
    CHECK(list.shown[0].opens == 1);
  }
  CHECK(errors.empty());
}

TEST_CASE("a file that is not a store is refused with its name", "[analytics]") {
  TempDir dir;
  const auto file = dir.path() / kStoreFileName;
  testing::write_file(file, std::string(4096, 'x'));
  CHECK_THROWS_WITH(Store(file, {}), Catch::Contains(file.string()));
}

TEST_CASE("proposed fixes from the example index", "[analytics]") {
  Searcher searcher(testing::example_index());
  QueryTotals q;
  q.query = "sourdogh";
  CHECK(propose_fix(searcher, q).kind == "spelling");
  q.query = "sourdough kubernetes";
  const Fix dropped = propose_fix(searcher, q);
  CHECK(dropped.kind == "dropped_word");
  CHECK(dropped.url == "/kitchen/2019/11/30/sourdough-for-programmers/");
  q.query = "tatra mtn";
  const Fix synonym = propose_fix(searcher, q);
  CHECK(synonym.kind == "synonym");
  CHECK_THAT(synonym.text, Catch::Contains("[mtn, mountains]"));
  q.query = "zzyzx";
  CHECK(propose_fix(searcher, q).kind == "uncovered");
  q.query = "sourdough";
  CHECK(propose_fix(searcher, q).kind == "review");
}

}  // namespace
}  // namespace postsearch::analytics

namespace postsearch {
namespace {

TEST_CASE("nDCG@10 with binary relevance", "[relevance]") {
  CHECK(ndcg_at({1}, 1, 10) == Approx(1.0));
  CHECK(ndcg_at({2}, 1, 10) == Approx(1 / std::log2(3.0)));
  CHECK(ndcg_at({}, 1, 10) == Approx(0.0));
  CHECK(ndcg_at({11}, 1, 10) == Approx(0.0));
  CHECK(ndcg_at({2, 1}, 2, 10) == Approx(1.0));
  CHECK(ndcg_at({}, 0, 10) == Approx(1.0));
}

TEST_CASE("a relevance test file: cases, defaults, and problems with their lines", "[relevance]") {
  testing::TempDir dir;
  const auto file = dir.path() / "tests.yml";
  testing::write_file(file,
                      "top: 3\n"
                      "tests:\n"
                      "  - query: sourdough\n"
                      "    expect: /a/\n"
                      "  - query: rust\n"
                      "    top: 5\n"
                      "    filters: {tag: [rust, cpp], lang: en}\n"
                      "    expect: [x, y]\n"
                      "    must_not: z\n"
                      "  - expect: /no-query/\n"
                      "  - query: q\n"
                      "    expected: /typo/\n"
                      "  - query: q\n"
                      "    filters: {page: 2}\n"
                      "    expect: /x/\n"
                      "  - query: stub\n"
                      "    expect: []\n");
  const RelevanceSuite s = read_relevance_tests(file);
  REQUIRE(s.cases.size() == 2);
  CHECK(s.cases[0].top == 3);
  CHECK(s.cases[0].expect == std::vector<std::string>{"/a/"});
  CHECK(s.cases[1].top == 5);
  CHECK(s.cases[1].request.values(schema::Filter::kTag) == std::vector<std::string>{"rust", "cpp"});
  CHECK(s.cases[1].request.langs() == std::vector<std::string>{"en"});
  CHECK(s.cases[1].request.q == "rust");
  CHECK(s.cases[1].must_not == std::vector<std::string>{"z"});
  REQUIRE(s.problems.size() == 4);
  CHECK(s.problems[0].line == 10);
  CHECK(s.problems[0].field == "query");
  CHECK(s.problems[1].line == 12);
  CHECK(s.problems[1].field == "expected");
  CHECK(s.problems[2].field == "filters.page");
  CHECK(s.problems[3].severity == Severity::kWarning);
  CHECK(s.problems[3].line == 16);
}

TEST_CASE("the stubs a report writes are a test file that reads back", "[relevance]") {
  testing::TempDir dir;
  const auto file = dir.path() / "stubs.yml";
  testing::write_file(file, relevance_tests_yaml({{"rust \"async\"", "en", "no results"},
                                                  {"tatra: hiking", "", "top\nquery"}}));
  const RelevanceSuite s = read_relevance_tests(file);
  CHECK(s.cases.empty());
  REQUIRE(s.problems.size() == 2);
  CHECK(s.problems[0].severity == Severity::kWarning);
  CHECK_FALSE(has_error(s.problems));
}

}  // namespace
}  // namespace postsearch
