// The service's non-JSON answers, as pure functions of search results: the search page
// (web/index.html with the results rendered on the server, so /search?q= works without
// JavaScript), the OpenSearch description, and searches as Atom feeds. Every value from a
// post or a request is escaped here. Safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "query/search_types.h"

namespace postsearch::http {

struct PageContext {
  std::string site_title;  // shown in titles and the OpenSearch short name
  std::string base_url;    // the service: "http://127.0.0.1:8080", no trailing slash
  SiteLink site;           // where posts are: results and feed entries link there
  // The search page's filters other than `lang` (name, value), kept in its language links.
  std::vector<std::pair<std::string, std::string>> filters;
};

// `page_template` is web/index.html; its markers are replaced with the escaped query, the
// languages searched (hidden form fields, so that the next search keeps them) and the
// results with the language facet as links (or nothing when `response` is null).
[[nodiscard]] std::string render_search_page(std::string_view page_template,
                                             const PageContext& context, const std::string& query,
                                             const SearchResponse* response);

[[nodiscard]] std::string render_opensearch(const PageContext& context);

// `self_query` is the request's query string, for the feed's self link and id.
[[nodiscard]] std::string render_atom(const PageContext& context, const std::string& self_query,
                                      const SearchResponse& response);

// One result as the search page and the box (web/postsearch.js) both show it: the title
// linking its passage (with `query` for the landing script), the URL path, date, authors
// and tags, the excerpt with its marks, the translations and the matching sections, each
// linking on the site. tests/web/e2e.test.mjs checks that the box renders the same.
[[nodiscard]] std::string render_hit(const Hit& hit, const SiteLink& site,
                                     const std::string& query);

// Escapes text for XML (and HTML) text and attribute values; drops what XML 1.0 does not
// allow (control characters, U+FFFE, U+FFFF) and repairs invalid UTF-8, so that no post and
// no query makes a feed that is not well-formed.
[[nodiscard]] std::string xml_escape(std::string_view text);

}  // namespace postsearch::http
