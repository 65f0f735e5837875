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
// Errors: Xapian exceptions from reading posting lists propagate. Threads: a DocSet is a
// plain value; match_set() uses the caller's Database (not thread-safe, as Xapian's).
#pragma once

#include <xapian.h>

#include <cstdint>
#include <optional>
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

  // Calls f(docid) for each document in the set, in increasing order.
  template <typename F>
  void for_each(F&& f) const {
    for (std::size_t w = 0; w < words_.size(); ++w) {
      for (std::uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        f(static_cast<Xapian::docid>(w * 64 + static_cast<unsigned>(__builtin_ctzll(bits))));
      }
    }
  }

 private:
  std::vector<std::uint64_t> words_;
};

// Whether match_set() can evaluate `query` (see the operators above).
[[nodiscard]] bool match_set_supported(const Xapian::Query& query);

// The documents of `db` that `query` matches; nullopt when !match_set_supported(query).
[[nodiscard]] std::optional<DocSet> match_set(const Xapian::Database& db,
                                              const Xapian::Query& query);

}  // namespace postsearch
