// A site as its generator sees it: which generator (Jekyll, Hugo, or a plain folder of
// Markdown), its configuration (permalinks, base URL, languages, excludes, collections),
// and the list of source files that may become posts. Configuration problems are
// diagnostics; a missing site directory throws std::runtime_error.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "indexer/anchors.h"
#include "indexer/front_matter.h"
#include "indexer/listing.h"
#include "indexer/time_zone.h"

namespace postsearch {

namespace fs = std::filesystem;

enum class Generator { kJekyll, kHugo, kPlain };

[[nodiscard]] std::string_view generator_name(Generator generator);

struct SiteConfig {
  Generator generator = Generator::kPlain;
  fs::path root;
  std::string config_file;         // relative name of the file read ("_config.yml"), if any
  std::string config_bytes;        // that file's content as read
  std::string permalink = "date";  // Jekyll: site-wide permalink style or pattern
  // Jekyll: collections.posts.permalink, which wins over `permalink` for posts and drafts;
  // empty when the configuration gives none.
  std::string posts_permalink;
  std::string baseurl;  // URL path prefix ("/blog"), no trailing slash
  // Where the site is published: "https://example.org/blog" (Jekyll url + baseurl, Hugo
  // baseURL), no trailing slash; empty when the configuration does not say.
  std::string site_url;
  // Jekyll: what Liquid's `site` holds: the configuration, with the `_data/` files (YAML and
  // JSON, at most kMaxDataBytes in all) under "data".
  nlohmann::json liquid_site = nlohmann::json::object();
  // Jekyll: the `_includes/` files that `{% include NAME %}` renders, by NAME
  // ("docs/note.html") -> their text; at most kMaxDataBytes in all.
  std::map<std::string, std::string> includes;
  std::string default_lang = "en";
  std::string fallback_lang;  // search.fallback: searched for languages without posts or stemmer
  std::vector<std::string> exclude;  // Jekyll exclude: paths or globs relative to root
  std::vector<std::string> include;  // Jekyll include: "_pages", ".well-known" read after all
  // Jekyll output collections -> their permalink setting; empty: Jekyll's default for the
  // site's permalink style ("/:collection/:path" with its suffix).
  std::map<std::string, std::string> collections;
  std::vector<std::string> collection_names;  // every declared collection, output or not
  // Jekyll `defaults:` entries that set a layout, in the configuration's order.
  struct LayoutDefault {
    std::string path;  // scope path ("" for all)
    std::string type;  // scope type ("pages", "posts", a collection; "" for all)
    std::string layout;
  };
  std::vector<LayoutDefault> layout_defaults;
  JekyllLayouts layouts;                               // Jekyll _layouts/
  nlohmann::json authors = nlohmann::json::object();   // Jekyll _data/authors.yml
  std::string content_dir = "content";                 // Hugo
  std::map<std::string, std::string> hugo_permalinks;  // Hugo: section -> pattern
  // Hugo uglyURLs: pages at /section/name.html, not /section/name/; `true` for every
  // section, or a table of sections (lower case) -> whether theirs are.
  bool hugo_ugly_urls = false;
  std::map<std::string, bool> hugo_ugly_sections;
  std::vector<std::string> languages;                // Hugo: configured language codes
  std::map<std::string, std::string> language_dirs;  // Hugo: language -> its own contentDir
  // Hugo: the sections whose pages are the posts (params.mainSections; else, as Hugo has it,
  // the section with the most pages, found when the sources are listed).
  std::vector<std::string> main_sections;
  // Heading ids as the site's Markdown engine makes them: Jekyll's `kramdown:` keys, Hugo's
  // `markup.goldmark` keys.
  AnchorOptions anchors;
  // The zone dates are placed in: Jekyll `timezone:`, else the machine's; Hugo `timeZone`,
  // else UTC (Hugo ignores the machine's zone).
  TimeZone time_zone;
  std::string output_dir;  // where the generator writes the site: Jekyll destination, Hugo
                           // publishDir (relative to root unless absolute); empty: plain
  YamlDialect yaml = YamlDialect::kRuby;  // whose YAML reader the front matter is read with
};

inline constexpr std::size_t kMaxDataBytes = 8 * 1024 * 1024;

struct SiteOptions {
  bool drafts = false;  // Jekyll _drafts/, Hugo draft: true
  // Only posts (and Jekyll's output collections): no pages. Jekyll: none of the Markdown and
  // front-matter HTML pages outside _posts; Hugo: only the pages of the main sections.
  bool posts_only = false;
};

// kListing: a Hugo list page (_index.md), listed so that the summary counts it as skipped.
enum class SourceKind { kPost, kDraft, kPage, kDocument, kListing };

struct SourceFile {
  std::string path;  // absolute
  std::string rel;   // relative to the site root, '/' separated
  SourceKind kind = SourceKind::kPost;
  std::string collection = "posts";            // Jekyll collection label
  std::vector<std::string> folder_categories;  // Jekyll: folders above _posts
  std::string lang;  // Hugo: from folder or file name; Jekyll, plain: from a language folder
  std::string content_root;  // Hugo: the content folder it came from (rel)
  // "post", "page", or the Jekyll collection's label or Hugo section's name (Post::type);
  // Hugo front matter's `type` overrides it.
  std::string type = "post";
};

struct SiteLoad {
  SiteConfig config;
  Diagnostics diagnostics;  // configuration errors (the run should stop) and warnings
};

struct SiteLoadOptions {
  std::optional<Generator> generator;  // force a generator; default: detect from the config files
  // The TZ variable of the build's environment; empty: unset (the zone of /etc/localtime).
  std::optional<std::string> machine_tz;
};

[[nodiscard]] SiteLoad load_site(const fs::path& root, const SiteLoadOptions& options = {});
[[nodiscard]] std::optional<Generator> generator_by_name(std::string_view name);

// Configuration and data files (_config.yml, _data/authors.yml, synonyms) are read up to
// this size, and only from inside the site.
inline constexpr std::uint64_t kMaxSiteDataBytes = 4ULL * 1024 * 1024;

struct SourceListing {
  std::vector<SourceFile> files;             // sorted by rel
  std::vector<std::string> unreadable_dirs;  // folders (rel) that could not be listed

  // Whether `rel` lies in a folder the walk could not see: its post may still exist.
  [[nodiscard]] bool under_unreadable(const std::string& rel) const;
};

// Every source under the site that the generator would render as a post or page
// (Markdown; for Jekyll pages, HTML too), with its type. A folder that
// cannot be listed is an error diagnostic and is named in unreadable_dirs; directory
// symlinks are not followed.
[[nodiscard]] SourceListing list_sources(const SiteConfig& config, const SiteOptions& options,
                                         Diagnostics& diagnostics);

// By the extension of the path's last component (".md", ".markdown", ...; any case).
[[nodiscard]] bool is_markdown_file(std::string_view path);
// .html or .htm: a Jekyll page when it starts with front matter.
[[nodiscard]] bool is_html_file(std::string_view path);

}  // namespace postsearch
