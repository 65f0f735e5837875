// Query expansion terms from a few posts (pseudo relevance feedback): the terms that best
// tell those posts from the rest of the index, ranked as Xapian's Enquire::get_eset ranks
// them with its default scheme (TradEWeight, k = 1) and exact term frequencies.
//
// get_eset looks up the frequency of every term of the posts its decider accepts (about
// 1,700 for the five top posts of a long question on the generated corpus), and that was
// most of a long question's cost. A term's weight falls as its frequency rises and its
// frequency is at least the number of the posts holding it, so the weight at that
// frequency bounds it: terms are taken best bound first, and once `count` terms are found
// those whose bound cannot beat the weakest are never looked up. Same terms, same order as
// get_eset (unit-tested); as there, only terms of positive weight are offered.
//
// The frequencies looked up can be kept in a TermFrequencies for the index revision (its
// owner drops it with the revision): the top posts of different questions share most of
// their words, and each look-up is a B-tree search that reads a block from the file.
//
// Errors: Xapian exceptions propagate. Threads: uses the caller's Database (not
// thread-safe, as Xapian's); TermFrequencies is safe from any thread.
#pragma once

#include <xapian.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "query/direct_map.h"

namespace postsearch {

// Term frequencies of one index revision, remembered in a DirectMap (direct_map.h), which
// may forget: a node-based map of a quarter of a million terms cost three or four cache
// misses per look-up (3% of the service's cycles under load, bench/README.md). Locks are
// striped by slot. A term too long to be held without an allocation is not remembered.
class TermFrequencies {
 public:
  static constexpr std::size_t kSlots = 1U << 16;   // a power of two
  static constexpr std::size_t kMaxTermBytes = 15;  // held in the string, no allocation

  TermFrequencies() { terms_.allocate(); }  // before any thread looks a term up
  [[nodiscard]] std::optional<Xapian::doccount> find(const std::string& term) const;
  void insert(const std::string& term, Xapian::doccount frequency);
  [[nodiscard]] std::size_t size() const { return used_; }  // terms held

 private:
  static constexpr std::size_t kLocks = 64;  // each guards the slots equal to it mod kLocks
  [[nodiscard]] std::mutex& lock_of(const std::string& term) const {
    return locks_[terms_.slot_of(term) % kLocks];
  }

  mutable std::array<std::mutex, kLocks> locks_;
  DirectMap<Xapian::doccount> terms_{kSlots};
  std::atomic<std::size_t> used_{0};
};

struct ExpandOptions {
  std::string prefix;                              // only terms that start with it
  std::function<bool(const std::string&)> accept;  // and that it accepts (empty: all)
  Xapian::Query query;           // its terms are left out, as get_eset leaves out its query's
  Xapian::termcount count = 10;  // terms wanted
  TermFrequencies* frequencies = nullptr;  // of the revision `db` has open, or null
};

// Best first. `posts` are distinct document ids of `db`.
[[nodiscard]] std::vector<std::string> expand_terms(const Xapian::Database& db,
                                                    const std::vector<Xapian::docid>& posts,
                                                    const ExpandOptions& options);

// The feedback terms `terms` as a query to OR with the words they were chosen for, each
// term's weight scaled by `weight`: a post weighs what it would under `weight` * OR(terms).
// Each term is scaled on its own, so that the matcher's OR holds it as a leaf of its own:
// scaled as one, the terms' OR is one branch whose maximum is the sum of theirs, and Xapian's
// pruning by maximum weight cannot leave out the common ones (a slow long question's
// any-word run on 100,000 posts: 12.6 to 16.2 ms of CPU as one branch, 8.6 to 12.8 as leaves,
// the same posts in the same order; bench/README.md). Empty `terms`: an empty query.
[[nodiscard]] Xapian::Query feedback_query(const std::vector<std::string>& terms, double weight);

}  // namespace postsearch
