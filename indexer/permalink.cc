#include "indexer/permalink.h"

#include <ctime>
#include <map>

namespace postsearch {
namespace {

std::string two(int v) {
  char b[8];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

std::tm to_tm(const LocalDate& d) {
  const std::time_t secs = static_cast<std::time_t>(utc_seconds(d));
  std::tm t{};
  gmtime_r(&secs, &t);  // fills tm_yday and tm_wday for the placeholders
  return t;
}

std::string strf(const LocalDate& d, const char* format) {
  const std::tm t = to_tm(d);
  char b[64];
  const std::size_t n = std::strftime(b, sizeof b, format, &t);
  return std::string(b, n);
}

std::string expand_style(const std::string& pattern) {
  if (pattern == "date") return "/:categories/:year/:month/:day/:title:output_ext";
  if (pattern == "pretty") return "/:categories/:year/:month/:day/:title/";
  if (pattern == "ordinal") return "/:categories/:year/:y_day/:title:output_ext";
  if (pattern == "weekdate") return "/:categories/:year/W:week/:short_day/:title:output_ext";
  if (pattern == "none") return "/:categories/:title:output_ext";
  return pattern;
}

bool is_alnum(unsigned char c) { return std::isalnum(c) != 0 || c >= 0x80; }

std::string categories_path(const std::vector<std::string>& categories) {
  std::vector<std::string> seen;
  std::string out;
  for (const auto& c : categories) {
    std::string lower;
    for (const char ch : c)
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    bool dup = false;
    for (const auto& s : seen) dup = dup || s == lower;
    if (dup) continue;
    seen.push_back(lower);
    if (!out.empty()) out += '/';
    out += lower;
  }
  return out;
}

std::map<std::string, std::string> placeholders(const JekyllUrlInput& in) {
  const std::string title =
      jekyll_slugify(in.slug.empty() ? in.basename : in.slug, SlugMode::kPretty, true);
  const std::string slug =
      jekyll_slugify(in.slug.empty() ? in.basename : in.slug, SlugMode::kDefault, false);
  const LocalDate& d = in.date;
  return {
      {"year", std::to_string(d.year)},
      {"month", two(d.month)},
      {"day", two(d.day)},
      {"hour", two(d.hour)},
      {"minute", two(d.minute)},
      {"second", two(d.second)},
      {"i_day", std::to_string(d.day)},
      {"i_month", std::to_string(d.month)},
      {"short_year", two(d.year % 100)},
      {"y_day", strf(d, "%j")},
      {"week", strf(d, "%V")},
      {"w_year", strf(d, "%G")},
      {"w_day", strf(d, "%u")},
      {"short_day", strf(d, "%a")},
      {"long_day", strf(d, "%A")},
      {"short_month", strf(d, "%b")},
      {"long_month", strf(d, "%B")},
      {"title", title},
      {"slug", slug},
      {"name", jekyll_slugify(in.basename, SlugMode::kDefault, false)},
      {"categories", categories_path(in.categories)},
      {"output_ext", in.output_ext},
      {"collection", in.collection},
      {"path", in.path},
  };
}

// Collapses "//" runs left by empty placeholders (":categories" with no categories).
std::string squeeze_slashes(const std::string& url) {
  std::string out;
  for (const char c : url) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
  return out;
}

}  // namespace

std::int64_t utc_seconds(const LocalDate& d) {
  std::tm t{};
  t.tm_year = d.year - 1900;
  t.tm_mon = d.month - 1;
  t.tm_mday = d.day;
  t.tm_hour = d.hour;
  t.tm_min = d.minute;
  t.tm_sec = d.second;
  return static_cast<std::int64_t>(timegm(&t));
}

std::string jekyll_slugify(std::string_view input, SlugMode mode, bool cased) {
  std::string out;
  bool dash = false;
  const std::string_view keep = mode == SlugMode::kPretty ? "._~!$&'()+,;=@" : "";
  for (const char ch : input) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_alnum(c) || keep.find(ch) != std::string_view::npos) {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += cased ? ch : static_cast<char>(std::tolower(c));
    } else {
      dash = true;
    }
  }
  return out;
}

std::string jekyll_url(const JekyllUrlInput& input) {
  const std::string pattern = expand_style(input.pattern.empty() ? "date" : input.pattern);
  const auto values = placeholders(input);
  std::string url;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] != ':') {
      url += pattern[i++];
      continue;
    }
    std::size_t j = i + 1;
    while (j < pattern.size() &&
           (std::isalnum(static_cast<unsigned char>(pattern[j])) || pattern[j] == '_'))
      ++j;
    // Longest placeholder name that is known ("output_ext" before "output").
    std::string name = pattern.substr(i + 1, j - i - 1);
    while (!name.empty() && values.find(name) == values.end()) name.pop_back();
    if (name.empty()) {
      url += pattern[i++];
      continue;
    }
    url += values.at(name);
    i += 1 + name.size();
  }
  return escape_url_path(squeeze_slashes(url));
}

std::string jekyll_permalink_suffix(std::string url_template, std::string_view style) {
  const auto ends_with = [&](std::string_view end) {
    return style.size() >= end.size() && style.substr(style.size() - end.size()) == end;
  };
  if (style == "pretty") return url_template + "/";
  if (style == "date" || style == "ordinal" || style == "none") return url_template + ":output_ext";
  if (ends_with("/")) url_template += "/";
  if (ends_with(":output_ext")) url_template += ":output_ext";
  return url_template;
}

std::string jekyll_page_url(const JekyllPageUrlInput& in) {
  std::string url = in.permalink;
  if (url.empty()) {
    url = in.basename == "index"
              ? std::string("/:path/")
              : jekyll_permalink_suffix("/:path/:basename", in.style.empty() ? "date" : in.style);
  }
  // URL#generate_url_from_hash: each placeholder in turn, every occurrence.
  const std::pair<std::string_view, const std::string*> values[] = {
      {":path", &in.dir}, {":basename", &in.basename}, {":output_ext", &in.output_ext}};
  for (const auto& [key, value] : values) {
    if (url.find(':') == std::string::npos) break;
    for (std::size_t at = url.find(key); at != std::string::npos;
         at = url.find(key, at + value->size())) {
      url.replace(at, key.size(), *value);
    }
  }
  // URL#sanitize_url: "/" in front, ".." to "/", "./" dropped, runs of "/" squeezed.
  url.insert(url.begin(), '/');
  for (std::size_t at = url.find(".."); at != std::string::npos; at = url.find("..", at + 1))
    url.replace(at, 2, "/");
  for (std::size_t at = url.find("./"); at != std::string::npos; at = url.find("./", at))
    url.erase(at, 2);
  return escape_url_path(squeeze_slashes(url));
}

std::string join_url(std::string_view base, std::string_view path) {
  std::string b(base);
  while (!b.empty() && b.back() == '/') b.pop_back();
  if (!b.empty() && b.front() != '/') b.insert(b.begin(), '/');
  if (path.empty() || path.front() != '/') b += '/';
  b += path;
  return b;
}

std::string escape_url_path(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || ch == '#' || ch == '?' || ch == '%' || ch == '"' || ch == '<' ||
        ch == '>' || ch == '\\' || ch == '^' || ch == '`' || ch == '{' || ch == '|' || ch == '}') {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace postsearch
