// A site as its generator sees it: which generator (Jekyll, Hugo, or a plain folder of
// Markdown), its configuration (permalinks, base URL, languages, excludes, collections),
// and the list of source files that may become posts. Configuration problems are
// diagnostics; a missing site directory throws std::runtime_error.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"

namespace postsearch {

namespace fs = std::filesystem;

enum class Generator { kJekyll, kHugo, kPlain };

[[nodiscard]] std::string_view generator_name(Generator generator);

struct SiteConfig {
  Generator generator = Generator::kPlain;
  fs::path root;
  std::string config_file;         // relative name of the file read ("_config.yml"), if any
  std::string permalink = "date";  // Jekyll: site-wide permalink style or pattern
  std::string baseurl;             // URL path prefix ("/blog"), no trailing slash
  // Where the site is published: "https://example.org/blog" (Jekyll url + baseurl, Hugo
  // baseURL), no trailing slash; empty when the configuration does not say.
  std::string site_url;
  // Jekyll: what Liquid's `site` holds: the configuration, with the `_data/` files (YAML and
  // JSON, at most kMaxDataBytes in all) under "data".
  nlohmann::json liquid_site = nlohmann::json::object();
  std::string default_lang = "en";
  std::vector<std::string> exclude;  // Jekyll exclude: paths or globs relative to root
  std::map<std::string, std::string> collections;      // Jekyll output collections -> permalink
  nlohmann::json authors = nlohmann::json::object();   // Jekyll _data/authors.yml
  std::string content_dir = "content";                 // Hugo
  std::map<std::string, std::string> hugo_permalinks;  // Hugo: section -> pattern
  std::vector<std::string> languages;                  // Hugo: configured language codes
  std::map<std::string, std::string> language_dirs;    // Hugo: language -> its own contentDir
  // Heading ids as the site's Markdown converter makes them.
  bool kramdown_gfm = true;    // Jekyll: kramdown input GFM (the default) or kramdown
  bool auto_ids = true;        // Jekyll: kramdown auto_ids
  std::string auto_id_prefix;  // Jekyll: kramdown auto_id_prefix
};

inline constexpr std::size_t kMaxDataBytes = 8 * 1024 * 1024;

struct SiteOptions {
  bool drafts = false;  // Jekyll _drafts/, Hugo draft: true
  bool pages = false;   // Markdown pages outside _posts (Jekyll) or _index.md lists (Hugo)
};

enum class SourceKind { kPost, kDraft, kPage, kDocument };

struct SourceFile {
  fs::path path;    // absolute
  std::string rel;  // relative to the site root, '/' separated
  SourceKind kind = SourceKind::kPost;
  std::string collection = "posts";            // Jekyll collection label
  std::vector<std::string> folder_categories;  // Jekyll: folders above _posts
  std::string lang;                            // Hugo: language from folder or file name
  std::string content_root;                    // Hugo: the content folder it came from (rel)
};

struct SiteLoad {
  SiteConfig config;
  Diagnostics diagnostics;  // configuration errors (the run should stop) and warnings
};

// `generator` forces a generator instead of detecting it from the configuration files.
[[nodiscard]] SiteLoad load_site(const fs::path& root,
                                 std::optional<Generator> generator = std::nullopt);
[[nodiscard]] std::optional<Generator> generator_by_name(std::string_view name);

// Every Markdown source under the site that the generator would render, sorted by rel.
// Unreadable directories and symlink loops are reported and skipped.
[[nodiscard]] std::vector<SourceFile> list_sources(const SiteConfig& config,
                                                   const SiteOptions& options,
                                                   Diagnostics& diagnostics);

[[nodiscard]] bool is_markdown_file(const fs::path& path);

}  // namespace postsearch
