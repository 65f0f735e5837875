// Where search analytics are kept: one SQLite file (analytics.sqlite) of per-day counts by
// normalised query, and of which result ranks readers opened. It holds no address, cookie,
// user agent, time of day or per-request row: a row is (day, query, languages, filters) and
// its counts. Its size is bounded (distinct queries per day) and old days are deleted.
// The tables are described in docs/analytics.md.
//
// Threads: one object may be used from several threads (an internal mutex). Several
// processes may open the same file (SQLite's WAL): the service writes, `query report`
// reads. Errors: opening or writing a file that is not a store, or cannot be written,
// throws std::runtime_error naming the file.
#pragma once

#include <compare>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

struct sqlite3;

namespace postsearch::analytics {

// The store's file name in the service's state directory (the index directory by default).
inline constexpr const char* kStoreFileName = "analytics.sqlite";

// Where the store of an index lives: state_dir/analytics.sqlite, or the index directory's
// when state_dir is empty. `query serve` writes there and `query report` reads there.
[[nodiscard]] std::filesystem::path store_path(const std::filesystem::path& index_dir,
                                               const std::filesystem::path& state_dir);

// Days since 1970-01-01 (UTC).
using Day = int;
[[nodiscard]] Day today();
// "2026-12-02"
[[nodiscard]] std::string day_text(Day day);

struct SearchKey {
  Day day = 0;
  std::string query;    // normalise_query()
  std::string langs;    // langs_key()
  std::string filters;  // filters_key()
  auto operator<=>(const SearchKey&) const = default;
};

struct SearchCounts {
  long long count = 0;      // searches
  long long zero = 0;       // of them with no result
  long long partial = 0;    // with results, but no post had every word (relaxed)
  long long corrected = 0;  // answered for a corrected spelling
  long long hits = 0;       // results of the latest search counted
};

struct OpenKey {
  Day day = 0;
  std::string query;  // normalise_query()
  int rank = 0;       // 1-based
  std::string post;   // the post's id
  auto operator<=>(const OpenKey&) const = default;
};

// What the service counted since it last wrote to the store.
struct Batch {
  std::map<SearchKey, SearchCounts> searches;
  std::map<OpenKey, long long> opens;
  [[nodiscard]] bool empty() const { return searches.empty() && opens.empty(); }
};

struct StoreOptions {
  int retention_days = 90;                  // days kept, today included
  std::size_t max_queries_per_day = 10000;  // distinct search rows (and open rows) per day
};

// A query's counts over a period (one row per query, languages and filters).
struct QueryTotals {
  std::string query;
  std::string langs;
  std::string filters;
  SearchCounts counts;  // summed; hits: the latest day's
  int days = 0;         // days it was searched on
  long long opens = 0;  // results of it opened
};

struct QueryList {
  std::vector<QueryTotals> shown;  // those that reach the threshold
  std::size_t hidden = 0;          // those below it
  long long searches = 0;          // every search of the period, hidden ones included
};

struct Period {
  Day first = 0;  // inclusive
  Day last = 0;   // inclusive
};

class Store {
 public:
  // Opens or creates the store at `file` (its folder must exist).
  Store(const std::filesystem::path& file, StoreOptions options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Adds the batch's counts in one transaction. A query new on a day that already has
  // max_queries_per_day rows is not kept; returns how many such rows were left out. Then
  // deletes the days older than retention_days before `now`.
  std::size_t add(const Batch& batch, Day now);

  // Each (query, languages, filters) of the period seen on at least `k` days or in at
  // least `k` searches, most searched first.
  [[nodiscard]] QueryList queries(Period period, int k);
  // Opened results by rank over the period (the opens of every query).
  [[nodiscard]] std::map<int, long long> opens_by_rank(Period period);
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

 private:
  void exec(const char* sql);
  void prune(Day now);
  std::filesystem::path file_;
  StoreOptions options_;
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

}  // namespace postsearch::analytics
