// The per-revision memos a service keeps beside Xapian (query/revision_memos.h): the
// match set read from posting lists, the facet table, the posting cache, the term
// frequencies and the decoded posts, each against what Xapian itself answers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "common/document.h"
#include "query/match_set.h"
#include "query/post_cache.h"
#include "query/revision_memos.h"
#include "test_support.h"

namespace postsearch {

TEST_CASE("match set: the documents Xapian's matcher matches, from posting lists", "[searcher]") {
  using Q = Xapian::Query;
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int i = 1; i <= 200; ++i) {
    Xapian::Document d;
    for (int k : {2, 3, 5, 7}) {
      if (i % k == 0) d.add_term("d" + std::to_string(k));
    }
    d.add_posting("w", 1);
    d.add_value(0, std::to_string(i));
    db.add_document(d);
  }
  for (int i = 10; i <= 200; i += 10) db.delete_document(static_cast<Xapian::docid>(i));  // gaps
  const Q d2("d2"), d3("d3"), d5("d5"), d7("d7");
  PostingCache cache_of_common;
  PostingCache too_small(16);
  const std::vector<Q> supported = {
      d2,
      Q::MatchAll,
      Q::MatchNothing,
      Q("absent"),
      Q(Q::OP_AND, d2, d3),
      Q(Q::OP_OR, d5, d7),
      Q(Q::OP_AND_NOT, Q::MatchAll, d2),
      Q(Q::OP_XOR, d2, d3),
      Q(Q::OP_FILTER, d2, d7),
      Q(Q::OP_AND_MAYBE, d3, d2),
      Q(Q::OP_SCALE_WEIGHT, d5, 2.0),
      Q(Q::OP_SYNONYM, d5, Q(Q::OP_AND, d2, d7)),
      Q(Q::OP_MAX, d2, d3),
      Q(Q::OP_AND, Q(Q::OP_OR, d2, Q(Q::OP_AND_NOT, d3, d5)), Q(Q::OP_SYNONYM, d7, d5)),
      Q(Q::OP_AND_MAYBE, d2, Q(Q::OP_VALUE_GE, 0, "5")),  // the optional side only weighs
  };
  for (const Q& q : supported) {
    INFO(q.get_description());
    Xapian::Enquire e(db);
    e.set_query(q);
    e.set_weighting_scheme(Xapian::BoolWeight());
    const Xapian::MSet m = e.get_mset(0, db.get_doccount());
    std::vector<Xapian::docid> expected(m.begin(), m.end());
    std::sort(expected.begin(), expected.end());
    REQUIRE(match_set_supported(q));
    const std::optional<DocSet> set = match_set(db, q);
    REQUIRE(set);
    std::vector<Xapian::docid> got;
    set->for_each([&](Xapian::docid d) { got.push_back(d); });
    CHECK(got == expected);
    CHECK(set->count() == expected.size());
    // With a revision's cache of common terms' bitmaps: the same set, cold and warm, and a
    // cache too small to keep anything changes nothing either.
    for (PostingCache* cache : {&cache_of_common, &cache_of_common, &too_small}) {
      const std::optional<DocSet> cached = match_set(db, q, cache);
      REQUIRE(cached);
      std::vector<Xapian::docid> again;
      cached->for_each([&](Xapian::docid d) { again.push_back(d); });
      CHECK(again == expected);
    }
  }
  // d2 (90 posts) is kept; d3, d5, d7 hold too few to be worth a bitmap.
  CHECK(cache_of_common.find("d2") != nullptr);
  CHECK(cache_of_common.find("d5") == nullptr);
  CHECK(cache_of_common.bytes() > 0);
  CHECK(too_small.bytes() == 0);
  CHECK(too_small.find("d2") == nullptr);
  for (const Q& q :
       {Q(Q::OP_PHRASE, d2, d3), Q(Q::OP_VALUE_GE, 0, "5"), Q(Q::OP_OR, d2, Q(Q::OP_NEAR, d2, d3)),
        Q(Q::OP_WILDCARD, "d"), Q(Q::OP_ELITE_SET, d2, d3)}) {
    INFO(q.get_description());
    CHECK_FALSE(match_set_supported(q));
    CHECK_FALSE(match_set(db, q));
  }
}

TEST_CASE("facet table: every document's values, decoded once", "[searcher]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Xapian::Document a;
  a.add_value(schema::kSlotFacets,
              "x\x1fy\x1e"
              "ada\x1e\x1e"
              "2024");
  Xapian::Document none;  // no facets value at all
  Xapian::Document b;
  b.add_value(schema::kSlotFacets, "y");
  db.add_document(a);
  db.add_document(none);
  db.add_document(b);
  const auto table = FacetTable::build(db);
  auto values = [&](Xapian::docid d) {
    std::vector<std::uint32_t> counts(table->total_values(), 0);
    table->count(d, counts.data());
    std::vector<std::string> out;
    for (std::size_t f = 0; f < FacetTable::kFields; ++f) {
      for (std::uint32_t id = 0; id < table->value_count(f); ++id) {
        if (counts[table->base(f) + id] != 0)
          out.push_back(std::to_string(f) + ":" + table->name(f, id));
      }
    }
    return out;
  };
  CHECK(values(1) == std::vector<std::string>{"0:x", "0:y", "1:ada", "3:2024"});
  CHECK(values(2).empty());
  CHECK(values(3) == std::vector<std::string>{"0:y"});
  CHECK(values(99).empty());
  CHECK(table->value_count(0) == 2);
}

}  // namespace postsearch

namespace postsearch {

TEST_CASE("posting cache: fill() reads the common terms, most frequent first, in the bound",
          "[searcher]") {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int i = 1; i <= 200; ++i) {
    Xapian::Document d;
    d.add_term("all");
    for (int k : {2, 3, 5}) {
      if (i % k == 0) d.add_term("d" + std::to_string(k));
    }
    db.add_document(d);
  }
  // min_postings(200) is 64: "all" (200), "d2" (100) and "d3" (66) qualify, "d5" (40) not.
  REQUIRE(PostingCache::min_postings(200) == 64);
  std::atomic<bool> stop{false};
  PostingCache cache;
  CHECK(cache.fill(db, stop) == 3);
  CHECK(cache.size() == 3);
  CHECK(cache.find("d5") == nullptr);
  for (const std::string term : {"all", "d2", "d3"}) {
    INFO(term);
    REQUIRE(cache.find(term) != nullptr);
    CHECK(cache.find(term)->count() == db.get_termfreq(term));
    std::vector<Xapian::docid> want(db.postlist_begin(term), db.postlist_end(term));
    std::vector<Xapian::docid> got;
    cache.find(term)->for_each([&](Xapian::docid d) { got.push_back(d); });
    CHECK(got == want);
  }
  CHECK(cache.fill(db, stop) == 0);  // all there already
  const std::size_t per_set = cache.bytes() / 3 + 8;
  PostingCache room_for_one(per_set);
  CHECK(room_for_one.fill(db, stop) == 1);
  CHECK(room_for_one.find("all") != nullptr);  // the most frequent
  stop = true;
  PostingCache stopped;
  CHECK(stopped.fill(db, stop) == 0);
  CHECK(stopped.size() == 0);
}

TEST_CASE("revision memos: term frequencies live as long as their revision", "[searcher]") {
  RevisionMemos cache;
  const auto first = cache.term_frequencies("rev-1");
  first->insert("Zword", 3);
  CHECK(cache.term_frequencies("rev-1") == first);  // shared by the service's searchers
  CHECK(cache.term_frequencies("rev-1")->find("Zword") == std::optional<Xapian::doccount>(3));
  const auto second = cache.term_frequencies("rev-2");  // a commit: nothing carried over
  CHECK(second != first);
  CHECK_FALSE(second->find("Zword"));
  CHECK(first->find("Zword"));  // a search still holding the old one keeps it intact
}

}  // namespace postsearch

namespace postsearch {

namespace {

std::shared_ptr<const StoredPost> post_of(std::size_t text_bytes, const std::string& id) {
  auto post = std::make_shared<StoredPost>();
  post->id = id;
  post->sections.push_back({"", "", 0, std::string(text_bytes, 'x')});
  return post;
}

}  // namespace

TEST_CASE("post cache: bounded by bytes, keeps the posts shown since the hand passed",
          "[searcher]") {
  const std::size_t one = PostCache::bytes_of(*post_of(1000, "a"));
  PostCache cache(2 * one + one / 2);  // room for two
  cache.insert(1, post_of(1000, "a"));
  cache.insert(2, post_of(1000, "b"));
  REQUIRE(cache.find(1));
  CHECK(cache.find(1)->id == "a");
  CHECK_FALSE(cache.find(3));
  cache.insert(3, post_of(1000, "c"));  // full: 2 goes (1 was shown since the hand passed)
  CHECK(cache.size() == 2);
  CHECK(cache.bytes() <= 2 * one + one / 2);
  CHECK(cache.find(1));
  CHECK_FALSE(cache.find(2));
  CHECK(cache.find(3)->id == "c");
  cache.insert(3, post_of(10, "other"));  // a docid kept already stays as it was
  CHECK(cache.find(3)->id == "c");
  cache.insert(4, post_of(10 * one, "huge"));  // larger than the budget: not kept
  CHECK_FALSE(cache.find(4));
  CHECK(cache.size() == 2);
  for (Xapian::docid d = 10; d < 200; ++d) cache.insert(d, post_of(d * 10, "many"));
  CHECK(cache.bytes() <= 2 * one + one / 2);
}

TEST_CASE("post cache: warming fills free room only, and looks without showing", "[searcher]") {
  const std::size_t one = PostCache::bytes_of(*post_of(1000, "a"));
  PostCache cache(2 * one + one / 2);  // room for two
  cache.insert(1, post_of(1000, "shown"));
  CHECK(cache.contains(1));
  CHECK_FALSE(cache.contains(2));
  CHECK(cache.insert_if_room(2, post_of(1000, "warmed")));
  CHECK(cache.insert_if_room(2, post_of(1000, "again")));          // kept already
  CHECK_FALSE(cache.insert_if_room(3, post_of(1000, "no room")));  // nothing is dropped for it
  CHECK(cache.contains(1));
  CHECK(cache.contains(2));
  CHECK_FALSE(cache.contains(3));
  // contains() did not count as showing 2: a search's post displaces it, not 1 (shown).
  REQUIRE(cache.find(1));
  cache.insert(4, post_of(1000, "searched"));
  CHECK(cache.contains(1));
  CHECK_FALSE(cache.contains(2));
  CHECK(cache.contains(4));
}

TEST_CASE("post cache: far apart docids, each its own post", "[searcher]") {
  PostCache cache;
  const Xapian::docid ids[] = {7, 1, 100000, 65, 3000000, PostCache::kMaxDocid - 1};
  for (const Xapian::docid d : ids) cache.insert(d, post_of(10, std::to_string(d)));
  CHECK(cache.size() == std::size(ids));
  for (const Xapian::docid d : ids) {
    REQUIRE(cache.find(d));
    CHECK(cache.find(d)->id == std::to_string(d));
  }
  CHECK_FALSE(cache.find(8));
  CHECK_FALSE(cache.find(2999999));
  cache.insert(PostCache::kMaxDocid, post_of(10, "beyond"));  // not kept: the index is bounded
  CHECK_FALSE(cache.find(PostCache::kMaxDocid));
  CHECK_FALSE(cache.find(PostCache::kMaxDocid + 5));
  CHECK(cache.size() == std::size(ids));
}

}  // namespace postsearch
