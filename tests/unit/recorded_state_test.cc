// The recorded state of sources (indexer/recorded_state.h): the table round-trips, a table
// that is not one is refused whole, later states win, and an index that holds the states in
// the encoding written before the table is read, then rewritten as a table by the next write.
#include <catch2/catch.hpp>

#include <xapian.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/index_layout.h"
#include "common/schema.h"
#include "indexer/recorded_state.h"
#include "test_support.h"

namespace postsearch {
namespace {

std::vector<RecordedFile> sample_files() {
  return {{"_posts/2019-01-01-a.md", {120, 1546300800123456789, 0xffffffffffffffffULL, 'i', 7}},
          {"_posts/2019-01-01-ab.md", {0, -5, 1, 's', 0}},
          {"_posts/2020-02-02-b.md", {1ULL << 40, 0, 42, 'i', 1ULL << 50}},
          {"docs/caf\xc3\xa9.md", {3, 4, 5, 'i', 6}}};
}

bool same(const FileState& a, const FileState& b) {
  return a.size == b.size && a.mtime_ns == b.mtime_ns && a.hash == b.hash && a.status == b.status &&
         a.inode == b.inode;
}

std::string legacy_text(const FileState& s) {
  return std::to_string(s.size) + " " + std::to_string(s.mtime_ns) + " " + std::to_string(s.hash) +
         " " + s.status + " " + std::to_string(s.inode);
}

}  // namespace

TEST_CASE("recorded state: a table round-trips", "[recorded_state]") {
  const std::vector<RecordedFile> files = sample_files();
  RecordedStates states;
  REQUIRE(states.add_table(encode_state_table(files)));
  REQUIRE(states.size() == files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    CHECK(states.files()[i].rel == files[i].rel);
    CHECK(same(states.files()[i].state, files[i].state));
    const FileState* found = states.find(files[i].rel);
    REQUIRE(found != nullptr);
    CHECK(same(*found, files[i].state));
  }
  CHECK(states.find("_posts/2019-01-01-a") == nullptr);
  CHECK(states.find("zzz.md") == nullptr);
  RecordedStates empty;
  CHECK(empty.add_table(encode_state_table({})));
  CHECK(empty.size() == 0);
}

TEST_CASE("recorded state: what is not a table is refused whole", "[recorded_state]") {
  const std::string table = encode_state_table(sample_files());
  std::vector<std::string> bad = {"", "PSRS", "PSRS\x02" + table.substr(5), table + "x",
                                  table.substr(0, table.size() - 1)};
  std::vector<RecordedFile> unsorted = sample_files();
  std::swap(unsorted[0], unsorted[2]);
  bad.push_back(encode_state_table(unsorted));
  std::vector<RecordedFile> odd_status = sample_files();
  odd_status[1].state.status = 'x';
  bad.push_back(encode_state_table(odd_status));
  for (const std::string& b : bad) {
    RecordedStates states;
    CHECK_FALSE(states.add_table(b));
    CHECK(states.size() == 0);
  }
  RecordedStates refused;
  CHECK_FALSE(refused.add_table(table, [](std::string_view rel) { return rel[0] == '_'; }));
  CHECK(refused.size() == 0);
}

TEST_CASE("recorded state: states added later win", "[recorded_state]") {
  RecordedStates states;
  REQUIRE(states.add_table(encode_state_table(sample_files())));
  const FileState newer{9, 9, 9, 's', 9};
  CHECK(states.add_legacy("_posts/2019-01-01-ab.md", legacy_text(newer)));
  CHECK(states.add_legacy("about.md", legacy_text(newer)));
  CHECK_FALSE(states.add_legacy("bad.md", "12 not-a-number"));
  states.finish_legacy();
  REQUIRE(states.size() == sample_files().size() + 1);
  CHECK(same(*states.find("_posts/2019-01-01-ab.md"), newer));
  CHECK(same(*states.find("about.md"), newer));
  CHECK(states.find("bad.md") == nullptr);
  CHECK(same(*states.find("_posts/2019-01-01-a.md"), sample_files()[0].state));
}

TEST_CASE("recorded state: an index with one value a source is read, then rewritten",
          "[recorded_state]") {
  const testing::TempDir tmp;
  const IndexerOptions options = testing::indexed_example_copy(tmp);
  const fs::path live = *IndexLayout(options.index_dir).live_generation();
  const std::string table_key(schema::kMetaSourceTable);
  const std::string prefix(schema::kMetaSourcePrefix);
  std::size_t sources = 0;
  {  // The states as indexes written before the table hold them.
    Xapian::WritableDatabase db(live.string(), Xapian::DB_OPEN);
    RecordedStates states;
    REQUIRE(states.add_table(db.get_metadata(table_key)));
    sources = states.size();
    REQUIRE(sources > 5);
    for (const RecordedFile& f : states.files())
      db.set_metadata(prefix + std::string(f.rel), legacy_text(f.state));
    db.set_metadata(table_key, "");
    db.commit();
  }
  const IndexSummary quiet = run_indexer(options);
  CHECK_FALSE(quiet.rebuilt);
  CHECK(quiet.unchanged == sources);
  CHECK(quiet.added + quiet.updated + quiet.deleted == 0);

  std::ofstream(options.site_dir / "_posts" / "2024-06-01-new.md")
      << "---\ntitle: New\n---\nA new post.\n";
  const IndexSummary added = run_indexer(options);
  CHECK_FALSE(added.rebuilt);
  CHECK(added.added == 1);
  {
    const Xapian::Database db(live.string());
    CHECK(db.metadata_keys_begin(prefix) == db.metadata_keys_end(prefix));
    RecordedStates states;
    REQUIRE(states.add_table(db.get_metadata(table_key)));
    CHECK(states.size() == sources + 1);
    CHECK(states.find("_posts/2024-06-01-new.md") != nullptr);
  }
  const IndexSummary again = run_indexer(options);
  CHECK(again.unchanged == sources + 1);
  CHECK(again.added + again.updated + again.deleted == 0);
}

}  // namespace postsearch
