// Golden tests of the query language: input -> Xapian::Query::get_description().
#include <xapian.h>
#include <catch2/catch.hpp>

#include <cmath>

#include "common/schema.h"
#include "common/version.h"
#include "query/query_builder.h"
#include "test_support.h"

namespace postsearch {
namespace {

std::string describe(const std::string& q, DefaultOperator op = DefaultOperator::kAnd,
                     bool partial = false) {
  static Xapian::WritableDatabase db =
      Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
  QueryBuilder qb(db, "en");
  ParseOptions o;
  o.op = op;
  o.partial = partial;
  return qb.parse(q, o).query.get_description();
}

}  // namespace

TEST_CASE("query language: golden descriptions", "[query_builder]") {
  CHECK(describe("static sites") == "Query((Zstatic@1 AND Zsite@2))");
  CHECK(describe("static sites", DefaultOperator::kOr) == "Query((Zstatic@1 OR Zsite@2))");
  CHECK(describe("\"static sites\"") == "Query((static@1 PHRASE 2 sites@2))");
  CHECK(describe("rust OR go") == "Query((Zrust@1 OR Zgo@2))");
  CHECK(describe("rust -unsafe") == "Query((Zrust@1 AND_NOT Zunsaf@2))");
  CHECK(describe("rust NOT unsafe") == "Query((Zrust@1 AND_NOT Zunsaf@2))");
  CHECK(describe("(a OR b) c") == "Query(((Za@1 OR Zb@2) AND Zc@3))");
  CHECK(describe("the tutorial") == "Query(Ztutori@2)");
  CHECK(describe("title:release tag:cpp") == "Query((ZSreleas@1 FILTER Kcpp))");
  CHECK(describe("deploy*") == "Query(WILDCARD SYNONYM deploy)");
}

TEST_CASE("query language: German nouns are stemmed, capital or not", "[query_builder]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  QueryBuilder de(db, "de");
  ParseOptions o;
  o.partial = false;
  // English keeps a capitalised word as written (a name); German capitalises every noun.
  CHECK(de.parse("Veröffentlichungen", o).query.get_description() == "Query(Zveroffentlich@1)");
  CHECK(de.parse("Häuser OR Wohnungen NEAR Stadt", o).query.get_description() ==
        de.parse("häuser OR wohnungen NEAR stadt", o).query.get_description());
  CHECK(describe("Rust") == "Query(rust@1)");
}

TEST_CASE("query language: the last word as a prefix while typing", "[query_builder]") {
  CHECK(describe("static sit", DefaultOperator::kAnd, true) == "Query((Zstatic@1 AND Zsit@2))");
  CHECK(describe("static sit ", DefaultOperator::kAnd, true) == "Query((Zstatic@1 AND Zsit@2))");
  // The completions: the most frequent words with that start (then alphabetical), as one
  // synonym group beside the word's stem, whatever shards the index has.
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (const char* words : {"site sitemap", "site situation", "site sitemap", "sit"}) {
    Xapian::Document d;
    Xapian::TermGenerator g;
    g.set_document(d);
    g.index_text(words);
    db.add_document(d);
  }
  QueryBuilder qb(db, "en");
  ParseOptions o;
  CHECK(
      qb.parse("static sit", o).query.get_description() ==
      "Query((Zstatic@1 AND ((1 * (site OR sitemap) SYNONYM 1 * (sit OR situation)) OR Zsit@2)))");
  CHECK(
      qb.parse("the static sit", o).query.get_description() ==
      "Query((Zstatic@2 AND ((1 * (site OR sitemap) SYNONYM 1 * (sit OR situation)) OR Zsit@3)))");
  o.op = DefaultOperator::kOr;
  CHECK(qb.parse("static sit", o).query.get_description() ==
        "Query((Zstatic@1 OR ((1 * (site OR sitemap) SYNONYM 1 * (sit OR situation)) OR Zsit@2)))");
  // Where the word binds to an operator or a field, Xapian's own FLAG_PARTIAL does it.
  o.op = DefaultOperator::kAnd;
  CHECK(qb.parse("tea OR sit", o).query.get_description() ==
        "Query((Ztea@1 OR (WILDCARD SYNONYM sit OR Zsit@2)))");
  CHECK(qb.parse("title:sit", o).query.get_description().find("WILDCARD") != std::string::npos);
  // Words that are all excluded exclude from what the last word finds (parsed apart from it,
  // they were searched as plain words).
  CHECK(qb.parse("-static sit", o).query.get_description() ==
        "Query(((WILDCARD SYNONYM sit OR Zsit@2) AND_NOT Zstatic@1))");
  // Counted as one word, however many completions it has (relaxation and feedback count).
  CHECK(qb.parse("static sit", o).word_count == 2);
}

// The service's searchers share one memo of completions per revision: a builder over an
// index without those words takes them from the memo another builder filled.
TEST_CASE("query language: completions shared between builders", "[query_builder]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (const char* words : {"site sitemap", "site situation"}) {
    Xapian::Document d;
    Xapian::TermGenerator g;
    g.set_document(d);
    g.index_text(words);
    db.add_document(d);
  }
  const Xapian::WritableDatabase empty(std::string(), Xapian::DB_BACKEND_INMEMORY);
  const auto memo = std::make_shared<CompletionMemo>();
  const ParseOptions o;
  const std::string expected = "Query(((site SYNONYM 1 * (sitemap OR situation)) OR Zsit@1))";
  QueryBuilder filler(db, "en", memo);
  CHECK(filler.parse("sit", o).query.get_description() == expected);
  REQUIRE(memo->find("sit") != nullptr);
  CHECK(memo->find("sit")->size() == 3);
  QueryBuilder sharer(empty, "en", memo);
  CHECK(sharer.parse("sit", o).query.get_description() == expected);
  QueryBuilder alone(empty, "en");
  CHECK(alone.parse("sit", o).query.get_description() == "Query(Zsit@1)");
}

TEST_CASE("query language: a full completion memo forgets one prefix, not all", "[query_builder]") {
  CompletionMemo memo;
  const auto terms = std::make_shared<const std::vector<std::string>>(1, "term");
  const std::size_t n = CompletionMemo::kMaxPrefixes;
  for (std::size_t i = 0; i < n; ++i) memo.insert("p" + std::to_string(i), terms);
  memo.insert("one more", terms);
  CHECK(memo.find("one more") == terms);
  CHECK(memo.size() <= n);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) kept += memo.find("p" + std::to_string(i)) ? 1 : 0;
  // Direct-mapped: a prefix loses its place only to one of its slot (about 1 - 1/e of the
  // slots hold one of n random keys); a memo emptied when full would keep none.
  CHECK(kept > n / 2);
  CHECK(kept == memo.size() - 1);
  memo.insert("", terms);  // never held
  CHECK(memo.find("") == nullptr);
}

TEST_CASE("query language: identifiers stay searchable", "[query_builder]") {
  CHECK(describe("v2.3.0-preview1") == "Query(XVE2.3-preview1)");  // a version
  CHECK(describe("std::vector") == "Query((std@1 PHRASE 2 vector@2))");
  CHECK(describe("webRequest.onAuthRequired") == "Query((webrequest@1 PHRASE 2 onauthrequired@2))");
}

TEST_CASE("query language: dates come out of the text", "[query_builder]") {
  Xapian::WritableDatabase db =
      Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
  QueryBuilder qb(db, "en");
  const ParsedQuery p = qb.parse("bread after:2022-06 before:2024 year:2023", {});
  CHECK(p.query.get_description() == "Query(Zbread@1)");  // an empty index: no completions
  REQUIRE(p.dates.from);
  CHECK(*p.dates.from == 1654041600.0);  // 2022-06-01
  REQUIRE(p.dates.to);
  CHECK(*p.dates.to == 1704067200.0);  // 2024-01-01
  CHECK(p.years == std::vector<std::string>{"2023"});
  const ParsedQuery range = qb.parse("year:2020..2021", {});
  CHECK(*range.dates.from == 1577836800.0);
  CHECK(*range.dates.to == 1640995200.0);
  CHECK_FALSE(range.has_words);
  const ParsedQuery bad = qb.parse("after:soon x", {});
  CHECK(bad.warnings.size() == 1);
}

TEST_CASE("query language: nothing a user types throws", "[query_builder]") {
  Xapian::WritableDatabase db =
      Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
  QueryBuilder qb(db, "en");
  const char* inputs[] = {"\"unbalanced", "(open",  "close)",    "AND",
                          "OR OR",        "NOT",    "-",         "+",
                          "a AND",        "((((",   "title:",    "tag:",
                          "\"\"",         "*",      "a*b*c*",    "\xff\xfe\x00garbage",
                          "  ",           "NEAR/3", "a NEAR b",  "a ADJ b",
                          "\"a\" \"b",    ")(",     "AND OR NOT"};
  for (const char* in : inputs) {
    INFO(in);
    CHECK_NOTHROW(qb.parse(in, {}));
  }
  CHECK_NOTHROW(qb.parse(std::string(100000, 'a'), {}));
  std::string binary;
  for (int i = 0; i < 512; ++i) binary += static_cast<char>(i % 256);
  CHECK_NOTHROW(qb.parse(binary, {}));
  CHECK(qb.parse(std::string(5000, 'x'), {}).warnings.size() == 1);
  CHECK(qb.parse("\"unbalanced", {}).query.get_description() == "Query(unbalanced@1)");
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("query language: the site's synonyms expand a word", "[query_builder]") {
  testing::TempDir dir;  // the in-memory backend has no synonym table
  Xapian::WritableDatabase db((dir.path() / "db").string(), Xapian::DB_CREATE);
  db.add_synonym("js", "Zjavascript");
  db.add_synonym("Zjs", "Zjavascript");
  db.add_synonym("static site", "Zssg");
  db.commit();
  QueryBuilder qb(db, "en");
  ParseOptions o;
  o.partial = false;
  auto desc = [&](const std::string& q) { return qb.parse(q, o).query.get_description(); };
  CHECK(desc("js") == "Query((Zjs@1 SYNONYM Zjavascript@1))");
  CHECK(desc("learn js") == "Query((Zlearn@1 AND (Zjs@2 SYNONYM Zjavascript@2)))");
  CHECK(desc("static site").find("SYNONYM Zssg") != std::string::npos);  // a phrase key
  // While typing, a last word with synonyms is taken whole; others stay prefixes.
  o.partial = true;
  CHECK(desc("learn js") == "Query((Zlearn@1 AND (Zjs@2 SYNONYM Zjavascript@2)))");
  CHECK(desc("learn ja") == "Query((Zlearn@1 AND Zja@2))");  // no word starts with ja here
}

}  // namespace postsearch

namespace postsearch {

// The memo is direct-mapped: 20,000 words over 8,192 slots collide, and a word asked again
// after its slot was taken must still get its own stem, not its rival's.
TEST_CASE("query language: remembered stems are the stemmer's", "[query_builder]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  QueryBuilder qb(db, "en");
  const Xapian::Stem english("en");
  const char* const tails[] = {"ing", "ed", "s", "ation", "ly", "ness", "ies", "y"};
  std::vector<std::string> words;
  for (int i = 0; i < 2500; ++i) {
    for (const char* tail : tails) words.push_back("w" + std::to_string(i) + "x" + tail);
  }
  words.insert(words.end(), {"dying", "running", "happiness", "ponies", "", "a"});
  for (int round = 0; round < 2; ++round) {
    for (const auto& w : words) REQUIRE(qb.stem(w) == english(w));
  }
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("versions: found in text, their starts and canonical forms", "[query_builder]") {
  const auto found =
      version::find("Ruby 3.3.0 and v2.7, 1.9.3-p429 or 3.4.0 rc1 (3.3.x, 1.2.3.4.5.6.7)");
  REQUIRE(found.size() == 4);
  CHECK(found[0].number == "3.3.0");
  CHECK(found[1].number == "2.7");
  CHECK((found[2].number == "1.9.3" && found[2].suffix == "p429"));
  CHECK((found[3].number == "3.4.0" && found[3].suffix == "rc1"));
  CHECK(version::find("released 3.3 today, 2 people, 2024.").size() == 1);
  CHECK(version::find("3.3 released")[0].suffix.empty());       // "released" is no pre-release
  const auto attached = version::find("abc3.3 x.3.3 3.3abc-");  // not inside a word
  REQUIRE(attached.size() == 1);
  CHECK(attached[0].suffix == "abc");
  CHECK(version::starts(found[0]) == std::vector<std::string>{"3.3", "3.3.0"});
  CHECK(version::canonical(found[0]) == "3.3");
  CHECK(version::canonical(*version::parse_word("3.0.0")) == "3.0");
  CHECK(version::canonical(*version::parse_word("1.10.0")) == "1.10");
  CHECK(version::canonical(found[3]) == "3.4-rc1");
  CHECK(version::canonical_text("Ruby 3.3.0 Released") == "Ruby 3.3 Released");
  CHECK_FALSE(version::parse_word("3"));
  CHECK_FALSE(version::parse_word("3.3,"));
  CHECK_FALSE(version::parse_word("strings.Contains"));
}

TEST_CASE("query language: versions find longer versions, themselves first", "[query_builder]") {
  CHECK(describe("ruby 3.3 released") == "Query((Zrubi@1 AND (XV3.3 OR XVE3.3) AND Zreleas@3))");
  CHECK(describe("3.3.0") == "Query((XV3.3.0 OR XVE3.3))");
  CHECK(describe("v2.7") == "Query((XV2.7 OR XVE2.7))");
  CHECK(describe("3.4.0-rc1") == "Query(XVE3.4-rc1)");
  CHECK(describe("version:3.3") == "Query((XV3.3 OR XVE3.3))");
  CHECK(describe("-3.3 ruby") == "Query((Zrubi@2 AND_NOT (XV3.3 OR XVE3.3)))");
  CHECK(describe("(3.3 OR 3.4)") == "Query((XV3.3 OR XVE3.3 OR (XV3.4 OR XVE3.4)))");
  // In a phrase a version is the word it is.
  CHECK(describe("\"ruby 3.3\"") == "Query((ruby@1 PHRASE 2 3.3@2))");
  // Typed last, it is taken whole (Xapian would drop a field value taken as a prefix).
  CHECK(describe("ruby 3.3", DefaultOperator::kAnd, true) ==
        "Query((Zrubi@1 AND (XV3.3 OR XVE3.3)))");
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  QueryBuilder qb(db, "en");
  CHECK(qb.parse("ruby 3.3 released", {}).word_count == 3);
  // The title lift: the title's own version terms beside its words, and the exact title
  // with versions written canonically.
  // No post has that title: the term alone, nothing to lift.
  CHECK(qb.title_query("ruby 3.3 released").get_description() ==
        "Query(((XVS3.3 AND (ZSrubi@1 AND ZSreleas@2)) OR XEruby 3 3 released))");
}

TEST_CASE("the whole-title lift weighs the same on short and long posts", "[query_builder]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int i = 0; i < 9; ++i) {
    Xapian::Document doc;
    doc.add_term("Zfiller", 1);
    db.add_document(doc);
  }
  Xapian::Document titled;  // one post in ten has the title
  titled.add_term(schema::exact_title_term("Download Mirrors"), 1);
  db.add_document(titled);
  QueryBuilder qb(db, "en");
  const Xapian::Query lift = qb.exact_title_lift(schema::exact_title_term("download mirrors"));
  // 4 * log((10 - 1 + 0.5) / (1 + 0.5)) * (k1 + 1), whatever the post's length.
  const double expected = 4 * std::log(9.5 / 1.5) * (schema::bm25_k1() + 1);
  Xapian::Enquire enquire(db);
  enquire.set_query(lift);
  const Xapian::MSet m = enquire.get_mset(0, 10);
  REQUIRE(m.size() == 1);
  CHECK(m[0].get_weight() == Approx(expected));
  // A title no post has lifts nothing and matches nothing.
  enquire.set_query(qb.exact_title_lift(schema::exact_title_term("no such title")));
  CHECK(enquire.get_mset(0, 10).empty());
}

TEST_CASE("query language: phrases and whole values in fields", "[query_builder]") {
  CHECK(describe("title:\"server maintenance\"") == "Query((Sserver@1 PHRASE 2 Smaintenance@2))");
  CHECK(describe("heading:\"what is\"") == "Query((XHwhat@1 PHRASE 2 XHis@2))");
  CHECK(describe("ruby author:\"Shugo Maeda\"") ==
        "Query((Zrubi@1 FILTER (Ashugo maeda OR (XAshugo@1 PHRASE 2 XAmaeda@2))))");
  CHECK(describe("ruby author:shugo") == "Query((Zrubi@1 FILTER ZXAshugo@1))");
  CHECK(describe("x tag:\"Static Sites\"") == "Query((Zx@1 FILTER Kstatic sites))");
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  QueryBuilder qb(db, "en");
  CHECK(qb.parse("title:\"server maintenance\"", {}).warnings.empty());
  const auto unknown = qb.parse("body:\"server maintenance\"", {}).warnings;
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0].find("`body:` is not a field") == 0);
  CHECK(qb.parse("title: x", {}).warnings.size() == 1);
  CHECK(qb.parse("see https://example.org/x", {}).warnings.empty());
  CHECK(qb.parse("std::vector grows", {}).warnings.empty());
}

TEST_CASE("query language: a word the index lacks is corrected, no other", "[query_builder]") {
  testing::TempDir dir;  // the in-memory backend keeps no spelling data
  Xapian::WritableDatabase db((dir.path() / "db").string(), Xapian::DB_CREATE);
  Xapian::TermGenerator g;
  g.set_database(db);
  g.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
  g.set_stemmer(Xapian::Stem("en"));
  for (const char* text :
       {"security advisory", "security fixes", "strings.Contains finds substrings", "a string",
        "string methods", "string slicing", "running"}) {
    Xapian::Document d;
    g.set_document(d);
    g.index_text(text);
    db.add_document(d);
  }
  db.commit();
  QueryBuilder qb(db, "en");
  CHECK(qb.correction("securty advisory") == "security advisory");
  CHECK(qb.correction("Securty (advisory OR fixes)") == "security (advisory OR fixes)");
  CHECK(qb.correction("advisory securty") == "advisory security");
  CHECK(qb.correction("strings.Contains").empty());  // both words are in the index
  CHECK(qb.correction("security advisory").empty());
  CHECK(qb.correction("runs").empty());  // its stem is
  CHECK(qb.correction("the securty") == "the security");
  CHECK(qb.correction("title:securty").empty());  // field values are left alone
  CHECK(qb.correction("securty 3.3") == "security 3.3");
  CHECK(qb.correction("secur").empty());  // the last word, being typed
}

}  // namespace postsearch
