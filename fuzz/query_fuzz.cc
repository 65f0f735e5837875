// Fuzz target: the query language against a small in-memory index, through the whole
// search (parse, relaxation, spelling, facets, snippets). No input may throw.
#include <xapian.h>

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/document.h"
#include "query/query_builder.h"

namespace {

// A small glass database (the in-memory backend has no spelling table), made once.
struct TempDir {
  std::string path;
  TempDir() : path(std::filesystem::temp_directory_path() / "postsearch-fuzz-XXXXXX") {
    if (mkdtemp(path.data()) == nullptr) std::abort();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

Xapian::WritableDatabase& database() {
  static TempDir dir;
  static Xapian::WritableDatabase db = [] {
    Xapian::WritableDatabase d(dir.path, Xapian::DB_CREATE_OR_OVERWRITE);
    postsearch::DocumentBuilder builder(postsearch::DocumentOptions{&d});
    postsearch::Post p;
    p.id = "a";
    p.title = "Escaping <b>HTML</b> in 京都 posts";
    p.tags = {"c++", "web"};
    p.lang = "en";
    p.sections = {{"", "", 0, "Sourdough starters and std::vector growth v2.3.0-preview1"}};
    d.add_document(builder.build(p));
    d.commit();
    return d;
  }();
  return db;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  postsearch::QueryBuilder qb(database(), size % 2 == 0 ? "en" : "de");
  postsearch::ParseOptions options;
  options.op = size % 3 == 0 ? postsearch::DefaultOperator::kOr : postsearch::DefaultOperator::kAnd;
  const postsearch::ParsedQuery parsed = qb.parse(text, options);
  (void)qb.title_query(text);
  (void)qb.correction(text);
  Xapian::Enquire enquire(database());
  enquire.set_query(parsed.query);
  (void)enquire.get_mset(0, 10);
  return 0;
}
