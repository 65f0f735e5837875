// How a match is weighed: BM25 with the schema's field weights, the lift of pinned posts,
// the recency boost, and the per-term breakdown `explain` shows. One place, so that the
// matcher, the feedback pass and the explanation weigh alike.
// Errors: Xapian exceptions propagate. Threads: pure functions.
#pragma once

#include <xapian.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <string>

namespace postsearch {

// BM25 with k1 scaled by the body's within-document weight (see ranking.cc).
[[nodiscard]] Xapian::BM25Weight ranking();

struct BoostOptions {
  bool pinned = false;                // some post carries a boost value (else it is skipped)
  double recency_half_life_days = 0;  // 0: no recency boost
};

// `query` with the lifts that apply: pinned posts (only when `has_words`: without words
// every post weighs the same and the order is by date) and recency.
[[nodiscard]] Xapian::Query with_boosts(const Xapian::Query& query, bool has_words,
                                        const BoostOptions& options);

// Whether two weights are the same but for rounding: a weight is a sum of its terms'
// weights, which Xapian adds in an order it picks per shard from the shard's own term
// frequencies, so one post's weight can differ in its last bits between one database and a
// sharded layout. Posts of the same weight are ordered by their order key instead.
[[nodiscard]] inline bool same_weight(double a, double b) {
  constexpr double kRelative = 1e-9;
  const double scale = std::max(std::abs(a), std::abs(b));
  return std::abs(a - b) <= kRelative * scale;
}

// The score's parts: each term of `query`'s BM25 weight for post `id`, and the rest.
[[nodiscard]] nlohmann::json explain_hit(const Xapian::Database& db, const Xapian::Query& query,
                                         const std::string& id, double score);

}  // namespace postsearch
