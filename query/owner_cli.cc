#include "query/owner_cli.h"

#include <xapian.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <ostream>

#include "common/option_table.h"
#include "query/analytics/report.h"
#include "query/json_io.h"
#include "query/relevance_tests.h"
#include "query/searcher.h"

namespace postsearch {
namespace {

constexpr const char* kTestFormat = R"(
The file (docs/relevance-tests.md):
  top: 5                       # optional: the default N of each test (10)
  tests:
    - query: sourdough
      expect: /kitchen/2019/11/30/sourdough-for-programmers/   # URL or id; or a list
    - query: rust
      top: 3
      filters: {tag: rust, lang: en}   # as /api/search names them; a value or a list
      expect: [2020-01-14-a-gentle-introduction-to-rust-ownership]
      must_not: /2020/02/29/leap-day-release-notes/
)";

struct TestFlags {
  std::string file;
  std::string index;
  bool json = false;
};

struct ReportFlags {
  std::string index;
  std::string state_dir;
  analytics::ReportOptions report;
  bool json = false;
  bool as_tests = false;
};

}  // namespace

int run_report_cli(const std::vector<std::string>& args, CliStreams io) {
  ReportFlags f;
  CLI::App app{
      "What readers searched for and did not find, from the counts `query serve` keeps "
      "(docs/analytics.md): top queries, no results, corrected, no post with every word, "
      "never opened, opens by rank; a proposed fix for each problem query, from the index.",
      "query report"};
  options::add_version_flag(app, "query report");
  app.add_option("--index", f.index, "Index directory (built by indexer)")->required();
  app.add_option("--state-dir", f.state_dir,
                 "Where query serve keeps analytics.sqlite (default: the index directory)");
  app.add_option("--days", f.report.days, "The period: this many days up to today")
      ->check(CLI::Range(1, 3660))
      ->capture_default_str();
  app.add_option("--min-count", f.report.k,
                 "Show a query once seen on this many days or in this many searches")
      ->check(CLI::Range(analytics::kLeastMinCount, 1000000))
      ->capture_default_str();
  app.add_option("--limit", f.report.limit, "Queries per list")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_flag("--json", f.json, "Print the report as JSON (what /api/stats answers)");
  app.add_flag("--as-tests", f.as_tests,
               "Print the worst queries as a starting file for query test, to fill in");
  try {
    app.parse(std::vector<std::string>(args.rbegin(), args.rend()));
  } catch (const CLI::ParseError& e) {
    return app.exit(e, io.out, io.err) == 0 ? 0 : 2;
  }
  try {
    const std::filesystem::path file = analytics::store_path(f.index, f.state_dir);
    if (!std::filesystem::exists(file)) {
      io.err << "query report: " << file.string()
             << ": no analytics yet (query serve keeps them there; see --state-dir)\n";
      return 2;
    }
    analytics::Store store(file, {});
    Searcher searcher(std::filesystem::path(f.index));
    const analytics::Report report =
        analytics::build_report(store, &searcher, f.report, analytics::today());
    if (f.as_tests) {
      io.out << relevance_tests_yaml(analytics::test_stubs(report, f.report.limit));
    } else if (f.json) {
      io.out << dump_json(analytics::to_json(report), 2) << "\n";
    } else {
      io.out << analytics::report_text(report);
    }
    return 0;
  } catch (const Xapian::Error& e) {
    io.err << "query report: " << e.get_description() << "\n";
  } catch (const std::exception& e) {
    io.err << "query report: " << e.what() << "\n";
  }
  return 2;
}

int run_test_cli(const std::vector<std::string>& args, CliStreams io) {
  TestFlags f;
  CLI::App app{
      "Runs a site's relevance tests: each query's expected posts must come in its first N "
      "results. Prints each failure with what came instead and nDCG@10 over the file. Exit "
      "status: 0 when all pass, 1 on any failure, 2 on errors.",
      "query test"};
  options::add_version_flag(app, "query test");
  app.add_option("FILE", f.file, "YAML file of tests")->required();
  app.add_option("--index", f.index, "Index directory (built by indexer)")->required();
  app.add_flag("--json", f.json, "Print the outcome as JSON");
  app.footer(kTestFormat);
  try {
    app.parse(std::vector<std::string>(args.rbegin(), args.rend()));
  } catch (const CLI::ParseError& e) {
    return app.exit(e, io.out, io.err) == 0 ? 0 : 2;
  }
  try {
    const RelevanceSuite suite = read_relevance_tests(f.file);
    for (const auto& p : suite.problems) io.err << "query test: " << p.to_string() << "\n";
    Searcher searcher(std::filesystem::path(f.index));
    const SuiteOutcome outcome = run_relevance_tests(searcher, suite);
    if (f.json) {
      io.out << dump_json(to_json(outcome), 2) << "\n";
    } else {
      io.out << relevance_text(outcome);
    }
    if (has_error(suite.problems)) return 2;
    return outcome.failed > 0 ? 1 : 0;
  } catch (const Xapian::Error& e) {
    io.err << "query test: " << e.get_description() << "\n";
  } catch (const std::exception& e) {
    io.err << "query test: " << e.what() << "\n";
  }
  return 2;
}

}  // namespace postsearch
