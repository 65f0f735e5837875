// The schema round trip: a post indexed into an in-memory database through the schema
// table is found again through the query parser for every field. The golden lists pin the
// prefixes and slots on each side separately, so a change on one side only fails here.
#include <xapian.h>
#include <catch2/catch.hpp>

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/document.h"
#include "common/schema.h"
#include "common/stop_words.h"
#include "query/query_builder.h"

namespace postsearch {
namespace {

Post sample_post() {
  Post p;
  p.id = "_posts/2024-03-05-sample.md";
  p.url = "/2024/03/05/sample.html";
  p.aliases = {"/old/sample/"};
  p.title = "Zebras crossing";
  p.authors = {"Ada Lindqvist"};
  p.tags = {"Wildlife", "C++"};
  p.categories = {"Nature Notes"};
  p.date = 1709632800;  // 2024-03-05T10:00:00Z
  p.date_text = "2024-03-05T10:00:00Z";
  p.lang = "en";
  p.description = "okapis explained";
  p.sections = {{"", "", 0, "giraffes graze"},
                {"Quagga history", "quagga-history", 2, "extinct cousins"}};
  p.code = "frobnicate()";
  p.alt_text = "narwhal photo";
  p.boost = 1.5;
  return p;
}

std::set<std::string> terms_of(const Xapian::Document& doc) {
  std::set<std::string> out;
  for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) out.insert(*t);
  return out;
}

}  // namespace

TEST_CASE("schema: the indexer writes the pinned prefixes and slots", "[schema]") {
  DocumentBuilder builder;
  const Xapian::Document doc = builder.build(sample_post());
  const auto terms = terms_of(doc);
  for (const char* t : {"Szebras",
                        "XAada",
                        "XHquagga",
                        "XDokapis",
                        "giraffes",
                        "frobnicate",
                        "narwhal",
                        "A"
                        "ada lindqvist",
                        "Kwildlife",
                        "Kc++",
                        "XCnature notes",
                        "Len",
                        "XY2024",
                        "XM202403",
                        "Tpost",
                        "Q_posts/2024-03-05-sample.md",
                        "U/2024/03/05/sample.html",
                        "U/old/sample",
                        "zebras",
                        "quagga",
                        "okapis"}) {
    INFO(t);
    CHECK(terms.count(t) == 1);
  }
  CHECK(Xapian::sortable_unserialise(doc.get_value(0)) == Approx(1709632800.0));
  CHECK(doc.get_value(1) == "2024");
  CHECK(doc.get_value(2) == "2024-03");
  CHECK(doc.get_value(3) == "en");
  CHECK(doc.get_value(4) ==
        "Wildlife\x1f"
        "C++");
  CHECK(doc.get_value(5) == "Ada Lindqvist");
  CHECK(doc.get_value(6) == "Nature Notes");
  CHECK(Xapian::sortable_unserialise(doc.get_value(7)) == Approx(1.5));
  CHECK(doc.get_value(8) ==
        "Wildlife\x1f"
        "C++\x1e"
        "Ada Lindqvist\x1e"
        "Nature Notes\x1e"
        "2024\x1e"
        "2024-03\x1e"
        "en\x1e"
        "post");
  CHECK(doc.get_value(10) == "post");
  CHECK(terms.count("XKwildlife") == 0);  // no tag copy: tags are searched unprefixed
  CHECK(terms.count("XEzebras crossing") == 1);
}

TEST_CASE("schema: each filter and facet field's values come from its table row", "[schema]") {
  DocumentBuilder builder;
  const Post post = sample_post();
  const Xapian::Document doc = builder.build(post);
  const auto terms = terms_of(doc);
  for (const auto& f : schema::kFilterFields) {
    INFO(f.name);
    const std::vector<std::string> values = filter_values(post, f);
    CHECK(!values.empty());  // the sample post has a value of every field
    for (const auto& v : values) CHECK(terms.count(schema::filter_term(f.filter, v)) == 1);
  }
  for (const auto& f : schema::kFacetFields) {
    INFO(f.name);
    CHECK(doc.get_value(f.slot) == facet_value(post, f));
    CHECK(!f.label.empty());  // the box's heading
  }
}

TEST_CASE("schema: a field read from front matter takes the values the reader kept", "[schema]") {
  // A row as a new field of the table would be (scripts/demo-new-filter-field adds one).
  const schema::FilterField series{schema::Filter::kTag,
                                   "series",
                                   "XS",
                                   true,
                                   schema::ValueCheck::kAny,
                                   "",
                                   schema::PostValues::kFrontMatter,
                                   "series"};
  Post post = sample_post();
  CHECK(filter_values(post, series).empty());  // no such key in the front matter
  post.front_matter_values["series"] = {"Rust in anger", "Kitchen notes"};
  post.front_matter_values["other"] = {"not this one"};
  CHECK(filter_values(post, series) == std::vector<std::string>{"Rust in anger", "Kitchen notes"});
  const schema::FacetField single{"langs", schema::Filter::kLang, schema::kSlotLang, false, "L"};
  post.lang = "PT-br";
  CHECK(facet_value(post, single) == "pt-br");  // languages as the index spells them
}

TEST_CASE("schema: the query parser maps each field to the pinned prefix", "[schema]") {
  Xapian::WritableDatabase db =
      Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
  QueryBuilder qb(db, "en");
  ParseOptions o;
  o.partial = false;
  auto desc = [&](const std::string& q) { return qb.parse(q, o).query.get_description(); };
  CHECK(desc("title:zebra") == "Query(ZSzebra@1)");
  // A filter, so that author:"Ada Lovelace" reaches it whole (the A term of the name).
  CHECK(desc("author:ada") == "Query(0 * ZXAada@1)");
  CHECK(desc("title:\"zebra crossing\"") == "Query((Szebra@1 PHRASE 2 Scrossing@2))");
  CHECK(desc("heading:quagga") == "Query(ZXHquagga@1)");
  CHECK(desc("description:okapi") == "Query(ZXDokapi@1)");
  CHECK(desc("tag:Wildlife") == "Query(0 * Kwildlife)");
  CHECK(desc("category:\"Nature Notes\"") == "Query(0 * XCnature notes)");
  CHECK(desc("lang:EN") == "Query(0 * Len)");
  CHECK(desc("type:Page") == "Query(0 * Tpage)");
  CHECK(desc("id:_posts/x.md") == "Query(0 * Q_posts/x.md)");
  CHECK(desc("url:https://example.org/a/b/") == "Query(0 * U/a/b)");
}

TEST_CASE("schema: every field round-trips through an in-memory index", "[schema]") {
  Xapian::WritableDatabase db =
      Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
  DocumentBuilder builder;
  const Post post = sample_post();
  db.replace_document(schema::filter_term(schema::Filter::kId, post.id), builder.build(post));
  Post other = sample_post();
  other.id = "other";
  other.title = "Unrelated";
  other.authors = {"Someone Else"};
  other.tags = {"misc"};
  other.categories = {"misc"};
  other.lang = "de";
  other.sections = {};
  other.description = "";
  other.code = "";
  other.alt_text = "";
  db.replace_document(schema::filter_term(schema::Filter::kId, other.id), builder.build(other));

  QueryBuilder qb(db, "en");
  ParseOptions o;
  o.partial = false;
  auto hits = [&](const std::string& q) -> std::string {
    Xapian::Enquire e(db);
    e.set_query(qb.parse(q, o).query);
    const Xapian::MSet m = e.get_mset(0, 10);
    if (m.size() != 1) return std::to_string(m.size()) + " hits";
    return decode_stored(m.begin().get_document().get_data()).id;
  };
  for (const auto& f : schema::kTextFields) {
    if (f.name.empty()) continue;
    const std::string word = f.name == "title"         ? "zebras"
                             : f.name == "author"      ? "lindqvist"
                             : f.name == "heading"     ? "quagga"
                             : f.name == "description" ? "okapis"
                                                       : "";
    INFO(f.name);
    REQUIRE(!word.empty());
    CHECK(hits(std::string(f.name) + ":" + word) == post.id);
  }
  CHECK(hits("tag:c++") == post.id);
  CHECK(hits("category:\"nature notes\"") == post.id);
  CHECK(hits("lang:en") == post.id);
  CHECK(hits("narwhal") == post.id);  // alt text in the default field
  CHECK(hits("giraffes") == post.id);
  const StoredPost stored = decode_stored(db.get_document(1).get_data());
  CHECK(stored.id == post.id);
  CHECK(stored.url == post.url);
  CHECK(stored.title == post.title);
  CHECK(stored.authors == post.authors);
  CHECK(stored.tags == post.tags);
  CHECK(stored.categories == post.categories);
  CHECK(stored.date_text == post.date_text);
  CHECK(stored.lang == post.lang);
  CHECK(stored.description == post.description);
  REQUIRE(stored.sections.size() == post.sections.size());
  for (std::size_t i = 0; i < post.sections.size(); ++i) {
    CHECK(stored.sections[i].heading == post.sections[i].heading);
    CHECK(stored.sections[i].anchor == post.sections[i].anchor);
    CHECK(stored.sections[i].level == post.sections[i].level);
    CHECK(stored.sections[i].text == post.sections[i].text);
  }
}

TEST_CASE("schema: stored data that is not a post is refused", "[schema]") {
  for (const std::string& bad : {std::string(), std::string("garbage"), std::string("\x81\xa1i"),
                                 std::string("\x81\xa1s\x91\x91\x91\x90")}) {
    CHECK_THROWS_AS(decode_stored(bad), std::runtime_error);
  }
}

TEST_CASE("schema: filter values are normalised the same way on both sides", "[schema]") {
  CHECK(schema::filter_term(schema::Filter::kTag, "  C++ ") == "Kc++");
  CHECK(schema::filter_term(schema::Filter::kAuthor, "Tomás  Herrera") == "Atomás herrera");
  CHECK(schema::filter_term(schema::Filter::kMonth, "2024-03") == "XM202403");
  for (const char* url : {"/a/b/", "/a/b", "/a/b/index.html", "http://host:8080/a/b/", "a/b"}) {
    CHECK(schema::filter_term(schema::Filter::kUrl, url) == "U/a/b");
  }
  CHECK(schema::filter_term(schema::Filter::kUrl, "https://host") == "U/");
  CHECK(schema::filter_term(schema::Filter::kTag, std::string(1000, 'x')).size() <=
        schema::kMaxTermBytes);
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("stop words: Snowball's lists by language code", "[schema]") {
  const auto has = [](std::string_view lang, std::string_view word) {
    const std::string list = " " + std::string(stop_word_list(lang)) + " ";
    return list.find(" " + std::string(word) + " ") != std::string::npos;
  };
  CHECK(has("en", "the"));
  CHECK(has("de", "über"));
  CHECK(has("pt-br", "não"));
  CHECK(has("nn", "ikkje"));
  CHECK(has("ru", "в"));
  CHECK(stop_word_list("uk").empty());
  CHECK(stop_word_list("ja").empty());
}

TEST_CASE("stop words keep their exact terms and positions but get no stem", "[schema]") {
  DocumentBuilder builder;
  Post post;
  post.id = "a.md";
  post.lang = "de";
  post.sections = {{"", "", 0, "Die Häuser der Stadt"}};
  const Xapian::Document doc = builder.build(post);
  std::set<std::string> terms(doc.termlist_begin(), doc.termlist_end());
  CHECK(terms.count("die") == 1);
  CHECK(terms.count("Zdie") == 0);
  CHECK(terms.count("Zhaus") == 1);
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("order keys: newest first descending, oldest first ascending, ids ascending both ways",
          "[schema]") {
  using schema::KeyOrder;
  using schema::order_key;
  // Posts as a date order lists them: (date, id), undated last.
  const std::vector<std::pair<std::optional<double>, std::string>> oldest_first = {
      {-86400.0, "z"}, {0.0, "a"},   {1.0, "a"},          {1.0, "ab"},        {1.0, "b"},
      {1e9, "a"},      {1.7e9, "é"}, {std::nullopt, "a"}, {std::nullopt, "b"}};
  for (std::size_t i = 0; i + 1 < oldest_first.size(); ++i) {
    const auto& [d1, id1] = oldest_first[i];
    const auto& [d2, id2] = oldest_first[i + 1];
    INFO(i);
    CHECK(order_key(KeyOrder::kOldestFirst, d1, id1) < order_key(KeyOrder::kOldestFirst, d2, id2));
    // Newest first: dates the other way, ids still ascending, undated still last.
    const bool both_dated = d1 && d2;
    const bool same_date = d1 == d2;
    const std::string a = order_key(KeyOrder::kNewestFirst, d1, id1);
    const std::string b = order_key(KeyOrder::kNewestFirst, d2, id2);
    if (same_date) CHECK(a > b);                 // read descending: id1 first
    if (both_dated && !same_date) CHECK(a < b);  // read descending: the newer first
    if (d1 && !d2) CHECK(a > b);                 // dated before undated
  }
}

}  // namespace postsearch
