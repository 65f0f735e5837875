// A site's own relevance tests (`query test FILE`): a YAML file of queries, each with the
// posts (URL or id) expected among its first N results, optional filters as the search API
// names them, and posts that must not be there. Reading the file reports each bad case with
// its line and carries on; running the cases searches the index as a reader's search box
// does and scores the whole file with nDCG@10, so a site can keep its search good in CI.
// The file's format is in docs/relevance-tests.md. Not thread-safe (one Searcher).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "query/search_types.h"

namespace postsearch {

class Searcher;

inline constexpr int kDefaultRelevanceTop = 10;
inline constexpr int kNdcgDepth = 10;

struct RelevanceCase {
  int line = 0;                       // of the case in its file, 1-based
  SearchRequest request;              // q and the case's filters
  std::vector<std::string> filters;   // "tag=rust", as the file gives them, for messages
  std::vector<std::string> expect;    // URLs or ids, each wanted in the first `top`
  std::vector<std::string> must_not;  // URLs or ids, each unwanted in the first `top`
  int top = kDefaultRelevanceTop;     // 1 to kMaxPerPage
};

struct RelevanceSuite {
  std::vector<RelevanceCase> cases;
  Diagnostics problems;  // cases left out, each with the file's path and line
};

// Reads FILE: either a list of cases or a mapping with `tests:` (the list) and an optional
// `top:` (the default for its cases). Each case: `query` (required), `expect` and
// `must_not` (a string or a list), `top`, `filters` (a mapping of API parameters to a value
// or a list). A case with a problem is left out with a diagnostic. Throws
// std::runtime_error when the file cannot be read or is not YAML.
[[nodiscard]] RelevanceSuite read_relevance_tests(const std::filesystem::path& file);

// One result as a failure shows it.
struct ResultLine {
  int rank = 0;
  std::string url;
  std::string title;
};

struct CaseOutcome {
  const RelevanceCase* test = nullptr;  // points into the suite that was run
  std::vector<std::string> failures;    // one sentence each; empty: passed
  std::vector<ResultLine> got;          // the first `top` results
  double ndcg = 0;                      // nDCG@10 of the expected posts; 1 without any
  bool scored = false;                  // the case expects something (counts in the mean)
};

struct SuiteOutcome {
  std::vector<CaseOutcome> cases;
  double ndcg = 0;  // mean nDCG@10 over the scored cases; 0 when none
  std::size_t failed = 0;
};

// nDCG@`depth` with binary relevance: `ranks` are the 1-based ranks at which relevant posts
// were found (those beyond `depth` do not count), `relevant` how many there are in all.
// 1 when `relevant` is 0.
[[nodiscard]] double ndcg_at(const std::vector<int>& ranks, std::size_t relevant, int depth);

// Runs each case of `suite` through `searcher`. An expected post missing from the first
// `top` is looked for further (its rank, or that no post has that URL or id).
[[nodiscard]] SuiteOutcome run_relevance_tests(Searcher& searcher, const RelevanceSuite& suite);

// Plain text: one line per case ("ok" or "FAIL" with what came instead), then the summary.
[[nodiscard]] std::string relevance_text(const SuiteOutcome& outcome);
[[nodiscard]] nlohmann::json to_json(const SuiteOutcome& outcome);

// A starting test file for the owner to fill in: one case per query, with `expect` empty
// and a comment each (why the query was chosen). Each query is {text, lang, comment}.
struct TestStub {
  std::string query;
  std::string lang;     // empty: none
  std::string comment;  // one line
};
[[nodiscard]] std::string relevance_tests_yaml(const std::vector<TestStub>& stubs);

}  // namespace postsearch
