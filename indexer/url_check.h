// Ground truth from the build: when the generator's output folder is at hand (given, or
// Jekyll's _site / Hugo's public found newer than the sources), each post's computed URL is
// checked against the pages really written. A URL that is not a page is reported with the
// nearest page that exists, and replaced by the page written for the post when one is
// found unambiguously (its title; its canonical URL when it declares one).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "common/diagnostic.h"
#include "common/post.h"
#include "indexer/built_site.h"
#include "indexer/site.h"

namespace postsearch {

struct SiteOutputOptions {
  std::optional<std::filesystem::path> dir;  // given by the user: must be a folder
  std::int64_t newest_source_ns = 0;         // newest mtime of the sources and config
};

// The output folder open_site_output() reads, chosen without parsing a page: `options.dir`
// (an error diagnostic when it is not a folder), else the site's own output folder when it
// holds an .html page not older than the newest source (an older one is reported); else
// nothing. Stops at the first such page, so a fresh folder costs a few stat() calls.
[[nodiscard]] std::optional<std::filesystem::path> choose_site_output(
    const SiteConfig& site, const SiteOutputOptions& options, Diagnostics& diagnostics);

// The output folder to check against: `options.dir` (a ConfigError-worthy error when it is
// not a folder), else the site's own output folder when present and not older than the
// sources (an older one is reported and not used); nothing otherwise.
[[nodiscard]] std::optional<BuiltSite> open_site_output(const SiteConfig& site,
                                                        const SiteOutputOptions& options,
                                                        Diagnostics& diagnostics);

// Checks `post.url` (from source `rel`) against `built`; may replace it. Thread-safe.
void check_post_url(const BuiltSite& built, const std::string& rel, Post& post,
                    Diagnostics& diagnostics);

}  // namespace postsearch
