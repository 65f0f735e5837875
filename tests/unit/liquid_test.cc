#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "indexer/liquid.h"
#include "indexer/listing.h"

namespace postsearch {
namespace {

using nlohmann::json;

// The site and post that /tmp/jk held when Jekyll 4.3.1 (Debian) rendered the expected
// strings below: _config.yml `url: "https://ex.org/"`, `baseurl: /b/`, and the fixture's
// _data/releases.yml (tests/fixtures/liquid-site).
struct Fixture {
  json site = json::parse(R"({"title": "T", "url": "https://ex.org/", "baseurl": "/b/",
      "data": {"releases": [
        {"version": "3.0.0", "date": "2020-12-25", "codename": "Ammolite"},
        {"version": "3.1.0", "date": "2021-12-25", "codename": "Borealite"},
        {"version": "3.2.0", "date": "2022-12-25", "codename": "Cinnabrite"}]}})");
  json page = json::parse(R"({"title": "X", "n": 7, "words": ["b", "a", "c", "a"],
      "empty_s": ""})");

  std::string render(std::string_view source, LiquidLimits limits = {}) const {
    return render_liquid(source, {&site, &page, limits});
  }
};

}  // namespace

TEST_CASE("liquid: renders as Jekyll 4.3.1 did", "[liquid]") {
  const Fixture f;
  // Each line: the post's source, and what `jekyll build` wrote for it.
  const std::pair<const char*, const char*> cases[] = {
      {"{% for i in (1..5) limit:2 offset:1 %}{{ forloop.index }}{{ i }}{% endfor %}", "1223"},
      {"{% for r in site.data.releases reversed %}{{ r.codename }} {% endfor %}",
       "Cinnabrite Borealite Ammolite "},
      {"{% case page.n %}{% when 1, 7 %}seven{% when 8 %}eight{% else %}other{% endcase %}",
       "seven"},
      {"{{ page.n | plus: 3 | times: 2 | minus: 1 }} {{ 7 | divided_by: 2 }} "
       "{{ 7.0 | divided_by: 2 }}",
       "19 3 3.5"},
      {R"({{ page.missing | default: "dflt" }} {{ page.empty_s | default: "e" }})", "dflt e"},
      {R"({{ page.words | sort | join: "-" }} {{ page.words | uniq | size }} )"
       R"({{ "a,b,c" | split: "," | last }})",
       "a-a-b-c 3 c"},
      {R"([  {{- " x " | strip -}}  ])", "[x]"},
      {R"({{ "Hello" | append: " world" | prepend: ">" | replace: "o", "0" | capitalize }})",
       ">hell0 w0rld"},
      {R"({% if page.n > 5 and page.words contains "c" %}yes{% endif %})"
       R"({% if false or nil %}no{% endif %})",
       "yes"},
      {R"({{ "/a b/" | relative_url }} {{ "x" | absolute_url }} )"
       R"({{ "http://o.org/y" | relative_url }})",
       "/b/a%20b/ https://ex.org//b/x http://o.org/y"},
      {R"({{ "2021-12-25" | date: "%Y/%m/%d %a" }} {{ "2021-12-25" | date_to_string }} )"
       R"({{ "2021-12-25" | date_to_long_string }})",
       "2021/12/25 Sat 25 Dec 2021 25 December 2021"},
      {R"({{ site.data.releases | where: "codename", "Ammolite" | map: "version" | first }} )"
       R"({{ site.data.releases.size }} {{ page.words.first }})",
       "3.0.0 3 b"},
      {"{% comment %}gone {{ page.n }}{% endcomment %}{% raw %}{% kept %}{% endraw %}",
       "{% kept %}"},
      {R"({{ "ÄÖü" | downcase }} {{ "ÄÖü" | size }})", "äöü 3"},
      {R"({% assign t = "a" %}{% for x in (1..3) %}{% assign t = t | append: x %}{% endfor %})"
       R"({{ t }} {{ x }})",
       "a123 "},
      {"{{ page.title | slugify }}", "x"},
  };
  for (const auto& [source, jekyll] : cases) {
    INFO(source);
    CHECK(f.render(source) == jekyll);
  }
}

TEST_CASE("liquid: what cannot be rendered is left out", "[liquid]") {
  const Fixture f;
  CHECK(f.render("a {{ nope.deeper }} b") == "a  b");
  CHECK(f.render("a {% include x.html %} b") == "a  b");
  CHECK(f.render("a {{ page.n | no_such_filter }} b") == "a  b");
  CHECK(f.render("a {{ site.data }} b") == "a  b");  // a hash prints nothing
  CHECK(f.render("unclosed {% tag") == "unclosed {% tag");
  CHECK(f.render("unclosed {{ out") == "unclosed {{ out");
  CHECK(f.render("braces { alone }") == "braces { alone }");
  CHECK(f.render("{% raw %}no end") == "no end");
  CHECK(f.render("{% highlight ruby %}\nputs 1\n{% endhighlight %}") == "\n```\n\nputs 1\n\n```\n");
}

TEST_CASE("liquid: includes render with their parameters, as Jekyll 4.3.1 did", "[liquid]") {
  const Fixture f;
  const std::map<std::string, std::string> includes{
      {"badge.html", "<b>{{ include.version }}</b>"},
      {"docs/note.html",
       R"(({{ include.who }} {% include badge.html version="2" %} {{ include.who }}))"},
  };
  const auto render = [&](std::string_view source) {
    return render_liquid(source, {&f.site, &f.page, {}, &includes});
  };
  CHECK(render(R"(a {% include badge.html version="4.1.1" %} b)") == "a <b>4.1.1</b> b");
  // A variable parameter, and the outer `include` back after a nested include.
  CHECK(render("{% include docs/note.html who=page.title %}") == "(X <b>2</b> X)");
  CHECK(render("{% include badge.html version=page.n %}{{ include.version }}") == "<b>7</b>");
  CHECK(render("[{% include missing.html %}]") == "[]");
  CHECK(render_liquid("[{% include badge.html %}]", {&f.site, &f.page, {}}) == "[]");
}

TEST_CASE("liquid: a hostile post is bounded", "[liquid]") {
  const Fixture f;
  LiquidLimits small;
  small.max_steps = 1000;
  small.max_bytes = 4096;
  // Nested loops of a billion iterations stop at the step budget.
  const std::string bomb =
      "{% for a in (1..1000000000) %}{% for b in (1..1000000000) %}x{% endfor %}{% endfor %}";
  CHECK(f.render(bomb, small).size() <= 1000);
  // Doubling a string stops at the byte budget.
  const std::string doubling =
      "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..64) %}{% assign s = s | append: s %}"
      "{% endfor %}{{ s }}";
  CHECK(f.render(doubling, small).size() <= 4096);
  // Nesting past max_depth leaves the deeper tags out instead of recursing.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{% if true %}";
  deep += "core";
  for (int i = 0; i < 100000; ++i) deep += "{% endif %}";
  CHECK(f.render(deep) == "core");
  // An include that includes itself stops at max_include_depth.
  const std::map<std::string, std::string> self{{"me.html", "x{% include me.html %}"}};
  CHECK(render_liquid("{% include me.html %}", {&f.site, &f.page, {}, &self}) ==
        std::string(static_cast<std::size_t>(LiquidLimits{}.max_include_depth), 'x'));
  // A very long tag is left out.
  CHECK(f.render("{{ " + std::string(10000, 'a') + " }}").empty());
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("listing: Liquid tags that loop over posts", "[listing]") {
  const std::vector<std::string> collections{"recipes"};
  CHECK(loops_over_posts("{% for post in site.posts %}{{ post.title }}{% endfor %}", {}));
  CHECK(loops_over_posts("{%- for post in paginator.posts -%}", {}));
  CHECK(loops_over_posts("{% for tag in site.tags %}", {}));
  CHECK(loops_over_posts("{% assign sorted = site.categories | sort %}", {}));
  CHECK(loops_over_posts("{% include list.html items=site.recipes %}", collections));
  CHECK_FALSE(loops_over_posts("{% include list.html items=site.recipes %}", {}));
  // Output tags, look-alike names and text are not loops.
  CHECK_FALSE(loops_over_posts("We have {{ site.posts | size }} posts.", {}));
  CHECK_FALSE(loops_over_posts("{% if site.posts_per_page %}{% endif %}", {}));
  CHECK_FALSE(loops_over_posts("{% for x in mysite.posts %}", {}));
  CHECK_FALSE(loops_over_posts("site.posts in prose", {}));
}

TEST_CASE("listing: a layout loop counts unless posts share the layout", "[listing]") {
  JekyllLayouts layouts;
  layouts.by_name["default"] = {"", true};  // a sidebar of recent posts
  layouts.by_name["post"] = {"default", false};
  layouts.by_name["home"] = {"default", true};
  layouts.by_name["page"] = {"default", false};
  layouts.by_name["loop-a"] = {"loop-b", false};
  layouts.by_name["loop-b"] = {"loop-a", false};
  layouts.mark_used_by_posts({"post"});
  CHECK(layouts.listing_layout("home") == "home");
  CHECK(layouts.listing_layout("page").empty());
  CHECK(layouts.listing_layout("default").empty());
  CHECK(layouts.listing_layout("none").empty());
  CHECK(layouts.listing_layout("loop-a").empty());  // a cycle ends
  JekyllLayouts no_posts_layout = layouts;
  no_posts_layout.used_by_posts.clear();
  CHECK(no_posts_layout.listing_layout("page") == "default");
}

}  // namespace postsearch
