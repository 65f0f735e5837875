// The search core: one object per thread that answers searches, related posts,
// completions and post look-ups from an index directory. Knows nothing of HTTP or the
// terminal; both front ends call it and serialise its structs with json_io.h.
//
// Threads: not thread-safe. Each thread owns a Searcher (and so its Xapian::Database).
// Freshness: refresh() picks up a new commit (reopen) or a new generation (the stub file
// changed); the query methods retry once on DatabaseModifiedError.
// Errors: a missing or incompatible index throws std::runtime_error at open/refresh;
// invalid requests are reported by validate_request(); nothing a user types throws.
#pragma once

#include <xapian.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/diagnostic.h"
#include "common/index_layout.h"
#include "common/post.h"
#include "query/search_types.h"

namespace postsearch {

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

class QueryBuilder;
class FacetCounter;
class FacetTableCache;
struct ParsedQuery;
struct Matches;

// Checks a request's parameters; each problem names its parameter in `field`.
[[nodiscard]] Diagnostics validate_request(const SearchRequest& request);

class Searcher {
 public:
  // Opens INDEX_DIR; throws std::runtime_error (with a message that says what to do) when
  // there is no index or it has another schema version.
  // `facet_tables`: shared by the searchers of one service, so that facet counts read a
  // table decoded once per index revision (see facet_table.h); null for one-off searches.
  // `open_options`: for remote shards, whether an unreachable one fails the search or is
  // left out (with a warning in each answer), and the network timeout.
  explicit Searcher(std::filesystem::path index_dir,
                    std::shared_ptr<FacetTableCache> facet_tables = nullptr,
                    OpenOptions open_options = {});
  ~Searcher();
  Searcher(const Searcher&) = delete;
  Searcher& operator=(const Searcher&) = delete;

  // Sees the newest published index. Returns true when anything changed. A new stub, or a
  // live generation directory that was removed and made anew (another inode), opens the
  // index from scratch: reopen() would keep reading the old files.
  bool refresh();

  // True once a Xapian::DatabaseError (other than one commit racing a search) failed a call:
  // the index is damaged or was pulled from under this searcher, which should be dropped.
  [[nodiscard]] bool broken() const { return broken_; }

  [[nodiscard]] SearchResponse search(const SearchRequest& request);
  // Posts like `id` (its key terms and shared tags); empty when the id is unknown. `langs`:
  // the languages they may be in (resolve_langs); empty: the post's own; "*": any, but
  // not the post's own translations.
  [[nodiscard]] std::optional<std::vector<Hit>> related(const std::string& id, int count,
                                                        const std::vector<std::string>& langs = {});
  // Completions of the last word and posts matching as typed; with `langs`, completions are
  // counted in those languages' posts and the posts are theirs.
  [[nodiscard]] SuggestResponse suggest(const std::string& prefix, int count,
                                        const std::vector<std::string>& langs = {});
  [[nodiscard]] std::optional<StoredPost> post(const std::string& id);
  [[nodiscard]] IndexInfo info();
  // Where the site is published, as the open index records it.
  [[nodiscard]] const SiteLink& site() const { return site_; }

  // The index's languages for languages a reader asks for: as spelt ("de"), without the
  // region the index lacks ("pt-BR" -> "pt"), else the site's fallback language, else as
  // asked (which matches nothing). "*" among them: every language (an empty list).
  [[nodiscard]] std::vector<std::string> resolve_langs(const std::vector<std::string>& asked) const;

  // Fills the service's memos of the revision this searcher has open before searches need
  // them: the facet table, the posting bitmaps of common terms, and the posts, newest
  // documents first, while they fit beside those already kept (none is dropped for them).
  // So a service reaches its memory level within seconds of opening a revision, and the
  // first searches after a publish do not pay for the reading. Returns early when `stop`
  // is set or a commit lands meanwhile (the next revision is warmed in turn). Does nothing
  // without memos (one-off searchers, remote shards). Throws what opening the index throws.
  WarmReport warm(const std::atomic<bool>& stop);
  // Query builders kept, one per known query language asked for (for tests): at most
  // kMaxQueryLanguages, however many languages requests name.
  [[nodiscard]] std::size_t query_languages() const { return builders_.size(); }
  static constexpr std::size_t kMaxQueryLanguages = 32;

  // Names this exact index state: generation, commit and database UUID (ETags, facet tables,
  // the service's other per-revision memos). Read when the index is opened or reopened, so
  // asking costs nothing.
  [[nodiscard]] const std::string& revision() const { return revision_; }

 private:
  template <typename F>
  auto with_retry(F f) -> decltype(f());
  SearchResponse search_once(const SearchRequest& request);
  Matches match(const SearchRequest& request, QueryBuilder& builder, const ParsedQuery& parsed,
                int per_page, FacetCounter* facets);
  Xapian::Query with_feedback(const Xapian::Query& query);
  [[nodiscard]] std::vector<Completion> completions(const std::string& head,
                                                    const std::string& last, std::size_t limit,
                                                    const std::vector<std::string>& langs);
  // The query parser for a language, one per primary language the stemmers, the stop-word
  // lists or the index's posts know (a bound no request can raise); for another language
  // the index's default, with a warning added to `warnings`.
  QueryBuilder& builder_for(const std::string& lang, std::vector<std::string>& warnings);
  [[nodiscard]] bool knows_language(const std::string& primary) const;
  // The reader's language of a request whose langs are resolved: its stemmer and stop words
  // (the fallback's when it has no stemmer), and the translation its hits show.
  [[nodiscard]] std::string reader_lang(const SearchRequest& request) const;

  // The service's per-revision memos (facet table, posts, completions, term frequencies):
  // for a local index in the service; null for one-off searches and remote shards.
  [[nodiscard]] FacetTableCache* memos() const { return remote_ ? nullptr : facet_tables_.get(); }
  void open();
  [[nodiscard]] std::string revision_key() const;  // revision(), read from the database
  void note_revision();  // reads what is kept per revision: revision_, pinned_

  std::filesystem::path index_dir_;
  std::string identity_;    // stub contents and the live generation directory's inode
  std::string generation_;  // the live generation's name, read from the stub at open()
  std::string revision_;    // revision_key() as of the last open() or reopen
  bool pinned_ = false;     // some post carries a boost value (schema::kSlotBoost)
  bool grouped_ = false;    // some post is in a translation group (schema::kSlotTranslation)
  Xapian::Database db_;
  bool broken_ = false;
  std::string default_lang_;
  std::string fallback_lang_;
  std::vector<std::string> langs_;  // the languages of the posts in the open revision
  SiteLink site_;
  std::map<std::string, std::unique_ptr<QueryBuilder>> builders_;  // by query language
  std::shared_ptr<FacetTableCache> facet_tables_;
  OpenOptions open_options_;
  bool remote_ = false;               // some shard is remote: serialisable Xapian classes only
  std::vector<std::string> missing_;  // remote shards left out (open_options_.partial)
};

}  // namespace postsearch
