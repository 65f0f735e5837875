// Public URLs as the generators compute them: Jekyll's permalink styles (date, pretty,
// ordinal, weekdate, none) and custom patterns with their placeholders, and Hugo's
// path-based URLs with slug and url. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch {

// The calendar parts of a post's date as written (the site's local time).
struct LocalDate {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

struct JekyllUrlInput {
  std::string pattern;   // site or post permalink: a style name or a pattern with placeholders
  std::string basename;  // file name without extension and date ("my-post")
  std::string slug;      // front-matter slug, may be empty
  std::vector<std::string> categories;
  LocalDate date;
  std::string collection;  // "posts" for posts
  std::string path;        // relative path of the document within its collection, without extension
  std::string output_ext = ".html";
};

// Seconds since the epoch of `date` read as UTC (timegm: normalises out-of-range fields).
[[nodiscard]] std::int64_t utc_seconds(const LocalDate& date);

// The URL path ("/2024/01/02/my-post.html"); the baseurl is not included.
[[nodiscard]] std::string jekyll_url(const JekyllUrlInput& input);

// Jekyll's Utils.add_permalink_suffix: the site's permalink style decides how a page or a
// collection's URL ends: "/" (pretty, a pattern ending in "/"), the output extension (date,
// ordinal, none, a pattern ending in ":output_ext"), or neither.
[[nodiscard]] std::string jekyll_permalink_suffix(std::string url_template, std::string_view style);

struct JekyllPageUrlInput {
  std::string permalink;  // the page's front-matter permalink; empty: none
  std::string style;      // the site's permalink setting ("date" when unset)
  std::string dir;        // the page's folder under the site root ("docs/guide"; "" at the top)
  std::string basename;   // the file name without its extension ("about", "index")
  std::string output_ext = ".html";
};

// A page's URL as Jekyll's Page#url makes it: the permalink, else "/:path/" for an index
// page and "/:path/:basename" with the style's suffix for others; :path, :basename and
// :output_ext are its only placeholders. The baseurl is not included.
[[nodiscard]] std::string jekyll_page_url(const JekyllPageUrlInput& input);

// Jekyll's Utils.slugify: mode "default" (non-alphanumerics to '-', lower case) or "pretty"
// (keeps ._~!$&'()+,;=@), `cased` keeps the case.
enum class SlugMode { kDefault, kPretty };
[[nodiscard]] std::string jekyll_slugify(std::string_view input, SlugMode mode, bool cased);

// Joins a base URL path and a URL path with exactly one slash between them.
[[nodiscard]] std::string join_url(std::string_view base, std::string_view path);

// Percent-encodes what a URL path may not hold raw (space, non-ASCII, '#', '?', '%').
[[nodiscard]] std::string escape_url_path(std::string_view path);

}  // namespace postsearch
