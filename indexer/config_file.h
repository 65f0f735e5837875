// The indexer's options, declared once each in a table (common/option_table.h): from it come
// the command line's flags, the YAML config file's keys and the defaults --help shows.
//   site: path/to/site        index: /var/lib/postsearch/index
//   drafts: false  future: false  posts_only: false  unpublished: false
//   generator: auto|jekyll|hugo|plain   threads: 0   site_output: path/to/site/_site
//   site_url: https://example.org/blog
// Relative paths in the file are relative to the file's folder. Errors throw
// options::ConfigFileError naming the file, line and key.
#pragma once

#include <filesystem>
#include <string>

#include "common/option_table.h"
#include "indexer/indexer.h"

namespace postsearch {

// Everything the indexer's command line and config file set.
struct IndexerSettings {
  IndexerOptions run;              // site_dir, index_dir, drafts, threads, shards, ...
  std::string generator = "auto";  // auto: detect from the site's config files
  std::string config;              // --config: the YAML file read before the flags
  bool json = false;               // the summary as JSON on stdout
  bool quiet = false;              // no progress output
};

// The indexer's option table.
[[nodiscard]] const options::OptionTable<IndexerSettings>& indexer_option_table();

// Applies the file's settings to `settings`; throws options::ConfigFileError.
void apply_indexer_config(const std::filesystem::path& file, IndexerSettings& settings);

// settings.run with the generator named by settings.generator (nullopt for auto).
[[nodiscard]] IndexerOptions indexer_options(const IndexerSettings& settings);

}  // namespace postsearch
