#include "query/analytics/store.h"

#include <sqlite3.h>

#include <ctime>
#include <stdexcept>

namespace postsearch::analytics {
namespace {

constexpr int kStoreVersion = 1;
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"(
CREATE TABLE IF NOT EXISTS searches(
  day INTEGER NOT NULL,
  query TEXT NOT NULL,
  langs TEXT NOT NULL,
  filters TEXT NOT NULL,
  count INTEGER NOT NULL,
  zero INTEGER NOT NULL,
  partial INTEGER NOT NULL,
  corrected INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  PRIMARY KEY (day, query, langs, filters)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS opens(
  day INTEGER NOT NULL,
  query TEXT NOT NULL,
  rank INTEGER NOT NULL,
  post TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (day, query, rank, post)) WITHOUT ROWID;
)";

// Every (query, languages, filters) of days ?1 to ?2, most searched first.
constexpr const char* kQueriesOfPeriod = R"(
WITH totals AS (
  SELECT query, langs, filters, sum(count) AS count, sum(zero) AS zero,
         sum(partial) AS partial, sum(corrected) AS corrected, count(*) AS days,
         max(day) AS last
  FROM searches WHERE day BETWEEN ?1 AND ?2 GROUP BY query, langs, filters),
opened AS (
  SELECT query, sum(count) AS opens FROM opens WHERE day BETWEEN ?1 AND ?2 GROUP BY query)
SELECT t.query, t.langs, t.filters, t.count, t.zero, t.partial, t.corrected, s.hits, t.days,
       coalesce(o.opens, 0)
FROM totals t
JOIN searches s ON s.day = t.last AND s.query = t.query AND s.langs = t.langs
                AND s.filters = t.filters
LEFT JOIN opened o ON o.query = t.query
ORDER BY t.count DESC, t.query
)";

// One prepared statement, finalised when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const std::filesystem::path& file) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw std::runtime_error(file.string() + ": " + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, long long v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // True while there is a row; throws on an error.
  bool step(const std::filesystem::path& file) {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(file.string() + ": " + sqlite3_errmsg(db_));
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  [[nodiscard]] long long integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  [[nodiscard]] std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// The rows of one table per day, each day read once per batch: whether a new row fits.
class DayRows {
 public:
  DayRows(sqlite3* db, const char* count_sql, std::size_t limit, const std::filesystem::path& file)
      : db_(db), sql_(count_sql), limit_(static_cast<long long>(limit)), file_(file) {}
  // True, and the row counted, when `day` has room for one more.
  bool take(Day day) {
    auto it = rows_.find(day);
    if (it == rows_.end()) {
      Statement s(db_, sql_, file_);
      s.bind(1, day).step(file_);
      it = rows_.emplace(day, s.integer(0)).first;
    }
    if (it->second >= limit_) return false;
    ++it->second;
    return true;
  }

 private:
  sqlite3* db_;
  const char* sql_;
  long long limit_;
  const std::filesystem::path& file_;
  std::map<Day, long long> rows_;
};

}  // namespace

std::filesystem::path store_path(const std::filesystem::path& index_dir,
                                 const std::filesystem::path& state_dir) {
  return (state_dir.empty() ? index_dir : state_dir) / kStoreFileName;
}

Day today() { return static_cast<Day>(std::time(nullptr) / 86400); }

std::string day_text(Day day) {
  const std::time_t t = static_cast<std::time_t>(day) * 86400;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

Store::Store(const std::filesystem::path& file, StoreOptions options)
    : file_(file), options_(options) {
  if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw std::runtime_error(file.string() + ": cannot open the analytics store: " + why);
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  try {
    long long version = 0;
    {  // finalised before the journal mode changes: an open statement is a transaction
      Statement v(db_, "PRAGMA user_version", file_);
      v.step(file_);
      version = v.integer(0);
    }
    if (version != 0 && version != kStoreVersion)
      throw std::runtime_error(file.string() + ": analytics store version " +
                               std::to_string(version) + ", this service reads " +
                               std::to_string(kStoreVersion) + "; move the file away");
    exec("PRAGMA journal_mode=WAL");
    // With WAL, NORMAL never corrupts the file; a power cut may lose the last write.
    exec("PRAGMA synchronous=NORMAL");
    exec(kSchema);
    exec(("PRAGMA user_version=" + std::to_string(kStoreVersion)).c_str());
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

Store::~Store() { sqlite3_close(db_); }

void Store::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string why = error != nullptr ? error : "error";
    sqlite3_free(error);
    throw std::runtime_error(file_.string() + ": " + why);
  }
}

std::size_t Store::add(const Batch& batch, Day now) {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::size_t left_out = 0;
  exec("BEGIN IMMEDIATE");
  try {
    Statement update(db_,
                     "UPDATE searches SET count = count + ?, zero = zero + ?, partial = partial + "
                     "?, corrected = corrected + ?, hits = ? WHERE day = ? AND query = ? AND "
                     "langs = ? AND filters = ?",
                     file_);
    Statement insert(db_, "INSERT INTO searches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", file_);
    DayRows search_rows(db_, "SELECT count(*) FROM searches WHERE day = ?",
                        options_.max_queries_per_day, file_);
    for (const auto& [k, c] : batch.searches) {
      update.bind(1, c.count).bind(2, c.zero).bind(3, c.partial).bind(4, c.corrected);
      update.bind(5, c.hits).bind(6, k.day).bind(7, k.query).bind(8, k.langs).bind(9, k.filters);
      update.step(file_);
      update.reset();
      if (sqlite3_changes(db_) > 0) continue;
      if (!search_rows.take(k.day)) {
        ++left_out;
        continue;
      }
      insert.bind(1, k.day).bind(2, k.query).bind(3, k.langs).bind(4, k.filters);
      insert.bind(5, c.count).bind(6, c.zero).bind(7, c.partial).bind(8, c.corrected);
      insert.bind(9, c.hits).step(file_);
      insert.reset();
    }
    Statement opened(db_,
                     "UPDATE opens SET count = count + ? WHERE day = ? AND query = ? AND rank = ? "
                     "AND post = ?",
                     file_);
    Statement insert_open(db_, "INSERT INTO opens VALUES (?, ?, ?, ?, ?)", file_);
    DayRows open_rows(db_, "SELECT count(*) FROM opens WHERE day = ?", options_.max_queries_per_day,
                      file_);
    for (const auto& [k, n] : batch.opens) {
      opened.bind(1, n).bind(2, k.day).bind(3, k.query).bind(4, k.rank).bind(5, k.post);
      opened.step(file_);
      opened.reset();
      if (sqlite3_changes(db_) > 0) continue;
      if (!open_rows.take(k.day)) {
        ++left_out;
        continue;
      }
      insert_open.bind(1, k.day).bind(2, k.query).bind(3, k.rank).bind(4, k.post).bind(5, n);
      insert_open.step(file_);
      insert_open.reset();
    }
    prune(now);
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  return left_out;
}

void Store::prune(Day now) {
  const Day oldest = now - options_.retention_days + 1;
  for (const char* sql :
       {"DELETE FROM searches WHERE day < ?", "DELETE FROM opens WHERE day < ?"}) {
    Statement s(db_, sql, file_);
    s.bind(1, oldest).step(file_);
  }
}

QueryList Store::queries(Period period, int k) {
  const std::lock_guard<std::mutex> lock(mutex_);
  // The latest day's hit count stands for the period (posts are added and removed): each
  // group's last day is looked up by the primary key, and opens are summed once per query.
  Statement s(db_, kQueriesOfPeriod, file_);
  s.bind(1, period.first).bind(2, period.last);
  QueryList out;
  while (s.step(file_)) {
    QueryTotals q;
    q.query = s.text(0);
    q.langs = s.text(1);
    q.filters = s.text(2);
    q.counts = {s.integer(3), s.integer(4), s.integer(5), s.integer(6), s.integer(7)};
    q.days = static_cast<int>(s.integer(8));
    q.opens = s.integer(9);
    out.searches += q.counts.count;
    if (q.days < k && q.counts.count < k) {
      ++out.hidden;
      continue;
    }
    out.shown.push_back(std::move(q));
  }
  return out;
}

std::map<int, long long> Store::opens_by_rank(Period period) {
  const std::lock_guard<std::mutex> lock(mutex_);
  Statement s(db_,
              "SELECT rank, sum(count) FROM opens WHERE day BETWEEN ? AND ? GROUP BY rank ORDER "
              "BY rank",
              file_);
  s.bind(1, period.first).bind(2, period.last);
  std::map<int, long long> out;
  while (s.step(file_)) out[static_cast<int>(s.integer(0))] = s.integer(1);
  return out;
}

}  // namespace postsearch::analytics
