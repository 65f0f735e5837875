// Several sites searched as one: the --site flag, and which site (and which docid of the
// whole database) a document of a site filter's database is, against Xapian's own
// interleaving of the databases added to one.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "query/federation.h"

namespace postsearch {
namespace {

Xapian::WritableDatabase database_of(const std::string& tag, int docs) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (int i = 0; i < docs; ++i) {
    Xapian::Document d;
    d.set_data(tag + std::to_string(i));
    db.add_document(d);
  }
  return db;
}

}  // namespace

TEST_CASE("federation: the --site flag gives name, index directory, url and boost",
          "[federation]") {
  const SiteIndex s = parse_site_flag("docs=/srv/idx,a,b,url=https://docs.example.org,boost=1.5");
  CHECK(s.name == "docs");
  CHECK(s.index == "/srv/idx,a,b");
  CHECK(s.url == "https://docs.example.org");
  CHECK(s.boost == 1.5);
  CHECK(parse_site_flag("blog=idx").boost == 1.0);
  CHECK_THROWS_WITH(parse_site_flag("idx"), Catch::Contains("NAME=INDEX_DIR"));
  CHECK_THROWS_WITH(parse_site_flag("a=idx,boost=0"), Catch::Contains("boost"));
  CHECK_THROWS_WITH(parse_site_flag("a=idx,boost=x"), Catch::Contains("boost"));
  CHECK_THROWS_WITH(check_sites({{"a b", "i", "", 1}}), Catch::Contains("a name is"));
  CHECK_THROWS_WITH(check_sites({{"a", "i", "", 1}, {"a", "j", "", 1}}),
                    Catch::Contains("named twice"));
  CHECK_THROWS_WITH(check_sites({{"a", "i", "ftp://x", 1}}), Catch::Contains("url"));
  CHECK_NOTHROW(check_sites({{"a", "i", "https://a.example", 2}, {"b.2", "j", "", 1}}));
}

TEST_CASE("site of a document, and its docid in the whole database", "[federation]") {
  // Site a has two databases (shards), site b one.
  const auto a0 = database_of("a0-", 5);
  const auto a1 = database_of("a1-", 3);
  const auto b = database_of("b-", 4);
  SiteLayout layout;
  layout.add({"a", {"https://a.example", ""}, 1, 0, 2, {}, false});
  layout.add({"b", {"https://b.example", ""}, 1, 0, 1, {}, false});
  Xapian::Database whole(a0);
  whole.add_database(a1);
  whole.add_database(b);
  for (const std::vector<std::size_t>& chosen :
       {std::vector<std::size_t>{0, 1}, std::vector<std::size_t>{0}, std::vector<std::size_t>{1}}) {
    Xapian::Database part;
    if (chosen.front() == 0) {
      part.add_database(a0);
      part.add_database(a1);
    }
    if (chosen.back() == 1) part.add_database(b);
    for (auto p = part.postlist_begin(""); p != part.postlist_end(""); ++p) {
      const std::string data = part.get_document(*p).get_data();
      CHECK(layout.site_of(*p, chosen) == (data[0] == 'a' ? 0U : 1U));
      CHECK(whole.get_document(layout.whole_docid(*p, chosen)).get_data() == data);
    }
  }
  Hit h;
  h.url = "/x/";
  h.passage_url = "/x/#:~:text=y";
  h.sections.push_back({"H", "h", "/x/#h", "", "/x/#h"});
  layout.label(h, 1);
  CHECK(h.site == "b");
  CHECK(h.url == "https://b.example/x/");
  CHECK(h.absolute_url == h.url);
  CHECK(h.passage_url == "https://b.example/x/#:~:text=y");
  CHECK(h.sections[0].url == "https://b.example/x/#h");
}

}  // namespace postsearch
