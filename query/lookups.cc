#include "query/lookups.h"

#include <algorithm>

#include "common/document.h"
#include "common/schema.h"
#include "query/hit_presenter.h"

namespace postsearch {
namespace {

using schema::Filter;

// Related posts: the weight of each tag shared with the post, beside BM25 of its key words.
constexpr double kRelatedTagWeight = 1.0;

}  // namespace

namespace {

// The query for posts like `self` (document `docid`): its key words (BM25) and each tag it
// has (a fixed weight per tag shared).
Xapian::Query like_post(const Xapian::Database& db, Xapian::docid docid, const StoredPost& self) {
  Xapian::Enquire enquire(db);
  Xapian::RSet rset;
  rset.add_document(docid);
  // Key words of the post: unprefixed terms only (no filters, no field copies).
  struct Words : Xapian::ExpandDecider {
    bool operator()(const std::string& t) const override {
      return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z') && t.size() > 2;
    }
  } words;
  enquire.set_query(Xapian::Query::MatchAll);
  // Exact term frequencies: over shards, the estimate would depend on the layout.
  const Xapian::ESet eset = enquire.get_eset(25, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &words);
  std::vector<Xapian::Query> parts;
  for (auto t = eset.begin(); t != eset.end(); ++t) parts.emplace_back(*t);
  // Each shared tag adds a fixed weight (tag terms are boolean: BM25 gives them none).
  for (const auto& tag : self.tags) {
    parts.emplace_back(
        Xapian::Query::OP_FILTER,
        Xapian::Query((new Xapian::FixedWeightPostingSource(kRelatedTagWeight))->release()),
        Xapian::Query(schema::filter_term(Filter::kTag, tag)));
  }
  return {Xapian::Query::OP_OR, parts.begin(), parts.end()};
}

// `like` without the post itself and its translations, of its own type (a post's related
// posts, not the site's About page), in `langs` (empty: any).
Xapian::Query among_others(const Xapian::Query& like, const Xapian::Document& doc,
                           const StoredPost& self, const std::vector<std::string>& langs) {
  std::vector<Xapian::Query> excluded{Xapian::Query(schema::filter_term(Filter::kId, self.id))};
  if (const std::string key = doc.get_value(schema::kSlotTranslation); !key.empty())
    excluded.emplace_back(std::string(schema::kTranslationPrefix) + key);
  excluded.emplace_back(Xapian::Query::OP_AND_NOT, Xapian::Query::MatchAll,
                        Xapian::Query(schema::filter_term(Filter::kType, self.type)));
  Xapian::Query wanted(Xapian::Query::OP_AND_NOT, like,
                       Xapian::Query(Xapian::Query::OP_OR, excluded.begin(), excluded.end()));
  std::vector<Xapian::Query> lang_terms;
  for (const auto& l : langs) lang_terms.emplace_back(schema::filter_term(Filter::kLang, l));
  if (lang_terms.empty()) return wanted;
  return {Xapian::Query::OP_FILTER, wanted,
          Xapian::Query(Xapian::Query::OP_OR, lang_terms.begin(), lang_terms.end())};
}

}  // namespace

// NOLINTNEXTLINE(readability-function-size): five inputs, each one of the request's own fields
std::optional<std::vector<Hit>> related_posts(const Xapian::Database& db, const std::string& id,
                                              int count,
                                              const std::optional<std::vector<std::string>>& langs,
                                              const SiteLink& site) {
  const std::string idterm = schema::filter_term(Filter::kId, id);
  Xapian::PostingIterator p = db.postlist_begin(idterm);
  if (p == db.postlist_end(idterm)) return std::nullopt;
  const Xapian::docid docid = *p;
  const Xapian::Document doc = db.get_document(docid);
  const StoredPost self = decode_stored(doc.get_data());
  Xapian::Enquire enquire(db);
  enquire.set_query(
      among_others(like_post(db, docid, self), doc, self, langs ? *langs : std::vector{self.lang}));
  // Equal scores: by the order key (newest first, then id), never by document ids.
  enquire.set_sort_by_relevance_then_value(schema::kSlotOrder, true);
  const Xapian::MSet mset =
      enquire.get_mset(0, static_cast<Xapian::doccount>(std::clamp(count, 1, kMaxPerPage)));
  std::vector<Hit> hits;
  int rank = 0;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    Hit h = hit_of(decode_stored(it.get_document().get_data()));
    h.rank = ++rank;
    h.score = it.get_weight();
    h.absolute_url = site.absolute(h.url);
    hits.push_back(std::move(h));
  }
  return hits;
}

// NOLINTNEXTLINE(readability-function-size): five inputs, each one of the request's own fields
std::vector<Completion> word_completions(const Xapian::Database& db, const std::string& head,
                                         const std::string& last, std::size_t limit,
                                         const std::vector<std::string>& langs) {
  constexpr std::size_t kScanned = 5000;
  constexpr std::size_t kCompletionCandidates = 64;
  std::vector<Completion> found;
  std::size_t seen = 0;
  for (auto t = db.allterms_begin(last); t != db.allterms_end(last) && seen < kScanned;
       ++t, ++seen) {
    found.push_back({*t, t.get_termfreq()});
  }
  auto by_posts = [](const Completion& a, const Completion& b) { return a.posts > b.posts; };
  std::stable_sort(found.begin(), found.end(), by_posts);
  if (!langs.empty()) {
    if (found.size() > kCompletionCandidates) found.resize(kCompletionCandidates);
    std::vector<Xapian::Query> lang_terms;
    for (const auto& l : langs) lang_terms.emplace_back(schema::filter_term(Filter::kLang, l));
    const Xapian::Query in(Xapian::Query::OP_OR, lang_terms.begin(), lang_terms.end());
    Xapian::Enquire enquire(db);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    for (auto& c : found) {
      enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(c.text), in));
      c.posts = enquire.get_mset(0, 0, db.get_doccount()).get_matches_estimated();
    }
    found.erase(std::remove_if(found.begin(), found.end(),
                               [](const Completion& c) { return c.posts == 0; }),
                found.end());
    std::stable_sort(found.begin(), found.end(), by_posts);
  }
  if (found.size() > limit) found.resize(limit);
  for (auto& c : found) c.text = head + c.text;
  return found;
}

}  // namespace postsearch
