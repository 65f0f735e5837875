// The request and response of a search, shared by the command line and the HTTP service
// (which both print them with query/json_io.h). Plain structs; no behaviour.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/schema.h"

namespace postsearch {

enum class SortOrder { kRelevance, kDateAscending, kDateDescending };

inline constexpr int kMaxPerPage = 100;
inline constexpr int kMaxPage = 1000;
inline constexpr int kMaxFacetLimit = 100;

struct SearchRequest {
  std::string q;
  // The values selected for each requested filter field of the schema
  // (schema::kFilterFields): OR within a field, AND across fields. Langs are as asked ("*":
  // every language) until the searcher resolves them.
  std::map<schema::Filter, std::vector<std::string>> filters;
  // Of several sites searched as one (query/federation.h): the sites searched, by name; empty:
  // every site.
  std::vector<std::string> sites;
  std::string after;   // "2023", "2023-04", "2023-04-05": inclusive
  std::string before;  // exclusive
  SortOrder sort = SortOrder::kRelevance;
  int page = 1;       // 1-based
  int per_page = 10;  // capped at kMaxPerPage
  bool facets = true;
  int facet_limit = 10;  // values per facet
  bool explain = false;
  double recency_half_life_days = 0;  // 0: no recency boost
  // The reader's language: the query's stemmer and stop words, and the translation a hit
  // shows. Empty: the one language filtered on, else the index's default.
  std::string lang;
  bool partial = true;  // the last word also matches as a prefix
  bool snippets = true;
  bool collapse = true;  // one hit per translation group

  // The values selected for `filter`; empty when none.
  [[nodiscard]] const std::vector<std::string>& values(schema::Filter filter) const {
    static const std::vector<std::string> kNone;
    const auto it = filters.find(filter);
    return it == filters.end() ? kNone : it->second;
  }
  [[nodiscard]] std::vector<std::string>& values(schema::Filter filter) { return filters[filter]; }
  [[nodiscard]] const std::vector<std::string>& langs() const {
    return values(schema::Filter::kLang);
  }
};

// Another language's version of a hit (the posts of its translation group).
struct Translation {
  std::string lang;
  std::string url;
  std::string title;
};

struct SectionHit {
  std::string heading;
  std::string anchor;
  std::string url;           // post URL + "#" + anchor
  std::string snippet_html;  // HTML-escaped text with <mark> around matches
  // `url` with a text fragment selecting the snippet's passage (query/passage.h), or `url`.
  std::string passage_url{};
};

// Where the site is published, as the index records it (common/schema.h kMetaSiteUrl).
struct SiteLink {
  std::string site_url;  // "https://example.org/blog"; empty when unknown
  std::string baseurl;   // the path prefix post URLs carry: "/blog"

  // "/blog/2024/x/" -> "https://example.org/blog/2024/x/"; empty when the site is unknown.
  [[nodiscard]] std::string absolute(const std::string& url) const {
    if (site_url.empty()) return "";
    const bool prefixed = !baseurl.empty() && url.compare(0, baseurl.size(), baseurl) == 0;
    return site_url + (prefixed ? url.substr(baseurl.size()) : url);
  }
};

struct Hit {
  int rank = 0;  // 1-based over the whole result list
  std::string id;
  std::string site;          // of several sites searched as one: the hit's, by name; else empty
  std::string url;           // the post's URL path on the site
  std::string absolute_url;  // the same, absolute (SiteLink::absolute); empty when unknown
  std::string title;
  std::string date;
  std::vector<std::string> authors;
  std::vector<std::string> tags;
  std::vector<std::string> categories;
  std::string description;
  std::string lang;
  std::string type;          // "post", "page", a collection's name
  std::string title_html;    // HTML-escaped title with <mark> around matches
  std::string snippet_html;  // HTML-escaped body excerpt with <mark> around matches
  // The URL of the snippet's section with a text fragment selecting its passage
  // (query/passage.h); `url` when there is none.
  std::string passage_url;
  std::vector<SectionHit> sections;
  std::vector<Translation> translations;  // the other posts of its translation group
  double score = 0;
  std::optional<nlohmann::json> explain;
};

struct FacetValue {
  std::string value;
  std::size_t count = 0;
  bool selected = false;
};

struct Facet {
  // "tags", "authors", "categories", "years", "months", "langs", "types"; "sites" when
  // several sites are searched as one
  std::string name;
  std::vector<FacetValue> values;
  std::size_t other_values = 0;  // values left out by facet_limit
};

struct Total {
  std::size_t estimate = 0;
  std::size_t lower = 0;
  std::size_t upper = 0;
  bool exact = false;
};

struct SearchResponse {
  std::string query;
  std::string did_you_mean;  // a corrected query, or empty
  bool corrected = false;    // the results are for did_you_mean (the query found nothing)
  bool relaxed = false;      // not every word was required (too few posts had them all)
  // Some post has every word of the (corrected) query: false when nothing matched, or when
  // a relaxed answer shows only posts with some of the words. Not in the API's JSON.
  bool every_word = false;
  Total total;
  int page = 1;
  int per_page = 10;
  std::vector<Hit> hits;
  std::vector<Facet> facets;
  std::vector<std::string> warnings;
  std::vector<std::string> langs;  // the languages searched, as the index spells them
  double took_ms = 0;
};

struct Completion {
  std::string text;
  std::size_t posts = 0;
};

struct SuggestResponse {
  std::string q;
  std::vector<Completion> completions;  // whole words that complete the last word
  std::vector<Hit> titles;              // posts whose title matches as typed
};

}  // namespace postsearch
