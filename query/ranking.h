// How a match is weighed: BM25 with the schema's field weights, the lift of pinned posts,
// the recency boost, and the per-term breakdown `explain` shows. One place, so that the
// matcher, the feedback pass and the explanation weigh alike.
// Errors: Xapian exceptions propagate. Threads: pure functions.
#pragma once

#include <xapian.h>

#include <nlohmann/json.hpp>

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

// The score's parts: each term of `query`'s BM25 weight for post `id`, and the rest.
[[nodiscard]] nlohmann::json explain_hit(const Xapian::Database& db, const Xapian::Query& query,
                                         const std::string& id, double score);

}  // namespace postsearch
