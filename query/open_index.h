// The index a searcher has open, and what is read once per revision: the database (one,
// local shards, or remote ones), which published generation and commit it is, its
// languages, where the site is published, and whether any post is pinned or translated.
// Knows when the files under it were replaced (a new stub, a live directory made anew) and
// opens them afresh rather than reopening the old ones. Given several sites
// (OpenOptions::sites, query/federation.h), it opens each site's index as one of its own and
// searches the database made of theirs; a refresh reopens only the sites that changed.
//
// Threads: one per searcher, as its Xapian::Database is. Errors: open() and refresh() throw
// std::runtime_error when there is no index or it has another schema version, and Xapian's
// errors when the database cannot be read.
#pragma once

#include <xapian.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/index_layout.h"
#include "query/federation.h"
#include "query/search_types.h"

namespace postsearch {

class RevisionMemos;

struct IndexInfo {
  std::size_t documents = 0;
  int schema_version = 0;
  std::string generation;  // "gen-000003"
  std::string revision;    // generation + ":" + Xapian revision: changes on every commit
  std::string default_lang;
  std::vector<std::string> langs;  // the languages of its posts
  std::string fallback_lang;       // searched for a language it has no posts or stemmer for
  SiteLink site;                   // where the site is published
  long long indexed_at = 0;        // seconds since the epoch of the last indexer run
};

// What Searcher::warm() did.
struct WarmReport {
  std::size_t bitmaps = 0;  // posting bitmaps of common terms read
  std::size_t posts = 0;    // posts decoded and kept
  bool complete = false;    // false: stopped, or the index changed under it
};

// The languages of the open revision, and how a request's languages map onto them.
struct IndexLanguages {
  std::string default_lang;        // "en" when the index names none
  std::string fallback_lang;       // for a language it has no posts or stemmer for; or empty
  std::vector<std::string> langs;  // of its posts, sorted

  // The index's languages for languages a reader asks for: as spelt ("de"), without the
  // region the index lacks ("pt-BR" -> "pt"), else the fallback language, else as asked
  // (which matches nothing). "*" among them: every language (an empty list).
  [[nodiscard]] std::vector<std::string> resolve(const std::vector<std::string>& asked) const;
  // The reader's language of a request whose langs are resolved: `lang` when given, else
  // the one language filtered on, else the default.
  [[nodiscard]] std::string reader(const SearchRequest& request) const;
  // The language whose stemmer searches `reader`: itself when it has one (or CJK n-grams),
  // else the fallback.
  [[nodiscard]] std::string searched_as(const std::string& reader) const;
};

class OpenIndex {
 public:
  // Opens `index_dir`; see the header comment for what throws.
  OpenIndex(std::filesystem::path index_dir, OpenOptions options);

  // Opens the index from scratch (a remote shard's connection died, the files changed).
  void open();
  // Sees the newest published index: reopen() for a new commit, open() for new files or a
  // shard left out before. Says which it did.
  enum class Refreshed { kSame, kReopened, kOpened };
  Refreshed refresh();

  // Fills `memos` for the open revision: the facet table, the posting bitmaps of common terms and
  // the posts, newest first, while they fit. Returns early when `stop` is set or a commit lands.
  WarmReport warm(RevisionMemos& memos, const std::atomic<bool>& stop);
  [[nodiscard]] IndexInfo info() const;

  [[nodiscard]] const Xapian::Database& db() const { return db_; }
  [[nodiscard]] bool remote() const { return remote_; }
  // Milliseconds a remote shard has to answer each request (OpenOptions::remote_timeout_ms).
  [[nodiscard]] unsigned remote_timeout_ms() const { return options_.remote_timeout_ms; }
  [[nodiscard]] bool pinned() const { return pinned_; }
  [[nodiscard]] bool grouped() const { return grouped_; }
  // Remote shards left out of the open index (OpenOptions::partial).
  [[nodiscard]] const std::vector<std::string>& missing() const { return missing_; }
  // Names this exact index state: generation, commit and database UUID.
  [[nodiscard]] const std::string& revision() const { return revision_; }
  [[nodiscard]] const IndexLanguages& languages() const { return languages_; }
  [[nodiscard]] const SiteLink& site() const { return site_; }

  // Several sites searched as one (OpenOptions::sites): which site each document is of.
  [[nodiscard]] bool federated() const { return !sites_.empty(); }
  [[nodiscard]] const SiteLayout& layout() const { return layout_; }
  // The database made of the sites `chosen` (SiteLayout indexes, ascending) alone.
  [[nodiscard]] Xapian::Database database_of(const std::vector<std::size_t>& chosen) const;
  // Each site's own database, in layout order.
  [[nodiscard]] std::vector<Xapian::Database> site_databases() const;

 private:
  [[nodiscard]] std::string revision_key() const;
  void note_revision();  // reads what is kept per revision
  void open_sites();     // each site's index, then combine()
  void combine();        // db_ and the layout from the sites' open databases
  Refreshed refresh_sites();

  std::filesystem::path index_dir_;
  OpenOptions options_;
  std::string identity_;    // stub contents and the live generation directory's inode
  std::string generation_;  // the live generation's name, read from the stub at open()
  std::string revision_;
  bool pinned_ = false;   // some post carries a boost value (schema::kSlotBoost)
  bool grouped_ = false;  // some post is in a translation group (schema::kSlotTranslation)
  bool remote_ = false;   // some shard is remote: serialisable Xapian classes only
  std::vector<std::string> missing_;
  Xapian::Database db_;
  IndexLanguages languages_;
  SiteLink site_;
  std::vector<std::unique_ptr<OpenIndex>> sites_;  // of a federation, in OpenOptions order
  SiteLayout layout_;
};

}  // namespace postsearch
