// The service's HTML and XML answers (query/http/pages.h): one hit as the page and the box
// render it, the search page's markers, the OpenSearch description and the Atom feed, with
// every value from a post or a request escaped.
#include <catch2/catch.hpp>

#include <string>

#include "query/http/pages.h"

namespace postsearch::http {
namespace {

Hit sample_hit() {
  Hit h;
  h.rank = 1;
  h.id = "_posts/a.md";
  h.url = "/blog/2024/a/";
  h.title = "A \"quoted\" <title>";
  h.title_html = "A &quot;quoted&quot; &lt;<mark>title</mark>&gt;";
  h.date = "2024-03-05T10:00:00Z";
  h.authors = {"Ann", "Bo"};
  h.tags = {"c++", "<x>"};
  h.snippet_html = "a <mark>title</mark> here";
  h.passage_url = "/blog/2024/a/#intro:~:text=a%20title";
  h.sections = {{"Intro & more", "intro", "/blog/2024/a/#intro", "", ""}};
  h.translations = {{"de", "/blog/de/a/", "Ein \"Titel\""}};
  return h;
}

std::size_t occurrences(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t p = text.find(part); p != std::string::npos; p = text.find(part, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("pages: a hit's markup, links on the site, values escaped", "[pages]") {
  const SiteLink site{"https://example.org/blog", "/blog"};
  CHECK(render_hit(sample_hit(), site, "a title") ==
        "<li class=\"ps-hit\"><a class=\"ps-title\" "
        "href=\"https://example.org/blog/2024/a/#intro:~:text=a%20title&amp;ps-q=a%20title\">"
        "A &quot;quoted&quot; &lt;<mark>title</mark>&gt;</a>"
        "<div class=\"ps-url\">/blog/2024/a/</div>"
        "<div class=\"ps-meta\">2024-03-05 · Ann, Bo <span class=\"ps-tag\">c++</span> "
        "<span class=\"ps-tag\">&lt;x&gt;</span></div>"
        "<p class=\"ps-snippet\">a <mark>title</mark> here</p>"
        "<p class=\"ps-also\">Also in: <a href=\"https://example.org/blog/de/a/\" hreflang=\"de\" "
        "title=\"Ein &quot;Titel&quot;\">de</a></p>"
        "<ul class=\"ps-sections\"><li><a href=\"https://example.org/blog/2024/a/#intro\">"
        "Intro &amp; more</a></li></ul></li>");
}

TEST_CASE("pages: without a site, a passage or a query the links stay as they are", "[pages]") {
  Hit h = sample_hit();
  h.passage_url.clear();
  h.sections.clear();
  h.translations.clear();
  h.snippet_html.clear();
  h.date.clear();
  h.tags.clear();
  const std::string out = render_hit(h, SiteLink{}, "q");
  CHECK(out.find("<a class=\"ps-title\" href=\"/blog/2024/a/\">") != std::string::npos);
  CHECK(out.find("<div class=\"ps-meta\">Ann, Bo</div>") != std::string::npos);
  CHECK(out.find("ps-snippet") == std::string::npos);
  CHECK(out.find("ps-also") == std::string::npos);
  CHECK(out.find("ps-sections") == std::string::npos);
  // A passage without a text fragment gets no words; the words are percent-encoded as
  // encodeURIComponent does.
  h.passage_url = "/blog/2024/a/#intro";
  CHECK(render_hit(h, SiteLink{}, "x").find("href=\"/blog/2024/a/#intro\"") != std::string::npos);
  h.passage_url = "/a/#s:~:text=x";
  CHECK(render_hit(h, SiteLink{}, "it's (x&y)")
            .find("href=\"/a/#s:~:text=x&amp;ps-q=it&#39;s%20(x%26y)\"") != std::string::npos);
}

TEST_CASE("pages: the search page fills its markers, escaped", "[pages]") {
  const std::string page_template =
      "<title>{{site_title}}</title><input value=\"{{query}}\"><!--postsearch:hidden-->"
      "<div><!--postsearch:results--></div>";
  PageContext c;
  c.site_title = "Ann's <blog>";
  c.filters = {{"tag", "c++"}};
  CHECK(render_search_page(page_template, c, "\"><script>", nullptr) ==
        "<title>Ann&#39;s &lt;blog&gt;</title><input value=\"&quot;&gt;&lt;script&gt;\">"
        "<div></div>");

  SearchResponse r;
  r.query = "cold";
  r.total.estimate = 1;
  r.langs = {"de"};
  r.hits = {sample_hit()};
  r.facets = {{"langs", {{"de", 1, true}, {"en", 2, false}}, 0}};
  const std::string out = render_search_page(page_template, c, "cold", &r);
  CHECK(out.find("<input type=\"hidden\" name=\"lang\" value=\"de\">") != std::string::npos);
  CHECK(out.find("<p class=\"ps-count\" role=\"status\">1 result</p>") != std::string::npos);
  CHECK(out.find("<ol class=\"ps-results\" aria-label=\"Search results\">\n" +
                 render_hit(sample_hit(), SiteLink{}, "cold") + "\n</ol>") != std::string::npos);
  CHECK(
      out.find("href=\"/search?q=cold&amp;tag=c%2B%2B&amp;lang=en\" hreflang=\"en\">en (2)</a>") !=
      std::string::npos);
  CHECK(out.find("hreflang=\"de\" aria-current=\"page\">de (1)</a>") != std::string::npos);
}

TEST_CASE("pages: a spelling suggestion links to its search, encoded, filters kept", "[pages]") {
  const std::string page_template = "<!--postsearch:results-->";
  PageContext c;
  c.filters = {{"tag", "c++"}};
  SearchResponse r;
  r.query = "secuirty & advisory";
  r.langs = {"de"};
  r.did_you_mean = "security & \"advisory\"#x";
  const std::string out = render_search_page(page_template, c, r.query, &r);
  CHECK(out.find("Did you mean <a href=\"/search?q=security%20%26%20%22advisory%22%23x&amp;"
                 "tag=c%2B%2B&amp;lang=de\">security &amp; &quot;advisory&quot;#x</a>?") !=
        std::string::npos);
  // A correction already made shows the words searched, and no link.
  r.corrected = true;
  const std::string corrected = render_search_page(page_template, c, r.query, &r);
  CHECK(corrected.find("Showing results for <strong>security &amp; &quot;advisory&quot;#x"
                       "</strong>") != std::string::npos);
  CHECK(corrected.find("Did you mean") == std::string::npos);
}

TEST_CASE("pages: OpenSearch and Atom name the service and escape every value", "[pages]") {
  PageContext c;
  c.site_title = "A very long site title & more";
  c.base_url = "http://127.0.0.1:8080";
  c.site = {"https://example.org/blog", "/blog"};
  const std::string os = render_opensearch(c);
  CHECK(os.find("<ShortName>A very long site</ShortName>") != std::string::npos);
  CHECK(os.find("template=\"http://127.0.0.1:8080/search?q={searchTerms}\"") != std::string::npos);

  SearchResponse r;
  r.query = "a<b";
  r.hits = {sample_hit()};
  const std::string feed = render_atom(c, "q=a%3Cb", r);
  CHECK(feed.find("<title>A very long site title &amp; more: a&lt;b</title>") != std::string::npos);
  CHECK(feed.find("<link rel=\"self\" href=\"http://127.0.0.1:8080/search.atom?q=a%3Cb\"/>") !=
        std::string::npos);
  CHECK(feed.find("<link href=\"https://example.org/blog/2024/a/\"/>") != std::string::npos);
  CHECK(feed.find("<title>A &quot;quoted&quot; &lt;title&gt;</title>") != std::string::npos);
  CHECK(occurrences(feed, "<author><name>") == 2);
  CHECK(feed.find("<category term=\"&lt;x&gt;\"/>") != std::string::npos);
  // The excerpt's HTML, escaped once more as the summary's text.
  CHECK(feed.find("<summary type=\"html\">a &lt;mark&gt;title&lt;/mark&gt; here</summary>") !=
        std::string::npos);
}

}  // namespace postsearch::http
