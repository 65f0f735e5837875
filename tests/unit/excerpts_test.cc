// Which sections a hit links to: the best three by where the query's words are (a heading
// counts double), in post order.
#include <catch2/catch.hpp>

#include <xapian.h>

#include "common/post.h"
#include "query/excerpts.h"
#include "query/highlight.h"

namespace postsearch {
namespace {

Section section(const std::string& heading, const std::string& text) {
  return {heading, heading.empty() ? "" : "s-" + heading.substr(0, heading.find(' ')), 2, text};
}

// A match for `word` over a one-document index, as a search leaves it for the highlighter.
Xapian::MSet match_of(const std::string& word) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Xapian::Document doc;
  doc.add_term(word);
  doc.add_term("other");
  db.add_document(doc);
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query(word));
  return enquire.get_mset(0, 10);
}

std::vector<std::string> anchors(const Excerpts& ex) {
  std::vector<std::string> out;
  for (const auto& s : ex.sections) out.push_back(s.anchor);
  return out;
}

// The excerpts of a post of `sections` for a search of the word "widget".
Excerpts widget_excerpts(std::vector<Section> sections) {
  const Xapian::Query query("widget");
  Highlighter highlighter({match_of("widget"), query, query}, {Xapian::Stem(), true});
  StoredPost post;
  post.url = "/p/";
  post.sections = std::move(sections);
  return excerpts(highlighter, post, needles_of(query));
}

}  // namespace

TEST_CASE("sections whose heading matches outrank earlier ones whose text does", "[excerpts]") {
  const Excerpts ex = widget_excerpts(
      {section("", "An intro without it."), section("Alpha", "A widget here."),
       section("Beta", "Another widget."), section("Gamma", "A third widget."),
       section("Widget setup", "Nothing of it below."), section("Delta", "No match."),
       section("Widget parts", "Each widget has parts.")});
  // Heading and text (score 3), heading alone (2), then the first text alone (1).
  CHECK(anchors(ex) == std::vector<std::string>{"s-Alpha", "s-Widget", "s-Widget"});
  REQUIRE(ex.sections.size() == 3);
  CHECK(ex.sections[1].heading == "Widget setup");
  CHECK(ex.sections[2].heading == "Widget parts");
  CHECK(ex.snippet_html.find("<mark>widget</mark>") != std::string::npos);
}

TEST_CASE("without matching headings, the first three texts that match", "[excerpts]") {
  const Excerpts ex =
      widget_excerpts({section("Alpha", "No match."), section("Beta", "A widget."),
                       section("Gamma", "Not here either."), section("Delta", "A widget too."),
                       section("Epsilon", "And a widget."), section("Zeta", "A last widget."),
                       section("Eta", std::string(5000, 'x') + " widget")});
  CHECK(anchors(ex) == std::vector<std::string>{"s-Beta", "s-Delta", "s-Epsilon"});
}

}  // namespace postsearch
