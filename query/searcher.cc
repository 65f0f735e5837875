#include "query/searcher.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "common/document.h"
#include "common/schema.h"
#include "common/text.h"
#include "query/facets.h"
#include "query/filters.h"
#include "query/hit_presenter.h"
#include "query/lookups.h"
#include "query/match_plan.h"
#include "query/query_builder.h"
#include "query/revision_memos.h"

namespace postsearch {

Searcher::Searcher(std::filesystem::path index_dir, std::shared_ptr<RevisionMemos> memos,
                   OpenOptions open_options)
    : memos_(std::move(memos)), index_(std::move(index_dir), open_options) {
  opened();
}

Searcher::~Searcher() = default;

void Searcher::opened() {
  builders_.reset(index_.db(), index_.languages().default_lang,
                  memos() ? memos()->completions(index_.revision()) : nullptr);
}

void Searcher::open() {
  index_.open();
  broken_ = false;
  opened();
}

bool Searcher::refresh() {
  const OpenIndex::Refreshed done = index_.refresh();
  if (done == OpenIndex::Refreshed::kSame) return false;
  if (done == OpenIndex::Refreshed::kOpened) broken_ = false;
  opened();  // the builders remember completions and synonyms of the old revision
  return true;
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
      if (!index_.remote()) throw;
      open();
      return f();
    }
  } catch (const Xapian::DatabaseError&) {  // damaged, removed, replaced: not the request's fault
    broken_ = true;
    throw;
  } catch (const Xapian::NetworkTimeoutError& e) {  // up, but slower than the timeout twice
    broken_ = true;
    throw Xapian::NetworkTimeoutError("shard " + e.get_context() + " did not answer within " +
                                      std::to_string(index_.remote_timeout_ms()) +
                                      " ms (the remote timeout): " + e.get_msg());
  } catch (const Xapian::NetworkError&) {
    broken_ = true;
    throw;
  }
}

SearchResponse Searcher::search(const SearchRequest& request) {
  SearchResponse response = with_retry([&] { return search_once(request); });
  for (Hit& h : response.hits) {
    if (h.site.empty()) h.absolute_url = site().absolute(h.url);  // labelled hits have theirs
  }
  return response;
}

Searcher::SearchMemos Searcher::search_memos(bool facets) const {
  SearchMemos kept;
  if (memos_ == nullptr) return kept;
  const std::string& revision = index_.revision();
  // Term frequencies are index-wide numbers, remote shards or not; over remote shards each
  // one feedback looks up is a round trip to every shard.
  kept.frequencies = memos_->term_frequencies(revision);
  if (memos() == nullptr) return kept;
  // Remote shards take only Xapian's serialisable match spies: no table, no custom spy
  // (memos() is null for them). Local shards have the table too: the posting lists of the
  // combined database, which counting from the posting lists reads, number documents as
  // the table does.
  if (facets) {
    kept.table = memos()->facet_table(index_.db(), revision);
    kept.postings = memos()->postings(revision);
  }
  kept.posts = memos()->posts(revision);
  return kept;
}

// One search, top to bottom: the request's languages and parser, the match plan, the facet
// counter, the run, each hit presented, the facets counted.
namespace {

// A response to `request` with its query, page and languages, and nothing found yet.
SearchResponse response_to(const SearchRequest& request) {
  SearchResponse resp;
  resp.query = request.q;
  resp.page = request.page;
  resp.per_page = std::clamp(request.per_page, 1, kMaxPerPage);
  resp.langs = request.langs();
  return resp;
}

// What the match says of itself: the total, and which of its runs answered.
void summarise(const Matches& m, SearchResponse& resp) {
  resp.did_you_mean = m.did_you_mean;
  resp.total = m.total;
  resp.relaxed = m.relaxed;
  resp.corrected = m.corrected;
  resp.every_word = m.every_word;
}

}  // namespace

SearchResponse Searcher::search_once(const SearchRequest& asked) {
  const auto start = std::chrono::steady_clock::now();
  const IndexLanguages& languages = index_.languages();
  SearchRequest request = asked;
  request.values(schema::Filter::kLang) = languages.resolve(asked.langs());
  SearchResponse resp = response_to(request);
  std::vector<std::string> notes;
  for (const auto& shard : index_.missing())
    notes.push_back("shard `" + shard + "` is unreachable: its posts are left out");
  const std::string reader = languages.reader(request);
  QueryBuilder& builder = builders_.for_language(languages.searched_as(reader), notes);
  ParseOptions po;
  po.partial = request.partial;
  const ParsedQuery parsed = builder.parse(request.q, po);
  const IndexTraits traits{index_.remote(), index_.pinned(), index_.grouped()};
  const MatchPlan plan = plan_match(request, parsed, traits, resp.per_page);
  request.recency_half_life_days = plan.recency_half_life_days;
  resp.warnings = parsed.warnings;
  resp.warnings.insert(resp.warnings.end(), notes.begin(), notes.end());
  resp.warnings.insert(resp.warnings.end(), plan.notes.begin(), plan.notes.end());

  const Searched in = searched(request, resp.warnings);
  if (in.none) return resp;
  const SearchMemos kept = search_memos(request.facets);
  std::optional<FacetCounter> facets;
  if (request.facets)
    facets.emplace(request, parsed,
                   in.subset ? FacetOptions{nullptr, nullptr, index_.remote(), false}
                             : FacetOptions{kept.table.get(), kept.postings.get(), index_.remote(),
                                            index_.db().size() == 1});
  Matches m =
      run_match(plan, {in.db, builder, request, parsed, facets ? &*facets : nullptr,
                       kept.frequencies.get(), index_.federated() ? &index_.layout() : nullptr});
  const std::vector<std::size_t> site_of = sites_of_hits(m.docs, in);
  summarise(m, resp);

  PresentOptions show{request.snippets, request.explain,        static_cast<int>(plan.first) + 1,
                      reader,           languages.default_lang, Xapian::Query(),
                      kept.posts.get()};
  // Another translation is shown instead of the best match only when it has every word of
  // the query too: a relaxed query (any word) would swap a Japanese title's post for its
  // English translation that shares one word with it.
  if (request.collapse) show.translations_matching = parsed.query;
  HitPresenter presenter(index_.db(), m, builder, std::move(show));
  for (const Ranked& post : m.docs) {
    resp.hits.push_back(presenter.present(post));
    if (!site_of.empty()) index_.layout().label(resp.hits.back(), site_of[resp.hits.size() - 1]);
  }

  if (facets) {
    resp.facets = facets->finish(in.db, m.text_query, m.facet_spy);
    if (index_.federated()) resp.facets.push_back(sites_facet(request, parsed, m.text_query));
    // Counted from the posting lists, translations count apart: with translations collapsed
    // into one hit, the matcher's (collapsed) estimate stands.
    if (const auto n = facets->matches(); n && !(request.collapse && index_.grouped()))
      resp.total = {*n, *n, *n, true};
  }
  resp.took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return resp;
}

std::optional<std::vector<Hit>> Searcher::related(const std::string& id, int count,
                                                  const std::vector<std::string>& langs) {
  return with_retry([&] {
    std::optional<std::vector<std::string>> in;
    if (!langs.empty()) in = resolve_langs(langs);
    auto hits = related_posts(index_.db(), id, count, in, site());
    if (hits) label_sites(*hits);
    return hits;
  });
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
    if (last.size() >= 2) resp.completions = word_completions(index_.db(), head, last, limit, in);
    if (!text::trim(cleaned).empty()) {
      SearchRequest r;
      r.q = cleaned;
      r.values(schema::Filter::kLang) = in.empty() ? langs : in;  // "*" stays: every language
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
    const std::string idterm = schema::filter_term(schema::Filter::kId, id);
    const Xapian::Database& db = index_.db();
    Xapian::PostingIterator p = db.postlist_begin(idterm);
    if (p == db.postlist_end(idterm)) return std::nullopt;
    return decode_stored(db.get_document(*p).get_data());
  });
}

IndexInfo Searcher::info() {
  return with_retry([&] { return index_.info(); });
}

WarmReport Searcher::warm(const std::atomic<bool>& stop) {
  if (memos() == nullptr) {
    WarmReport nothing;
    nothing.complete = true;  // nothing is kept for this searcher: nothing to fill
    return nothing;
  }
  return index_.warm(*memos(), stop);
}

}  // namespace postsearch
