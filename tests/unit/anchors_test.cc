// Heading ids per engine. Expected values are what Debian's jekyll 4.3.1 (kramdown 2.4.0,
// kramdown-parser-gfm 1.1.0, stringex 2.8.5) and hugo 0.111.3 wrote for these headings;
// tests/blackbox/anchors_test.py checks the same against fresh builds.
#include <catch2/catch.hpp>

#include "indexer/anchors.h"
#include "indexer/markdown.h"

namespace postsearch {
namespace {

AnchorOptions style(AnchorStyle s) {
  AnchorOptions o;
  o.style = s;
  return o;
}

std::vector<std::string> anchors(std::string_view markdown, const AnchorOptions& options) {
  MarkdownOptions mo;
  mo.anchors = options;
  std::vector<std::string> out;
  for (const auto& s : markdown_to_text(markdown, mo).sections) {
    if (!s.heading.empty()) out.push_back(s.anchor);
  }
  return out;
}

}  // namespace

TEST_CASE("anchors: Ruby's downcase keeps ß and expands İ", "[anchors]") {
  CHECK(ruby_downcase("GRÖSSE Größe ẞ") == "grösse größe ß");
  CHECK(ruby_downcase("İstanbul ΣΑΣ") == "i\xCC\x87stanbul σασ");
}

TEST_CASE("anchors: GFM ids keep Unicode word characters", "[anchors]") {
  const auto gfm = style(AnchorStyle::kGfm);
  CHECK(basic_heading_id("Größe und Maße", gfm) == "größe-und-maße");
  CHECK(basic_heading_id("京都の哲学の道", gfm) == "京都の哲学の道");
  CHECK(basic_heading_id("Ǆemal ǅ Ⅻ ① Ⓐ²", gfm) == "ǆemal-ǆ-ⅻ--ⓐ");
  CHECK(basic_heading_id(drop_typographic_symbols("It's \"quoted\" << and >>"), gfm) ==
        "its-quoted-and");
  CHECK(basic_heading_id(drop_typographic_symbols("C++ & C# -- a dash --- and ... dots"), gfm) ==
        "c--c--a-dash--and--dots");
}

TEST_CASE("anchors: kramdown ids are ASCII, transliterated on request", "[anchors]") {
  auto k = style(AnchorStyle::kKramdown);
  CHECK(basic_heading_id("2. Numbers & Symbols!", k) == "numbers--symbols");
  CHECK(basic_heading_id("Größe", k) == "gre");
  k.transliterate = true;
  CHECK(kramdown_transliterate("Größe Ärger") == "Grosse Arger");
  CHECK(basic_heading_id("Größe Ärger", k) == "grosse-arger");
  CHECK(kramdown_transliterate("\xF0\x9F\x9A\x80") == "?");  // no page for emoji: "?"
}

TEST_CASE("anchors: Goldmark's three id types", "[anchors]") {
  CHECK(basic_heading_id("Größe _under_ score", style(AnchorStyle::kGoldmark)) ==
        "größe-_under_-score");
  CHECK(basic_heading_id("Tiếng Việt Größe", style(AnchorStyle::kGoldmarkAscii)) ==
        "tieng-viet-groe");
  CHECK(basic_heading_id("A [link](https://example.com/x) here",
                         style(AnchorStyle::kBlackfriday)) == "a-link-https-example-com-x-here");
}

TEST_CASE("anchors: explicit ids per engine", "[anchors]") {
  CHECK(trailing_heading_id("Custom {#custom-id}", AnchorStyle::kKramdown).id == "custom-id");
  CHECK(trailing_heading_id("Attr {#a .cls}", AnchorStyle::kKramdown).id.empty());
  CHECK(trailing_heading_id("Attr {#a .cls}", AnchorStyle::kGoldmark).id == "a");
  CHECK(trailing_heading_id("Attr {.cls}", AnchorStyle::kGoldmark).attribute);
  CHECK(kramdown_block_ial_id("{: #ial-after .x}") == std::optional<std::string>("ial-after"));
  CHECK(kramdown_block_ial_id("{: .x}") == std::optional<std::string>(""));
  CHECK_FALSE(kramdown_block_ial_id("{::comment}"));
  CHECK_FALSE(kramdown_block_ial_id("not an IAL"));
}

TEST_CASE("anchors: repeats, explicit ids and raw HTML in a page", "[anchors]") {
  const std::string md =
      "## Intro\n\n## Intro\n\n## Intro\n\n## Intro 1\n\n## Custom {#custom-id}\n\n## Custom id\n\n"
      "## IAL after\n{: #ial-after}\n\n{: #ial-before}\n## IAL before\n\n"
      "<h2 id=\"raw-id\">Raw</h2>\n\n<h3>Raw without id</h3>\n";
  CHECK(anchors(md, style(AnchorStyle::kGfm)) ==
        std::vector<std::string>{"intro", "intro-1", "intro-2", "intro-1", "custom-id", "custom-id",
                                 "ial-after", "ial-before", "raw-id", ""});
  auto hugo = style(AnchorStyle::kGoldmark);
  hugo.raw_html = false;
  CHECK(anchors(md, hugo) == std::vector<std::string>{"intro", "intro-1", "intro-2", "intro-1-1",
                                                      "custom-id", "custom-id-1", "ial-after",
                                                      "ial-before", "", ""});
  auto off = style(AnchorStyle::kKramdown);
  off.auto_ids = false;
  CHECK(anchors("## Auto\n\n## Set {#set}\n", off) == std::vector<std::string>{"", "set"});
}

TEST_CASE("anchors: source lines, setext headings and stripping", "[anchors]") {
  const std::string md =
      "## A [link](https://example.com/x) here\n\n## Entities &amp; &copy; here\n\n"
      "Setext heading\n--------------\n\nSetext over\ntwo lines\n=========\n";
  CHECK(anchors(md, style(AnchorStyle::kKramdown)) ==
        std::vector<std::string>{"a-linkhttpsexamplecomx-here", "entities-amp-copy-here",
                                 "setext-heading", ""});
  auto stripped = style(AnchorStyle::kKramdown);
  stripped.strip_formatting = true;
  stripped.prefix = "h-";
  CHECK(anchors(md, stripped) ==
        std::vector<std::string>{"h-a-link-here", "h-entities---here", "h-setext-heading", ""});
  CHECK(anchors(md, style(AnchorStyle::kGoldmark)) ==
        std::vector<std::string>{"a-linkhttpsexamplecomx-here", "entities-amp-copy-here",
                                 "setext-heading", "two-lines"});
}

TEST_CASE("anchors: input kramdown wants a block boundary before a heading", "[anchors]") {
  const std::string md =
      "Text\n## After text\n\n## Pair\n## Second\n\n{: #before}\n## Boundary by IAL\n";
  CHECK(anchors(md, style(AnchorStyle::kKramdown)) ==
        std::vector<std::string>{"", "pair", "", "before"});
  CHECK(anchors(md, style(AnchorStyle::kGfm)) ==
        std::vector<std::string>{"after-text", "pair", "second", "before"});
}

TEST_CASE("anchors: Hugo without heading attributes reads {#id} as text", "[anchors]") {
  auto hugo = style(AnchorStyle::kGoldmark);
  hugo.heading_attributes = false;
  CHECK(anchors("## Custom {#custom-id}\n", hugo) == std::vector<std::string>{"custom-custom-id"});
}

}  // namespace postsearch
