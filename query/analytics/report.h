// What readers searched for and did not find, from a Store over a period: top queries,
// queries with no result, answered for a corrected spelling, where no post had every word,
// whose results were never opened, and opened results by rank. Each problem query gets a
// proposed fix computed from the index (a close spelling it has, a post that matches with
// one word dropped, perhaps with a longer form of that word for a synonym group, or that no
// post covers it). Only queries at or over the k threshold appear. `query report` prints
// it; /api/stats answers its JSON.
//
// Threads: building a report uses the caller's Searcher (not thread-safe) and the store
// (thread-safe); the functions that print it are pure.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "query/analytics/store.h"
#include "query/relevance_tests.h"

namespace postsearch {
class Searcher;
}

namespace postsearch::analytics {

inline constexpr int kDefaultMinCount = 3;  // the k threshold
inline constexpr int kLeastMinCount = 2;    // no report shows a query seen once
inline constexpr int kDefaultReportDays = 30;

struct ReportOptions {
  int days = kDefaultReportDays;  // the period: this many days up to today, included
  int k = kDefaultMinCount;       // a query is shown once seen on k days or in k searches
  std::size_t limit = 20;         // queries per list
};

struct Fix {
  // "spelling": the index has a close spelling; "synonym": a post matches with one word
  // dropped and has a longer form of it ("mtn", "mountains"); "dropped_word": a post
  // matches with one word dropped; "uncovered": no post covers it; "review": results
  // shown, none opened.
  std::string kind;
  std::string text;  // the proposal in words
  std::string url;   // the post it names, or empty
};

struct ProblemQuery {
  QueryTotals totals;
  Fix fix;
};

struct Report {
  Period period;
  int k = kDefaultMinCount;
  QueryList queries;  // every query shown, most searched first
  std::vector<QueryTotals> top;
  std::vector<ProblemQuery> zero_result;
  std::vector<ProblemQuery> corrected;
  std::vector<ProblemQuery> partial;
  std::vector<ProblemQuery> never_opened;  // empty when nothing at all was opened
  std::map<int, long long> opens_by_rank;
};

// Reads the period from `store`; `searcher` (may be null: no fixes) proposes the fixes.
[[nodiscard]] Report build_report(Store& store, Searcher* searcher, const ReportOptions& options,
                                  Day today);

[[nodiscard]] std::string report_text(const Report& report);
[[nodiscard]] nlohmann::json to_json(const Report& report);

// The problem queries, worst first (no result, no post with every word, corrected, never
// opened), then the top ones, each once: a starting file of relevance tests.
[[nodiscard]] std::vector<TestStub> test_stubs(const Report& report, std::size_t limit);

// The fix proposed for one query, computed from the index.
[[nodiscard]] Fix propose_fix(Searcher& searcher, const QueryTotals& query);

}  // namespace postsearch::analytics
