#include "indexer/url_check.h"

#include <sys/stat.h>

namespace postsearch {
namespace {

namespace fs = std::filesystem;

std::string shown(const fs::path& dir, const SiteConfig& site) {
  const fs::path rel = dir.lexically_relative(site.root);
  return rel.empty() || rel.string().rfind("..", 0) == 0 ? dir.string() : rel.generic_string();
}

// Whether `dir` holds a regular .html page (links not followed, as BuiltSite::load reads
// them) modified at or after `newest_ns`; `any` says whether it holds a page at all.
bool has_page_since(const fs::path& dir, std::int64_t newest_ns, bool& any) {
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().extension() != ".html" || it->is_symlink(ec) || !it->is_regular_file(ec)) {
      continue;
    }
    any = true;
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0) continue;
    const std::int64_t mtime =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    if (mtime >= newest_ns) return true;
  }
  return false;
}

}  // namespace

std::optional<fs::path> choose_site_output(const SiteConfig& site, const SiteOutputOptions& options,
                                           Diagnostics& diagnostics) {
  if (options.dir) {
    if (!fs::is_directory(*options.dir)) {
      diagnostics.push_back({Severity::kError, options.dir->string(), 0, 0, "site_output",
                             "the site's output folder is not a folder"});
      return std::nullopt;
    }
    return *options.dir;
  }
  if (site.output_dir.empty()) return std::nullopt;
  // Found by itself only inside the site (a configured destination may point anywhere).
  const fs::path dir = (site.root / site.output_dir).lexically_normal();
  const std::string inside = dir.lexically_relative(site.root).generic_string();
  if (inside.empty() || inside == "." || inside.rfind("..", 0) == 0 || !fs::is_directory(dir)) {
    return std::nullopt;
  }
  bool any = false;
  if (has_page_since(dir, options.newest_source_ns, any)) return dir;
  if (any) {
    diagnostics.push_back({Severity::kWarning, shown(dir, site), 0, 0, "",
                           "older than the sources (build the site first); its URLs are not "
                           "checked against it"});
  }
  return std::nullopt;
}

std::optional<BuiltSite> open_site_output(const SiteConfig& site, const SiteOutputOptions& options,
                                          Diagnostics& diagnostics) {
  const std::optional<fs::path> dir = choose_site_output(site, options, diagnostics);
  if (!dir) return std::nullopt;
  return BuiltSite::load(*dir, BuiltSiteOptions{site.baseurl}, diagnostics);
}

void check_post_url(const BuiltSite& built, const std::string& rel, Post& post,
                    Diagnostics& diagnostics) {
  if (built.find(post.url) != nullptr) return;
  const std::string where = built.dir().string();
  if (const BuiltPage* page = built.by_title(post.title)) {
    const bool canonical_is_page = !page->canonical.empty() && built.find(page->canonical) == page;
    const std::string truth = canonical_is_page ? page->canonical : built.url_of(*page);
    diagnostics.push_back({Severity::kWarning, rel, 0, 0, "url",
                           "computed URL " + post.url + " is not a page in " + where +
                               "; indexed with " + truth +
                               ", the page written for this post (found by its title)"});
    post.url = truth;
    return;
  }
  const BuiltPage* nearest = built.nearest(post.url);
  diagnostics.push_back(
      {Severity::kWarning, rel, 0, 0, "url",
       "computed URL " + post.url + " is not a page in " + where +
           (nearest != nullptr ? " (nearest page: " + built.url_of(*nearest) + ")" : "") +
           "; indexed as computed"});
}

}  // namespace postsearch
