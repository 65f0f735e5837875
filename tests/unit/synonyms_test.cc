// A site's synonyms (indexer/synonyms.h): where the file is found, the two forms it takes,
// each bad entry reported with its line and skipped, and the synonym table written for the
// query parser (plain and stemmed keys; the map form one way only).
#include <catch2/catch.hpp>

#include <xapian.h>

#include <set>
#include <string>

#include "indexer/synonyms.h"
#include "test_support.h"

namespace postsearch {
namespace {

std::set<std::string> synonyms_of(const Xapian::Database& db, const std::string& key) {
  return {db.synonyms_begin(key), db.synonyms_end(key)};
}

}  // namespace

TEST_CASE("synonyms: Jekyll's _data/synonyms.yml, list and map forms", "[synonyms]") {
  const testing::TempDir dir;
  testing::write_file(dir.path() / "_data" / "synonyms.yml",
                      "- [JavaScript, js, ECMAScript, js]\n"
                      "- [static site, ssg]\n");
  const Synonyms list = load_synonyms(testing::jekyll_site(dir.path()), std::nullopt);
  CHECK(list.file == "_data/synonyms.yml");
  CHECK(list.diagnostics.empty());
  REQUIRE(list.groups.size() == 2);
  CHECK(list.groups[0] == std::vector<std::string>{"javascript", "js", "ecmascript"});
  CHECK(list.two_way == std::vector<bool>{true, true});

  const fs::path named = dir.path() / "elsewhere.yml";
  testing::write_file(named, "k8s: [Kubernetes]\n");
  const Synonyms map = load_synonyms(testing::jekyll_site(dir.path()), named);
  REQUIRE(map.groups.size() == 1);
  CHECK(map.groups[0] == std::vector<std::string>{"k8s", "kubernetes"});
  CHECK(map.two_way == std::vector<bool>{false});
}

TEST_CASE("synonyms: no file is no synonyms and no diagnostic", "[synonyms]") {
  const testing::TempDir dir;
  const Synonyms s = load_synonyms(testing::jekyll_site(dir.path()), std::nullopt);
  CHECK(s.file.empty());
  CHECK(s.groups.empty());
  CHECK(s.diagnostics.empty());
}

TEST_CASE("synonyms: each bad entry is reported at its line and skipped", "[synonyms]") {
  const testing::TempDir dir;
  testing::write_file(dir.path() / "_data" / "synonyms.yml",
                      "- [css, stylesheets]\n"
                      "- [lonely]\n"
                      "- [{a: b}, x, y]\n"
                      "- [" +
                          std::string(121, 'w') + ", z]\n");
  const Synonyms s = load_synonyms(testing::jekyll_site(dir.path()), std::nullopt);
  REQUIRE(s.groups.size() == 2);
  CHECK(s.groups[1] == std::vector<std::string>{"x", "y"});
  REQUIRE(s.diagnostics.size() == 4);
  CHECK(s.diagnostics[0].line == 2);
  CHECK(s.diagnostics[0].message == "a group needs two or more words; ignored");
  CHECK(s.diagnostics[1].line == 3);
  CHECK(s.diagnostics[1].message == "expected a word; ignored");
  CHECK(s.diagnostics[2].line == 4);
  CHECK(s.diagnostics[2].message == "longer than 120 bytes; ignored");
  CHECK(s.diagnostics[3].message == "a group needs two or more words; ignored");
  CHECK(s.diagnostics[2].to_string().find("_data/synonyms.yml:4:") == 0);

  testing::write_file(dir.path() / "_data" / "synonyms.yml", "[unclosed\n");
  const Synonyms bad = load_synonyms(testing::jekyll_site(dir.path()), std::nullopt);
  REQUIRE(bad.diagnostics.size() == 1);
  CHECK(bad.diagnostics[0].severity == Severity::kError);
  CHECK(bad.diagnostics[0].message.find("invalid YAML") == 0);
  testing::write_file(dir.path() / "_data" / "synonyms.yml", "just words\n");
  CHECK(load_synonyms(testing::jekyll_site(dir.path()), std::nullopt).diagnostics.size() == 1);
}

TEST_CASE("synonyms: the table the query parser reads", "[synonyms]") {
  Synonyms s;
  s.groups = {{"javascript", "js"}, {"k8s", "kubernetes"}, {"static site", "ssg"}};
  s.two_way = {true, false, true};
  const testing::TempDir dir;
  Xapian::WritableDatabase db((dir.path() / "db").string(), Xapian::DB_CREATE);
  db.add_synonym("stale", "Zold");
  const Xapian::Stem english("english");
  write_synonyms(db, s, english);
  CHECK(synonyms_of(db, "stale").empty());
  CHECK(synonyms_of(db, "js") == std::set<std::string>{"Zjavascript"});
  CHECK(synonyms_of(db, "Zjs") == std::set<std::string>{"Zjavascript"});
  CHECK(synonyms_of(db, "javascript") == std::set<std::string>{"Zjs"});
  CHECK(synonyms_of(db, "k8s") == std::set<std::string>{"Zkubernet"});
  CHECK(synonyms_of(db, "kubernetes").empty());  // the map form finds one way only
  CHECK(synonyms_of(db, "static site") == std::set<std::string>{"Zssg"});
  CHECK(synonyms_of(db, "ssg").empty());  // a phrase is a key, never a value
}

}  // namespace postsearch
