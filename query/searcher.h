// The search core: one object per thread that answers searches, related posts,
// completions and post look-ups from an index directory. Knows nothing of HTTP or the
// terminal; both front ends call it and serialise its structs with json_io.h.
// A search is coordinated here and done by named collaborators, once each: the open index
// (open_index.h), the query parser of the reader's language (query_builders.h), the match
// plan and its run (match_plan.h), the facet counter (facets.h) and the hit presenter
// (hit_presenter.h), with the per-revision memos a service shares (revision_memos.h).
//
// Threads: not thread-safe. Each thread owns a Searcher (and so its Xapian::Database).
// Freshness: refresh() picks up a new commit (reopen) or a new generation (the stub file
// changed); the query methods retry once on DatabaseModifiedError.
// Errors: a missing or incompatible index throws std::runtime_error at open/refresh;
// invalid requests are reported by validate_request() (request_check.h); nothing a user
// types throws. A remote shard that stays slower than the remote timeout after one retry
// on fresh connections throws Xapian::NetworkTimeoutError naming the shard and the timeout.
#pragma once

#include <xapian.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/index_layout.h"
#include "common/post.h"
#include "query/open_index.h"
#include "query/query_builders.h"
#include "query/request_check.h"
#include "query/search_types.h"

namespace postsearch {

class FacetTable;
struct ParsedQuery;
struct Ranked;
class PostCache;
class PostingCache;
class RevisionMemos;
class TermFrequencies;

class Searcher {
 public:
  // Opens INDEX_DIR; throws std::runtime_error (with a message that says what to do) when
  // there is no index or it has another schema version.
  // `memos`: shared by the searchers of one service, so that what is read once per index
  // revision is read once for all of them (revision_memos.h); null for one-off searches.
  // `open_options`: for remote shards, whether an unreachable one fails the search or is
  // left out (with a warning in each answer), and the network timeout.
  explicit Searcher(std::filesystem::path index_dir, std::shared_ptr<RevisionMemos> memos = nullptr,
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
  [[nodiscard]] const SiteLink& site() const { return index_.site(); }

  // The index's languages for languages a reader asks for: as spelt ("de"), without the
  // region the index lacks ("pt-BR" -> "pt"), else the site's fallback language, else as
  // asked (which matches nothing). "*" among them: every language (an empty list).
  [[nodiscard]] std::vector<std::string> resolve_langs(
      const std::vector<std::string>& asked) const {
    return index_.languages().resolve(asked);
  }

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
  static constexpr std::size_t kMaxQueryLanguages = QueryBuilders::kMaxQueryLanguages;

  // Names this exact index state: generation, commit and database UUID (ETags, facet tables,
  // the service's other per-revision memos). Read when the index is opened or reopened, so
  // asking costs nothing.
  [[nodiscard]] const std::string& revision() const { return index_.revision(); }

 private:
  template <typename F>
  auto with_retry(F f) -> decltype(f());
  void open();    // the index from scratch
  void opened();  // what belongs to the revision just opened
  SearchResponse search_once(const SearchRequest& request);

  // The database a search runs on: the whole, or the sites a site filter chose alone
  // (`subset`), with those sites' layout indexes (empty when not federated).
  struct Searched {
    Xapian::Database db;
    std::vector<std::size_t> sites;
    bool subset = false;
    bool none = false;  // the filter named no site searched here: nothing matches
  };
  [[nodiscard]] Searched searched(const SearchRequest& request,
                                  std::vector<std::string>& notes) const;
  // Each hit's site, its docid made the whole database's (the presenter reads that one);
  // empty unless several sites are searched.
  [[nodiscard]] std::vector<std::size_t> sites_of_hits(std::vector<Ranked>& docs,
                                                       const Searched& in) const;
  [[nodiscard]] Facet sites_facet(const SearchRequest& request, const ParsedQuery& parsed,
                                  const Xapian::Query& text_query) const;
  // Several sites: each hit's site, found by its id, and its links made absolute to it.
  void label_sites(std::vector<Hit>& hits) const;

  // What one search uses of the revision's memos (each null when not kept), held for the
  // search's length.
  struct SearchMemos {
    std::shared_ptr<const FacetTable> table;  // with facets, a local index (shards too)
    std::shared_ptr<PostingCache> postings;   // the same
    std::shared_ptr<TermFrequencies> frequencies;
    std::shared_ptr<PostCache> posts;
  };
  [[nodiscard]] SearchMemos search_memos(bool facets) const;

  // The service's per-revision memos: for a local index in the service; null for one-off
  // searches and remote shards (which keep only the term frequencies, search_memos()).
  [[nodiscard]] RevisionMemos* memos() const { return index_.remote() ? nullptr : memos_.get(); }

  std::shared_ptr<RevisionMemos> memos_;
  OpenIndex index_;
  QueryBuilders builders_;  // by query language, for the open revision
  bool broken_ = false;
};

}  // namespace postsearch
