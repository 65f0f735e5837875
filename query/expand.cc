#include "query/expand.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <set>

namespace postsearch {
namespace {

constexpr double kExpandK = 1.0;  // Xapian's default for TradEWeight

// What the posts say of one term.
struct Gathered {
  std::string term;
  Xapian::doccount in_posts = 0;  // r: posts holding it
  double multiplier = 0;          // sum over those posts of (k + 1) wdf / (k len / avlen + wdf)
};

struct Scored {
  double weight;
  std::string term;
};

// Where a term is: in `r` of the `rsize` posts expanded from and in `n` of all `size`.
struct TermSpread {
  double r;
  double n;
  double rsize;
  double size;
};

// TradEWeight: the relevance weight of a term spread as `s`.
double trad_weight(double multiplier, const TermSpread& s) {
  const double without = s.rsize - s.r;
  const double num = (s.r + 0.5) * (s.size - s.n - without + 0.5);
  const double denom = (s.n - s.r + 0.5) * (without + 0.5);
  return multiplier * std::log(num / denom);
}

// The order of Xapian's ESet items (ExpandTerm's operator<): heavier first and, among
// equal weights, the lexically greater term first. With it as the heap's order, the worst
// item (the first to go) is the lightest and, among equals, the lexically smallest.
bool before(const Scored& a, const Scored& b) {
  return a.weight != b.weight ? a.weight > b.weight : a.term > b.term;
}

// One post's terms that may be offered, in term order, each with its part of the multiplier.
std::vector<std::pair<std::string, double>> offered(const Xapian::Database& db, Xapian::docid did,
                                                    const std::set<std::string>& in_query,
                                                    const ExpandOptions& o) {
  std::vector<std::pair<std::string, double>> out;
  const double norm_len = static_cast<double>(db.get_doclength(did)) / db.get_avlength();
  Xapian::TermIterator t = db.termlist_begin(did);
  if (!o.prefix.empty()) t.skip_to(o.prefix);
  for (; t != db.termlist_end(did); ++t) {
    std::string term = *t;
    if (term.compare(0, o.prefix.size(), o.prefix) != 0) break;
    if ((o.accept && !o.accept(term)) || in_query.count(term) != 0) continue;
    const double wdf = std::max<Xapian::termcount>(1, t.get_wdf());  // as Xapian counts
    out.emplace_back(std::move(term), (kExpandK + 1) * wdf / (kExpandK * norm_len + wdf));
  }
  return out;
}

// Every offered term of the posts once, in term order: a merge of their term lists.
std::vector<Gathered> gather(const Xapian::Database& db, const std::vector<Xapian::docid>& posts,
                             const ExpandOptions& o) {
  const std::set<std::string> in_query(o.query.get_unique_terms_begin(),
                                       o.query.get_unique_terms_end());
  std::vector<std::vector<std::pair<std::string, double>>> lists;
  for (const Xapian::docid did : posts) lists.push_back(offered(db, did, in_query, o));
  std::vector<std::size_t> at(lists.size(), 0);
  std::vector<Gathered> out;
  while (true) {
    const std::string* least = nullptr;
    for (std::size_t i = 0; i < lists.size(); ++i) {
      if (at[i] < lists[i].size() && (least == nullptr || lists[i][at[i]].first < *least))
        least = &lists[i][at[i]].first;
    }
    if (least == nullptr) break;
    Gathered g{*least};
    for (std::size_t i = 0; i < lists.size(); ++i) {
      if (at[i] < lists[i].size() && lists[i][at[i]].first == g.term) {
        ++g.in_posts;
        g.multiplier += lists[i][at[i]++].second;
      }
    }
    out.push_back(std::move(g));
  }
  return out;
}

// The expansion over `terms` (in term order) with their weights looked up as needed.
class Expansion {
 public:
  // `terms`: the gathered terms, which weight() and the walks take from.
  Expansion(const Xapian::Database& db, const std::vector<Gathered>& terms, std::size_t posts,
            Xapian::termcount count, TermFrequencies* frequencies)
      : db_(db),
        frequencies_(frequencies),
        size_(static_cast<double>(db.get_doccount())),
        rsize_(static_cast<double>(posts)),
        count_(count),
        terms_(terms),
        known_(terms.size(), std::numeric_limits<double>::quiet_NaN()) {}

  // The weight a term would have were it in as few posts as it can be (its own r).
  [[nodiscard]] double bound(const Gathered& g) const {
    return trad_weight(g.multiplier, {static_cast<double>(g.in_posts),
                                      static_cast<double>(g.in_posts), rsize_, size_});
  }

  // `g` is one of the terms given to the constructor.
  double weight(const Gathered& g) {
    double& known = known_[static_cast<std::size_t>(&g - terms_.data())];
    if (std::isnan(known))
      known = trad_weight(g.multiplier,
                          {static_cast<double>(g.in_posts), frequency(g.term), rsize_, size_});
    return known;
  }

  // The best `count` found taking terms best bound first: exact when the weakest weight
  // kept is not shared by a term left out (ties are settled by the order of Xapian's walk).
  std::optional<std::vector<Scored>> by_bound() {
    std::vector<std::pair<double, const Gathered*>> order;  // bound, term
    for (const auto& g : terms_) {
      if (const double b = bound(g); b > 0) order.emplace_back(b, &g);
    }
    std::sort(order.begin(), order.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<Scored> seen;  // every term looked up with a weight > 0
    double weakest = 0;        // the count-th best weight so far, once there are count
    std::vector<double> best;  // the count best weights, a min-heap
    for (const auto& [b, g] : order) {
      if (best.size() == count_ && b < weakest) break;  // no later term can enter
      const double w = weight(*g);
      if (!(w > 0)) continue;
      seen.push_back({w, g->term});
      best.push_back(w);
      std::push_heap(best.begin(), best.end(), std::greater<>());
      if (best.size() > count_) {
        std::pop_heap(best.begin(), best.end(), std::greater<>());
        best.pop_back();
      }
      if (best.size() == count_) weakest = best.front();
    }
    // The count best and the one after them (a tie at the edge), in order.
    const std::size_t sorted = std::min<std::size_t>(seen.size(), count_ + std::size_t{1});
    std::partial_sort(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(sorted), seen.end(),
                      before);
    if (seen.size() > count_) {
      if (seen[count_].weight == seen[count_ - 1].weight) return std::nullopt;  // a tie
      seen.resize(count_);
    }
    return seen;
  }

  // Xapian's own walk (ESet::Internal::expand): terms in ascending order, a heap of the
  // best so far, a term no heavier than the worst of a full heap skipped; the bound skips
  // one without looking it up.
  std::vector<Scored> walk() {
    std::vector<Scored> items;
    double min_weight = 0;
    for (const Gathered& g : terms_) {
      if (bound(g) <= min_weight) continue;
      Scored item{weight(g), g.term};
      if (!(item.weight > min_weight)) continue;
      if (items.size() < count_) {
        items.push_back(std::move(item));
        if (items.size() == count_) {
          std::make_heap(items.begin(), items.end(), before);
          min_weight = items.front().weight;
        }
        continue;
      }
      std::pop_heap(items.begin(), items.end(), before);
      items.back() = std::move(item);
      std::push_heap(items.begin(), items.end(), before);
      min_weight = items.front().weight;
    }
    std::sort(items.begin(), items.end(), before);
    return items;
  }

 private:
  double frequency(const std::string& term) {
    if (frequencies_ == nullptr) return db_.get_termfreq(term);
    if (const auto known = frequencies_->find(term)) return *known;
    const Xapian::doccount n = db_.get_termfreq(term);
    frequencies_->insert(term, n);
    return n;
  }

  const Xapian::Database& db_;
  TermFrequencies* frequencies_;
  double size_;
  double rsize_;
  Xapian::termcount count_;
  const std::vector<Gathered>& terms_;
  std::vector<double> known_;  // each term's weight once looked up, else NaN
};

}  // namespace

std::optional<Xapian::doccount> TermFrequencies::find(const std::string& term) const {
  if (term.size() > kMaxTermBytes) return std::nullopt;
  const std::lock_guard<std::mutex> lock(lock_of(term));
  const Xapian::doccount* known = terms_.find(term);
  return known ? std::optional<Xapian::doccount>(*known) : std::nullopt;
}

void TermFrequencies::insert(const std::string& term, Xapian::doccount frequency) {
  if (term.empty() || term.size() > kMaxTermBytes) return;
  const std::lock_guard<std::mutex> lock(lock_of(term));
  if (terms_.put(term, frequency)) ++used_;
}

std::vector<std::string> expand_terms(const Xapian::Database& db,
                                      const std::vector<Xapian::docid>& posts,
                                      const ExpandOptions& o) {
  if (posts.empty() || o.count == 0) return {};
  const std::vector<Gathered> terms = gather(db, posts, o);
  Expansion expansion(db, terms, posts.size(), o.count, o.frequencies);
  std::optional<std::vector<Scored>> items = expansion.by_bound();
  if (!items) items = expansion.walk();
  std::vector<std::string> out;
  out.reserve(items->size());
  for (auto& item : *items) out.push_back(std::move(item.term));
  return out;
}

Xapian::Query feedback_query(const std::vector<std::string>& terms, double weight) {
  std::vector<Xapian::Query> scaled;
  scaled.reserve(terms.size());
  for (const std::string& t : terms)
    scaled.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(t), weight);
  return {Xapian::Query::OP_OR, scaled.begin(), scaled.end()};
}

}  // namespace postsearch
