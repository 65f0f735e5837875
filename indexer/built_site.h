// The generator's output folder (Jekyll's _site, Hugo's public) as ground truth: which URL
// paths are pages, and each page's element ids, canonical URL and titles, read with gumbo.
// Loaded once; read-only afterwards, so one BuiltSite may be shared by threads that only
// read it. Bounded: at most `max_pages` pages of at most `max_page_bytes` each are parsed;
// what is left out is reported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.h"

namespace postsearch {

struct BuiltPage {
  std::string path;                 // URL path without the base URL: "/2013/05/06/x.html", "/x/"
  std::string canonical;            // path of <link rel="canonical" href>; empty when none
  std::vector<std::string> titles;  // the <title> text and each <h1>'s, whitespace collapsed
  std::set<std::string> ids;        // every id attribute of the page
  std::string file;  // the file under the folder ("x/index.html"); empty when it was not parsed
};

struct BuiltSiteOptions {
  std::string baseurl;                         // the site's URL path prefix ("/blog"), or empty
  std::size_t max_pages = 200000;              // pages parsed at most
  std::uint64_t max_page_bytes = 16ULL << 20;  // larger pages are listed but not parsed
};

class BuiltSite {
 public:
  // Reads every .html file under `dir`. Unreadable files and the bounds reached are
  // diagnostics (named relative to `dir`); a missing folder gives an empty site.
  [[nodiscard]] static BuiltSite load(const std::filesystem::path& dir,
                                      const BuiltSiteOptions& options, Diagnostics& diagnostics);

  // The page a URL (with the base URL, percent-encoded or not) is served from, as a static
  // server resolves it: "/x/" is x/index.html, "/x" is x, x.html or x/index.html.
  [[nodiscard]] const BuiltPage* find(std::string_view url) const;

  // The file of the page that load(dir) would give find(url) (a regular .html file inside
  // `dir`, not a link), asked of the file system without reading any page; nullopt: none.
  [[nodiscard]] static std::optional<std::filesystem::path> page_file(
      const std::filesystem::path& dir, std::string_view baseurl, std::string_view url);
  // Whether there is such a page.
  [[nodiscard]] static bool has_page(const std::filesystem::path& dir, std::string_view baseurl,
                                     std::string_view url);

  // The one page whose canonical URL or one of whose titles is `title`; nullptr when none
  // or more than one.
  [[nodiscard]] const BuiltPage* by_canonical(std::string_view url) const;
  [[nodiscard]] const BuiltPage* by_title(std::string_view title) const;

  // The existing page most like `url`: the same last path segment, else the longest
  // common prefix; nullptr for an empty site.
  [[nodiscard]] const BuiltPage* nearest(std::string_view url) const;

  // The URL of a page with the base URL ("/blog" + page.path).
  [[nodiscard]] std::string url_of(const BuiltPage& page) const;

  // The newest modification time of the pages read (nanoseconds since the epoch); 0 if none.
  [[nodiscard]] std::int64_t newest_mtime_ns() const { return newest_mtime_ns_; }
  [[nodiscard]] std::size_t size() const { return pages_.size(); }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  [[nodiscard]] std::optional<std::string> site_path(std::string_view url) const;
  // The URL's path without the base URL ("/x/"); nullopt when outside the base URL.
  [[nodiscard]] static std::optional<std::string> path_in_site(std::string_view baseurl,
                                                               std::string_view url);
  // The page files a URL path is served from, in the order a static server tries them.
  [[nodiscard]] static std::vector<std::string> page_files(const std::string& path);

  std::filesystem::path dir_;
  std::string baseurl_;
  std::map<std::string, BuiltPage> pages_;                  // by file path: "/x/index.html"
  std::multimap<std::string, const BuiltPage*> titles_;     // title -> page
  std::multimap<std::string, const BuiltPage*> canonical_;  // canonical path -> page
  std::int64_t newest_mtime_ns_ = 0;
};

}  // namespace postsearch
