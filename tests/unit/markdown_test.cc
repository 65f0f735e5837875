#include <catch2/catch.hpp>

#include "indexer/markdown.h"

namespace postsearch {
namespace {

MarkdownOptions with(AnchorStyle style) {
  MarkdownOptions o;
  o.anchors.style = style;
  return o;
}

}  // namespace

TEST_CASE("markdown: GFM ids, Jekyll's default", "[markdown]") {
  const auto md = markdown_to_text(
      "## 2. Numbers & Symbols!\n\n## Unterkünfte\n\n## 哲学の道\n\n## snake_case and-dash\n\n## "
      "Unterkünfte\n",
      {});
  REQUIRE(md.sections.size() == 5);
  CHECK(md.sections[0].anchor == "2-numbers--symbols");
  CHECK(md.sections[1].anchor == "unterkünfte");
  CHECK(md.sections[2].anchor == "哲学の道");
  CHECK(md.sections[3].anchor == "snake_case-and-dash");
  CHECK(md.sections[4].anchor == "unterkünfte-1");
  MarkdownOptions prefixed;
  prefixed.anchors.prefix = "h-";
  CHECK(markdown_to_text("## Title\n", prefixed).sections[0].anchor == "h-title");
  MarkdownOptions off;
  off.anchors.auto_ids = false;
  CHECK(markdown_to_text("## Title\n", off).sections[0].anchor.empty());
}

TEST_CASE("markdown: GFM leaves headings in HTML read as Markdown to kramdown's ids",
          "[markdown]") {
  // What Jekyll 4.3.1 wrote (tests/fixtures/anchors/posts/markdown-in-html.md has more).
  const auto md = markdown_to_text(
      "## Über\n\n<div dir=\"rtl\" markdown=\"1\">\n\n## Über\n\n## ما معنى\n\n"
      "<p markdown='1'>x</p>\n\n## Über\n\n</div>\n\n## Über\n",
      {});
  REQUIRE(md.sections.size() == 5);
  CHECK(md.sections[0].anchor == "über");
  CHECK(md.sections[1].anchor == "ber");
  CHECK(md.sections[2].anchor == "section");
  CHECK(md.sections[3].anchor == "ber-1");
  CHECK(md.sections[4].anchor == "über-1");
  // A tag that never ends is read in linear time, without recursion.
  const auto long_tag =
      markdown_to_text("<div markdown=\"1\" " + std::string(3000000, 'a') + "\n\n## End\n", {});
  REQUIRE(long_tag.sections.size() == 1);
  CHECK(long_tag.sections[0].anchor == "end");
}

TEST_CASE("markdown: sections at headings with kramdown ids", "[markdown]") {
  const auto md = markdown_to_text(
      "Intro text.\n\n## First Steps\n\nHello *world*.\n\n## 2. Numbers & Symbols!\n\nMore.\n\n## "
      "First Steps\n\nAgain.\n",
      with(AnchorStyle::kKramdown));
  REQUIRE(md.sections.size() == 4);
  CHECK(md.sections[0].heading.empty());
  CHECK(md.sections[0].text == "Intro text.");
  CHECK(md.sections[1].heading == "First Steps");
  CHECK(md.sections[1].anchor == "first-steps");
  CHECK(md.sections[1].text == "Hello world.");
  CHECK(md.sections[2].anchor == "numbers--symbols");
  CHECK(md.sections[3].anchor == "first-steps-1");
  CHECK(md.first_heading == "First Steps");
}

TEST_CASE("markdown: explicit ids and Goldmark ids", "[markdown]") {
  CHECK(markdown_to_text("## Custom {#my-id}\n", {}).sections[0].anchor == "my-id");
  CHECK(markdown_to_text("## Custom {#my-id}\n", {}).sections[0].heading == "Custom");
  const auto g = markdown_to_text("## Hello, World!\n\n## Über uns\n\n## Hello, World!\n",
                                  with(AnchorStyle::kGoldmark));
  CHECK(g.sections[0].anchor == "hello-world");
  CHECK(g.sections[1].anchor == "über-uns");
  CHECK(g.sections[2].anchor == "hello-world-1");
}

TEST_CASE("markdown: code, images and HTML", "[markdown]") {
  const auto md = markdown_to_text(
      "Text ![A red kite](kite.jpg) after.\n\n```cpp\nint main() {}\n```\n\n<div "
      "class=\"x\">Inside &amp; out<script>evil()</script></div>\n",
      {});
  REQUIRE(md.sections.size() == 1);
  CHECK(md.sections[0].text == "Text after. Inside & out");
  CHECK(md.alt_text == "A red kite");
  CHECK(md.code == "int main() {}\n");
}

TEST_CASE("markdown: Liquid and shortcodes go, the text they wrap stays", "[markdown]") {
  CHECK(strip_template_tags("a {{ site.title }} b") == "a  b");
  CHECK(strip_template_tags("a {% include x.html %} b") == "a  b");
  CHECK(strip_template_tags("{% raw %}{{ kept }}{% endraw %}") == "{{ kept }}");
  CHECK(strip_template_tags("x{% comment %}gone{% endcomment %}y") == "xy");
  CHECK(strip_template_tags("{{< figure src=\"a.png\" >}}") == "");
  CHECK(strip_template_tags("{{% note %}}kept{{% /note %}}") == "kept");
  CHECK(strip_template_tags("{% highlight ruby %}\nputs 1\n{% endhighlight %}") ==
        "\n```\n\nputs 1\n\n```\n");
  CHECK(strip_template_tags("unclosed {% tag") == "unclosed {% tag");
  CHECK(strip_template_tags("braces { alone }") == "braces { alone }");
  const auto md =
      markdown_to_text("{% highlight ruby %}\nputs 1\n{% endhighlight %}\nWords.\n", {});
  CHECK(md.code.find("puts 1") != std::string::npos);
  CHECK(md.sections[0].text == "Words.");
}

TEST_CASE("markdown: html_to_text decodes entities and drops scripts", "[markdown]") {
  CHECK(html_to_text("<p>Fish &amp; chips &lt;3</p><style>p{}</style>") == "Fish & chips <3");
  CHECK(html_to_text("<video><source src=x>Your browser</video>") == "Your browser");
}

}  // namespace postsearch
