// The search answer's JSON, written without an nlohmann tree: it must be the text nlohmann
// prints for the same answer (keys in order, its escapes and number format, bad UTF-8
// replaced), and hold every field of the answer.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/schema.h"
#include "query/json_io.h"

namespace postsearch {
namespace {

using nlohmann::json;

// What nlohmann makes of `s` as a string value: bad bytes replaced as it replaces them.
json as_nlohmann(const std::string& s) {
  return json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace));
}

const std::vector<std::string> kAwkward = {
    "",
    "plain words",
    "quote \" backslash \\ slash /",
    std::string("controls \b\f\n\r\t \x01\x1f\x7f end"),
    std::string("nul \0 inside", 12),
    "<mark>Ünïcödé</mark> — 検索 😀",
    "bad \xC3 lead",             // truncated sequence
    "bad \x80 continuation",     // lone continuation byte
    "overlong \xC0\xAF slash",   // overlong encoding
    "surrogate \xED\xA0\x80 x",  // UTF-16 surrogate
    "beyond \xF4\x90\x80\x80 max",
};

Hit awkward_hit(const std::string& s, int rank) {
  Hit h;
  h.rank = rank;
  h.id = "id-" + s;
  h.url = "/p/" + s;
  if (rank % 2 == 1) h.absolute_url = "https://blog.example" + h.url;
  h.title = s;
  h.date = rank % 2 == 0 ? "" : "2024-01-0" + std::to_string(rank % 9 + 1);
  h.authors = {s, "Ann"};
  h.tags = rank % 3 == 0 ? std::vector<std::string>{} : std::vector<std::string>{s};
  h.categories = {"c"};
  h.description = s;
  h.lang = "en";
  h.title_html = "<mark>" + s + "</mark>";
  h.snippet_html = s + "…";
  h.passage_url = "/p#:~:text=" + s;
  if (rank % 2 == 1) {
    h.sections.push_back({"Heading " + s, "anchor", "/p#anchor", s, "/p#anchor:~:text=" + s});
  }
  h.score = rank * 1.37 + 1e-9;
  if (rank == 3) h.explain = json{{"terms", {{"Zword", 1.5}}}, {"score", 1.5}};
  return h;
}

SearchResponse awkward_response() {
  SearchResponse r;
  r.query = "q \"x\" \xFF";
  r.did_you_mean = "";
  r.corrected = true;
  r.relaxed = false;
  r.total = {12345678901ULL, 3, 99, false};
  r.page = 2;
  r.per_page = 10;
  int rank = 0;
  for (const auto& s : kAwkward) r.hits.push_back(awkward_hit(s, ++rank));
  Facet tags{"tags", {{"rust", 3, true}, {"c\"pp", 0, false}}, 7};
  Facet years{"years", {{"2024", 12, false}}, 0};
  Facet authors{"authors", {}, 0};
  r.facets = {tags, years, authors};  // not in alphabetical order
  r.warnings = {"a warning", "bad \xC3"};
  r.took_ms = 0.1 + 0.2;
  return r;
}

}  // namespace

TEST_CASE("search JSON is the text nlohmann prints for it, with every field", "[json]") {
  const SearchResponse r = awkward_response();
  const std::string text = search_json(r);
  const json parsed = json::parse(text);
  // The same bytes as nlohmann's own serialisation of what it parsed: key order, escapes,
  // number format.
  CHECK(parsed.dump() == text);
  CHECK(parsed["query"] == as_nlohmann(r.query));
  CHECK(parsed["did_you_mean"].is_null());
  CHECK(parsed["corrected"] == true);
  CHECK(parsed["relaxed"] == false);
  CHECK(parsed["total"] == json{{"estimate", 12345678901ULL},
                                {"lower_bound", 3},
                                {"upper_bound", 99},
                                {"exact", false}});
  CHECK(parsed["page"] == 2);
  CHECK(parsed["per_page"] == 10);
  CHECK(parsed["took_ms"].get<double>() == r.took_ms);
  CHECK(parsed["warnings"] == json{"a warning", as_nlohmann("bad \xC3")});
  CHECK(parsed["facets"]["tags"] ==
        json{{"other_values", 7},
             {"values",
              {{{"value", "rust"}, {"count", 3}, {"selected", true}},
               {{"value", "c\"pp"}, {"count", 0}, {"selected", false}}}}});
  CHECK(parsed["facets"]["authors"]["values"] == json::array());
  CHECK(parsed["facets"].size() == 3);
  REQUIRE(parsed["hits"].size() == r.hits.size());
  for (std::size_t i = 0; i < r.hits.size(); ++i) {
    const Hit& h = r.hits[i];
    const json& j = parsed["hits"][i];
    INFO("hit " << i);
    CHECK(j["rank"] == h.rank);
    CHECK(j["id"] == as_nlohmann(h.id));
    CHECK(j["url"] == as_nlohmann(h.url));
    CHECK(j["absolute_url"] ==
          (h.absolute_url.empty() ? json(nullptr) : as_nlohmann(h.absolute_url)));
    CHECK(j["title"] == as_nlohmann(h.title));
    CHECK(j["date"] == (h.date.empty() ? json(nullptr) : json(h.date)));
    CHECK(j["authors"] == json{as_nlohmann(h.authors[0]), "Ann"});
    CHECK(j["tags"].size() == h.tags.size());
    CHECK(j["categories"] == json{"c"});
    CHECK(j["description"] == as_nlohmann(h.description));
    CHECK(j["lang"] == "en");
    CHECK(j["title_html"] == as_nlohmann(h.title_html));
    CHECK(j["snippet_html"] == as_nlohmann(h.snippet_html));
    CHECK(j["passage_url"] == as_nlohmann(h.passage_url));
    CHECK(j["score"].get<double>() == h.score);
    CHECK(j.contains("explain") == h.explain.has_value());
    if (h.explain) CHECK(j["explain"] == *h.explain);
    REQUIRE(j["sections"].size() == h.sections.size());
    if (!h.sections.empty()) {
      CHECK(j["sections"][0] == json{{"heading", as_nlohmann(h.sections[0].heading)},
                                     {"anchor", "anchor"},
                                     {"url", "/p#anchor"},
                                     {"passage_url", as_nlohmann(h.sections[0].passage_url)},
                                     {"snippet_html", as_nlohmann(h.sections[0].snippet_html)}});
    }
    CHECK(j["translations"] == json::array());
    CHECK(j["type"] == as_nlohmann(h.type));
    CHECK(j.size() == (h.explain ? 19U : 18U));
  }
  // With facets, how to show them: every facet field of the schema, in its order.
  REQUIRE(parsed["filters"].size() == schema::kFacetFields.size());
  CHECK(parsed["filters"][0] == json{{"facet", "tags"}, {"label", "Tags"}, {"param", "tag"}});
  for (std::size_t i = 0; i < schema::kFacetFields.size(); ++i) {
    CHECK(parsed["filters"][i]["facet"] == std::string(schema::kFacetFields[i].name));
  }
  CHECK(parsed.size() == 13);
  SearchResponse without_facets = r;
  without_facets.facets.clear();
  CHECK(!json::parse(search_json(without_facets)).contains("filters"));
}

TEST_CASE("search JSON for the CLI is the same answer, indented", "[json]") {
  const SearchResponse r = awkward_response();
  const std::string indented = search_json(r, 2);
  CHECK(indented.find("\n  \"corrected\": true,\n") != std::string::npos);
  CHECK(json::parse(indented) == json::parse(search_json(r)));
}

TEST_CASE("a hit's translations and the languages searched", "[json]") {
  SearchResponse r;
  r.langs = {"de"};
  Hit h = awkward_hit("a", 1);
  h.translations = {{"ja", "/ja/x/", "\xE3\x81\x82 \"q\""}, {"en", "/x/", "X"}};
  r.hits.push_back(h);
  const json parsed = json::parse(search_json(r));
  CHECK(parsed["langs"] == json{"de"});
  CHECK(parsed["hits"][0]["translations"] ==
        json{{{"lang", "ja"}, {"title", "\xE3\x81\x82 \"q\""}, {"url", "/ja/x/"}},
             {{"lang", "en"}, {"title", "X"}, {"url", "/x/"}}});
}

TEST_CASE("related-posts JSON", "[json]") {
  const std::vector<Hit> hits = {awkward_hit("a", 1), awkward_hit("b\xFE", 2)};
  const std::string text = related_json("post \"1\"", hits);
  const json parsed = json::parse(text);
  CHECK(parsed.dump() == text);
  CHECK(parsed["id"] == "post \"1\"");
  REQUIRE(parsed["hits"].size() == 2);
  CHECK(parsed["hits"][1]["title"] == as_nlohmann("b\xFE"));
  CHECK(json::parse(related_json("x", {})) == json{{"id", "x"}, {"hits", json::array()}});
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("search JSON escapes every awkward byte wherever it falls in a string", "[json]") {
  // Strings are scanned eight bytes at a time: each special byte at each offset around
  // the chunk boundaries, alone and next to UTF-8.
  const std::vector<std::string> specials = {
      "\"", "\\", std::string(1, '\0'), "\x01", "\x1f", "\n", "\x7f", "é", "\xC3", "\xFF", " "};
  for (const auto& special : specials) {
    for (std::size_t at = 0; at < 20; ++at) {
      for (const std::size_t length : {at + 1, at + 3, std::size_t{24}}) {
        std::string s(std::max(length, at + special.size()), 'a');
        s.replace(at, special.size(), special);
        SearchResponse r;
        r.query = s;
        const std::string text = search_json(r);
        INFO("special " << static_cast<int>(static_cast<unsigned char>(special[0])) << " at " << at
                        << " length " << s.size());
        REQUIRE(json::parse(text).dump() == text);
        REQUIRE(json::parse(text)["query"] == as_nlohmann(s));
      }
    }
  }
}

}  // namespace postsearch
