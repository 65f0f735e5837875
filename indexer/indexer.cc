#include "indexer/indexer.h"

#include <xapian.h>

#include <algorithm>
#include <set>

#include "common/document.h"
#include "common/schema.h"
#include "indexer/incremental.h"
#include "indexer/rebuild.h"
#include "indexer/remote_shards.h"
#include "indexer/run_context.h"

namespace postsearch {
namespace {

std::uint64_t directory_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

// Warns of each post written in this run whose URL another post of the index has.
void report_duplicate_urls(const RunContext& run, const Xapian::Database& db) {
  constexpr std::size_t kOthersRead = 3;  // a thousand posts at one URL cost 3 reads each
  std::set<std::pair<std::string, std::string>> reported;
  for (std::size_t i = 0; i < run.parsed.size(); ++i) {
    const Parsed& p = run.parsed[i];
    if (p.status != ReadStatus::kIndexed || p.url.empty()) continue;
    const std::string term = schema::filter_term(schema::Filter::kUrl, p.url);
    const Xapian::doccount sharing = db.get_termfreq(term);
    if (sharing < 2) continue;
    const std::string& rel = run.sources[i].file.rel;
    std::size_t read = 0;
    for (auto it = db.postlist_begin(term); it != db.postlist_end(term) && read < kOthersRead;
         ++it, ++read) {
      const StoredPost other = decode_stored(db.get_document(*it).get_data());
      if (other.id == rel || other.url != p.url) continue;  // itself, or a former URL (alias)
      if (!reported.insert(std::minmax(rel, other.id)).second) continue;
      run.diagnose({Severity::kWarning, rel, p.url_origin.line, 0, p.url_origin.field,
                    "URL " + p.url + " is also the URL of " + other.id +
                        (sharing > 2 ? " (and " + std::to_string(sharing - 2) + " more)" : "") +
                        ": the generator writes one page for both, and search lists both"});
    }
  }
}

// Reads the live local index's recorded state; false when a rebuild is needed (no index
// yet, --rebuild, another shard count or other settings, posts recorded outside their shard).
bool load_local_state(RunContext& run) {
  const auto live = run.layout.live_generation();
  const std::vector<fs::path> dbs = run.layout.live_shards();
  const auto live_shards = static_cast<unsigned>(dbs.size());
  const unsigned wanted = run.options.shards;
  run.shards = wanted > 0 ? wanted : std::max(1U, live ? live_shards : 1U);
  if (!live || run.options.rebuild || live_shards != run.shards) return false;
  const Xapian::Database first(dbs.front().string());
  if (!run.settings_match(first)) return false;
  for (unsigned k = 0; k < dbs.size(); ++k)
    run.read_shard_state(k == 0 ? first : Xapian::Database(dbs[k].string()), k);
  return !run.need_rebuild;
}

void run_local(RunContext& run) {
  std::optional<ChangeSet> changes;
  const bool incremental = load_local_state(run);
  run.phase("read the recorded state");
  if (incremental) changes = plan_incremental(run);
  // Nothing changed: no writer is opened, nothing is committed or published.
  if (changes && !changes->empty() && !run.options.dry_run) write_local_changes(run, *changes);
  if (!changes) {
    run.reset_for_rebuild();
    rebuild_local(run);
  }
}

// The summary's description of the index after the run.
void describe_index(RunContext& run) {
  IndexSummary& summary = run.summary;
  summary.failed += run.listing_failures.size();
  summary.failed_files.insert(summary.failed_files.end(), run.listing_failures.begin(),
                              run.listing_failures.end());
  run.done = run.sources.size();
  run.report_progress();
  if (!run.remote.empty()) {
    summary.remote = true;
    summary.shards = run.shards;
  } else if (const auto live = run.layout.live_generation()) {
    summary.generation = live->filename().string();
    summary.index_bytes = directory_bytes(*live);
    const Xapian::Database db(run.options.index_dir.string());
    summary.documents = db.get_doccount();
    count_types(db, summary.documents_by_type);
    if (!run.options.dry_run) report_duplicate_urls(run, db);
    summary.shards = run.layout.live_shards().size();
  }
  run.phase("describe the index");
  summary.seconds = std::chrono::duration<double>(Clock::now() - run.start).count();
}

}  // namespace

std::size_t IndexSummary::skipped_total() const {
  std::size_t n = 0;
  for (const auto& [reason, count] : skipped) n += count;
  return n;
}

std::size_t IndexSummary::listing_pages_skipped() const {
  std::size_t n = 0;
  for (const auto& [reason, count] : skipped) {
    if (reason.rfind("listing page", 0) == 0) n += count;
  }
  return n;
}

IndexSummary run_indexer(const IndexerOptions& options) {
  std::optional<WriterLock> lock;
  if (!options.dry_run) lock.emplace(options.index_dir);
  RunContext run(options);
  run.list();
  run.phase("list the sources");
  if (resolve_remote(run)) {
    run_remote(run);
  } else {
    run_local(run);
  }
  describe_index(run);
  return std::move(run.summary);
}

}  // namespace postsearch
