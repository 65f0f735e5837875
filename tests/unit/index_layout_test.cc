// The stub file (INDEX_DIR/XAPIANDB): read at every search by the service, so it is parsed
// by hand; these pin what the parse keeps.
#include <catch2/catch.hpp>
#include <fstream>

#include "common/index_layout.h"
#include "test_support.h"

namespace postsearch {

TEST_CASE("stub: database lines, comments and blank lines", "[index_layout]") {
  const auto e = parse_stub("# written by xapian-replicate\n\nglass gen-000002\nauto replica 1\n");
  REQUIRE(e.size() == 2);
  CHECK(e[0].type == "glass");
  CHECK(e[0].where == "gen-000002");
  CHECK(e[1].type == "auto");
  CHECK(e[1].where == "replica 1");
  CHECK(parse_stub("").empty());
  CHECK(parse_stub("\n\n#x\n").empty());
  const auto last = parse_stub("remote host:1\nglass a/shard-0");  // no final newline
  REQUIRE(last.size() == 2);
  CHECK(last[0].where == "host:1");
  CHECK(last[1].where == "a/shard-0");
  const auto bare = parse_stub("glass");
  REQUIRE(bare.size() == 1);
  CHECK(bare[0].where.empty());
}

TEST_CASE("stub: read whole from disk, empty when missing", "[index_layout]") {
  testing::TempDir dir;
  CHECK(read_stub_text(dir.path()).empty());
  std::string text;
  for (int i = 0; i < 100; ++i) text += "glass shard-" + std::to_string(i) + "\n";  // > 512 bytes
  std::ofstream(dir.path() / "XAPIANDB") << text;
  CHECK(read_stub_text(dir.path()) == text);
  CHECK(read_stub(dir.path()).size() == 100);
  CHECK(read_stub(dir.path()).back().where == "shard-99");
}

}  // namespace postsearch
