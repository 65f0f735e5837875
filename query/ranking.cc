#include "query/ranking.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "common/schema.h"

namespace postsearch {
namespace {

// A recency boost: weight halves every half_life seconds of a post's age.
class RecencySource : public Xapian::ValuePostingSource {
 public:
  RecencySource(double now, double half_life_seconds, double max_weight)
      : Xapian::ValuePostingSource(schema::kSlotDate),
        now_(now),
        half_life_(half_life_seconds),
        max_(max_weight) {
    set_maxweight(max_);
  }
  double get_weight() const override {
    const double date = Xapian::sortable_unserialise(get_value());
    const double age = std::max(0.0, now_ - date);
    return max_ * std::exp2(-age / half_life_);
  }
  RecencySource* clone() const override { return new RecencySource(now_, half_life_, max_); }
  std::string name() const override { return "postsearch::RecencySource"; }

 private:
  double now_;
  double half_life_;
  double max_;
};

}  // namespace

// BM25 with the schema's k1 (schema::bm25_k1: per body word, times the body's weight).
Xapian::BM25Weight ranking() { return Xapian::BM25Weight(schema::bm25_k1(), 0, 1, 0.75, 0.5); }

Xapian::Query with_boosts(const Xapian::Query& query, bool has_words, const BoostOptions& options) {
  Xapian::Query out = query;
  if (has_words && options.pinned) {
    // Pinned posts: a small constant lift, scaled by their boost value.
    auto* boost = new Xapian::ValueWeightPostingSource(schema::kSlotBoost);
    out = Xapian::Query(
        Xapian::Query::OP_AND_MAYBE, out,
        Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(boost->release()), 2.0));
  }
  if (options.recency_half_life_days > 0) {
    RecencySource recency(static_cast<double>(std::time(nullptr)),
                          options.recency_half_life_days * 86400.0, 2.0);
    out =
        Xapian::Query(Xapian::Query::OP_AND_MAYBE, out, Xapian::Query(recency.clone()->release()));
  }
  return out;
}

nlohmann::json explain_hit(const Xapian::Database& db, const Xapian::Query& query,
                           const std::string& id, double score) {
  nlohmann::json terms = nlohmann::json::object();
  const Xapian::Query only(schema::filter_term(schema::Filter::kId, id));
  for (auto t = query.get_unique_terms_begin(); t != query.get_unique_terms_end(); ++t) {
    Xapian::Enquire e(db);
    e.set_weighting_scheme(ranking());
    e.set_query(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(*t), only));
    const Xapian::MSet m = e.get_mset(0, 1);
    if (!m.empty()) terms[*t] = m.begin().get_weight();
  }
  double parts = 0;
  for (const auto& [k, v] : terms.items()) parts += v.get<double>();
  return {{"score", score}, {"terms", terms}, {"other", score - parts}};
}

}  // namespace postsearch
