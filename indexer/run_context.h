// What one indexing run carries from stage to stage (indexer.h describes the run): the site
// and its sources as listed, what the index recorded about them, what parsing made of them,
// and the summary being built. The stages (incremental.h, rebuild.h, remote_shards.h) each
// take the RunContext; only the thread that called run_indexer() touches it, apart from
// `parsed` slots and `done`, which parse workers fill (each slot by one worker).
#pragma once

#include <xapian.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/index_layout.h"
#include "indexer/built_site.h"
#include "indexer/indexer.h"
#include "indexer/post_reader.h"
#include "indexer/recorded_state.h"
#include "indexer/synonyms.h"

namespace postsearch {

using Clock = std::chrono::steady_clock;

// A listed source and what stat() said of it.
struct Source {
  SourceFile file;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
};

// Whether `s` is the file `recorded` describes without reading it: same size, mtime and
// inode (the inode compared only when the record has one).
[[nodiscard]] bool same_file(const FileState& recorded, const Source& s);

// One parsed source: the outcome of read_post without the post itself once written.
struct Parsed {
  ReadStatus status = ReadStatus::kFailed;
  std::string skip_reason;
  Diagnostics diagnostics;
  std::uint64_t hash = 0;
  std::uint64_t bytes = 0;
  std::unique_ptr<Post> post;  // kept only until it is written (a pointer: most runs parse
                               // few of the sources they list)
  std::string url;             // the post's URL, kept after it is written
  UrlOrigin url_origin;        // the front-matter field that set it, if one did
};

// A run's changes: sources (indices into RunContext::sources) whose documents or recorded
// states are written, and recorded sources (rel) the site no longer has.
struct ChangeSet {
  std::vector<std::size_t> writes;
  std::vector<std::string> deleted;
  [[nodiscard]] bool empty() const { return writes.empty() && deleted.empty(); }
};

struct RunContext {
  explicit RunContext(const IndexerOptions& run_options);

  // Loads the site's configuration and synonyms and lists and stats its sources; throws
  // ConfigError when the configuration or the output folder cannot be read.
  void list();
  // Whether the index-wide settings recorded in `first` (shard 0) are this run's.
  [[nodiscard]] bool settings_match(const Xapian::Database& first) const;
  // Reads the recorded state of shard k's posts into old_state; a post recorded in another
  // shard than its own (shards listed in another order) sets need_rebuild.
  void read_shard_state(const Xapian::Database& db, unsigned k);
  void reset_for_rebuild();

  // Reads sources[i] and sets parsed[i]'s hash and bytes only; false when it cannot be
  // read. Parse workers call it at once, each for its own i.
  [[nodiscard]] bool hash(std::size_t i);
  // Checks the URLs of the posts parsed from `items` against the output folder when parsing
  // did not (load_output() not called): a page that exists is a stat(); the folder is read
  // only for a URL that is not a page. Call after parsing, from the calling thread.
  void check_urls(const std::vector<std::size_t>& items);
  // Parses sources[i] into parsed[i]; parse workers call it at once, each for its own i.
  void parse(std::size_t i);
  void account(const Parsed& p, bool existed);
  // Emits every parse diagnostic; lists the failed sources of this run in the summary.
  void emit_diagnostics();
  void diagnose(const Diagnostic& d) const;
  // Records in `db` (shard `shard`; not committed) the index-wide settings and its sources'
  // states: those of `items` (but failed ones) and those old_state has of its other sources
  // (but `deleted`, sorted). Callable from several threads at once, one per shard.
  void write_state(Xapian::WritableDatabase& db, const std::vector<std::size_t>& items,
                   const std::vector<std::string>& deleted, unsigned shard) const;
  // Deletes and writes the documents of `changes` that belong to shard `only` (all when
  // nullopt), with their recorded states.
  void apply(Xapian::WritableDatabase& db, const ChangeSet& changes, std::optional<unsigned> only);
  // Each shard changed by `changes`; shard 0 (the index-wide settings) always.
  [[nodiscard]] std::vector<bool> touched_shards(const ChangeSet& changes) const;
  // Sources routed to each shard.
  [[nodiscard]] std::vector<std::vector<std::size_t>> items_by_shard() const;
  [[nodiscard]] unsigned shard_of_source(std::size_t i) const;
  // Refuses (ConfigError) a rebuild that would drop the posts of folders the listing could
  // not see, when there is a published index to lose them from.
  void refuse_rebuild_with_unreadable_folders() const;
  [[nodiscard]] unsigned thread_count() const;
  [[nodiscard]] const std::string& options_hash() const;
  // Reads the generator's output (output_dir) before sources are parsed, so that parse()
  // checks each post's URL: a pass over every page, for rebuilds. Throws ConfigError when it
  // cannot be read.
  void load_output();
  // Ends the phase started at the previous call (or at the start): its name and seconds go
  // to the summary.
  void phase(const char* name);
  // Calls the progress callback with `done` so far.
  void report_progress() const;

  const IndexerOptions& options;
  IndexLayout layout;
  SiteConfig site;
  Synonyms synonyms;
  std::vector<Source> sources;                // sorted by rel
  std::vector<std::string> listing_failures;  // files and folders (with a '/') not listed
  SourceListing unseen;                       // the listing's unreadable folders only
  std::optional<fs::path> output_dir;         // the generator's output checked against
  RecordedStates old_state;
  bool need_rebuild = false;
  unsigned shards = 1;              // shard databases of the index this run writes
  std::vector<std::string> remote;  // HOST:PORT a shard when they are remote; else empty
  const std::string publish_id;
  // Index-aligned with sources once a source is hashed or parsed; empty when none is (a run
  // that finds nothing changed allocates none).
  std::vector<Parsed> parsed;
  std::vector<bool> changed;  // index-aligned with sources
  IndexSummary summary;
  const Clock::time_point start = Clock::now();
  std::atomic<std::size_t> done{0};

 private:
  void choose_output();
  // The states write_state() records for shard `shard`, sorted by rel.
  [[nodiscard]] std::vector<RecordedFile> shard_states(const std::vector<std::size_t>& items,
                                                       const std::vector<std::string>& deleted,
                                                       unsigned shard) const;

  Clock::time_point phase_start_ = Clock::now();
  mutable std::optional<std::string> options_hash_;
  std::optional<BuiltSite> built_;
};

// Unpublished work, dropped at once when a run fails (on a full disk it is what fills it):
// the partial databases' folder, and the generation unless it went live.
struct DropUnpublished {
  const IndexLayout& layout;
  fs::path parts;
  fs::path gen;
  ~DropUnpublished();
};

// Adds the number of documents of each type (post, page, a collection) in `db` to `counts`:
// the frequencies of the type terms, so no document is read.
void count_types(const Xapian::Database& db, std::map<std::string, std::size_t>& counts);

}  // namespace postsearch
