// The search core against the index of examples/site, built through the real indexer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "common/document.h"
#include "indexer/indexer.h"
#include "query/match_set.h"
#include "query/revision_memos.h"
#include "query/searcher.h"
#include "test_support.h"

namespace postsearch {
namespace {

using testing::example_index;

std::vector<std::string> urls(const SearchResponse& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hits) out.push_back(h.url);
  return out;
}

SearchRequest req(const std::string& q) {
  SearchRequest r;
  r.q = q;
  r.per_page = 100;
  return r;
}

// Counts facet values over the stored fields of every hit of `r` (no facets asked).
std::map<std::string, std::size_t> brute_force(Searcher& s, SearchRequest r,
                                               const std::string& facet) {
  r.facets = false;
  r.per_page = 100;
  std::map<std::string, std::size_t> counts;
  for (const auto& h : s.search(r).hits) {
    if (facet == "tags")
      for (const auto& t : h.tags) ++counts[t];
    if (facet == "authors")
      for (const auto& a : h.authors) ++counts[a];
    if (facet == "years" && !h.date.empty()) ++counts[h.date.substr(0, 4)];
    if (facet == "langs") ++counts[h.lang];
  }
  return counts;
}

std::map<std::string, std::size_t> facet_counts(const SearchResponse& r, const std::string& name) {
  std::map<std::string, std::size_t> out;
  for (const auto& f : r.facets) {
    if (f.name != name) continue;
    for (const auto& v : f.values) out[v.value] = v.count;
  }
  return out;
}

// The one hit of `q`, typed in full.
Hit only_hit(Searcher& s, const std::string& q) {
  SearchRequest r;
  r.q = q;
  r.partial = false;
  const SearchResponse resp = s.search(r);
  REQUIRE(resp.hits.size() == 1);
  return resp.hits[0];
}

// An index of a Jekyll site holding `posts` (file name under _posts, text), built in `tmp`.
std::filesystem::path index_posts(const testing::TempDir& tmp,
                                  const std::vector<std::pair<std::string, std::string>>& posts) {
  const auto site = tmp.path() / "site";
  testing::write_file(site / "_config.yml", "title: t\n");
  for (const auto& [name, text] : posts) testing::write_file(site / "_posts" / name, text);
  IndexerOptions options;
  options.site_dir = site;
  options.index_dir = tmp.path() / "index";
  REQUIRE(run_indexer(options).failed == 0);
  return options.index_dir;
}

// An index of a Jekyll site holding one post with `text`, built in `tmp`.
std::filesystem::path index_one_post(const testing::TempDir& tmp, const std::string& text) {
  return index_posts(tmp, {{"2024-01-02-post.md", text}});
}

}  // namespace

TEST_CASE("searcher: finds posts by words, phrases and fields", "[searcher]") {
  Searcher s(example_index());
  CHECK(urls(s.search(req("sourdough starter"))).at(0) ==
        "/kitchen/2019/11/30/sourdough-for-programmers/");
  CHECK(s.search(req("\"cold water shock\"")).hits.size() == 1);
  CHECK(s.search(req("title:bm25")).hits.at(0).title == "Understanding BM25");
  CHECK(s.search(req("unpublishedword")).hits.empty());
  CHECK(s.search(req("hiddenfromsearchword")).hits.empty());
  CHECK(s.search(req("draftonlyword")).hits.empty());
}

TEST_CASE("searcher: identifiers find the post that has them", "[searcher]") {
  Searcher s(example_index());
  CHECK(s.search(req("v2.3.0-preview1")).hits.at(0).url ==
        "/news/2020/02/29/leap-day-release-notes/");
  CHECK(s.search(req("std::vector")).hits.at(0).title == "How std::vector grows");
  CHECK(s.search(req("webRequest.onAuthRequired")).hits.at(0).url ==
        "/web/2023/08/19/webextension-auth-handlers/");
}

TEST_CASE("searcher: long questions are relaxed, and the response says so", "[searcher]") {
  Searcher s(example_index());
  const SearchResponse r =
      s.search(req("how do I keep my sourdough starter alive while travelling"));
  CHECK(r.relaxed);
  REQUIRE_FALSE(r.hits.empty());
  CHECK(r.hits[0].title == "Sourdough for programmers");
  CHECK_FALSE(s.search(req("sourdough starter")).relaxed);
}

// Short queries are relaxed too (without feedback terms); a query that relaxing would leave
// as it was, a phrase alone, is answered from its one run.
TEST_CASE("searcher: two words are relaxed to either; a phrase alone stays", "[searcher]") {
  Searcher s(example_index());
  const SearchResponse either = s.search(req("sourdough bm25"));
  CHECK(either.relaxed);
  const std::vector<std::string> found = urls(either);
  CHECK(found.size() >= 2);
  CHECK(std::find(found.begin(), found.end(), "/kitchen/2019/11/30/sourdough-for-programmers/") !=
        found.end());
  const SearchResponse phrase = s.search(req("\"sourdough starter\""));
  CHECK_FALSE(phrase.relaxed);
  CHECK(urls(phrase) == std::vector<std::string>{"/kitchen/2019/11/30/sourdough-for-programmers/"});
  CHECK(phrase.total.exact);
}

TEST_CASE("searcher: a word the posts use is never corrected", "[searcher]") {
  Searcher s(example_index());
  const SearchResponse r = s.search(req("bread"));
  CHECK(r.did_you_mean.empty());
  CHECK_FALSE(r.hits.empty());
}

TEST_CASE("searcher: did you mean", "[searcher]") {
  Searcher s(example_index());
  const SearchResponse r = s.search(req("sourdogh"));
  CHECK(r.did_you_mean == "sourdough");
  CHECK(r.corrected);
  REQUIRE_FALSE(r.hits.empty());
  CHECK(r.hits[0].title == "Sourdough for programmers");
}

TEST_CASE("searcher: filters are OR within a field and AND across fields", "[searcher]") {
  Searcher s(example_index());
  SearchRequest r = req("");
  r.values(schema::Filter::kTag) = {"cooking"};
  const auto cooking = s.search(r).hits.size();
  r.values(schema::Filter::kTag) = {"cooking", "bread"};
  CHECK(s.search(r).hits.size() == cooking);  // every bread post is a cooking post here
  r.values(schema::Filter::kTag) = {"rust", "bread"};
  const auto either = s.search(r).hits.size();
  CHECK(either > 2);
  r.values(schema::Filter::kAuthor) = {"Priya Raman"};
  for (const auto& h : s.search(r).hits)
    CHECK(h.authors == std::vector<std::string>{"Priya Raman"});
  SearchRequest dated = req("");
  dated.after = "2024";
  dated.before = "2025";
  for (const auto& h : s.search(dated).hits) CHECK(h.date.substr(0, 4) == "2024");
  CHECK(s.search(dated).hits.size() == 7);
  SearchRequest year = req("year:2024");
  CHECK(s.search(year).hits.size() == 7);
}

TEST_CASE("searcher: multi-select facet counts equal a brute-force count", "[searcher]") {
  // Both ways of counting: each match's facets value, or the table decoded once.
  const bool with_table = GENERATE(false, true);
  INFO("facet table: " << with_table);
  Searcher s(example_index(), with_table ? std::make_shared<RevisionMemos>() : nullptr);
  // Counted from the posting lists with the table (all but the phrase), or by match spies.
  for (const std::string q :
       {"", "search", "mountains OR bread", "bread -sourdough", "sourd", "\"cold water\""}) {
    SearchRequest r = req(q);
    r.partial = q == "sourd";
    r.facet_limit = 100;
    r.values(schema::Filter::kTag) = {"cooking"};
    const SearchResponse resp = s.search(r);
    SearchRequest without_tags = r;
    without_tags.values(schema::Filter::kTag).clear();
    INFO(q);
    SearchRequest no_facets = r;
    no_facets.facets = false;
    CHECK(resp.total.exact);
    CHECK(resp.total.estimate == s.search(no_facets).hits.size());
    // tags ignore their own filter; the others respect it.
    CHECK(facet_counts(resp, "tags") == brute_force(s, without_tags, "tags"));
    CHECK(facet_counts(resp, "authors") == brute_force(s, r, "authors"));
    CHECK(facet_counts(resp, "years") == brute_force(s, r, "years"));
    CHECK(facet_counts(resp, "langs") == brute_force(s, r, "langs"));
    for (const auto& f : resp.facets) {
      if (f.name != "tags") continue;
      for (const auto& v : f.values) CHECK(v.selected == (v.value == "cooking"));
    }
  }
}

TEST_CASE("searcher: facet limit reports the values left out", "[searcher]") {
  Searcher s(example_index());
  SearchRequest r = req("");
  r.facet_limit = 3;
  for (const auto& f : s.search(r).facets) {
    if (f.name != "tags") continue;
    CHECK(f.values.size() == 3);
    CHECK(f.other_values > 10);
  }
}

TEST_CASE("searcher: titles and snippets are escaped before marks are added", "[searcher]") {
  Searcher s(example_index());
  const SearchResponse r = s.search(req("escaping hazards"));
  REQUIRE_FALSE(r.hits.empty());
  const Hit& h = r.hits[0];
  CHECK(h.title == "Escaping <b>HTML</b> & other <script>alert(1)</script> hazards");
  CHECK(h.title_html.find("<script>") == std::string::npos);
  CHECK(h.title_html.find("<b>") == std::string::npos);
  CHECK(h.title_html.find("&lt;script&gt;") != std::string::npos);
  CHECK(h.title_html.find("<mark>Escaping</mark>") != std::string::npos);
  CHECK(h.snippet_html.find("<script>") == std::string::npos);
  const SearchResponse q = s.search(req("<script>alert(1)</script>"));
  for (const auto& hit : q.hits) CHECK(hit.snippet_html.find("<script") == std::string::npos);
}

TEST_CASE("searcher: best sections deep-link to their anchors", "[searcher]") {
  Searcher s(example_index());
  const SearchResponse r = s.search(req("cold water shock"));
  REQUIRE_FALSE(r.hits.empty());
  REQUIRE_FALSE(r.hits[0].sections.empty());
  CHECK(r.hits[0].sections[0].url == "/outdoors/2022/07/09/wild-swimming-safety/#cold-water-shock");
}

TEST_CASE("searcher: sorting by date", "[searcher]") {
  Searcher s(example_index());
  SearchRequest r = req("");
  r.sort = SortOrder::kDateDescending;
  const auto newest = s.search(r).hits;
  REQUIRE(newest.size() > 10);
  for (std::size_t i = 1; i < newest.size(); ++i) CHECK(newest[i - 1].date >= newest[i].date);
  r.sort = SortOrder::kDateAscending;
  CHECK(s.search(r).hits.front().date.substr(0, 10) == "2019-03-02");
}

TEST_CASE("searcher: paging and totals", "[searcher]") {
  Searcher s(example_index());
  SearchRequest r = req("");
  r.per_page = 10;
  const SearchResponse p1 = s.search(r);
  r.page = 2;
  const SearchResponse p2 = s.search(r);
  CHECK(p1.total.estimate == 50);  // 47 posts, 3 pages
  CHECK(p1.total.exact);
  CHECK(p2.hits.at(0).rank == 11);
  CHECK(p1.hits.back().id != p2.hits.front().id);
}

TEST_CASE("searcher: related posts, completions and look-ups", "[searcher]") {
  Searcher s(example_index());
  const auto related = s.related("_posts/2019-11-30-sourdough-for-programmers.md", 5);
  REQUIRE(related);
  REQUIRE_FALSE(related->empty());
  std::set<std::string> titles;
  for (const auto& h : *related) titles.insert(h.title);
  CHECK(titles.count("Winter solstice bread") == 1);
  CHECK_FALSE(s.related("no-such-post", 5));
  const SuggestResponse sug = s.suggest("sourd", 5);
  REQUIRE_FALSE(sug.completions.empty());
  CHECK(sug.completions[0].text == "sourdough");
  CHECK(sug.titles.at(0).title == "Sourdough for programmers");
  CHECK(s.post("_posts/2019-11-30-sourdough-for-programmers.md")->title ==
        "Sourdough for programmers");
  CHECK_FALSE(s.post("nope"));
  CHECK(s.info().documents == 50);
}

TEST_CASE("searcher: explain gives each term's part of the score", "[searcher]") {
  Searcher s(example_index());
  SearchRequest r = req("sourdough starter");
  r.explain = true;
  const SearchResponse resp = s.search(r);
  REQUIRE(resp.hits.at(0).explain);
  const auto& e = *resp.hits[0].explain;
  CHECK(e["terms"].size() >= 2);
  CHECK(e["score"].get<double>() == Approx(resp.hits[0].score));
}

TEST_CASE("searcher: recency boost lifts newer posts", "[searcher]") {
  Searcher s(example_index());
  SearchRequest plain = req("search");
  SearchRequest recent = plain;
  recent.recency_half_life_days = 30;
  CHECK(s.search(recent).hits.at(0).date >= s.search(plain).hits.at(0).date);
}

TEST_CASE("searcher: request validation names the parameter", "[searcher]") {
  SearchRequest r;
  r.per_page = 1000;
  r.page = 0;
  r.after = "soon";
  const Diagnostics d = validate_request(r);
  REQUIRE(d.size() == 3);
  CHECK(d[0].field == "page");
  CHECK(d[1].field == "per_page");
  CHECK(d[2].field == "after");
}

TEST_CASE("searcher: a missing or foreign index is refused with advice", "[searcher]") {
  testing::TempDir dir;
  CHECK_THROWS_WITH(Searcher(dir.path()), Catch::Contains("indexer SITE_DIR --index"));
}

}  // namespace postsearch

namespace postsearch {

// A stem need not be a prefix of the word it comes from (Snowball: happy -> happi, loving ->
// love); the cheap "could this section match?" test before a snippet call must not skip
// such sections, or their excerpts and deep links are lost.
TEST_CASE("searcher: sections whose words stem differently from their spelling get excerpts",
          "[searcher]") {
  testing::TempDir tmp;
  Searcher s(index_one_post(tmp,
                            "---\ntitle: Moods\n---\nIntro text.\n\n## Cheerful\n\nThe cities "
                            "were happy.\n\n## Fond\n\nWe kept loving it.\n"));
  for (const auto& [q, word, heading] : {std::tuple{"happiness", "happy", "Cheerful"},
                                         {"loves", "loving", "Fond"},
                                         {"city", "cities", "Cheerful"}}) {
    INFO(q);
    const Hit h = only_hit(s, q);
    CHECK(h.snippet_html.find(std::string("<mark>") + word + "</mark>") != std::string::npos);
    REQUIRE(h.sections.size() == 1);
    CHECK(h.sections[0].heading == heading);
    // No match in the title: it stays as written, escaped.
    CHECK(h.title_html == "Moods");
  }
}

}  // namespace postsearch

namespace postsearch {

// Snippets stem only the words that could stem to a query term (Highlighter); Snowball's
// exceptions, whose stems are not prefixes of them, must still be highlighted.
TEST_CASE("searcher: snippets highlight words whose stems are not their prefixes", "[searcher]") {
  testing::TempDir tmp;
  Searcher s(index_one_post(
      tmp, "---\ntitle: Skies\n---\nThe dying light. Lying under clear skies, early.\n"));
  for (const auto& [q, word] : {std::pair{"die", "dying"},
                                {"lie", "Lying"},
                                {"sky", "skies"},
                                {"early", "early"},
                                {"light", "light"}}) {
    INFO(q);
    const Hit h = only_hit(s, q);
    CHECK(h.snippet_html.find(std::string("<mark>") + word + "</mark>") != std::string::npos);
    CHECK(h.snippet_html.find("<mark>clear</mark>") == std::string::npos);
  }
  SearchRequest r;
  r.q = "sky";
  CHECK(s.search(r).hits.at(0).title_html == "<mark>Skies</mark>");
}

}  // namespace postsearch

namespace postsearch {

// The glass database under an index built by index_one_post (empty when none): a replica
// changes it in place, without a new stub.
std::filesystem::path glass_of(const std::filesystem::path& index) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(index)) {
    if (e.path().filename() == "iamglass") return e.path().parent_path();
  }
  return {};
}

TEST_CASE("searcher: a commit in place is seen by the completions of a word being typed",
          "[searcher]") {
  // A replica's database changes in place (no new stub): reopen() must not leave the
  // query builder with what it remembered of the old revision, nor the service with the
  // completions its searchers share (RevisionMemos).
  const bool service = GENERATE(false, true);
  testing::TempDir tmp;
  const auto index = index_one_post(tmp, "---\ntitle: Fish\n---\nA zebra and a fish.\n");
  Searcher s(index, service ? std::make_shared<RevisionMemos>() : nullptr);
  SearchRequest typing;
  typing.q = "quok";  // a prefix of no word yet, and like none
  CHECK(s.search(typing).hits.empty());
  const std::filesystem::path glass = glass_of(index);
  REQUIRE(!glass.empty());
  {
    Xapian::WritableDatabase db(glass.string(), Xapian::DB_OPEN);
    Xapian::Document doc = db.get_document(1);
    doc.add_term("quokka");
    doc.add_term("Zquokka");
    db.replace_document(1, doc);
    db.commit();
  }
  CHECK(s.refresh());
  CHECK(s.search(typing).hits.size() == 1);
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("searcher: kept posts are the revision's, a commit in place shows the new text",
          "[searcher]") {
  testing::TempDir tmp;
  const auto index = index_one_post(tmp, "---\ntitle: Fish\n---\nA zebra and a fish.\n");
  const auto shared = std::make_shared<RevisionMemos>();
  Searcher s(index, shared);
  SearchRequest r;
  r.q = "zebra";
  const std::string before = s.search(r).hits.at(0).title;
  CHECK(before == "Fish");
  CHECK(s.search(r).hits.at(0).title == "Fish");  // the second time from the cache
  CHECK(shared->posts(s.info().revision)->size() == 1);
  const std::filesystem::path glass = glass_of(index);
  REQUIRE(!glass.empty());
  {
    // A replica's commit in place: same docid, new stored post.
    Xapian::WritableDatabase db(glass.string(), Xapian::DB_OPEN);
    Xapian::Document doc = db.get_document(1);
    StoredPost post = decode_stored(doc.get_data());
    post.title = "Zebra fish";
    Post source;
    source.id = post.id;
    source.url = post.url;
    source.title = post.title;
    source.sections = post.sections;
    doc.set_data(encode_stored(source));
    db.replace_document(1, doc);
    db.commit();
  }
  CHECK(s.refresh());
  CHECK(s.search(r).hits.at(0).title == "Zebra fish");
}

}  // namespace postsearch

namespace postsearch {

namespace {

// A site of posts dated 2020-01-01 onwards: `same` of them say only "heron", the rest also
// say it once more per post (distinct weights).
std::filesystem::path index_herons(const testing::TempDir& tmp, int same, int distinct) {
  std::vector<std::pair<std::string, std::string>> posts;
  for (int i = 0; i < same + distinct; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "2020-01-%02d-post-%d.md", 1 + i % 28, i);
    std::string body = "A grey heron by the river.\n";
    for (int k = same; k <= i; ++k)
      body += "Another heron, and a word " + std::to_string(k) + ".\n";
    posts.emplace_back(name, "---\ntitle: Birds " + std::to_string(i) + "\n---\n" + body);
  }
  return index_posts(tmp, posts);
}

}  // namespace

// Equal weights, newest first: the service (facets counted directly, relevance alone plus a
// date sort of ties) answers as Xapian's relevance-then-date sort does, whether or not the
// page's last weight goes on past the page, and whether its run of equal weights ends
// within the posts fetched past the page (25 equal: it does not, and the match runs again).
// The plain searcher counts facets with match spies, which see every match: it too orders
// by relevance alone and the ties itself.
TEST_CASE("searcher: equal scores newest first, with or without the facet table", "[searcher]") {
  const auto [same, distinct] = GENERATE(std::pair{5, 10}, std::pair{15, 3}, std::pair{10, 0},
                                         std::pair{9, 1}, std::pair{11, 0}, std::pair{25, 0});
  testing::TempDir tmp;
  const auto index = index_herons(tmp, same, distinct);
  Searcher plain(index);
  Searcher service(index, std::make_shared<RevisionMemos>());
  for (const int page : {1, 2}) {
    SearchRequest r = req("heron");
    r.per_page = 10;
    r.page = page;
    const SearchResponse a = plain.search(r);
    const SearchResponse b = service.search(r);
    INFO("same " << same << " distinct " << distinct << " page " << page);
    REQUIRE(a.hits.size() == b.hits.size());
    for (std::size_t i = 0; i < a.hits.size(); ++i) {
      CHECK(a.hits[i].url == b.hits[i].url);
      CHECK(a.hits[i].score == b.hits[i].score);
      if (i > 0 && a.hits[i].score == a.hits[i - 1].score) {
        CHECK(a.hits[i - 1].date >= a.hits[i].date);
      }
    }
    CHECK(a.total.estimate == b.total.estimate);
    // Counted by spies over the whole match (plain) or from the facet table (service): the
    // same, a run of the match that is done again included.
    REQUIRE(facet_counts(a, "years").size() == 1);
    CHECK(facet_counts(a, "years") == facet_counts(b, "years"));
    CHECK(facet_counts(a, "years").begin()->second == a.total.estimate);
  }
}

TEST_CASE("searcher: query languages a client names do not grow the searcher", "[searcher]") {
  Searcher s(example_index());
  SearchRequest r = req("sourdough starter");
  r.lang = "en";
  const std::vector<std::string> english = urls(s.search(r));
  REQUIRE_FALSE(english.empty());
  std::size_t most = 0;
  for (int i = 0; i < 100; ++i) {
    r.lang = "x" + std::to_string(i);
    (void)s.search(r);
    most = std::max(most, s.query_languages());
  }
  CHECK(most <= Searcher::kMaxQueryLanguages);
  r.lang = "EN-gb";  // the stemmer and stop words of "en"
  CHECK(urls(s.search(r)) == english);
}

}  // namespace postsearch

namespace postsearch {

// A match holding most posts has its facets counted from the table as every post's counts
// less those of the posts it lacks: the same counts as reading each match's document.
TEST_CASE("searcher: facets of a match holding most posts equal a count of its documents",
          "[searcher]") {
  Searcher plain(example_index());
  Searcher service(example_index(), std::make_shared<RevisionMemos>());
  SearchRequest r = req("one OR you OR first OR time OR can");  // 32 of the 50 posts
  r.partial = false;  // no wildcard: counted from the posting lists
  r.facet_limit = 100;
  const SearchResponse a = plain.search(r);
  const SearchResponse b = service.search(r);
  REQUIRE(a.total.estimate * 2 > 50);
  REQUIRE(a.total.estimate < 50);
  REQUIRE(a.facets.size() == b.facets.size());
  for (const Facet& f : a.facets) {
    INFO(f.name);
    CHECK(facet_counts(a, f.name) == facet_counts(b, f.name));
  }
}

}  // namespace postsearch
