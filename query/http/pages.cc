#include "query/http/pages.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <sstream>

#include "common/text.h"

namespace postsearch::http {
namespace {

std::string replace_all(std::string s, std::string_view from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
  return s;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    // What encodeURIComponent leaves as it is, so that the box and this page link alike.
    if (std::isalnum(c) != 0 || std::string_view("-_.~!*'()").find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A link to the search page for the same query and filters in `langs` (none: all).
std::string search_link(const PageContext& c, const std::string& query,
                        const std::vector<std::string>& langs) {
  std::string out = "/search?q=" + percent_encode(query);
  for (const auto& [name, value] : c.filters) out += "&" + name + "=" + percent_encode(value);
  for (const auto& l : langs) out += "&lang=" + percent_encode(l);
  return out;
}

// The language facet as links: every language, each with its count, the one searched marked.
std::string languages_html(const PageContext& c, const SearchResponse& r) {
  const auto facet = std::find_if(r.facets.begin(), r.facets.end(),
                                  [](const Facet& f) { return f.name == "langs"; });
  if (facet == r.facets.end()) return "";
  std::ostringstream out;
  out << "<nav class=\"ps-langs\" aria-label=\"Languages\"><a href=\""
      << xml_escape(search_link(c, r.query, {})) << "\""
      << (r.langs.empty() ? " aria-current=\"page\"" : "") << ">All languages</a>";
  for (const auto& v : facet->values) {
    const bool on = std::find(r.langs.begin(), r.langs.end(), v.value) != r.langs.end();
    out << " <a href=\"" << xml_escape(search_link(c, r.query, {v.value})) << "\" hreflang=\""
        << xml_escape(v.value) << "\"" << (on ? " aria-current=\"page\"" : "") << ">"
        << xml_escape(v.value) << " (" << v.count << ")</a>";
  }
  out << "</nav>\n";
  return out.str();
}

// A post's link: absolute on the site when the index knows where the site is.
std::string post_link(const SiteLink& site, const std::string& url) {
  const std::string absolute = site.absolute(url);
  return absolute.empty() ? url : absolute;
}

// Where a result opens, as web/postsearch.js's resultLink: its passage, with the search's
// words added to a text fragment for postsearch-highlight.js.
std::string passage_link(const SiteLink& site, const std::string& url,
                         const std::string& passage_url, const std::string& query) {
  if (passage_url.empty()) return post_link(site, url);
  const bool fragment = !query.empty() && passage_url.find(":~:text=") != std::string::npos;
  return post_link(site, fragment ? passage_url + "&ps-q=" + percent_encode(query) : passage_url);
}

// "Also in: de, ja": a hit's translations as links.
std::string translations_html(const Hit& h, const SiteLink& site) {
  if (h.translations.empty()) return "";
  std::ostringstream out;
  out << "<p class=\"ps-also\">Also in:";
  for (std::size_t i = 0; i < h.translations.size(); ++i) {
    const Translation& t = h.translations[i];
    out << (i == 0 ? " " : ", ") << "<a href=\"" << xml_escape(post_link(site, t.url))
        << "\" hreflang=\"" << xml_escape(t.lang) << "\" title=\"" << xml_escape(t.title) << "\">"
        << xml_escape(t.lang) << "</a>";
  }
  out << "</p>";
  return out.str();
}

// The date (its day), the authors and the tags.
std::string meta_html(const Hit& h) {
  // The site (when several are searched as one), the date, the authors.
  std::string line = h.site;
  const std::string date = h.date.substr(0, std::min<std::size_t>(10, h.date.size()));
  if (!date.empty()) line += (line.empty() ? "" : " · ") + date;
  if (!h.authors.empty()) line += (line.empty() ? "" : " · ") + text::join(h.authors, ", ");
  std::string out = "<div class=\"ps-meta\">" + xml_escape(line);
  for (const auto& t : h.tags) out += " <span class=\"ps-tag\">" + xml_escape(t) + "</span>";
  return out + "</div>";
}

std::string sections_html(const Hit& h, const SiteLink& site, const std::string& query) {
  if (h.sections.empty()) return "";
  std::string out = "<ul class=\"ps-sections\">";
  for (const auto& s : h.sections) {
    out += "<li><a href=\"" + xml_escape(passage_link(site, s.url, s.passage_url, query)) + "\">" +
           xml_escape(s.heading) + "</a></li>";
  }
  return out + "</ul>";
}

std::string results_html(const PageContext& c, const SearchResponse& r) {
  std::ostringstream out;
  out << "<p class=\"ps-count\" role=\"status\">" << r.total.estimate
      << (r.total.estimate == 1 ? " result" : " results") << "</p>\n";
  if (r.corrected) {
    out << "<p class=\"ps-dym\">Showing results for <strong>" << xml_escape(r.did_you_mean)
        << "</strong></p>\n";
  } else if (!r.did_you_mean.empty()) {
    // The suggestion keeps the page's filters and languages, as the box's link does.
    out << "<p class=\"ps-dym\">Did you mean <a href=\""
        << xml_escape(search_link(c, r.did_you_mean, r.langs)) << "\">"
        << xml_escape(r.did_you_mean) << "</a>?</p>\n";
  }
  out << "<ol class=\"ps-results\" aria-label=\"Search results\">\n";
  for (const auto& h : r.hits) out << render_hit(h, c.site, r.query) << "\n";
  out << "</ol>\n";
  return out.str();
}

std::string rfc3339_now() {
  char b[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

}  // namespace

std::string render_hit(const Hit& hit, const SiteLink& site, const std::string& query) {
  // title_html and snippet_html are escaped by the search core; everything else here.
  std::string out = "<li class=\"ps-hit\"><a class=\"ps-title\" href=\"" +
                    xml_escape(passage_link(site, hit.url, hit.passage_url, query)) + "\">" +
                    hit.title_html + "</a><div class=\"ps-url\">" + xml_escape(hit.url) + "</div>" +
                    meta_html(hit);
  if (!hit.snippet_html.empty()) out += "<p class=\"ps-snippet\">" + hit.snippet_html + "</p>";
  return out + translations_html(hit, site) + sections_html(hit, site, query) + "</li>";
}

std::string xml_escape(std::string_view text) {
  return text::html_escape(text::strip_control(text::repair_utf8(text).text));
}

std::string render_search_page(std::string_view page_template, const PageContext& context,
                               const std::string& query, const SearchResponse* response) {
  std::string page(page_template);
  page = replace_all(page, "{{site_title}}", xml_escape(context.site_title));
  page = replace_all(page, "{{query}}", xml_escape(query));
  std::string hidden;
  for (const auto& l : response != nullptr ? response->langs : std::vector<std::string>{})
    hidden += "<input type=\"hidden\" name=\"lang\" value=\"" + xml_escape(l) + "\">";
  page = replace_all(page, "<!--postsearch:hidden-->", hidden);
  page = replace_all(page, "<!--postsearch:results-->",
                     response != nullptr
                         ? languages_html(context, *response) + results_html(context, *response)
                         : "");
  return page;
}

std::string render_opensearch(const PageContext& c) {
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\n"
      << "  <ShortName>" << xml_escape(text::truncate_utf8(c.site_title, 16)) << "</ShortName>\n"
      << "  <Description>Search " << xml_escape(c.site_title) << "</Description>\n"
      << "  <InputEncoding>UTF-8</InputEncoding>\n"
      << "  <Url type=\"text/html\" method=\"get\" template=\"" << xml_escape(c.base_url)
      << "/search?q={searchTerms}\"/>\n"
      << "  <Url type=\"application/atom+xml\" template=\"" << xml_escape(c.base_url)
      << "/search.atom?q={searchTerms}\"/>\n"
      << "  <Url type=\"application/x-suggestions+json\" template=\"" << xml_escape(c.base_url)
      << "/api/suggest?q={searchTerms}&amp;format=opensearch\"/>\n"
      << "</OpenSearchDescription>\n";
  return out.str();
}

std::string render_atom(const PageContext& c, const std::string& self_query,
                        const SearchResponse& r) {
  std::ostringstream out;
  const std::string self =
      c.base_url + "/search.atom" + (self_query.empty() ? "" : "?" + self_query);
  std::string updated =
      r.hits.empty() || r.hits.front().date.empty() ? rfc3339_now() : r.hits.front().date;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed "
         "xmlns=\"http://www.w3.org/2005/Atom\">\n"
      << "  <title>" << xml_escape(c.site_title)
      << (r.query.empty() ? "" : ": " + xml_escape(r.query)) << "</title>\n"
      << "  <id>" << xml_escape(self) << "</id>\n"
      << "  <link rel=\"self\" href=\"" << xml_escape(self) << "\"/>\n"
      << "  <updated>" << xml_escape(updated) << "</updated>\n"
      << "  <generator>postsearch</generator>\n";
  for (const auto& h : r.hits) {
    const std::string url = post_link(c.site, h.url);
    out << "  <entry>\n    <title>" << xml_escape(h.title) << "</title>\n"
        << "    <id>" << xml_escape(url) << "</id>\n"
        << "    <link href=\"" << xml_escape(url) << "\"/>\n"
        << "    <updated>" << xml_escape(h.date.empty() ? updated : h.date) << "</updated>\n";
    for (const auto& a : h.authors)
      out << "    <author><name>" << xml_escape(a) << "</name></author>\n";
    if (h.authors.empty())
      out << "    <author><name>" << xml_escape(c.site_title) << "</name></author>\n";
    for (const auto& t : h.tags) out << "    <category term=\"" << xml_escape(t) << "\"/>\n";
    out << "    <summary type=\"html\">"
        << xml_escape(h.description.empty() ? h.snippet_html : xml_escape(h.description))
        << "</summary>\n  </entry>\n";
  }
  out << "</feed>\n";
  return out.str();
}

}  // namespace postsearch::http
