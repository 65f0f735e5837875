#include <catch2/catch.hpp>

#include "indexer/front_matter.h"

namespace postsearch {

TEST_CASE("front matter: YAML fields, body and key lines", "[front_matter]") {
  const auto r = parse_front_matter(
      "---\ntitle: Hello\ntags: [a, b]\npublished: false\ncount: 3\n---\nBody\n", "p.md");
  REQUIRE(r.front_matter);
  CHECK(r.diagnostics.empty());
  const auto& fm = *r.front_matter;
  CHECK(fm.format == FrontMatterFormat::kYaml);
  CHECK(fm.fields["title"] == "Hello");
  CHECK(fm.fields["tags"] == nlohmann::json::array({"a", "b"}));
  CHECK(fm.fields["published"] == false);
  CHECK(fm.fields["count"] == 3);
  CHECK(fm.body == "Body\n");
  CHECK(fm.body_line == 7);
  CHECK(fm.line_of("tags") == 3);
}

TEST_CASE("front matter: quoted scalars stay strings", "[front_matter]") {
  const auto r = parse_front_matter("---\ntitle: \"true\"\nyear: '2020'\n---\n", "p.md");
  REQUIRE(r.front_matter);
  CHECK(r.front_matter->fields["title"] == "true");
  CHECK(r.front_matter->fields["year"] == "2020");
}

TEST_CASE("front matter: TOML between +++ lines", "[front_matter]") {
  const auto r = parse_front_matter(
      "+++\ntitle = \"Rust 1.0\"\nauthors = [\"A\", \"B\"]\ndate = 2015-05-15\n[extra]\nx = "
      "1\n+++\nText",
      "p.md");
  REQUIRE(r.front_matter);
  CHECK(r.front_matter->format == FrontMatterFormat::kToml);
  CHECK(r.front_matter->fields["title"] == "Rust 1.0");
  CHECK(r.front_matter->fields["authors"].size() == 2);
  CHECK(r.front_matter->fields["date"] == "2015-05-15");
  CHECK(r.front_matter->fields["extra"]["x"] == 1);
  CHECK(r.front_matter->body == "Text");
}

TEST_CASE("front matter: none at all", "[front_matter]") {
  const auto r = parse_front_matter("# Just a heading\n", "p.md");
  REQUIRE(r.front_matter);
  CHECK(r.front_matter->format == FrontMatterFormat::kNone);
  CHECK(r.front_matter->body == "# Just a heading\n");
}

TEST_CASE("front matter: errors name the line", "[front_matter]") {
  SECTION("never closed") {
    const auto r = parse_front_matter("---\ntitle: x\nbody\n", "a.md");
    CHECK_FALSE(r.front_matter);
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].to_string() ==
          "a.md:1:1: error: front matter opened here is never closed (no line '---' follows)");
  }
  SECTION("invalid YAML") {
    const auto r = parse_front_matter("---\ntitle: ok\ntags: [a, b\n---\n", "b.md");
    CHECK_FALSE(r.front_matter);
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].path == "b.md");
    CHECK(r.diagnostics[0].line >= 3);
    CHECK(r.diagnostics[0].message.find("invalid YAML") == 0);
  }
  SECTION("invalid TOML") {
    const auto r = parse_front_matter("+++\ntitle = \"x\"\ndate = \n+++\n", "c.md");
    CHECK_FALSE(r.front_matter);
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].line == 3);
  }
  SECTION("not a mapping") {
    const auto r = parse_front_matter("---\n- a\n- b\n---\n", "d.md");
    CHECK_FALSE(r.front_matter);
  }
}

// Jekyll 4.3.1 built "date: 2013-05-07 10:00:00\ndate: 2013-05-09 10:00:00" at /2013/05/09/,
// and Hugo 0.111.3 "date: 2013-05-07\ndate: 2013-05-09" at /2013/05/09/: the last value wins.
TEST_CASE("front matter: duplicate keys keep the last, as Jekyll and Hugo do, and warn",
          "[front_matter]") {
  for (const auto dialect : {YamlDialect::kRuby, YamlDialect::kGo}) {
    const auto r =
        parse_front_matter("---\ntitle: one\nx: 1\ntitle: two\n---\n", "p.md", {dialect});
    REQUIRE(r.front_matter);
    CHECK(r.front_matter->fields["title"] == "two");
    CHECK(r.front_matter->line_of("title") == 4);
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].severity == Severity::kWarning);
    CHECK(r.diagnostics[0].line == 4);
    CHECK(r.diagnostics[0].field == "title");
  }
}

// What the real generators did with `published:` (Jekyll 4.3.1) and `draft:` (Hugo 0.111.3):
// Jekyll left out the posts with published: no, NO, Off, nO, ofF or fALSE, and wrote those
// with published: n or "no" (quoted); Hugo left out those with draft: yes, YES, y or On, and
// wrote those with draft: n or yEs.
TEST_CASE("front matter: YAML 1.1 booleans as each generator's YAML reads them", "[front_matter]") {
  const auto value = [](const char* text, YamlDialect dialect) {
    const auto r =
        parse_front_matter(std::string("---\nv: ") + text + "\n---\n", "p.md", {dialect});
    return r.front_matter->fields["v"];
  };
  for (const char* no : {"no", "NO", "Off", "nO", "ofF", "fALSE", "false"}) {
    CHECK(value(no, YamlDialect::kRuby) == false);
  }
  CHECK(value("n", YamlDialect::kRuby) == "n");
  CHECK(value("\"no\"", YamlDialect::kRuby) == "no");
  CHECK(value("yEs", YamlDialect::kRuby) == true);
  for (const char* yes : {"yes", "YES", "y", "On", "TRUE"})
    CHECK(value(yes, YamlDialect::kGo) == true);
  CHECK(value("n", YamlDialect::kGo) == false);
  CHECK(value("yEs", YamlDialect::kGo) == "yEs");
}

TEST_CASE("front matter: unquoted YAML timestamps are marked", "[front_matter]") {
  const auto r = parse_front_matter(
      "---\na: 2013-05-06 02:12:52\nb: \"2013-05-06 02:12:52\"\nc: 2013-05-06 23:30\n"
      "d: 2013-05-06T02:12:52.5 +02:00\ne: 2013-05-06\n---\n",
      "p.md");
  REQUIRE(r.front_matter);
  CHECK(r.front_matter->timestamp_keys == std::set<std::string>{"a", "d"});
}

TEST_CASE("front matter: exponential aliases are refused, not expanded", "[front_matter]") {
  std::string yaml = "---\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev + "," + prev + "," +
            prev + "," + prev + "," + prev + "," + prev + "," + prev + "," + prev + "," + prev +
            "," + prev + "]\n";
  }
  yaml += "---\nbody";
  const auto r = parse_front_matter(yaml, "bomb.md");
  CHECK_FALSE(r.front_matter);
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].message.find("expands to more than") != std::string::npos);
}

TEST_CASE("front matter: deep nesting is refused", "[front_matter]") {
  std::string yaml = "---\nx: " + std::string(200, '[') + std::string(200, ']') + "\n---\n";
  const auto r = parse_front_matter(yaml, "deep.md");
  CHECK_FALSE(r.front_matter);
  CHECK(!r.diagnostics.empty());
}

}  // namespace postsearch
