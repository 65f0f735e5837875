// A Highlighter must return, for every text, query and length, what Xapian's MSet::snippet()
// returns: the same excerpt, the same marks, the same escaping.
#include <catch2/catch.hpp>

#include <xapian.h>

#include <random>

#include "common/document.h"
#include "query/highlight.h"
#include "query/query_builder.h"
#include "query/word_scan.h"
#include "test_support.h"

namespace postsearch {
namespace {

const HighlightMarks kMarks;

// Words that stem alike, acronyms, infixes, suffixes, numbers with separators, accents,
// typographic punctuation, bytes that are not UTF-8 and characters HTML escapes.
const std::vector<std::string> kWords = {"search",
                                         "searching",
                                         "searches",
                                         "searched",
                                         "Search",
                                         "SEARCH",
                                         "quick",
                                         "quickly",
                                         "quickness",
                                         "brown",
                                         "fox",
                                         "foxes",
                                         "jumps",
                                         "jumped",
                                         "lazy",
                                         "dog",
                                         "dogs",
                                         "the",
                                         "a",
                                         "of",
                                         "and",
                                         "C++",
                                         "C#",
                                         "c+++x",
                                         "U.S.",
                                         "U.S.A",
                                         "P.T.O.",
                                         "A.b",
                                         "AT&T",
                                         "M&S",
                                         "don't",
                                         "it’s",
                                         "1,000",
                                         "3.14",
                                         "2024",
                                         "v1.2.3",
                                         "x86_64",
                                         "naïve",
                                         "café",
                                         "Über",
                                         "résumé",
                                         "—",
                                         "“quoted”",
                                         "(paren)",
                                         "[box]",
                                         "$5",
                                         "100%",
                                         "<b>",
                                         "a&b",
                                         "x<y",
                                         "\xE9t\xE9",
                                         "\xC3",
                                         "zero\xE2\x80\x8Bwidth",
                                         "...",
                                         "?!",
                                         "-dash-",
                                         "/slash/",
                                         "e-mail",
                                         "well-known",
                                         "café-au-lait",
                                         "Ωmega",
                                         "ЖУК",
                                         "c++++",
                                         "go)))))",
                                         "((((search",
                                         "“(quick",
                                         "#@fox",
                                         "<<dog",
                                         "¿lazy",
                                         "\"'(((",
                                         "$$$$$$x",
                                         "fox+++",
                                         "x####y",
                                         "zyzzyva",
                                         "searchable",
                                         "researcher",
                                         "index",
                                         "indexes",
                                         "indexing",
                                         "Xapian"};

const std::vector<std::string> kSeparators = {" ",  " ",    " ",   ", ", ". ",  "! ",  "? ",
                                              "\n", "\n\n", " — ", " (", ") ",  "'s ", "... ",
                                              "  ", "\t",   ": ",  "; ", " \"", "\" ", " - "};

std::string random_text(std::mt19937& rng, std::size_t words) {
  std::string text;
  for (std::size_t i = 0; i < words; ++i) {
    if (i > 0 || rng() % 4 == 0) text += kSeparators[rng() % kSeparators.size()];
    text += kWords[rng() % kWords.size()];
  }
  if (rng() % 3 == 0) text += kSeparators[rng() % kSeparators.size()];
  return text;
}

Xapian::WritableDatabase random_index(std::mt19937& rng) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Xapian::TermGenerator tg;
  tg.set_stemmer(Xapian::Stem("english"));
  for (int d = 0; d < 120; ++d) {
    Xapian::Document doc;
    tg.set_document(doc);
    tg.index_text(random_text(rng, 5 + rng() % 60));
    tg.increase_termpos();
    tg.index_text(random_text(rng, 3), 1, "S");
    doc.add_boolean_term("XTAG" + std::to_string(d % 3));
    db.add_document(doc);
  }
  return db;
}

// Compares the two on `texts` for the match of `source`, at several lengths and flags.
void compare(const HighlightSource& source, const Xapian::Stem& stemmer,
             const std::vector<std::string>& texts) {
  // English and its kind change only the ends of words: the highlighter may skip stemming
  // the words no query stem starts like.
  const bool suffixes = stemmer.get_description() == "Xapian::Stem(english)";
  Highlighter highlighter(source, {stemmer, suffixes}, kMarks);
  const unsigned flag_sets[] = {
      0, Xapian::MSet::SNIPPET_CJK_NGRAM,
      Xapian::MSet::SNIPPET_CJK_NGRAM | Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH,
      Xapian::MSet::SNIPPET_EXHAUSTIVE | Xapian::MSet::SNIPPET_CJK_NGRAM};
  // (Not SNIPPET_BACKGROUND_MODEL, handed to Xapian: its weights are kept in the MSet from
  // the first call, with that call's length, so no two calls can be compared.)
  for (const auto& text : texts) {
    for (const std::size_t length :
         {std::size_t{0}, std::size_t{12}, std::size_t{60}, std::size_t{160}, text.size() + 8}) {
      for (const unsigned flags : flag_sets) {
        const std::string want = source.mset.snippet(text, length, stemmer, flags, kMarks.open,
                                                     kMarks.close, kMarks.omit);
        INFO("query " << source.latest.get_description() << "\ntext [" << text << "]\nlength "
                      << length << " flags " << flags);
        REQUIRE(highlighter.snippet(text, length, flags) == want);
      }
    }
  }
}

void compare(const Xapian::Database& db, const Xapian::Query& query, const Xapian::Stem& stemmer,
             const std::vector<std::string>& texts) {
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  compare({enquire.get_mset(0, 10), query, enquire.get_query()}, stemmer, texts);
}

}  // namespace

TEST_CASE("ASCII word characters are Xapian's", "[highlight]") {
  // The tokeniser classifies ASCII itself; the rest goes through Xapian's tables.
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Xapian::Document doc;
  doc.add_posting("x", 1);
  db.add_document(doc);
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query("x"));
  const Xapian::MSet mset = enquire.get_mset(0, 1);
  Highlighter highlighter({mset, Xapian::Query("x"), enquire.get_query()}, {Xapian::Stem()},
                          kMarks);
  for (int c = 1; c < 128; ++c) {
    const std::string text = std::string("x ") + static_cast<char>(c) + "y" + static_cast<char>(c) +
                             " x" + static_cast<char>(c) + "x x";
    INFO("byte " << c);
    REQUIRE(highlighter.snippet(text, 4) ==
            mset.snippet(text, 4, Xapian::Stem(), 0, kMarks.open, kMarks.close, kMarks.omit));
  }
}

TEST_CASE("a character of an n-gram script is seen wherever it is", "[highlight]") {
  for (std::size_t at = 0; at < 40; ++at) {
    INFO("at byte " << at);
    const std::string ascii(at, 'a');
    CHECK(words::needs_ngrams(ascii + "\xe6\xa4\x9c" + std::string(at % 9, 'b')));  // 検
    CHECK(words::needs_ngrams(ascii + "\xe0\xb8\x81"));                             // Thai ก
    CHECK_FALSE(words::needs_ngrams(ascii + "caf\xc3\xa9 na\xc3\xafve" + ascii));   // Latin
    CHECK_FALSE(words::needs_ngrams(ascii));
  }
}

TEST_CASE("snippets of random texts equal Xapian's", "[highlight]") {
  std::mt19937 rng(11);
  const Xapian::WritableDatabase db = random_index(rng);
  Xapian::QueryParser qp;
  qp.set_database(db);
  qp.set_stemmer(Xapian::Stem("english"));
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  qp.add_prefix("title", "S");
  qp.add_boolean_prefix("tag", "XTAG");
  const unsigned qflags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_PARTIAL |
                          Xapian::QueryParser::FLAG_WILDCARD;
  std::vector<std::string> texts;
  for (int i = 0; i < 60; ++i) texts.push_back(random_text(rng, rng() % 90));
  texts.push_back("");
  texts.push_back("   ");
  texts.push_back("searching");
  texts.push_back(std::string(70, 'q') + " search " + std::string(70, 'r'));
  texts.push_back("search 検索 search");  // n-grams: Xapian's own
  for (const std::string q :
       {"search", "quick fox", "\"quick brown\" fox", "\"brown fox jumps\" dogs", "sea",
        "quick sea", "sear*", "title:search dog", "search tag:1", "e-mail well-known",
        "search OR lazy", "search -dog", "c++ AT&T", "naïve café", "1,000 3.14", "u.s.", "zyzzyva",
        "\"the lazy\" \"brown fox\" indexing"}) {
    const Xapian::Query query = qp.parse_query(q, qflags);
    compare(db, query, Xapian::Stem("english"), texts);
    compare(db, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, query, 0.3), Xapian::Stem(), texts);
  }
  // Two queries: the MSet of one, the Enquire's query of another (as after a relaxed run).
  Xapian::Enquire enquire(db);
  // A term of small weight in the first sets the weights' range, which the second's lacks.
  const Xapian::Query ran(
      Xapian::Query::OP_OR, qp.parse_query("lazy", 0),
      Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query("Zfox"), 0.05));
  enquire.set_query(ran);
  const Xapian::MSet first = enquire.get_mset(0, 10);
  enquire.set_query(qp.parse_query("lazy dog", qflags));
  compare({first, ran, enquire.get_query()}, Xapian::Stem("english"), texts);
}

TEST_CASE("snippets of the example posts equal Xapian's for the service's queries", "[highlight]") {
  const Xapian::Database db(testing::example_index().string());
  QueryBuilder builder(db, "en");
  std::vector<std::string> texts;
  for (Xapian::docid d = 1; d <= db.get_lastdocid(); ++d) {
    const StoredPost post = decode_stored(db.get_document(d).get_data());
    texts.push_back(post.title);
    for (const auto& s : post.sections) {
      texts.push_back(s.heading);
      texts.push_back(s.text.substr(0, 700));
    }
  }
  for (const std::string q : {"search", "release notes", "\"static site\"", "install", "mark",
                              "how do i configure the search box", "tag:releases search"}) {
    for (const bool partial : {false, true}) {
      ParseOptions po;
      po.partial = partial;
      compare(db, builder.parse(q, po).query, builder.stemmer(), texts);
    }
  }
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("an MSet without statistics marks nothing, as Xapian's", "[highlight]") {
  const Xapian::MSet none;
  const std::string text = "A zebra, then a long run of words about zebras and fish. The end.";
  for (const Xapian::Query& q : {Xapian::Query("Zzebra"), Xapian::Query()}) {
    Highlighter highlighter({none, q, q}, {Xapian::Stem("english"), true}, kMarks);
    for (const std::size_t length : {std::size_t{10}, std::size_t{30}, std::size_t{200}}) {
      REQUIRE(highlighter.snippet(text, length) ==
              none.snippet(text, length, Xapian::Stem("english"), 0, kMarks.open, kMarks.close,
                           kMarks.omit));
    }
  }
}

}  // namespace postsearch
