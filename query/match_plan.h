// How a search is matched, decided before it runs and returned as a value: the order of the
// posts (relevance with a stable tie order, newest or oldest first), the lifts that apply,
// and what remote shards cannot do (our recency source, key makers). run_match() then runs
// the plan: every word required; when nothing matches, the spelling the index knows
// ("corrected"); when fewer than a page of posts have every word, the best posts with some
// of them after those ("relaxed"), long questions with feedback terms from the top posts.
// Correcting and relaxing are decided on the whole match, never on the page asked for.
//
// Errors: Xapian exceptions propagate (the searcher retries). Threads: the caller's; the
// database and the builder are the calling searcher's.
#pragma once

#include <xapian.h>

#include <string>
#include <vector>

#include "query/highlight.h"
#include "query/search_types.h"

namespace postsearch {

class FacetCounter;
class SiteLayout;
class QueryBuilder;
class TermFrequencies;
struct ParsedQuery;

// What the open index is, as far as matching goes.
struct IndexTraits {
  bool remote = false;   // some shard is remote: Xapian's serialisable classes only
  bool pinned = false;   // some post carries a boost value
  bool grouped = false;  // some post is in a translation group
};

// The order of the posts. Every order ends in an order key (schema::order_key: date, then
// id), never in document ids, so one database and any shard layout of the same posts give
// the same order. The date orders are by date, then id: Xapian's remote shards sort by one
// value at most, so weight cannot come between the two.
enum class MatchOrder {
  kRelevance,    // by weight; equal weights newest first, then by id
  kNewestFirst,  // newest first, posts without a date last
  kOldestFirst,  // oldest first, posts without a date last
};

struct MatchPlan {
  MatchOrder order = MatchOrder::kRelevance;
  bool collapse = false;  // one hit per translation group
  bool pinned = false;    // lift pinned posts
  double recency_half_life_days = 0;
  bool spies_miscount = false;    // facets need a pass of their own (remote, relevance order)
  bool feedback_allowed = false;  // long questions may get feedback terms
  Xapian::doccount first = 0;     // the first post of the page asked for, 0-based
  Xapian::doccount page_size = 10;
  std::vector<std::string> notes;  // what the index could not do for the request, in words
};

// The plan for `request`, whose query parsed as `parsed`, against an index like `traits`.
[[nodiscard]] MatchPlan plan_match(const SearchRequest& request, const ParsedQuery& parsed,
                                   const IndexTraits& traits, int per_page);

// A matching document, its weight, and its docid in the database searched (over shards,
// Document::get_docid() gives the docid within the document's own shard).
struct Ranked {
  Xapian::Document doc;
  double weight = 0;
  Xapian::docid docid = 0;
};

// The ranked posts of one search: the page's matching documents in order, and the run whose
// query holds every searched term (for snippets).
struct Matches {
  std::vector<Ranked> docs;
  HighlightSource snippets;
  Xapian::Query text_query;  // the words the result is for (corrected, relaxed)
  Total total;
  std::string did_you_mean;
  bool relaxed = false;
  bool corrected = false;
  bool every_word = false;  // some post has every word
  int facet_spy = -1;       // the FacetCounter spy that saw these matches, or -1
};

// What run_match() reads besides the plan.
struct MatchInputs {
  const Xapian::Database& db;
  QueryBuilder& builder;  // the request's language's
  const SearchRequest& request;
  const ParsedQuery& parsed;
  FacetCounter* facets = nullptr;          // counts the matches on the way; null: no facets
  TermFrequencies* frequencies = nullptr;  // the revision's memo for feedback, or null
  const SiteLayout* sites = nullptr;       // several sites searched as one: their boosts
};

[[nodiscard]] Matches run_match(const MatchPlan& plan, const MatchInputs& in);

}  // namespace postsearch
