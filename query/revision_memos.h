// What a service keeps per index revision and shares between its searchers: the facet
// table (query/facet_table.h), the posting bitmaps of common terms (query/match_set.h), the
// decoded posts (query/post_cache.h), the completions of typed prefixes and the term
// frequencies feedback looked up (query/expand.h). Each memo belongs to one revision (any
// string that changes with every commit: Searcher::revision()) and is made anew, empty,
// when a searcher asks for another: a memo never answers for a revision it was not filled
// from. Every memo has a bound of its own that no request can raise.
//
// Ownership: owned by whoever owns the searchers (the pool); each getter returns a shared
// handle that stays valid after the next revision replaces it.
// Threads: safe from any thread; the memos themselves are thread-safe.
// Errors: Xapian exceptions from building the facet table propagate.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "query/expand.h"
#include "query/facet_table.h"
#include "query/match_set.h"
#include "query/post_cache.h"

namespace postsearch {

class CompletionMemo;  // query/query_builder.h

// What the memos of the newest revision hold (for /metrics: a service's memory, explained).
struct MemoUsage {
  std::size_t posting_bitmaps = 0;
  std::size_t posting_bitmap_bytes = 0;
  std::size_t posts = 0;
  std::size_t post_bytes = 0;   // as PostCache counts them
  std::size_t completions = 0;  // typed prefixes
  std::size_t term_frequencies = 0;
};

class RevisionMemos {
 public:
  // `post_cache_bytes`: the budget of each revision's PostCache; 0 keeps no posts.
  explicit RevisionMemos(std::size_t post_cache_bytes = PostCache::kDefaultBytes)
      : post_cache_bytes_(post_cache_bytes) {}

  // The facet table of `db`, which has `revision` open: built on the first call.
  [[nodiscard]] std::shared_ptr<const FacetTable> facet_table(const Xapian::Database& db,
                                                              const std::string& revision);

  // The posting bitmaps of `revision`'s common terms, filled as searches read them.
  [[nodiscard]] std::shared_ptr<PostingCache> postings(const std::string& revision);

  // The term frequencies feedback looked up at `revision`.
  [[nodiscard]] std::shared_ptr<TermFrequencies> term_frequencies(const std::string& revision);

  // The decoded posts kept for `revision`; null when none are kept.
  [[nodiscard]] std::shared_ptr<PostCache> posts(const std::string& revision);

  // The completions of typed prefixes found at `revision` (query/query_builder.h).
  [[nodiscard]] std::shared_ptr<CompletionMemo> completions(const std::string& revision);

  [[nodiscard]] MemoUsage usage();

 private:
  // A memo of one revision, made anew (empty) for the next.
  template <typename T>
  struct Memo {
    std::string revision;
    std::shared_ptr<T> value;
    template <typename... Args>
    std::shared_ptr<T> at(const std::string& wanted, Args&&... args);
  };
  std::mutex mutex_;
  std::size_t post_cache_bytes_;
  std::string table_revision_;
  std::shared_ptr<const FacetTable> table_;
  Memo<PostingCache> postings_;
  Memo<TermFrequencies> frequencies_;
  Memo<PostCache> posts_;
  Memo<CompletionMemo> completions_;
};

}  // namespace postsearch
