// Helpers shared by the unit tests: temporary directories, a sample post, and an index of
// examples/site built once through the real indexer library.
#pragma once

#include <filesystem>
#include <string>

#include "common/post.h"
#include "indexer/indexer.h"
#include "indexer/site.h"

namespace postsearch::testing {

namespace fs = std::filesystem;

// A fresh directory under TMPDIR, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

[[nodiscard]] fs::path source_dir();
[[nodiscard]] fs::path example_site();

// The index of examples/site, built on first use in a directory that lives for the run.
[[nodiscard]] const fs::path& example_index();

// A copy of examples/site in `dir`/site, indexed into `dir`/index: for tests that change
// the site and index it again (run_indexer with the options returned).
[[nodiscard]] IndexerOptions indexed_example_copy(const TempDir& dir);

void write_file(const fs::path& path, const std::string& text);

[[nodiscard]] SiteConfig jekyll_site(const fs::path& root);

}  // namespace postsearch::testing
