// The indexer's optional YAML configuration file, for publish steps that prefer a file to
// flags: the same settings as the command line (flags given as well win).
//   site: path/to/site        index: /var/lib/postsearch/index
//   drafts: false  future: false  posts_only: false  unpublished: false
//   generator: auto|jekyll|hugo|plain   threads: 0   site_output: path/to/site/_site
//   site_url: https://example.org/blog
// Relative paths are relative to the file's folder. Errors throw ConfigError naming the
// file, line and key.
#pragma once

#include <filesystem>
#include <string>

#include "indexer/indexer.h"

namespace postsearch {

struct IndexerConfigFile {
  std::filesystem::path site;
  std::filesystem::path index;
};

// Applies the file's settings to `options`; returns the paths it names (empty when absent).
[[nodiscard]] IndexerConfigFile apply_indexer_config(const std::filesystem::path& file,
                                                     IndexerOptions& options);

}  // namespace postsearch
