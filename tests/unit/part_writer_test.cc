// The rebuild's partial-database writer (indexer/part_writer.h): its memory budget shared
// among the writers, a part committed as soon as its share of source is in, and the
// spelling data a full build and an incremental run give (words, not code identifiers).
#include <catch2/catch.hpp>

#include <xapian.h>

#include <map>
#include <string>

#include "common/document.h"
#include "indexer/part_writer.h"
#include "tests/unit/test_support.h"

namespace postsearch {
namespace {

Post post_numbered(int n) {
  Post p;
  p.id = "_posts/p" + std::to_string(n) + ".md";
  p.url = "/p" + std::to_string(n) + "/";
  p.title = "Post " + std::to_string(n);
  p.lang = "en";
  p.sections = {{"", "", 0, "quokkas and wombats"}};
  return p;
}

}  // namespace

TEST_CASE("part writer: the rebuild's budget is shared among the writers", "[part_writer]") {
  const std::uint64_t mib = 1024 * 1024;
  CHECK(part_commit_bytes(1) == 32 * mib);
  CHECK(part_commit_bytes(2) == 16 * mib);  // one shard, two workers
  CHECK(part_commit_bytes(16) == 2 * mib);  // eight shards, two workers
  CHECK(part_commit_bytes(0) == 32 * mib);
  CHECK(part_commit_bytes(1000) == 1 * mib);  // never below the floor
}

TEST_CASE("part writer: a part commits once its share of source is in", "[part_writer]") {
  const testing::TempDir dir;
  PartWriter writer(dir.path(), 3, 100);
  writer.add(post_numbered(1), 60);
  writer.add(post_numbered(2), 60);  // 120 bytes pending: the next post commits them first
  REQUIRE(writer.part().has_value());
  CHECK(writer.part()->filename() == "part-3");
  CHECK(Xapian::Database(writer.part()->string()).get_doccount() == 0);
  writer.add(post_numbered(3), 60);
  CHECK(Xapian::Database(writer.part()->string()).get_doccount() == 2);
  writer.finish();
  CHECK(Xapian::Database(writer.part()->string()).get_doccount() == 3);
}

namespace {

Post post_with_code() {
  Post p = post_numbered(1);
  p.title = "Post 1: _mbsinc and x86_64";
  p.sections = {{"Using string_view", "using", 2,
                 "The wizard's quokkas read size_t values, c4996 and x86 in C++. Quokkas!"}};
  p.code = "int wizardry_level2 = std::max(a, b);";
  return p;
}

// Each spelling word with its frequency.
std::map<std::string, Xapian::doccount> spelling_words(const Xapian::Database& db) {
  std::map<std::string, Xapian::doccount> out;
  for (auto t = db.spellings_begin(); t != db.spellings_end(); ++t) out[*t] = t.get_termfreq();
  return out;
}

// The words of the title, the heading, the body and the code (`int`, `std`, `max`), and the
// identifiers of the title and the heading; not the body's or the code's identifiers
// (`size_t`, `wizardry_level2`), nor words with digits (`c4996`, `x86`, `x86_64`), `c++`,
// words of one or two letters. Each once: it is in one post ("quokkas" twice in it).
const std::map<std::string, Xapian::doccount> kWords{
    {"_mbsinc", 1}, {"and", 1},    {"int", 1},     {"max", 1},         {"post", 1},
    {"quokkas", 1}, {"read", 1},   {"std", 1},     {"string_view", 1}, {"the", 1},
    {"using", 1},   {"values", 1}, {"wizard's", 1}};

}  // namespace

TEST_CASE("spelling targets are words, and identifiers that name a page", "[part_writer]") {
  for (const char* word : {"quokka", "wizard's", "café", "naïve", "the"}) {
    CHECK(spelling_target(word) == word);
  }
  CHECK(spelling_target("S_mbsinc") == "_mbsinc");
  CHECK(spelling_target("XHstring_view") == "string_view");
  for (const char* term :
       {"size_t", "c4996", "x86", "c++", "at&t", "'quoted", "ab", "ZSquokka", "Kquokka", "Squokka",
        "Sx86_64", "S___", "XDsize_t", "abcdefghijklmnopqrstuvwxyzabcdefg"}) {
    CHECK(spelling_target(term).empty());
  }
}

TEST_CASE("spelling: a full build and an incremental run offer the same words", "[part_writer]") {
  const Post post = post_with_code();
  Xapian::WritableDatabase parts(std::string(), Xapian::DB_BACKEND_INMEMORY);
  parts.add_document(DocumentBuilder().build(post));
  const testing::TempDir dir;
  Xapian::WritableDatabase rebuilt((dir.path() / "rebuilt").string(), Xapian::DB_CREATE);
  add_spelling_from_vocabulary(parts, rebuilt);
  rebuilt.commit();
  CHECK(spelling_words(rebuilt) == kWords);

  Xapian::WritableDatabase incremental((dir.path() / "incremental").string(), Xapian::DB_CREATE);
  (void)DocumentBuilder(DocumentOptions{&incremental}).build(post);
  incremental.commit();
  CHECK(spelling_words(incremental) == kWords);
}

}  // namespace postsearch
