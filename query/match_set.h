// The documents a query matches, as a bitmap over document ids, read from posting lists
// without weighting anything: exact facet counts and match totals without Xapian's matcher
// visiting (and weighting) every match.
//
// Handles the operators the query builder and the filters produce (terms, AND, OR,
// SYNONYM, MAX, AND_NOT, XOR, FILTER, AND_MAYBE, SCALE_WEIGHT, match all/nothing). For
// others (phrases, NEAR, value ranges, wildcards, elite sets, posting sources outside
// AND_MAYBE's optional side) supported() is false and match_set() returns nullopt: the
// caller counts with a match spy instead.
//
// A PostingCache keeps the bitmaps of terms that many posts hold, so that a common word's
// postings are read once per index revision rather than by every search that has it (they
// were half of counting a page's facets). Its owner drops it with its revision (it lives in
// the FacetTable of that revision). Bounded by bytes: once full it keeps what it has, and
// the first terms to fill it are the frequent ones a stream of searches meets early, or
// (fill(), when the service warms a revision) the most frequent of all.
//
// Errors: Xapian exceptions from reading posting lists propagate. Threads: a DocSet is a
// plain value; match_set() uses the caller's Database (not thread-safe, as Xapian's);
// PostingCache is safe from any thread.
#pragma once

#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace postsearch {

class DocSet {
 public:
  explicit DocSet(Xapian::docid last) : words_(last / 64 + 1, 0) {}

  void add(Xapian::docid d) { words_[d / 64] |= std::uint64_t{1} << (d % 64); }
  void add_range(Xapian::docid first, Xapian::docid last);
  void intersect(const DocSet& o);
  void unite(const DocSet& o);
  void subtract(const DocSet& o);
  void symmetric_difference(const DocSet& o);
  [[nodiscard]] std::size_t count() const;
  [[nodiscard]] std::size_t bytes() const { return words_.size() * sizeof(std::uint64_t); }

  // Calls f(docid) for each document in the set, in increasing order.
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      for (std::uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        f(static_cast<Xapian::docid>(w * 64 + static_cast<unsigned>(__builtin_ctzll(bits))));
      }
    }
  }

  // Calls f(docid) for each document id from 1 to `last` not in the set, in increasing order.
  template <typename F>
  void for_each_absent(Xapian::docid last, F&& f) const {
    for (std::size_t w = 0; w * 64 <= last; ++w) {
      std::uint64_t bits = w < words_.size() ? ~words_[w] : ~std::uint64_t{0};
      if (w == 0) bits &= ~std::uint64_t{1};  // there is no document 0
      for (; bits != 0; bits &= bits - 1) {
        const auto d =
            static_cast<Xapian::docid>(w * 64 + static_cast<unsigned>(__builtin_ctzll(bits)));
        if (d > last) return;
        f(d);
      }
    }
  }

 private:
  std::vector<std::uint64_t> words_;
};

class PostingCache {
 public:
  static constexpr std::size_t kDefaultBytes = 32U << 20;
  // Terms in fewer posts are read each time: reading them costs less than a walk over a
  // bitmap of every post would save, and the cache stays small (the common words only).
  [[nodiscard]] static std::size_t min_postings(Xapian::docid last) {
    return std::max<std::size_t>(64, last / 32);
  }

  explicit PostingCache(std::size_t max_bytes = kDefaultBytes) : max_bytes_(max_bytes) {}

  [[nodiscard]] std::shared_ptr<const DocSet> find(const std::string& term) const;
  // Keeps `set` as the postings of `term` unless that would pass the bound; false then.
  bool insert(const std::string& term, std::shared_ptr<const DocSet> set);
  [[nodiscard]] std::size_t bytes() const;
  [[nodiscard]] std::size_t size() const;  // terms kept

  // Reads the bitmaps of `db`'s terms held by min_postings() posts or more, most frequent
  // first, until the bound or until `stop` is set; `db` must be at this cache's revision.
  // Returns the bitmaps added. Searches may use the cache meanwhile.
  std::size_t fill(const Xapian::Database& db, const std::atomic<bool>& stop);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const DocSet>> sets_;
  std::size_t bytes_ = 0;
  std::size_t max_bytes_;
};

// Whether match_set() can evaluate `query` (see the operators above).
[[nodiscard]] bool match_set_supported(const Xapian::Query& query);

// The documents of `db` that `query` matches; nullopt when !match_set_supported(query).
// `cache` (optional) must belong to the revision `db` has open.
[[nodiscard]] std::optional<DocSet> match_set(const Xapian::Database& db,
                                              const Xapian::Query& query,
                                              PostingCache* cache = nullptr);

}  // namespace postsearch
