#include "query/match_plan.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "common/schema.h"
#include "query/expand.h"
#include "query/facets.h"
#include "query/federation.h"
#include "query/filters.h"
#include "query/query_builder.h"
#include "query/ranking.h"

namespace postsearch {
namespace {

constexpr std::size_t kFeedbackMinWords = 4;   // questions this long get pseudo relevance feedback
constexpr Xapian::doccount kFeedbackDocs = 5;  // top posts the feedback terms come from
constexpr Xapian::termcount kFeedbackTerms = 10;
constexpr double kFeedbackWeight = 0.3;
// Posts fetched past the last one kept, by relevance, to order a run of equal weights whole.
constexpr Xapian::doccount kTieWindow = 10;
// Fewer posts than this with every word: the query is relaxed (a page's worth by default).
constexpr Xapian::doccount kRelaxBelow = 10;

// One matcher run: its MSet (statistics, estimates), its posts in the order shown, the
// query it ran and the facet spy that saw its matches (-1: none).
struct Run {
  Xapian::MSet mset;
  std::vector<Ranked> ranked;
  Xapian::Query ran;
  int spy = -1;
};

// How many of `mset`'s first `limit` posts can reach the first `count` once each run of
// equal weights is ordered by its keys (by_order_key_among_equals): the first `count`, and
// the rest of the run the count-th post's weight is in. Posts of later runs only lengthen
// the window that is cut off.
std::size_t reachable(const Xapian::MSet& mset, std::size_t count, std::size_t limit) {
  const std::size_t size = std::min<std::size_t>(mset.size(), limit);
  if (size <= count) return size;
  std::size_t i = 0;
  while (i < count) {  // run starts, as by_order_key_among_equals finds them
    std::size_t j = i + 1;
    const auto weight = [&](std::size_t k) {
      return mset[static_cast<Xapian::doccount>(k)].get_weight();
    };
    while (j < size && same_weight(weight(j), weight(i))) ++j;
    if (j >= count) return j;
    i = j;
  }
  return count;
}

// The first `count` posts of `mset` and, up to `limit`, the rest of a run of equal weights
// that goes on past them. Only these documents are opened: over remote shards each is a
// round trip of its own (Xapian 1.4 does not pipeline them, MSet::fetch() included).
std::vector<Ranked> ranked_of(const Xapian::MSet& mset, std::size_t count, std::size_t limit) {
  const std::size_t n = reachable(mset, count, limit);
  std::vector<Ranked> out;
  out.reserve(n);
  for (auto it = mset.begin(); out.size() < n; ++it) {
    out.push_back({it.get_document(), it.get_weight(), *it});
  }
  return out;
}

// Posts ranked by weight put in the order of a relevance-then-value sort on the order key,
// weights equal but for rounding (same_weight) counted as equal: each run of such weights
// is sorted by its order keys, compared as Xapian compares sort keys.
void by_order_key_among_equals(std::vector<Ranked>& ranked) {
  for (std::size_t i = 0; i < ranked.size();) {
    std::size_t j = i + 1;
    while (j < ranked.size() && same_weight(ranked[j].weight, ranked[i].weight)) ++j;
    if (j - i > 1) {
      std::vector<std::pair<std::string, Ranked>> run;
      for (std::size_t k = i; k < j; ++k) {
        run.emplace_back(ranked[k].doc.get_value(schema::kSlotOrder), ranked[k]);
      }
      std::stable_sort(run.begin(), run.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      for (std::size_t k = i; k < j; ++k) ranked[k] = std::move(run[k - i].second);
    }
    i = j;
  }
}

Total total_of(const Xapian::MSet& m) {
  return {m.get_matches_estimated(), m.get_matches_lower_bound(), m.get_matches_upper_bound(),
          m.get_matches_lower_bound() == m.get_matches_upper_bound()};
}

// `query` OR `extra`, where the query's filters (tag:x, author:"A B") and exclusions (-word)
// bind `extra` too.
Xapian::Query with_extra_words(const Xapian::Query& query, const Xapian::Query& extra) {
  const auto op = query.get_type();
  if ((op == Xapian::Query::OP_FILTER || op == Xapian::Query::OP_AND_NOT) &&
      query.get_num_subqueries() >= 2) {
    std::vector<Xapian::Query> parts{with_extra_words(query.get_subquery(0), extra)};
    for (std::size_t i = 1; i < query.get_num_subqueries(); ++i)
      parts.push_back(query.get_subquery(i));
    return {op, parts.begin(), parts.end()};
  }
  return {Xapian::Query::OP_OR, query, extra};
}

// Runs one plan: see run_match().
class Matcher {
 public:
  Matcher(const MatchPlan& plan, const MatchInputs& in)
      : plan_(plan), in_(in), enquire_(in.db), filters_(filter_query(in.request, in.parsed, {})) {
    enquire_.set_weighting_scheme(ranking());
    // Only where there are translations: collapsing loosens the matcher's estimates.
    if (plan.collapse) enquire_.set_collapse_key(schema::kSlotTranslation);
    set_order();
    needed_ = plan.first + plan.page_size;
  }

  Matches run();

 private:
  void set_order();
  void sort_ties_by_key() { enquire_.set_sort_by_relevance_then_value(schema::kSlotOrder, true); }
  Run run_query(const Xapian::Query& query, bool has_words, Xapian::doccount count);
  int attach_spies();
  std::optional<Run> page_by_relevance(Xapian::doccount count, Xapian::doccount check);
  std::optional<Run> page_with_ties(Xapian::doccount count, Xapian::doccount check);
  // Known-item lift: every word in the title, or the whole title.
  [[nodiscard]] Xapian::Query lifted(const Xapian::Query& q) const {
    return title_.empty() ? q : Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, title_);
  }
  bool correct(Run& all, Matches& m);
  bool relax(const Run& all, Matches& m);
  Xapian::Query with_feedback(const Xapian::Query& query) const;
  void take(Matches& m, const std::vector<Ranked>& ranked) const;

  const MatchPlan& plan_;
  const MatchInputs& in_;
  Xapian::Enquire enquire_;
  Xapian::Query filters_;
  Xapian::Query title_;
  Xapian::doccount needed_ = 0;
  ParsedQuery strict_;  // the query every post of the first run has all the words of
  std::string strict_text_;
};

void Matcher::set_order() {
  switch (plan_.order) {
    case MatchOrder::kRelevance:
      sort_ties_by_key();
      break;
    case MatchOrder::kNewestFirst:
      enquire_.set_sort_by_value_then_relevance(schema::kSlotOrder, true);
      break;
    case MatchOrder::kOldestFirst:
      enquire_.set_sort_by_value_then_relevance(schema::kSlotOldestOrder, false);
      break;
  }
}

// Xapian's relevance-then-value sort reads the key of every candidate it weighs. By
// relevance alone, one post more than the page shows whether the page's last weight goes on
// past it; when it does not, the page holds the same posts and only runs of equal weight
// need their keys. Only where the total is counted exactly (direct facets, or match spies
// over every match): the estimates of a run with one more post may differ.
std::optional<Run> Matcher::page_by_relevance(Xapian::doccount count, Xapian::doccount check) {
  enquire_.set_sort_by_relevance();
  Run r{enquire_.get_mset(0, count + 1, check), {}, {}, -1};
  sort_ties_by_key();
  const auto past = [&](Xapian::doccount i) { return r.mset[i].get_weight(); };
  if (r.mset.size() > count &&
      (past(count) >= past(count - 1) || same_weight(past(count), past(count - 1))))
    return std::nullopt;
  r.ranked = ranked_of(r.mset, count, count);
  by_order_key_among_equals(r.ranked);
  return r;
}

// The same with kTieWindow posts past the page: the run of equal weights the page's last
// post is in usually ends inside them, and is then ordered by its keys here, where
// page_by_relevance() would match again sorted by key (weights equal to the run's rank
// before the first lower weight in either order, so the page holds the same posts). Only
// when the run may go on past the window does the match run again. Not where translations
// are collapsed: their total is the matcher's estimate, which depends on the posts asked
// for.
std::optional<Run> Matcher::page_with_ties(Xapian::doccount count, Xapian::doccount check) {
  enquire_.set_sort_by_relevance();
  Run r{enquire_.get_mset(0, count + kTieWindow, check), {}, {}, -1};
  sort_ties_by_key();
  if (reachable(r.mset, count, count + kTieWindow) >= count + kTieWindow) return std::nullopt;
  r.ranked = ranked_of(r.mset, count, count + kTieWindow);
  by_order_key_among_equals(r.ranked);
  if (r.ranked.size() > count) r.ranked.resize(count);
  return r;
}

// With facets, every run sees all its matches and counts them on the way. Without facets,
// 100 for a fair estimate of the total; counted from the posting lists at the end
// (FacetCounter::finish, which also gives the exact total), the page alone. Where every
// match is seen, by relevance alone with the ties ordered here (page_with_ties): a phrase of
// two common words has tens of thousands of matches, and under Xapian's relevance-then-value
// sort, which reads order keys as it goes, such phrases took about a third more CPU on
// 100,000 posts.
Run Matcher::run_query(const Xapian::Query& query, bool has_words, Xapian::doccount count) {
  const Xapian::Query matching = with_filters(query, filters_);
  enquire_.set_query(with_boosts(in_.sites != nullptr ? in_.sites->boosted(matching) : matching,
                                 has_words, {plan_.pinned, plan_.recency_half_life_days}));
  enquire_.clear_matchspies();
  FacetCounter* facets = in_.facets;
  const bool direct = facets != nullptr && facets->counts_directly(matching);
  Xapian::doccount check = direct ? needed_ : std::max<Xapian::doccount>(needed_, 100);
  int spy = -1;
  if (facets != nullptr && !plan_.spies_miscount && !direct) {
    spy = attach_spies();
    if (spy >= 0) check = in_.db.get_doccount();
  }
  // Where every match is counted (from the posting lists, or by spies that see them all),
  // the total and the facets do not depend on the posts asked for.
  if (plan_.order == MatchOrder::kRelevance && (direct || (spy >= 0 && !plan_.collapse)) &&
      count > 0) {
    std::optional<Run> r =
        plan_.collapse ? page_by_relevance(count, check) : page_with_ties(count, check);
    if (r) {
      r->ran = enquire_.get_query();
      r->spy = spy;
      return std::move(*r);
    }
    if (spy >= 0) spy = attach_spies();  // those spies counted that run: fresh ones for the next
  }
  // By relevance, a few posts past the last one kept: a run of equal weights that goes on
  // past it is ordered whole by its keys before the cut.
  const Xapian::doccount window = plan_.order == MatchOrder::kRelevance ? kTieWindow : 0;
  Xapian::MSet mset = enquire_.get_mset(0, count + window, check);
  std::vector<Ranked> ranked = ranked_of(mset, count, count + window);
  if (window > 0) by_order_key_among_equals(ranked);
  if (ranked.size() > count) ranked.resize(count);
  return {std::move(mset), std::move(ranked), enquire_.get_query(), spy};
}

// Attaches a fresh run of the facet counter's shared spies: its index, or -1 when there are
// none (every facet is counted on its own).
int Matcher::attach_spies() {
  enquire_.clear_matchspies();
  const auto [spies, index] = in_.facets->shared_spy();
  for (Xapian::MatchSpy* s : spies) enquire_.add_matchspy(s);
  return spies.empty() ? -1 : index;
}

// Nothing has every word: the words the index lacks, spelt as the index spells them. True
// when the corrected query matched and became the result's.
bool Matcher::correct(Run& all, Matches& m) {
  m.did_you_mean = in_.builder.correction(in_.request.q);
  if (m.did_you_mean.empty()) return false;
  ParseOptions same;
  same.partial = in_.request.partial;
  ParsedQuery fixed = in_.builder.parse(m.did_you_mean, same);
  title_ = in_.builder.title_query(m.did_you_mean);
  Run fixed_run = run_query(lifted(fixed.query), fixed.has_words, std::max(needed_, kRelaxBelow));
  if (fixed_run.ranked.empty()) return false;
  all = std::move(fixed_run);
  strict_ = std::move(fixed);
  strict_text_ = m.did_you_mean;
  return true;
}

// Few posts have every word: they come first, and the best posts with some of the words
// follow them. True when the relaxed run added posts and became the result's source.
bool Matcher::relax(const Run& all, Matches& m) {
  const std::size_t found = all.ranked.size();
  const bool feedback = plan_.feedback_allowed && strict_.word_count >= kFeedbackMinWords;
  if (!strict_.has_words || strict_.word_count <= 1 || found >= kRelaxBelow) return false;
  ParseOptions po;
  po.op = DefaultOperator::kOr;
  po.partial = false;
  ParsedQuery relaxed = in_.builder.parse(strict_text_, po);
  // Relaxing that leaves the query as it was (a phrase alone, say) matches no more than the
  // `found` it matched: no second full pass.
  if (!feedback && relaxed.query.serialise() == strict_.query.serialise()) return false;
  if (feedback) relaxed.query = with_feedback(relaxed.query);
  Run some = run_query(lifted(relaxed.query), true, needed_ + static_cast<Xapian::doccount>(found));
  if (some.ranked.size() <= found) return false;
  std::vector<Ranked> merged = all.ranked;
  std::set<Xapian::docid> seen;
  std::set<std::string> groups;  // a translation of a post shown is not shown again
  auto group = [&](const Ranked& r) {
    return in_.request.collapse ? r.doc.get_value(schema::kSlotTranslation) : std::string();
  };
  for (const Ranked& r : all.ranked) {
    seen.insert(r.docid);
    groups.insert(group(r));
  }
  for (const Ranked& r : some.ranked) {
    const std::string g = group(r);
    if (seen.insert(r.docid).second && (g.empty() || groups.insert(g).second)) merged.push_back(r);
  }
  take(m, merged);
  m.snippets = {some.mset, some.ran, some.ran};
  m.text_query = relaxed.query;
  m.total = total_of(some.mset);
  m.facet_spy = some.spy;
  m.relaxed = true;
  return true;
}

// Adds the key terms of the best few matches, at a lower weight: long questions rarely use
// the words the posts use, and the top posts say which words those are.
Xapian::Query Matcher::with_feedback(const Xapian::Query& query) const {
  Xapian::Enquire fb(in_.db);
  fb.set_weighting_scheme(ranking());
  fb.set_query(query);
  // Posts of equal weight at the cut are taken in order-key order, as a page's are: by
  // document id, the words chosen differed between two builds of one site and between
  // shards and one database.
  const Xapian::MSet top = fb.get_mset(0, kFeedbackDocs + kTieWindow);
  if (top.empty()) return query;
  std::vector<Ranked> ranked = ranked_of(top, kFeedbackDocs, kFeedbackDocs + kTieWindow);
  by_order_key_among_equals(ranked);
  std::vector<Xapian::docid> posts;
  for (std::size_t i = 0; i < ranked.size() && posts.size() < kFeedbackDocs; ++i)
    posts.push_back(ranked[i].docid);
  ExpandOptions eo;
  eo.prefix = "Z";  // word stems: no field copies, no filters
  eo.accept = [](const std::string& t) { return t.size() > 3 && t[1] >= 'a' && t[1] <= 'z'; };
  eo.query = query;
  eo.count = kFeedbackTerms;
  eo.frequencies = in_.frequencies;
  // Exact term frequencies: over shards Xapian's own expansion estimates them from the
  // shards holding the chosen posts, and the words chosen would differ from one database's.
  const std::vector<std::string> extra = expand_terms(in_.db, posts, eo);
  if (extra.empty()) return query;
  return with_extra_words(query, feedback_query(extra, kFeedbackWeight));
}

void Matcher::take(Matches& m, const std::vector<Ranked>& ranked) const {
  for (std::size_t i = plan_.first; i < ranked.size() && m.docs.size() < plan_.page_size; ++i) {
    m.docs.push_back(ranked[i]);
  }
}

// Every word required, and all of its posts when they are fewer than kRelaxBelow: whether
// to correct or relax, and the total, are decided on the whole match, the same for every
// page and page size.
Matches Matcher::run() {
  const ParsedQuery& parsed = in_.parsed;
  title_ = parsed.has_words ? in_.builder.title_query(in_.request.q) : Xapian::Query();
  strict_ = parsed;
  strict_text_ = in_.request.q;
  Run all = run_query(lifted(parsed.query), parsed.has_words, std::max(needed_, kRelaxBelow));
  Matches m;
  if (parsed.has_words && all.ranked.empty()) m.corrected = correct(all, m);
  m.text_query = strict_.query;
  m.snippets = {all.mset, all.ran, Xapian::Query()};
  m.total = total_of(all.mset);
  m.every_word = !all.ranked.empty();
  if (relax(all, m)) return m;
  take(m, all.ranked);
  m.facet_spy = all.spy;
  m.snippets.latest = enquire_.get_query();  // a relaxed run may have replaced it
  return m;
}

}  // namespace

MatchPlan plan_match(const SearchRequest& request, const ParsedQuery& parsed,
                     const IndexTraits& traits, int per_page) {
  MatchPlan plan;
  const bool by_relevance = request.sort == SortOrder::kRelevance;
  if (by_relevance && parsed.has_words) {
    plan.order = MatchOrder::kRelevance;
  } else if (request.sort == SortOrder::kDateAscending) {
    plan.order = MatchOrder::kOldestFirst;
  } else {
    plan.order = MatchOrder::kNewestFirst;  // without words every post weighs the same
  }
  plan.collapse = request.collapse && traits.grouped;
  plan.pinned = traits.pinned;
  plan.recency_half_life_days = request.recency_half_life_days;
  if (traits.remote && plan.recency_half_life_days > 0) {
    // Our recency source is not a class a xapian-tcpsrv can rebuild.
    plan.recency_half_life_days = 0;
    plan.notes.emplace_back("recency is not available with remote shards; ignored");
  }
  // Xapian 1.4 over remote shards: with a relevance-then-value sort the match spies saw
  // more documents than matched (29 for 23); the facets then get a pass of their own.
  plan.spies_miscount = traits.remote && plan.order == MatchOrder::kRelevance;
  plan.feedback_allowed = by_relevance;
  plan.page_size = static_cast<Xapian::doccount>(per_page);
  plan.first = static_cast<Xapian::doccount>((std::max(1, request.page) - 1) * per_page);
  return plan;
}

Matches run_match(const MatchPlan& plan, const MatchInputs& in) { return Matcher(plan, in).run(); }

}  // namespace postsearch
