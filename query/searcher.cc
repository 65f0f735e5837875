#include "query/searcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <set>

#include "common/document.h"
#include "common/index_layout.h"
#include "common/schema.h"
#include "common/stop_words.h"
#include "common/text.h"
#include "query/expand.h"
#include "query/facet_table.h"
#include "query/facets.h"
#include "query/filters.h"
#include "query/highlight.h"
#include "query/passage.h"
#include "query/query_builder.h"

namespace postsearch {
namespace {

using schema::Filter;

constexpr std::size_t kSnippetLength = 200;
constexpr std::size_t kSectionSnippetLength = 160;
constexpr std::size_t kMaxSnippetSource = 32 * 1024;  // text per section searched for an excerpt
// A section's excerpt is chosen from this much text around its first possible match: the
// snippet generator tokenises and stems all it is given, and long sections dominated the
// cost of a page of hits.
constexpr std::size_t kExcerptWindowBefore = 100;
constexpr std::size_t kExcerptWindow = 420;
constexpr std::size_t kMaxSectionsPerHit = 3;
constexpr std::size_t kExcerptedSections = kMaxSectionsPerHit;  // sections given a snippet call
constexpr const char* kMarkOpen = "<mark>";
constexpr const char* kMarkClose = "</mark>";
// Related posts: the weight of each tag shared with the post, beside BM25 of its key words.
constexpr double kRelatedTagWeight = 1.0;

// BM25 with the schema's k1 (schema::bm25_k1).
Xapian::BM25Weight ranking() { return Xapian::BM25Weight(schema::bm25_k1(), 0, 1, 0.75, 0.5); }

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

// `pinned`: some post in the index carries a boost value (else the source is skipped).
Xapian::Query with_boosts(const Xapian::Query& q, const SearchRequest& r, bool has_words,
                          bool pinned) {
  Xapian::Query out = q;
  if (has_words && pinned) {
    // Pinned posts: a small constant lift, scaled by their boost value.
    auto* boost = new Xapian::ValueWeightPostingSource(schema::kSlotBoost);
    out = Xapian::Query(
        Xapian::Query::OP_AND_MAYBE, out,
        Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(boost->release()), 2.0));
  }
  if (r.recency_half_life_days > 0) {
    RecencySource recency(static_cast<double>(std::time(nullptr)),
                          r.recency_half_life_days * 86400.0, 2.0);
    out =
        Xapian::Query(Xapian::Query::OP_AND_MAYBE, out, Xapian::Query(recency.clone()->release()));
  }
  return out;
}

int count_marks(const std::string& html) {
  int n = 0;
  for (std::size_t p = html.find(kMarkOpen); p != std::string::npos;
       p = html.find(kMarkOpen, p + 1))
    ++n;
  return n;
}

std::string snippet(Highlighter& highlighter, const std::string& text, std::size_t length,
                    unsigned flags = 0) {
  if (text.empty()) return "";
  // CJK text is matched as n-grams, as it was indexed.
  return highlighter.snippet(text, length, flags | Xapian::MSet::SNIPPET_CJK_NGRAM);
}

// The hit's snippet and its best sections from one pass over the post's text: each
// section's text is excerpted once (text without a match costs a scan, no excerpt), the
// excerpt with the most matches becomes the hit's snippet, and the sections with matches
// in heading (counted double) or text become deep links.
struct Excerpts {
  std::string snippet_html;
  std::string passage_url;  // the snippet's passage (query/passage.h); empty: the post's URL
  std::vector<SectionHit> sections;
};

// The words a snippet can highlight, lower case, for a cheap "could this text match?"
// test before the (tokenising, stemming) snippet call. A stem is a prefix of the word it
// comes from except for its last letter at most (Snowball's happy -> happi, loving -> love), so a
// stem of four letters or more is looked for without its last one.
std::vector<std::string> needles_of(const Xapian::Query& query) {
  std::vector<std::string> out;
  for (auto t = query.get_unique_terms_begin(); t != query.get_unique_terms_end(); ++t) {
    std::string term = *t;
    const bool stem = !term.empty() && term[0] == 'Z';
    if (stem) term.erase(0, 1);
    if (term.empty() || (term[0] >= 'A' && term[0] <= 'Z')) continue;  // filters, field copies
    if (stem && term.size() >= 4 && static_cast<unsigned char>(term.back()) < 0x80) term.pop_back();
    out.push_back(term);
  }
  // A needle that starts with another is redundant (the completions of a word being typed
  // all start with it): any text holding it holds the shorter one, no later.
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  std::vector<std::string> kept;
  for (const auto& n : out) {
    if (kept.empty() || n.rfind(kept.back(), 0) != 0) kept.push_back(n);
  }
  return kept;
}

// Where the first needle occurs in `text` (ASCII case-insensitively), or npos.
std::size_t first_match(std::string_view text, const std::vector<std::string>& needles) {
  // Lower-cased once, then searched with string_view::find (memchr and memcmp underneath):
  // a fraction of a character-by-character search per needle.
  std::string lowered(text);
  text::ascii_lower(lowered);
  std::size_t first = std::string_view::npos;
  for (const auto& n : needles) {
    const std::string_view before = std::string_view(lowered).substr(0, first);
    if (const std::size_t at = before.find(n); at != std::string_view::npos) first = at;
  }
  return first;
}

bool may_match(std::string_view text, const std::vector<std::string>& needles) {
  return first_match(text, needles) != std::string_view::npos;
}

// Whether a word of `text` may stem to a query stem: a wider test than may_match (dying ->
// die), for short texts such as titles: a word that begins with a needle's first letter
// (ASCII case-insensitively), or any non-ASCII text.
bool may_stem_to(std::string_view text, const std::vector<std::string>& needles) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  bool word_start = true;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
    const bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (alnum && word_start &&
        std::any_of(needles.begin(), needles.end(),
                    [&](const std::string& n) { return n[0] == lower(c); }))
      return true;
    word_start = !alnum;
  }
  return false;
}

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

// The text around `at` that an excerpt is taken from: whole UTF-8 characters, starting
// after a space when it does not start at the beginning.
std::string window_around(std::string_view text, std::size_t at) {
  auto is_continuation = [&](std::size_t i) {
    return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  std::size_t start = at > kExcerptWindowBefore ? at - kExcerptWindowBefore : 0;
  if (start > 0) {
    const std::size_t space = text.find(' ', start);
    start = space != std::string_view::npos && space < at ? space + 1 : start;
    while (is_continuation(start)) ++start;
  }
  std::size_t end = std::min(text.size(), start + kExcerptWindow);
  while (end < text.size() && is_continuation(end)) --end;
  return std::string(text.substr(start, end - start));
}

// The sections worth excerpting: those whose heading (counted double) or text may hold a
// match, best first, at most kExcerptedSections. The test is a substring search; the
// snippet calls that follow cost far more (Xapian weighs every query term per call).
std::vector<std::size_t> excerpt_candidates(const StoredPost& post,
                                            const std::vector<std::string>& needles,
                                            std::vector<std::size_t>& first_at) {
  std::vector<std::pair<int, std::size_t>> scored;
  first_at.assign(post.sections.size(), std::string_view::npos);
  for (std::size_t i = 0; i < post.sections.size(); ++i) {
    const Section& s = post.sections[i];
    first_at[i] = first_match(
        std::string_view(s.text).substr(0, std::min(s.text.size(), kMaxSnippetSource)), needles);
    const bool heading = !s.anchor.empty() && may_match(s.heading, needles);
    const int score = (heading ? 2 : 0) + (first_at[i] != std::string_view::npos ? 1 : 0);
    if (score > 0) scored.emplace_back(score, i);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < scored.size() && k < kExcerptedSections; ++k) {
    out.push_back(scored[k].second);
  }
  return out;
}

Excerpts excerpts(Highlighter& highlighter, const StoredPost& post,
                  const std::vector<std::string>& needles) {
  struct Scored {
    int score;
    std::size_t index;
    SectionHit hit;
  };
  std::vector<Scored> scored;
  int best_marks = 0;
  Excerpts out;
  std::vector<std::size_t> first_at;
  for (const std::size_t i : excerpt_candidates(post, needles, first_at)) {
    const Section& s = post.sections[i];
    const std::string body =
        first_at[i] != std::string_view::npos
            ? snippet(highlighter, window_around(s.text, first_at[i]), kSectionSnippetLength,
                      Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH)
            : std::string();
    const int marks = count_marks(body);
    const std::string section_url = s.anchor.empty() ? post.url : post.url + "#" + s.anchor;
    // Passage links: the section's URL with a text fragment for the excerpt's passage.
    const std::string passage = body.empty() ? section_url : passage_url(section_url, s, body);
    if (marks > best_marks) {
      best_marks = marks;
      out.snippet_html = body;
      out.passage_url = passage;
    }
    if (s.heading.empty() || s.anchor.empty()) continue;
    const std::string heading =
        may_match(s.heading, needles) ? snippet(highlighter, s.heading, s.heading.size() + 8) : "";
    const int score = 2 * count_marks(heading) + marks;
    if (score == 0) continue;
    scored.push_back(
        {score, i, {s.heading, s.anchor, section_url, body.empty() ? heading : body, passage}});
  }
  if (out.snippet_html.empty()) {
    // No match in the text (the title or a tag matched): the description, or the start.
    std::string lead = post.description;
    const Section* lead_section = nullptr;
    for (std::size_t i = 0; lead.empty() && i < post.sections.size(); ++i) {
      lead = text::truncate_utf8(post.sections[i].text, kExcerptWindow);  // the first with text
      lead_section = &post.sections[i];
    }
    out.snippet_html = snippet(highlighter, lead, kSnippetLength);
    out.passage_url.clear();
    if (lead_section != nullptr) {
      const std::string section_url =
          lead_section->anchor.empty() ? post.url : post.url + "#" + lead_section->anchor;
      out.passage_url = passage_url(section_url, *lead_section, out.snippet_html);
    }
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const Scored& a, const Scored& b) { return a.score > b.score; });
  if (scored.size() > kMaxSectionsPerHit) scored.resize(kMaxSectionsPerHit);
  std::sort(scored.begin(), scored.end(),
            [](const Scored& a, const Scored& b) { return a.index < b.index; });
  for (auto& sc : scored) out.sections.push_back(std::move(sc.hit));
  return out;
}

// The post stored in `doc` (`docid` in the database searched), from `cache` (when given)
// or decoded and kept there.
std::shared_ptr<const StoredPost> stored_post(const Xapian::Document& doc, Xapian::docid docid,
                                              PostCache* cache) {
  if (cache != nullptr) {
    if (auto post = cache->find(docid)) return post;
  }
  auto post = std::make_shared<const StoredPost>(decode_stored(doc.get_data()));
  if (cache != nullptr) cache->insert(docid, post);
  return post;
}

Hit hit_from(const StoredPost& post) {
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

// Whether `lang` is searched with words of its own: a Snowball stemmer, or CJK n-grams.
bool has_own_stemmer(const std::string& lang) {
  const std::string base = lang.substr(0, lang.find('-'));
  if (base.empty() || is_cjk_language(base)) return !base.empty();
  try {
    Xapian::Stem stem(base);
    return true;
  } catch (const Xapian::InvalidArgumentError&) {
    return false;
  }
}

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

// A translation group as one hit shows it.
struct GroupView {
  const Xapian::Database& db;
  PostCache* posts;
  std::string reader;      // the language shown when it has every word too
  std::string site;        // else this one
  Xapian::Query matching;  // the query every word of which a translation shown instead must have;
                           // empty: the hit is shown as it is
};

constexpr std::size_t kMaxGroupPosts = 32;  // translations read per hit

struct Presented {
  std::shared_ptr<const StoredPost> post;
  std::vector<Translation> translations;
};

// The post a hit shows, the reader's language (else the site's) when that translation
// matches the search too, and the group's other posts as its translations.
Presented present_group(const GroupView& v, const Xapian::Document& doc, Xapian::docid docid) {
  Presented out{stored_post(doc, docid, v.posts), {}};
  const std::string key = doc.get_value(schema::kSlotTranslation);
  if (key.empty()) return out;
  const std::string term = std::string(schema::kTranslationPrefix) + key;
  std::vector<std::shared_ptr<const StoredPost>> group;
  for (auto p = v.db.postlist_begin(term);
       p != v.db.postlist_end(term) && group.size() < kMaxGroupPosts; ++p) {
    group.push_back(*p == docid ? out.post : stored_post(v.db.get_document(*p), *p, v.posts));
  }
  for (const std::string& want : {v.reader, v.site}) {
    if (v.matching.empty() || same_lang(out.post->lang, want)) break;
    const auto it = std::find_if(group.begin(), group.end(),
                                 [&](const auto& post) { return same_lang(post->lang, want); });
    if (it != group.end() && matches_post(v.db, v.matching, (*it)->id)) {
      out.post = *it;
      break;
    }
  }
  for (const auto& post : group) {
    if (post != out.post) out.translations.push_back({post->lang, post->url, post->title});
  }
  return out;
}

// The score's parts: each query term's BM25 weight for this document.
nlohmann::json explain_hit(const Xapian::Database& db, const Xapian::Query& query,
                           const std::string& id, double score) {
  nlohmann::json terms = nlohmann::json::object();
  const Xapian::Query only(schema::filter_term(Filter::kId, id));
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

// A language tag's shape: 2 or 3 letters, then subtags of 1 to 8 letters or digits after '-'
// or '_' ("en", "pt-BR", "zh_Hant"), 35 bytes at most.
bool is_language_code(const std::string& lang) {
  if (lang.size() > 35) return false;
  std::size_t part = 0;  // characters in the current subtag
  std::size_t parts = 0;
  for (const char c : lang + "-") {
    if (c == '-' || c == '_') {
      if (part == 0 || part > 8 || (parts == 0 && part > 3) || (parts == 0 && part < 2))
        return false;
      ++parts;
      part = 0;
    } else if (std::isalpha(static_cast<unsigned char>(c)) ||
               (parts > 0 && std::isdigit(static_cast<unsigned char>(c)))) {
      ++part;
    } else {
      return false;
    }
  }
  return true;
}

// The primary language of a tag, in lower case: what stemmers and stop words go by.
std::string primary_language(const std::string& lang) {
  return text::fold_case(lang.substr(0, lang.find_first_of("-_")));
}

}  // namespace

Diagnostics validate_request(const SearchRequest& r) {
  Diagnostics out;
  auto bad = [&](const char* field, const std::string& message) {
    out.push_back({Severity::kError, "", 0, 0, field, message});
  };
  if (r.page < 1 || r.page > kMaxPage)
    bad("page", "must be between 1 and " + std::to_string(kMaxPage));
  if (r.per_page < 1 || r.per_page > kMaxPerPage)
    bad("per_page", "must be between 1 and " + std::to_string(kMaxPerPage));
  if (r.facet_limit < 1 || r.facet_limit > kMaxFacetLimit)
    bad("facet_limit", "must be between 1 and " + std::to_string(kMaxFacetLimit));
  if (!r.after.empty() && !parse_date_bound(r.after, false))
    bad("after", "expected a date such as 2023, 2023-04 or 2023-04-05");
  if (!r.before.empty() && !parse_date_bound(r.before, false))
    bad("before", "expected a date such as 2023, 2023-04 or 2023-04-05");
  if (r.recency_half_life_days < 0 || !std::isfinite(r.recency_half_life_days))
    bad("recency", "must be a number of days, 0 or more");
  for (const auto& y : r.years) {
    if (y.size() != 4 || !std::all_of(y.begin(), y.end(), ::isdigit))
      bad("year", "expected a year such as 2023, got '" + text::truncate_utf8(y, 40) + "'");
  }
  for (const auto& m : r.months) {
    if (m.size() != 7 || m[4] != '-' || !parse_date_bound(m, false))
      bad("month", "expected a month such as 2023-04, got '" + text::truncate_utf8(m, 40) + "'");
  }
  if (!r.lang.empty() && !is_language_code(r.lang))
    bad("query_lang", "expected a language code such as en, de or pt-BR");
  if (r.q.size() > 16 * kMaxQueryBytes)
    bad("q", "longer than " + std::to_string(16 * kMaxQueryBytes) + " bytes");
  return out;
}

namespace {

// What names the files an open Database reads: the stub's text, and for each database it
// lists, the (device, inode) of its directory and, for an `auto` line (the only kind that
// can name a stub directory: a shard kept by xapian-replicate, which switches copies by
// rewriting its stub), the text of its own stub. Empty when there is no index. Read at
// every lease, so our own `glass` lines cost a stat each and nothing more.
std::string index_identity(const std::filesystem::path& index_dir) {
  std::string identity = read_stub_text(index_dir);
  for (const auto& [type, where] : parse_stub(identity)) {
    if (type == "remote") continue;
    const std::filesystem::path path = std::filesystem::path(where).is_absolute()
                                           ? std::filesystem::path(where)
                                           : index_dir / where;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    identity += "\n" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    if (type == "auto") identity += "\n" + read_stub_text(path);
  }
  return identity;
}

}  // namespace

Searcher::Searcher(std::filesystem::path index_dir, std::shared_ptr<FacetTableCache> facet_tables,
                   OpenOptions open_options)
    : index_dir_(std::move(index_dir)),
      facet_tables_(std::move(facet_tables)),
      open_options_(open_options) {
  open();
}

Searcher::~Searcher() = default;

bool Searcher::knows_language(const std::string& primary) const {
  if (is_cjk_language(primary) || !stop_words(primary).empty()) return true;
  try {
    (void)Xapian::Stem(primary);
    return true;
  } catch (const Xapian::InvalidArgumentError&) {
  }
  return db_.term_exists(schema::filter_term(Filter::kLang, primary));
}

QueryBuilder& Searcher::builder_for(const std::string& asked, std::vector<std::string>& warnings) {
  std::string lang = primary_language(asked);
  auto it = builders_.find(lang);
  if (it != builders_.end()) return *it->second;
  if (asked != default_lang_ && !knows_language(lang)) {
    warnings.push_back("query_lang: no stemmer, stop words or posts for '" + asked +
                       "'; the index's language (" + default_lang_ + ") is used");
    lang = primary_language(default_lang_);
    it = builders_.find(lang);
    if (it != builders_.end()) return *it->second;
  }
  // A site with a language of every code could still name many: the map is emptied when full.
  if (builders_.size() >= kMaxQueryLanguages) builders_.clear();
  it = builders_
           .emplace(lang, std::make_unique<QueryBuilder>(
                              db_, lang, memos() ? memos()->completions(revision_) : nullptr))
           .first;
  return *it->second;
}

std::vector<std::string> Searcher::resolve_langs(const std::vector<std::string>& asked) const {
  auto have = [&](const std::string& l) {
    return std::binary_search(langs_.begin(), langs_.end(), l);
  };
  std::vector<std::string> out;
  for (const auto& a : asked) {
    if (a == "*") return {};
    std::string l = schema::normalise_filter_value(Filter::kLang, a);
    std::replace(l.begin(), l.end(), '_', '-');
    const std::string base = l.substr(0, l.find('-'));
    if (!have(l) && have(base)) {
      l = base;
    } else if (!have(l) && !fallback_lang_.empty()) {
      l = fallback_lang_;
    }
    if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  }
  return out;
}

std::string Searcher::reader_lang(const SearchRequest& request) const {
  if (!request.lang.empty()) {
    const std::vector<std::string> resolved = resolve_langs({request.lang});
    return resolved.empty() ? default_lang_ : resolved.front();
  }
  return request.langs.size() == 1 ? request.langs.front() : default_lang_;
}

void Searcher::open() {
  std::string identity = index_identity(index_dir_);
  OpenedIndex opened = open_index_for_reading(index_dir_, open_options_);
  db_ = opened.db;
  remote_ = opened.remote;
  missing_ = std::move(opened.missing);
  builders_.clear();  // they hold the old database for spelling and wildcards
  const std::vector<StubEntry> stub = read_stub(index_dir_);
  // "gen-N", "gen-N/shard-0" when sharded, "replica_1" on a xapian-replicate replica.
  generation_ = stub.empty() ? "" : stub.front().where.substr(0, stub.front().where.find('/'));
  identity_ = std::move(identity);
  broken_ = false;
  default_lang_ = db_.get_metadata(std::string(schema::kMetaDefaultLang));
  if (default_lang_.empty()) default_lang_ = "en";
  site_ = {db_.get_metadata(std::string(schema::kMetaSiteUrl)),
           db_.get_metadata(std::string(schema::kMetaBaseurl))};
  note_revision();
}

bool Searcher::refresh() {
  // A shard left out is tried again at every lease; so is a changed stub.
  if (index_identity(index_dir_) != identity_ || !missing_.empty()) {
    open();
    return true;
  }
  try {
    if (!db_.reopen()) return false;
    builders_.clear();  // what they remember (completions, synonyms) was the old revision's
    note_revision();
    return true;
  } catch (const Xapian::Error&) {
    if (!remote_) throw;
    open();  // a remote shard's connection is gone: connect anew (see with_retry)
    return true;
  }
}

WarmReport Searcher::warm(const std::atomic<bool>& stop) {
  WarmReport report;
  if (memos() == nullptr) {
    report.complete = true;  // nothing is kept for this searcher: nothing to fill
    return report;
  }
  try {
    if (db_.size() == 1) report.bitmaps = memos()->get(db_, revision_)->postings().fill(db_, stop);
    if (const std::shared_ptr<PostCache> posts = memos()->posts(revision_)) {
      std::vector<Xapian::docid> ids;
      for (auto p = db_.postlist_begin(""); p != db_.postlist_end("") && !stop; ++p)
        ids.push_back(*p);
      for (auto id = ids.rbegin(); id != ids.rend() && !stop; ++id) {
        if (posts->contains(*id)) continue;
        const Xapian::Document doc = db_.get_document(*id);
        if (!posts->insert_if_room(
                *id, std::make_shared<const StoredPost>(decode_stored(doc.get_data()))))
          break;
        ++report.posts;
      }
    }
    report.complete = !stop;
  } catch (const Xapian::DatabaseModifiedError&) {
    // A newer revision is out: its own warming follows.
  }
  return report;
}

template <typename F>
auto Searcher::with_retry(F f) -> decltype(f()) {
  try {
    try {
      return f();
    } catch (const Xapian::DatabaseModifiedError&) {
      refresh();
      return f();
    } catch (const Xapian::NetworkError&) {
      // A remote shard's connection died (xapian-tcpsrv's idle timeout, a restart): connect
      // anew, leaving it out if it stays down and partial answers are allowed.
      open();
      return f();
    } catch (const Xapian::DatabaseError&) {
      // The same, as a remote shard reports it: its server's own error passed back
      // ("REMOTE:Timeout expired while trying to read" after the idle timeout).
      if (!remote_) throw;
      open();
      return f();
    }
  } catch (const Xapian::DatabaseError&) {  // damaged, removed, replaced: not the request's fault
    broken_ = true;
    throw;
  } catch (const Xapian::NetworkError&) {
    broken_ = true;
    throw;
  }
}

SearchResponse Searcher::search(const SearchRequest& request) {
  SearchResponse response = with_retry([&] { return search_once(request); });
  for (Hit& h : response.hits) h.absolute_url = site_.absolute(h.url);
  return response;
}

namespace {

constexpr std::size_t kFeedbackMinWords = 4;   // questions this long get pseudo relevance feedback
constexpr Xapian::doccount kFeedbackDocs = 5;  // top posts the feedback terms come from
constexpr Xapian::termcount kFeedbackTerms = 10;
constexpr double kFeedbackWeight = 0.3;
// Fewer posts than this with every word: the query is relaxed (a page's worth by default).
constexpr Xapian::doccount kRelaxBelow = 10;

}  // namespace

// A matching document, its weight, and its docid in the database searched (over shards,
// Document::get_docid() gives the docid within the document's own shard).
struct Ranked {
  Xapian::Document doc;
  double weight;
  Xapian::docid docid;
};

// The ranked posts of one search: matching documents in order, and the run whose query
// holds every searched term (for snippets).
struct Matches {
  std::vector<Ranked> docs;
  HighlightSource snippets;  // `latest` is set when the runs are over
  Xapian::Query text_query;
  Total total;
  std::string did_you_mean;
  bool relaxed = false;
  bool corrected = false;
  bool every_word = false;  // some post has every word
  int facet_spy = -1;       // the FacetCounter spy that saw these matches, or -1
};

namespace {

// One matcher run: its MSet (statistics, estimates) and its posts in the order shown.
struct Run {
  Xapian::MSet mset;
  std::vector<Ranked> ranked;
};

std::vector<Ranked> ranked_of(const Xapian::MSet& mset, std::size_t limit) {
  std::vector<Ranked> out;
  for (auto it = mset.begin(); it != mset.end() && out.size() < limit; ++it) {
    out.push_back({it.get_document(), it.get_weight(), *it});
  }
  return out;
}

// Posts ranked by relevance alone (equal weights by docid), put in the order of Xapian's
// relevance-then-date sort (equal weights newest first, then by docid): each run of equal
// weights is sorted by its date values, compared as Xapian compares sort keys.
void newest_first_among_equals(std::vector<Ranked>& ranked) {
  for (std::size_t i = 0; i < ranked.size();) {
    std::size_t j = i + 1;
    while (j < ranked.size() && ranked[j].weight == ranked[i].weight) ++j;
    if (j - i > 1) {
      std::vector<std::pair<std::string, Ranked>> run;
      for (std::size_t k = i; k < j; ++k) {
        run.emplace_back(ranked[k].doc.get_value(schema::kSlotDate), ranked[k]);
      }
      std::stable_sort(run.begin(), run.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      for (std::size_t k = i; k < j; ++k) ranked[k] = std::move(run[k - i].second);
    }
    i = j;
  }
}

void take(Matches& m, const std::vector<Ranked>& ranked, std::size_t from, std::size_t limit) {
  for (std::size_t i = from; i < ranked.size() && m.docs.size() < limit; ++i) {
    m.docs.push_back(ranked[i]);
  }
}

Total total_of(const Xapian::MSet& m);

// Makes `mset` (the run of `query`, which ran as `ran`, counted by facet spy `spy`) the
// source of the result.
void adopt(Matches& m, const Xapian::MSet& mset, const Xapian::Query& query,
           const Xapian::Query& ran, int spy) {
  m.snippets.mset = mset;
  m.snippets.ran = ran;
  m.text_query = query;
  m.total = total_of(mset);
  m.facet_spy = spy;
}

Total total_of(const Xapian::MSet& m) {
  return {m.get_matches_estimated(), m.get_matches_lower_bound(), m.get_matches_upper_bound(),
          m.get_matches_lower_bound() == m.get_matches_upper_bound()};
}

}  // namespace

namespace {

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

}  // namespace

// Adds the key terms of the best few matches, at a lower weight: long questions rarely
// use the words the posts use, and the top posts say which words those are.
Xapian::Query Searcher::with_feedback(const Xapian::Query& query) {
  Xapian::Enquire fb(db_);
  fb.set_weighting_scheme(ranking());
  fb.set_query(query);
  const Xapian::MSet top = fb.get_mset(0, kFeedbackDocs);
  if (top.empty()) return query;
  std::vector<Xapian::docid> posts;
  for (auto it = top.begin(); it != top.end(); ++it) posts.push_back(*it);
  ExpandOptions eo;
  eo.prefix = "Z";  // word stems: no field copies, no filters
  eo.accept = [](const std::string& t) { return t.size() > 3 && t[1] >= 'a' && t[1] <= 'z'; };
  eo.query = query;
  eo.count = kFeedbackTerms;
  std::shared_ptr<TermFrequencies> known;  // the revision's, shared by the service's searchers
  if (memos() != nullptr) {
    known = memos()->term_frequencies(revision_);
    eo.frequencies = known.get();
  }
  // Exact term frequencies: over shards Xapian's own expansion estimates them from the
  // shards holding the chosen posts, and the words chosen would differ from one database's.
  std::vector<Xapian::Query> extra;
  for (const auto& t : expand_terms(db_, posts, eo)) extra.emplace_back(t);
  if (extra.empty()) return query;
  return with_extra_words(
      query, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                           Xapian::Query(Xapian::Query::OP_OR, extra.begin(), extra.end()),
                           kFeedbackWeight));
}

SearchResponse Searcher::search_once(const SearchRequest& asked) {
  const auto start = std::chrono::steady_clock::now();
  SearchRequest request = asked;
  std::vector<std::string> notes;
  for (const auto& shard : missing_) {
    notes.push_back("shard `" + shard + "` is unreachable: its posts are left out");
  }
  if (remote_ && request.recency_half_life_days > 0) {
    // Our recency source is not a class a xapian-tcpsrv can rebuild.
    request.recency_half_life_days = 0;
    notes.push_back("recency is not available with remote shards; ignored");
  }
  SearchResponse resp;
  resp.query = request.q;
  resp.page = request.page;
  resp.per_page = std::clamp(request.per_page, 1, kMaxPerPage);
  request.langs = resolve_langs(request.langs);
  resp.langs = request.langs;
  const std::string reader = reader_lang(request);
  // A language with no stemmer of its own is searched with the fallback's; builder_for
  // bounds what is left to the languages the stemmers, stop words and posts know.
  QueryBuilder& builder = builder_for(
      has_own_stemmer(reader) || fallback_lang_.empty() ? reader : fallback_lang_, notes);
  ParseOptions po;
  po.partial = request.partial;
  const ParsedQuery parsed = builder.parse(request.q, po);
  resp.warnings = parsed.warnings;
  resp.warnings.insert(resp.warnings.end(), notes.begin(), notes.end());
  std::optional<FacetCounter> facets;
  std::shared_ptr<const FacetTable> table;
  // Remote shards take only Xapian's serialisable match spies: no table, no custom spy.
  // Local shards: a match spy sees the document's docid in its own shard, not the one the
  // table is indexed by, so their matches' facets are read from the documents.
  if (request.facets && memos() && db_.size() == 1) {
    table = memos()->get(db_, revision_);
  }
  FacetOptions fo;
  fo.table = table.get();
  fo.serialisable = remote_;
  if (request.facets) facets.emplace(request, parsed, fo);
  const Matches m = match(request, builder, parsed, resp.per_page, facets ? &*facets : nullptr);
  resp.did_you_mean = m.did_you_mean;
  resp.total = m.total;
  resp.relaxed = m.relaxed;
  resp.corrected = m.corrected;
  resp.every_word = m.every_word;
  int rank = (std::max(1, request.page) - 1) * resp.per_page;
  const std::vector<std::string> needles = needles_of(m.text_query);
  Highlighter highlighter(m.snippets, MemoStemmer::wrap(builder), {kMarkOpen, kMarkClose, "…"});
  // The revision's decoded posts (a local index in the service): a post on many pages is
  // read and inflated once.
  const std::shared_ptr<PostCache> posts = memos() ? memos()->posts(revision_) : nullptr;
  // Another translation is shown instead of the best match only when it has every word of
  // the query too: a relaxed query (any word) would swap a Japanese title's post for its
  // English translation that shares one word with it.
  const GroupView groups{db_, posts.get(), reader, default_lang_,
                         request.collapse ? parsed.query : Xapian::Query()};
  for (const auto& [doc, weight, docid] : m.docs) {
    Presented shown = present_group(groups, doc, docid);
    const StoredPost& post = *shown.post;
    Hit h = hit_from(post);
    h.translations = std::move(shown.translations);
    h.rank = ++rank;
    h.score = weight;
    if (request.snippets) {
      // A title without a possible match keeps its plain escaped form (hit_from): a snippet
      // call costs tens of thousands of instructions even for a short title.
      if (may_stem_to(post.title, needles))
        h.title_html = snippet(highlighter, post.title, post.title.size() + 8);
      Excerpts ex = excerpts(highlighter, post, needles);
      h.snippet_html = std::move(ex.snippet_html);
      if (!ex.passage_url.empty()) h.passage_url = std::move(ex.passage_url);
      h.sections = std::move(ex.sections);
    }
    if (request.explain) h.explain = explain_hit(db_, m.text_query, post.id, h.score);
    resp.hits.push_back(std::move(h));
  }
  if (facets) {
    resp.facets = facets->finish(db_, m.text_query, m.facet_spy);
    // Counted from the posting lists, translations count apart: with translations collapsed
    // into one hit, the matcher's (collapsed) estimate stands.
    if (const auto n = facets->matches(); n && !(request.collapse && grouped_))
      resp.total = {*n, *n, *n, true};
  }
  resp.took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return resp;
}

// Every word required first. When nothing matches and the words the index lacks have a
// spelling it knows, the corrected query is searched instead ("corrected"). When fewer than
// kRelaxBelow posts have every word, they come first and the best partial matches follow
// ("relaxed"). Both are decided on the whole match, never on the page asked for.
Matches Searcher::match(const SearchRequest& request, QueryBuilder& builder,
                        const ParsedQuery& parsed, int per_page, FacetCounter* facets) {
  Xapian::Enquire enquire(db_);
  enquire.set_weighting_scheme(ranking());
  // Only where there are translations: collapsing loosens the matcher's estimates.
  if (request.collapse && grouped_) enquire.set_collapse_key(schema::kSlotTranslation);
  // Without words every post weighs the same: newest first, not index order.
  if (request.sort == SortOrder::kDateDescending ||
      (request.sort == SortOrder::kRelevance && !parsed.has_words))
    enquire.set_sort_by_value_then_relevance(schema::kSlotDate, true);
  // Oldest first, and documents without a date (pages) after every dated one, as newest
  // first has them. Xapian 1.4 cannot send a KeyMaker to a remote shard: there, by the
  // value alone (undated first).
  Xapian::MultiValueKeyMaker undated_last;
  undated_last.add_value(schema::kSlotDate, false, std::string(9, '\xff'));
  if (request.sort == SortOrder::kDateAscending && !remote_)
    enquire.set_sort_by_key_then_relevance(&undated_last, false);
  if (request.sort == SortOrder::kDateAscending && remote_)
    enquire.set_sort_by_value_then_relevance(schema::kSlotDate, false);
  // Equal scores (a query of filters only, say): newest first, so that the order does not
  // depend on document ids, which interleave differently in a sharded index.
  const bool ties_by_date = request.sort == SortOrder::kRelevance && parsed.has_words;
  const auto sort_ties_by_date = [&] {
    enquire.set_sort_by_relevance_then_value(schema::kSlotDate, true);
  };
  if (ties_by_date) sort_ties_by_date();
  // Xapian 1.4 over remote shards: with a relevance-then-value sort the match spies saw
  // more documents than matched (29 for 23); the facets then get a pass of their own.
  const bool spies_miscount = remote_ && ties_by_date;
  const Xapian::Query filters = filter_query(request, parsed, std::nullopt);
  const auto first = static_cast<Xapian::doccount>((std::max(1, request.page) - 1) * per_page);
  const auto needed = first + static_cast<Xapian::doccount>(per_page);
  int last_spy = -1;
  // With facets, every run sees all its matches and counts them on the way.
  auto run = [&](const Xapian::Query& q, bool has_words, Xapian::doccount from,
                 Xapian::doccount count) -> Run {
    const Xapian::Query matching = with_filters(q, filters);
    enquire.set_query(with_boosts(matching, request, has_words, pinned_));
    enquire.clear_matchspies();
    // Without facets, 100 for a fair estimate of the total; counted from the posting lists
    // at the end (FacetCounter::finish, which also gives the exact total), the page alone.
    const bool direct = facets != nullptr && facets->counts_directly(matching);
    Xapian::doccount check = direct ? needed : std::max<Xapian::doccount>(needed, 100);
    last_spy = -1;
    if (facets != nullptr && !spies_miscount && !direct) {
      const auto [spies, index] = facets->shared_spy();
      if (!spies.empty()) {
        for (Xapian::MatchSpy* spy : spies) enquire.add_matchspy(spy);
        check = db_.get_doccount();
        last_spy = index;
      }
    }
    // Xapian's relevance-then-date sort reads the date of every candidate it weighs. By
    // relevance alone, one post more than the page shows whether the page's last weight
    // goes on past it; when it does not, the page holds the same posts and only runs of
    // equal weight need their dates. Only where the total is counted exactly (direct
    // facets): the estimates of a run with one more post may differ.
    if (ties_by_date && direct && from == 0 && count > 0) {
      enquire.set_sort_by_relevance();
      Run r{enquire.get_mset(0, count + 1, check), {}};
      sort_ties_by_date();
      if (r.mset.size() <= count || r.mset[count].get_weight() < r.mset[count - 1].get_weight()) {
        r.ranked = ranked_of(r.mset, count);
        newest_first_among_equals(r.ranked);
        return r;
      }
    }
    Xapian::MSet mset = enquire.get_mset(from, count, check);
    std::vector<Ranked> ranked = ranked_of(mset, count);
    return {std::move(mset), std::move(ranked)};
  };
  // Known-item lift: every word in the title, or the whole title.
  Xapian::Query title = parsed.has_words ? builder.title_query(request.q) : Xapian::Query();
  auto lifted = [&](const Xapian::Query& q) {
    return title.empty() ? q : Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, title);
  };
  // Every word required, and all of its posts when they are fewer than kRelaxBelow: whether
  // to correct or relax, and the total, are decided on the whole match, the same for every
  // page and page size.
  const Xapian::doccount strict_count = std::max(needed, kRelaxBelow);
  ParsedQuery strict = parsed;
  std::string strict_text = request.q;
  Run all = run(lifted(parsed.query), parsed.has_words, 0, strict_count);
  int all_spy = last_spy;
  Xapian::Query all_ran = enquire.get_query();
  Matches m;
  // Nothing has every word: the words the index lacks, spelt as the index spells them.
  if (parsed.has_words && all.ranked.empty()) {
    m.did_you_mean = builder.correction(request.q);
    if (!m.did_you_mean.empty()) {
      ParseOptions same;
      same.partial = request.partial;
      ParsedQuery fixed = builder.parse(m.did_you_mean, same);
      title = builder.title_query(m.did_you_mean);
      Run fixed_run = run(lifted(fixed.query), fixed.has_words, 0, strict_count);
      if (!fixed_run.ranked.empty()) {
        all = std::move(fixed_run);
        all_spy = last_spy;
        all_ran = enquire.get_query();
        strict = std::move(fixed);
        strict_text = m.did_you_mean;
        m.corrected = true;
      }
    }
  }
  m.text_query = strict.query;
  m.snippets = {all.mset, all_ran, Xapian::Query()};
  m.total = total_of(all.mset);
  const std::size_t found = all.ranked.size();
  m.every_word = found > 0;
  // Few posts have every word: they come first, and the best posts with some of the words
  // follow them ("relaxed").
  ParseOptions po;
  po.op = DefaultOperator::kOr;
  po.partial = false;
  const bool feedback =
      strict.word_count >= kFeedbackMinWords && request.sort == SortOrder::kRelevance;
  std::optional<ParsedQuery> relaxed;
  if (strict.has_words && strict.word_count > 1 && found < kRelaxBelow) {
    relaxed = builder.parse(strict_text, po);
    // Relaxing that leaves the query as it was (a phrase alone, say) matches no more than
    // the `found` it matched: no second full pass.
    if (!feedback && relaxed->query.serialise() == strict.query.serialise()) relaxed.reset();
  }
  if (relaxed) {
    if (feedback) relaxed->query = with_feedback(relaxed->query);
    const Run some =
        run(lifted(relaxed->query), true, 0, needed + static_cast<Xapian::doccount>(found));
    if (some.ranked.size() > found) {
      std::vector<Ranked> merged = all.ranked;
      std::set<Xapian::docid> seen;
      std::set<std::string> groups;  // a translation of a post shown is not shown again
      auto group = [&](const Ranked& r) {
        return request.collapse ? r.doc.get_value(schema::kSlotTranslation) : std::string();
      };
      for (const Ranked& r : all.ranked) {
        seen.insert(r.docid);
        groups.insert(group(r));
      }
      for (const Ranked& r : some.ranked) {
        const std::string g = group(r);
        if (seen.insert(r.docid).second && (g.empty() || groups.insert(g).second))
          merged.push_back(r);
      }
      take(m, merged, first, static_cast<std::size_t>(per_page));
      adopt(m, some.mset, relaxed->query, enquire.get_query(), last_spy);
      m.snippets.latest = enquire.get_query();
      m.relaxed = true;
      return m;
    }
  }
  take(m, all.ranked, first, static_cast<std::size_t>(per_page));
  m.facet_spy = all_spy;
  m.snippets.latest = enquire.get_query();  // a relaxed run may have replaced it
  return m;
}

std::optional<std::vector<Hit>> Searcher::related(const std::string& id, int count,
                                                  const std::vector<std::string>& langs) {
  return with_retry([&]() -> std::optional<std::vector<Hit>> {
    const std::string idterm = schema::filter_term(Filter::kId, id);
    Xapian::PostingIterator p = db_.postlist_begin(idterm);
    if (p == db_.postlist_end(idterm)) return std::nullopt;
    const Xapian::docid docid = *p;
    Xapian::Enquire enquire(db_);
    Xapian::RSet rset;
    rset.add_document(docid);
    // Key words of the post: unprefixed terms only (no filters, no field copies).
    struct Words : Xapian::ExpandDecider {
      bool operator()(const std::string& t) const override {
        return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z') && t.size() > 2;
      }
    } words;
    enquire.set_query(Xapian::Query::MatchAll);
    const Xapian::ESet eset =
        enquire.get_eset(25, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &words);  // see above
    std::vector<Xapian::Query> parts;
    for (auto t = eset.begin(); t != eset.end(); ++t) parts.emplace_back(*t);
    const StoredPost self = decode_stored(db_.get_document(docid).get_data());
    // Each shared tag adds a fixed weight (tag terms are boolean: BM25 gives them none).
    for (const auto& tag : self.tags) {
      parts.emplace_back(
          Xapian::Query::OP_FILTER,
          Xapian::Query((new Xapian::FixedWeightPostingSource(kRelatedTagWeight))->release()),
          Xapian::Query(schema::filter_term(Filter::kTag, tag)));
    }
    const Xapian::Query q(Xapian::Query::OP_OR, parts.begin(), parts.end());
    // Not the post itself, nor its translations; in its language unless others are asked for.
    std::vector<Xapian::Query> excluded{Xapian::Query(idterm)};
    if (const std::string key = db_.get_document(docid).get_value(schema::kSlotTranslation);
        !key.empty())
      excluded.emplace_back(std::string(schema::kTranslationPrefix) + key);
    // Of its own type: a post's related posts, not the site's About page.
    excluded.emplace_back(Xapian::Query::OP_AND_NOT, Xapian::Query::MatchAll,
                          Xapian::Query(schema::filter_term(Filter::kType, self.type)));
    const std::vector<std::string> in =
        langs.empty() ? std::vector{self.lang} : resolve_langs(langs);
    std::vector<Xapian::Query> lang_terms;
    for (const auto& l : in) lang_terms.emplace_back(schema::filter_term(Filter::kLang, l));
    Xapian::Query wanted(Xapian::Query::OP_AND_NOT, q,
                         Xapian::Query(Xapian::Query::OP_OR, excluded.begin(), excluded.end()));
    if (!lang_terms.empty())
      wanted =
          Xapian::Query(Xapian::Query::OP_FILTER, wanted,
                        Xapian::Query(Xapian::Query::OP_OR, lang_terms.begin(), lang_terms.end()));
    enquire.set_query(wanted);
    // Equal scores: newest first, so the answer does not depend on document ids.
    enquire.set_sort_by_relevance_then_value(schema::kSlotDate, true);
    const Xapian::MSet mset =
        enquire.get_mset(0, static_cast<Xapian::doccount>(std::clamp(count, 1, kMaxPerPage)));
    std::vector<Hit> hits;
    int rank = 0;
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      Hit h = hit_from(decode_stored(it.get_document().get_data()));
      h.rank = ++rank;
      h.score = it.get_weight();
      h.absolute_url = site_.absolute(h.url);
      hits.push_back(std::move(h));
    }
    return hits;
  });
}

// Whole words that complete `last`, most posts first. With `langs`, the words with most posts
// overall are counted again in those languages' posts (at most kCompletionCandidates of them,
// so a keystroke costs a bounded number of posting list intersections).
std::vector<Completion> Searcher::completions(const std::string& head, const std::string& last,
                                              std::size_t limit,
                                              const std::vector<std::string>& langs) {
  constexpr std::size_t kScanned = 5000;
  constexpr std::size_t kCompletionCandidates = 64;
  std::vector<Completion> found;
  std::size_t seen = 0;
  for (auto t = db_.allterms_begin(last); t != db_.allterms_end(last) && seen < kScanned;
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
    Xapian::Enquire enquire(db_);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    for (auto& c : found) {
      enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(c.text), in));
      c.posts = enquire.get_mset(0, 0, db_.get_doccount()).get_matches_estimated();
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

SuggestResponse Searcher::suggest(const std::string& input, int count,
                                  const std::vector<std::string>& langs) {
  return with_retry([&] {
    SuggestResponse resp;
    resp.q = input;
    const std::string cleaned = text::truncate_utf8(text::repair_utf8(input).text, kMaxQueryBytes);
    const std::size_t space = cleaned.find_last_of(' ');
    const std::string head = space == std::string::npos ? "" : cleaned.substr(0, space + 1);
    const std::string last =
        text::fold_case(space == std::string::npos ? cleaned : cleaned.substr(space + 1));
    const auto limit = static_cast<std::size_t>(std::clamp(count, 1, 50));
    const std::vector<std::string> in = resolve_langs(langs);
    if (last.size() >= 2) resp.completions = completions(head, last, limit, in);
    if (!text::trim(cleaned).empty()) {
      SearchRequest r;
      r.q = cleaned;
      r.langs = in.empty() ? langs : in;  // "*" stays: every language
      r.per_page = static_cast<int>(std::min<std::size_t>(limit, 10));
      r.facets = false;
      r.snippets = true;
      SearchResponse s = search_once(r);
      for (auto& h : s.hits) {
        h.sections.clear();
        h.snippet_html.clear();
        h.passage_url = h.url;
        resp.titles.push_back(std::move(h));
      }
    }
    return resp;
  });
}

std::optional<StoredPost> Searcher::post(const std::string& id) {
  return with_retry([&]() -> std::optional<StoredPost> {
    const std::string idterm = schema::filter_term(Filter::kId, id);
    Xapian::PostingIterator p = db_.postlist_begin(idterm);
    if (p == db_.postlist_end(idterm)) return std::nullopt;
    return decode_stored(db_.get_document(*p).get_data());
  });
}

void Searcher::note_revision() {
  revision_ = revision_key();
  pinned_ = db_.get_value_freq(schema::kSlotBoost) > 0;
  grouped_ = db_.get_value_freq(schema::kSlotTranslation) > 0;
  fallback_lang_ = schema::normalise_filter_value(
      Filter::kLang, db_.get_metadata(std::string(schema::kMetaFallbackLang)));
  const std::string prefix(schema::filter_field(Filter::kLang).prefix);
  langs_.clear();
  for (auto t = db_.allterms_begin(prefix); t != db_.allterms_end(prefix); ++t) {
    langs_.push_back((*t).substr(prefix.size()));
  }
}

std::string Searcher::revision_key() const {
  // The database's UUID tells apart two indexes built anew under the same generation name.
  // A sharded index has no one revision: every run that changes it writes a new publish id
  // into shard 0, which a replica or a remote shard changes in place.
  const std::string revision = db_.size() == 1
                                   ? std::to_string(db_.get_revision())
                                   : db_.get_metadata(std::string(schema::kMetaPublishId)) + "/" +
                                         std::to_string(db_.get_lastdocid());
  return generation_ + ":" + revision + ":" + db_.get_uuid().substr(0, 8);
}

IndexInfo Searcher::info() {
  return with_retry([&] {
    IndexInfo i;
    i.documents = db_.get_doccount();
    i.schema_version = std::atoi(db_.get_metadata(std::string(schema::kMetaSchemaVersion)).c_str());
    i.generation = generation_;
    i.revision = revision_;
    i.default_lang = default_lang_;
    i.langs = langs_;
    i.fallback_lang = fallback_lang_;
    i.site = site_;
    i.indexed_at = std::atoll(db_.get_metadata(std::string(schema::kMetaIndexedAt)).c_str());
    return i;
  });
}

}  // namespace postsearch
