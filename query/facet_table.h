// Facet values of every post, decoded once per index revision: for each document id, the
// small integer ids of its tags, authors, categories, year, month and language; and the
// revision's posting bitmaps of common terms (query/match_set.h), which live and die with
// it. Counting
// facets over a large match set then costs an array walk per match instead of reading and
// splitting the document's facets value (see encode_facets in common/document.h).
//
// Ownership: a FacetTable is immutable and shared (std::shared_ptr<const FacetTable>).
// FacetTableCache hands every Searcher of one service the table of the revision it has
// open, building it on first use, and that revision's other shared memos (term frequencies,
// decoded posts); it is owned by whoever owns the searchers (the pool).
// Threads: FacetTable is read-only; FacetTableCache is safe from any thread.
// Errors: Xapian exceptions from reading the index propagate (DatabaseModifiedError
// included: the caller's retry reopens and asks again).
#pragma once

#include <xapian.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/schema.h"
#include "query/expand.h"
#include "query/match_set.h"
#include "query/post_cache.h"

namespace postsearch {

class CompletionMemo;  // query/query_builder.h

class FacetTable {
 public:
  static constexpr std::size_t kFields = schema::kFacetFields.size();

  [[nodiscard]] static std::shared_ptr<const FacetTable> build(const Xapian::Database& db);

  // Adds one to counts[base(field) + value id] for each facet value of `docid`, whatever
  // its field: `counts` has total_values() entries. Counting the fields not asked for too
  // keeps the loop free of branches; it runs for every match of a search.
  void count(Xapian::docid docid, std::uint32_t* counts) const {
    if (docid + 1 >= offsets_.size()) return;
    for (std::uint32_t i = offsets_[docid]; i < offsets_[docid + 1]; ++i) {
      ++counts[bases_[ids_[i] >> kIdBits] + (ids_[i] & kIdMask)];
    }
  }
  [[nodiscard]] std::size_t total_values() const { return bases_[kFields]; }
  [[nodiscard]] std::size_t base(std::size_t field) const { return bases_[field]; }
  [[nodiscard]] std::size_t value_count(std::size_t field) const { return names_[field].size(); }
  [[nodiscard]] const std::string& name(std::size_t field, std::uint32_t id) const {
    return names_[field][id];
  }
  // The posting bitmaps of this revision's common terms (filled as searches read them).
  [[nodiscard]] PostingCache& postings() const { return postings_; }

 private:
  static constexpr std::uint32_t kIdBits = 24;
  static constexpr std::uint32_t kIdMask = (1U << kIdBits) - 1;
  std::vector<std::uint32_t> offsets_;  // docid -> first entry in ids_; size lastdocid + 2
  std::vector<std::uint32_t> ids_;      // field << kIdBits | value id
  std::vector<std::string> names_[kFields];
  std::array<std::uint32_t, kFields + 1> bases_{};  // where each field's counts start
  mutable PostingCache postings_;  // a memo, thread-safe: not part of the table's value
};

// What the memos of the newest revision hold (for /metrics: a service's memory, explained).
struct MemoUsage {
  std::size_t posting_bitmaps = 0;
  std::size_t posting_bitmap_bytes = 0;
  std::size_t posts = 0;
  std::size_t post_bytes = 0;   // as PostCache counts them
  std::size_t completions = 0;  // typed prefixes
  std::size_t term_frequencies = 0;
};

class FacetTableCache {
 public:
  // `post_cache_bytes`: the budget of each revision's PostCache; 0 keeps no posts.
  explicit FacetTableCache(std::size_t post_cache_bytes = PostCache::kDefaultBytes)
      : post_cache_bytes_(post_cache_bytes) {}

  // The table for `db` at `revision` (any string that changes with every commit).
  [[nodiscard]] std::shared_ptr<const FacetTable> get(const Xapian::Database& db,
                                                      const std::string& revision);

  // The term frequencies feedback looked up at `revision` (query/expand.h), kept apart
  // from the table so that a service asked for no facets never builds one.
  [[nodiscard]] std::shared_ptr<TermFrequencies> term_frequencies(const std::string& revision);

  // The decoded posts kept for `revision` (query/post_cache.h); null when none are kept.
  [[nodiscard]] std::shared_ptr<PostCache> posts(const std::string& revision);

  // The completions of typed prefixes found at `revision` (query/query_builder.h).
  [[nodiscard]] std::shared_ptr<CompletionMemo> completions(const std::string& revision);

  [[nodiscard]] MemoUsage usage();

 private:
  std::mutex mutex_;
  std::string revision_;
  std::shared_ptr<const FacetTable> table_;
  // A memo of one revision, made anew (empty) for the next.
  template <typename T>
  struct Memo {
    std::string revision;
    std::shared_ptr<T> value;
    template <typename... Args>
    std::shared_ptr<T> at(const std::string& wanted, Args&&... args);
  };
  std::size_t post_cache_bytes_;
  Memo<TermFrequencies> frequencies_;
  Memo<PostCache> posts_;
  Memo<CompletionMemo> completions_;
};

}  // namespace postsearch
