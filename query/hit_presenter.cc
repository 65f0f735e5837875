#include "query/hit_presenter.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "common/document.h"
#include "common/schema.h"
#include "common/text.h"
#include "query/excerpts.h"
#include "query/post_cache.h"
#include "query/query_builder.h"
#include "query/ranking.h"

namespace postsearch {
namespace {

using schema::Filter;

constexpr const char* kMarkOpen = "<mark>";
constexpr const char* kMarkClose = "</mark>";
constexpr std::size_t kMaxGroupPosts = 32;  // translations read per hit

// The stemmer given to the snippet generator: the query builder's, through its memo. The
// highlighter itself skips the words that cannot stem to a query stem when the stemmer
// changes only the ends of words (Snowball's dying -> die keeps the first letter, no more);
// Indonesian and Irish take prefixes off, so every word is stemmed for them.
class MemoStemmer : public Xapian::StemImplementation {
 public:
  // `builder` outlives the stemmer (both live for the search).
  explicit MemoStemmer(QueryBuilder& builder) : builder_(builder) {}
  std::string operator()(const std::string& word) override { return builder_.stem(word); }
  [[nodiscard]] std::string get_description() const override {
    return "MemoStemmer(" + builder_.stemmer().get_description() + ")";
  }

  static HighlightStemmer wrap(QueryBuilder& builder) {
    static constexpr std::array<std::string_view, 11> kSuffixOnly = {
        "Xapian::Stem(english)",    "Xapian::Stem(porter)",  "Xapian::Stem(french)",
        "Xapian::Stem(german)",     "Xapian::Stem(spanish)", "Xapian::Stem(italian)",
        "Xapian::Stem(portuguese)", "Xapian::Stem(dutch)",   "Xapian::Stem(swedish)",
        "Xapian::Stem(norwegian)",  "Xapian::Stem(danish)"};
    const std::string d = builder.stemmer().get_description();
    const bool suffixes = std::find(kSuffixOnly.begin(), kSuffixOnly.end(), d) != kSuffixOnly.end();
    return {Xapian::Stem(new MemoStemmer(builder)), suffixes};
  }

 private:
  QueryBuilder& builder_;
};

bool same_lang(const std::string& a, const std::string& b) {
  return schema::normalise_filter_value(Filter::kLang, a) ==
         schema::normalise_filter_value(Filter::kLang, b);
}

// Whether the post `id` is among the matches of `query`.
bool matches_post(const Xapian::Database& db, const Xapian::Query& query, const std::string& id) {
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query,
                                  Xapian::Query(schema::filter_term(Filter::kId, id))));
  return !enquire.get_mset(0, 1).empty();
}

}  // namespace

Hit hit_of(const StoredPost& post) {
  Hit h;
  h.id = post.id;
  h.url = post.url;
  h.passage_url = post.url;
  h.title = post.title;
  h.date = post.date_text;
  h.authors = post.authors;
  h.tags = post.tags;
  h.categories = post.categories;
  h.description = post.description;
  h.lang = post.lang;
  h.type = post.type;
  h.title_html = text::html_escape(post.title);
  return h;
}

HitPresenter::HitPresenter(const Xapian::Database& db, const Matches& matches,
                           QueryBuilder& builder, PresentOptions options)
    : db_(db),
      text_query_(matches.text_query),
      options_(std::move(options)),
      needles_(needles_of(matches.text_query)),
      highlighter_(std::make_unique<Highlighter>(matches.snippets, MemoStemmer::wrap(builder),
                                                 HighlightMarks{kMarkOpen, kMarkClose, "…"})),
      rank_(options_.first_rank) {}

HitPresenter::~HitPresenter() = default;

// The post a hit shows and the group's other posts, as its translations.
struct HitPresenter::Shown {
  std::shared_ptr<const StoredPost> post;
  std::vector<Translation> translations;
};

// The post stored in `doc` (`docid` in the database searched), from the post memo (when
// there is one) or decoded and kept there.
std::shared_ptr<const StoredPost> HitPresenter::stored(const Xapian::Document& doc,
                                                       Xapian::docid docid) const {
  if (options_.posts != nullptr) {
    if (auto post = options_.posts->find(docid)) return post;
  }
  auto post = std::make_shared<const StoredPost>(decode_stored(doc.get_data()));
  if (options_.posts != nullptr) options_.posts->insert(docid, post);
  return post;
}

// The post a hit shows: the reader's language (else the site's) when that translation
// matches the search too, and the group's other posts as its translations.
HitPresenter::Shown HitPresenter::shown_post(const Ranked& match) const {
  Shown out{stored(match.doc, match.docid), {}};
  const std::string key = match.doc.get_value(schema::kSlotTranslation);
  if (key.empty()) return out;
  const std::string term = std::string(schema::kTranslationPrefix) + key;
  std::vector<std::shared_ptr<const StoredPost>> group;
  for (auto p = db_.postlist_begin(term);
       p != db_.postlist_end(term) && group.size() < kMaxGroupPosts; ++p) {
    group.push_back(*p == match.docid ? out.post : stored(db_.get_document(*p), *p));
  }
  const Xapian::Query& matching = options_.translations_matching;
  for (const std::string& want : {options_.reader_lang, options_.site_lang}) {
    if (matching.empty() || same_lang(out.post->lang, want)) break;
    const auto it = std::find_if(group.begin(), group.end(),
                                 [&](const auto& post) { return same_lang(post->lang, want); });
    if (it != group.end() && matches_post(db_, matching, (*it)->id)) {
      out.post = *it;
      break;
    }
  }
  for (const auto& post : group) {
    if (post != out.post) out.translations.push_back({post->lang, post->url, post->title});
  }
  return out;
}

Hit HitPresenter::present(const Ranked& match) {
  Shown shown = shown_post(match);
  const StoredPost& post = *shown.post;
  Hit h = hit_of(post);
  h.translations = std::move(shown.translations);
  h.rank = rank_++;
  h.score = match.weight;
  if (options_.snippets) {
    // A title without a possible match keeps its plain escaped form (hit_of): a snippet
    // call costs tens of thousands of instructions even for a short title.
    if (may_stem_to(post.title, needles_))
      h.title_html = excerpt_of(*highlighter_, post.title, post.title.size() + 8);
    Excerpts ex = excerpts(*highlighter_, post, needles_);
    h.snippet_html = std::move(ex.snippet_html);
    if (!ex.passage_url.empty()) h.passage_url = std::move(ex.passage_url);
    h.sections = std::move(ex.sections);
  }
  if (options_.explain) h.explain = explain_hit(db_, text_query_, post.id, h.score);
  return h;
}

}  // namespace postsearch
