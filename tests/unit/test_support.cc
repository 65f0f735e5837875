#include "test_support.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "indexer/indexer.h"

namespace postsearch::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/postsearch-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path source_dir() { return POSTSEARCH_SOURCE_DIR; }
fs::path example_site() { return source_dir() / "examples" / "site"; }

const fs::path& example_index() {
  static TempDir dir;  // lives for the test run
  static const fs::path index = [] {
    IndexerOptions options;
    options.site_dir = example_site();
    options.index_dir = dir.path() / "index";
    const IndexSummary summary = run_indexer(options);
    if (summary.failed != 0) throw std::runtime_error("example site failed to index");
    return options.index_dir;
  }();
  return index;
}

IndexerOptions indexed_example_copy(const TempDir& dir) {
  IndexerOptions options;
  options.site_dir = dir.path() / "site";
  options.index_dir = dir.path() / "index";
  fs::copy(example_site(), options.site_dir, fs::copy_options::recursive);
  (void)run_indexer(options);
  return options;
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

SiteConfig jekyll_site(const fs::path& root) {
  SiteConfig c;
  c.generator = Generator::kJekyll;
  c.root = root;
  c.permalink = "date";
  return c;
}

}  // namespace postsearch::testing
