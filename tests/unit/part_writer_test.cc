// The rebuild's partial-database writer (indexer/part_writer.h): its memory budget shared
// among the writers, and a part committed as soon as its share of source is in.
#include <catch2/catch.hpp>

#include <xapian.h>

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

}  // namespace postsearch
