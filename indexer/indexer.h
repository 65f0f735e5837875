// The indexing run: from a site directory to a published index generation.
//
// A run lists the site's sources, compares them with the state recorded in the index
// (size, mtime, then a content hash), parses what changed on all cores, and writes it in
// one Xapian transaction, so that readers see the old index or the new one, never a mix.
// A first run, a change of schema or of indexing options, or a large change builds a new
// generation instead: one partial database per core, merged with Database::compact, then
// published by swapping the stub file (see common/index_layout.h).
//
// Remote shards (`xapian-tcpsrv --writable`) are written in place instead: each changed
// shard in one transaction, shard by shard (docs/SCALING.md says what readers may see).
//
// Errors: bad posts are diagnostics (the run goes on); configuration errors throw
// ConfigError; I/O and Xapian errors throw (a remote shard's, as RemoteShardError). One run per
// index at a time (WriterLock). Callbacks are called from the thread that called run_indexer().
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "indexer/site.h"

namespace postsearch {

struct IndexProgress {
  std::size_t done = 0;   // sources handled so far (parsed, or found unchanged)
  std::size_t total = 0;  // sources in this run
  double seconds = 0;     // since the run started
};

struct IndexerOptions {
  fs::path site_dir;
  fs::path index_dir;
  SiteOptions site;                    // drafts, posts only
  std::optional<Generator> generator;  // force jekyll, hugo or plain; default: detect
  // The TZ variable the generator builds with (Jekyll places dates in the machine's zone
  // when the site names none); empty: unset, the zone of /etc/localtime.
  std::optional<std::string> machine_tz;
  // The generator's output folder, to check each post's URL against (see url_check.h);
  // default: the site's _site (Jekyll) or public (Hugo) when not older than the sources.
  std::optional<fs::path> site_output;
  bool future = false;       // index posts dated in the future
  bool unpublished = false;  // index published: false posts too
  bool rebuild = false;      // ignore the recorded state: build a new generation
  bool dry_run = false;      // report what would change; write nothing
  // Where the site is published ("https://example.org/blog"), for links from the search
  // page, feeds and API; empty: from the site's configuration (url + baseurl, baseURL).
  std::string site_url;
  unsigned threads = 0;                  // 0: one per core
  std::optional<fs::path> synonyms;      // synonyms file; default: found in the site
  std::size_t incremental_limit = 5000;  // more changed files than this: build a new generation
  unsigned shards = 0;  // shard databases (posts routed by a hash of their id); 0: as the index
                        // has it (1 for a new index); a different count rebuilds
  // HOST:PORT of `xapian-tcpsrv --writable` servers, one a shard: the run writes to them,
  // each shard in one transaction, and the index directory's stub lists them. Empty: as the
  // stub has it (remote when it lists remote shards). Shards in another number or order
  // than their posts were routed for get every post sent again.
  std::vector<std::string> remote_shards;
  unsigned remote_timeout_ms = 300000;  // per request to a remote shard (connecting: 10 s)
  std::function<void(const IndexProgress&)> on_progress;  // every ~100 ms; may be empty
  std::function<void(const Diagnostic&)> on_diagnostic;   // each problem as found; may be empty
};

struct IndexSummary {
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t deleted = 0;
  std::size_t unchanged = 0;
  std::size_t failed = 0;
  std::map<std::string, std::size_t> skipped;  // reason -> count
  std::vector<std::string> failed_files;
  bool rebuilt = false;  // a new generation was built
  bool dry_run = false;
  double seconds = 0;
  std::uint64_t index_bytes = 0;
  std::uint64_t source_bytes = 0;  // bytes of the sources parsed in this run
  std::size_t documents = 0;       // documents (posts and pages) in the index after the run
  std::map<std::string, std::size_t> documents_by_type;  // "post", "page", ... -> documents
  std::string generator;
  std::string generation;          // directory name of the live generation
  std::size_t shards = 0;          // shard databases of the live index (1: not sharded)
  std::size_t shards_written = 0;  // sharded incremental run: shards copied and changed
  bool remote = false;             // the shards are remote (index_bytes unknown: 0)
  std::vector<std::pair<std::string, double>> phases;  // where the time went, in order

  [[nodiscard]] std::size_t skipped_total() const;
  // Skipped as generated listings (reasons starting "listing page"): archives, pagination,
  // pages that loop over posts, Hugo's list pages.
  [[nodiscard]] std::size_t listing_pages_skipped() const;
};

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A remote shard failed: "remote shard HOST:PORT: <Xapian's error>". Shards committed
// before it keep this run's changes; the next run redoes the rest.
class RemoteShardError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[nodiscard]] IndexSummary run_indexer(const IndexerOptions& options);

}  // namespace postsearch
