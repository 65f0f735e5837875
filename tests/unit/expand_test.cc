// Feedback terms chosen without a frequency lookup per term must be the terms, in the
// order, that Xapian's own expansion (Enquire::get_eset, exact frequencies) chooses.
#include <catch2/catch.hpp>

#include <xapian.h>

#include <algorithm>
#include <random>

#include "query/expand.h"
#include "query/ranking.h"
#include "test_support.h"

namespace postsearch {
namespace {

// 400 posts of words drawn from a skewed vocabulary, stems under "Z", a field copy under
// "S" and a filter term: some words in most posts, many in few, some posts alike.
Xapian::Database skewed_index(const std::filesystem::path& dir) {
  Xapian::WritableDatabase db(dir.string(), Xapian::DB_CREATE_OR_OVERWRITE);
  std::mt19937 rng(7);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 3000; ++i) vocabulary.push_back("w" + std::to_string(i * 7919 % 100000));
  std::vector<double> weights;
  for (int i = 1; i <= 3000; ++i) weights.push_back(1.0 / i);
  std::discrete_distribution<int> zipf(weights.begin(), weights.end());
  for (int d = 0; d < 400; ++d) {
    Xapian::Document doc;
    const int words = 20 + static_cast<int>(rng() % 300);
    for (int i = 0; i < words; ++i) {
      const std::string& w = vocabulary[static_cast<std::size_t>(zipf(rng))];
      doc.add_term("Z" + w);
      if (i < 5) doc.add_term("S" + w);
    }
    if (d % 10 == 0) doc.add_term("Zab");  // short: refused by the decider below
    doc.add_boolean_term("XTAG" + std::to_string(d % 4));
    db.add_document(doc);
    if (d % 50 == 0) db.add_document(doc);  // identical posts: equal weights
  }
  db.commit();
  return Xapian::Database(dir.string());
}

std::vector<std::string> xapian_eset(const Xapian::Database& db,
                                     const std::vector<Xapian::docid>& posts,
                                     const Xapian::Query& query, Xapian::termcount count) {
  struct Stems : Xapian::ExpandDecider {
    bool operator()(const std::string& t) const override {
      return t.size() > 3 && t[0] == 'Z' && t[1] >= 'a' && t[1] <= 'z';
    }
  } stems;
  Xapian::Enquire enquire(db);
  enquire.set_query(query);
  Xapian::RSet rset;
  for (const auto d : posts) rset.add_document(d);
  const Xapian::ESet eset =
      enquire.get_eset(count, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &stems);
  return {eset.begin(), eset.end()};
}

}  // namespace

TEST_CASE("expansion terms are Xapian's, in its order, from fewer lookups", "[expand]") {
  testing::TempDir dir;
  const Xapian::Database db = skewed_index(dir.path() / "db");
  std::mt19937 rng(11);
  ExpandOptions o;
  o.prefix = "Z";
  o.accept = [](const std::string& t) { return t.size() > 3 && t[1] >= 'a' && t[1] <= 'z'; };
  TermFrequencies frequencies;
  int compared = 0;
  for (const Xapian::termcount count : {1U, 3U, 10U, 40U}) {
    for (int round = 0; round < 25; ++round) {
      std::vector<Xapian::docid> posts;
      const std::size_t want = 1 + rng() % 5;
      while (posts.size() < want) {
        const auto d = static_cast<Xapian::docid>(1 + rng() % db.get_doccount());
        if (std::find(posts.begin(), posts.end(), d) == posts.end()) posts.push_back(d);
      }
      if (round == 0) posts = {1, 2};  // identical posts
      o.count = count;
      // The query's own terms are not offered: some of the posts' words, or none.
      std::vector<std::string> words;
      Xapian::TermIterator t = db.termlist_begin(posts[0]);
      for (t.skip_to("Zw"); t != db.termlist_end(posts[0]); ++t) {
        if (words.size() < static_cast<std::size_t>(round % 4) * 3) words.push_back(*t);
      }
      o.query = words.empty() ? Xapian::Query::MatchAll
                              : Xapian::Query(Xapian::Query::OP_OR, words.begin(), words.end());
      INFO("count " << count << " round " << round << " query " << o.query.get_description());
      const std::vector<std::string> ours = expand_terms(db, posts, o);
      CHECK(ours == xapian_eset(db, posts, o.query, count));
      // With the revision's frequencies remembered: the same, whether looked up or known.
      ExpandOptions remembered = o;
      remembered.frequencies = &frequencies;
      CHECK(expand_terms(db, posts, remembered) == ours);
      CHECK(expand_terms(db, posts, remembered) == ours);
      CHECK(!ours.empty());
      CHECK(ours.size() <= count);
      ++compared;
    }
  }
  CHECK(compared == 100);
  CHECK(frequencies.size() > 0);
  // What it holds is the index's: every term of the index that it still remembers.
  std::size_t held = 0;
  for (auto t = db.allterms_begin("Z"); t != db.allterms_end("Z"); ++t) {
    if (const auto f = frequencies.find(*t)) {
      CHECK(*f == t.get_termfreq());
      ++held;
    }
  }
  CHECK(held == frequencies.size());
  o.count = 10;
  CHECK(expand_terms(db, {}, o).empty());
}

}  // namespace postsearch

namespace postsearch {

// Direct-mapped: 100,000 terms over 65,536 slots collide; a term is remembered with its
// own frequency or not at all, never with another's.
TEST_CASE("remembered term frequencies are the terms' own", "[expand]") {
  TermFrequencies f;
  for (Xapian::doccount i = 0; i < 100000; ++i) f.insert("Zt" + std::to_string(i), i);
  std::size_t found = 0;
  for (Xapian::doccount i = 0; i < 100000; ++i) {
    if (const auto n = f.find("Zt" + std::to_string(i))) {
      REQUIRE(*n == i);
      ++found;
    }
  }
  CHECK(found == f.size());
  CHECK(found > 30000);
  CHECK(f.find("Zt100000") == std::nullopt);
  f.insert("Zverylongtermmorethanfifteen", 7);  // too long to keep
  CHECK(f.find("Zverylongtermmorethanfifteen") == std::nullopt);
  f.insert("Zt5", 99);  // a term seen again with a new frequency
  CHECK(f.find("Zt5") == std::optional<Xapian::doccount>(99));
}

}  // namespace postsearch

namespace postsearch {

// Feedback terms scaled one by one weigh each post as the terms' OR scaled as one, and each
// is a leaf of the query's OR of its own (what lets the matcher's pruning leave out the
// common ones).
TEST_CASE("feedback terms are scaled one by one, with the weights of their scaled OR", "[expand]") {
  testing::TempDir dir;
  const Xapian::Database db = skewed_index(dir.path() / "db");
  std::mt19937 rng(5);
  std::vector<std::string> vocabulary;
  for (auto t = db.allterms_begin("Zw"); t != db.allterms_end("Zw"); ++t) vocabulary.push_back(*t);
  REQUIRE(vocabulary.size() > 100);
  CHECK(feedback_query({}, 0.3).empty());
  int compared = 0;
  for (int round = 0; round < 30; ++round) {
    std::vector<Xapian::Query> words;
    std::vector<std::string> extra;
    for (int i = 0; i < 4; ++i) words.emplace_back(vocabulary[rng() % vocabulary.size()]);
    for (int i = 0; i < 10; ++i) extra.push_back(vocabulary[rng() % vocabulary.size()]);
    const Xapian::Query fb = feedback_query(extra, 0.3);
    REQUIRE(fb.get_type() == Xapian::Query::OP_OR);
    REQUIRE(fb.get_num_subqueries() == extra.size());
    for (std::size_t i = 0; i < fb.get_num_subqueries(); ++i) {
      const Xapian::Query leaf = fb.get_subquery(i);
      CHECK(leaf.get_type() == Xapian::Query::OP_SCALE_WEIGHT);
      REQUIRE(leaf.get_num_subqueries() == 1);
      CHECK(leaf.get_subquery(0).get_type() == Xapian::Query::LEAF_TERM);
    }
    const Xapian::Query question(Xapian::Query::OP_OR, words.begin(), words.end());
    const auto top = [&](const Xapian::Query& extra_query) {
      Xapian::Enquire e(db);
      e.set_weighting_scheme(ranking());
      e.set_query(Xapian::Query(Xapian::Query::OP_OR, question, extra_query));
      return e.get_mset(0, 50);
    };
    const Xapian::MSet ours = top(fb);
    const Xapian::MSet whole =
        top(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                          Xapian::Query(Xapian::Query::OP_OR, extra.begin(), extra.end()), 0.3));
    REQUIRE(ours.size() == whole.size());
    for (Xapian::doccount i = 0; i < ours.size(); ++i) {
      INFO("round " << round << " rank " << i);
      CHECK(same_weight(ours[i].get_weight(), whole[i].get_weight()));
      // Posts of equal weight but for rounding may come in either order.
      const auto tied = [&](Xapian::doccount j) {
        return j < ours.size() && same_weight(ours[i].get_weight(), ours[j].get_weight());
      };
      if (!tied(i + 1) && (i == 0 || !tied(i - 1))) CHECK(*ours[i] == *whole[i]);
    }
    ++compared;
  }
  CHECK(compared == 30);
}

}  // namespace postsearch
