#include "indexer/liquid_values.h"

#include <utf8proc.h>

#include <charconv>
#include <cmath>

#include "common/text.h"
#include "indexer/liquid_template.h"

namespace postsearch::liquid {

bool truthy(const json& j) { return !j.is_null() && !(j.is_boolean() && !j.get<bool>()); }

std::string number_text(const json& j) {
  if (!j.is_number_float()) return j.dump();
  const double d = j.get<double>();
  if (!std::isfinite(d)) return d > 0 ? "Infinity" : d < 0 ? "-Infinity" : "NaN";
  char b[64];
  const auto r = std::to_chars(b, b + sizeof b, d);
  std::string s(b, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// Ruby's to_s as Liquid prints a value; hashes are left out.
void append_text(const json& j, std::string& out) {
  if (j.is_string()) {
    out += j.get_ref<const std::string&>();
  } else if (j.is_number()) {
    out += number_text(j);
  } else if (j.is_boolean()) {
    out += j.get<bool>() ? "true" : "false";
  } else if (j.is_array()) {
    for (const auto& e : j) append_text(e, out);
  }
}

std::string to_text(const json& j) {
  std::string s;
  append_text(j, s);
  return s;
}

std::optional<double> to_number(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (!j.is_string()) return std::nullopt;
  const std::string& s = j.get_ref<const std::string&>();
  double d = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (r.ec != std::errc()) return std::nullopt;
  return d;
}

json number_json(double d, bool integral) {
  if (integral && std::abs(d) < 9e15) return static_cast<long long>(d);
  return d;
}

namespace {

// Calls f(code point, its bytes) for each code point of `s`; an invalid byte is -1.
template <typename F>
void for_each_code_point(std::string_view s, F f) {
  std::size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                    static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    const std::size_t len = n <= 0 ? 1 : static_cast<std::size_t>(n);
    f(n <= 0 ? -1 : cp, s.substr(i, len));
    i += len;
  }
}

}  // namespace

// Lower/upper case per code point (Ruby's String#downcase/upcase).
std::string map_case(std::string_view s, bool upper) {
  std::string out;
  for_each_code_point(s, [&](utf8proc_int32_t cp, std::string_view bytes) {
    if (cp < 0) {
      out += bytes;
      return;
    }
    utf8proc_uint8_t b[4];
    const auto m = utf8proc_encode_char(upper ? utf8proc_toupper(cp) : utf8proc_tolower(cp), b);
    out.append(reinterpret_cast<const char*>(b), static_cast<std::size_t>(m));
  });
  return out;
}

std::size_t char_count(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Liquid's strip_html: script, style and comments go with their content; other tags go.
std::string strip_html(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '<') {
      out += s[i++];
      continue;
    }
    std::string_view close = ">";
    const std::string lower = map_case(s.substr(i, 8), false);
    if (lower.rfind("<!--", 0) == 0) close = "-->";
    if (lower.rfind("<script", 0) == 0) close = "</script>";
    if (lower.rfind("<style", 0) == 0) close = "</style>";
    std::size_t end = std::string_view::npos;
    if (close.size() > 3) {
      const std::string rest = map_case(s.substr(i), false);
      end = rest.find(close);
    } else {
      end = s.find(close, i + 1);
    }
    if (end == std::string_view::npos) {
      out += s[i++];
      continue;
    }
    i = end + close.size();
  }
  return out;
}

// "2023-12-25", "2023-12-25 10:30:00 +0100", "2023-12-25T10:30:00Z", "now", or seconds since
// the epoch, as the wall-clock time it names.
std::optional<std::tm> to_time(const json& j) {
  std::tm tm{};
  if (j.is_number()) {
    const auto t = static_cast<std::time_t>(j.get<double>());
    gmtime_r(&t, &tm);
    return tm;
  }
  if (!j.is_string()) return std::nullopt;
  const std::string& s = j.get_ref<const std::string&>();
  if (s == "now" || s == "today") {
    const std::time_t t = std::time(nullptr);
    gmtime_r(&t, &tm);
    return tm;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec);
  if (n < 3 || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const std::time_t t = timegm(&tm);  // fills the weekday and day of the year
  gmtime_r(&t, &tm);
  return tm;
}

json format_date(const json& input, const std::string& format) {
  const auto tm = to_time(input);
  if (!tm) return input;
  if (format.empty()) return input;
  char b[512];
  const std::size_t n = std::strftime(b, sizeof b, format.c_str(), &*tm);
  return std::string(b, n);
}

bool is_absolute_url(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  return std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(colon),
                     [](char c) { return ident_char(c) || c == '+' || c == '.'; });
}

namespace {

// What Addressable's normalize does to a path that matters here: spaces, quotes, angle
// brackets and bytes outside ASCII are percent-encoded.
std::string encode_path(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F || std::string_view("\"<>`{}|\\^").find(c) != std::string::npos) {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

namespace {

// Jekyll's slugify (mode "default"): runs of anything but letters, marks and digits become
// one '-', trimmed, lower case.
std::string slugify(std::string_view s) {
  std::string out;
  for_each_code_point(s, [&](utf8proc_int32_t cp, std::string_view bytes) {
    const auto cat = cp < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_category(cp);
    if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME) ||
        cat == UTF8PROC_CATEGORY_ND) {
      out += bytes;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  });
  while (!out.empty() && out.back() == '-') out.pop_back();
  return map_case(out, false);
}

}  // namespace

// Jekyll's relative_url: the site's baseurl (without a trailing slash) before the path,
// each with a leading slash.
std::string relative_url(const json& site, const std::string& input) {
  if (is_absolute_url(input)) return input;
  auto with_slash = [](std::string s) { return s.empty() || s[0] == '/' ? s : "/" + s; };
  std::string base = site.contains("baseurl") ? to_text(site["baseurl"]) : "";
  if (!base.empty() && base.back() == '/') base.pop_back();
  return encode_path(with_slash(base) + with_slash(input));
}

std::string absolute_url(const json& site, const std::string& input) {
  if (is_absolute_url(input)) return input;
  const std::string url = site.contains("url") ? to_text(site["url"]) : "";
  return url + relative_url(site, input);
}

json split(const std::string& s, const std::string& sep) {
  json out = json::array();
  if (sep.empty()) {
    for (std::size_t i = 0; i < s.size();) {
      std::size_t n = 1;
      while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
      out.push_back(s.substr(i, n));
      i += n;
    }
    return out;
  }
  std::size_t start = 0;
  for (std::size_t p = s.find(sep); p != std::string::npos; p = s.find(sep, start)) {
    out.push_back(s.substr(start, p - start));
    start = p + sep.size();
  }
  out.push_back(s.substr(start));
  while (!out.empty() && out.back().get_ref<const std::string&>().empty())
    out.erase(out.size() - 1);
  return out;
}

std::string replace(std::string s, const std::string& from, const std::string& to, bool all) {
  if (from.empty()) return s;
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
    if (!all) break;
  }
  return s;
}

const std::map<std::string, StringFilter>& string_filters() {
  static const std::map<std::string, StringFilter> kFilters = {
      {"upcase", [](const std::string& s) { return map_case(s, true); }},
      {"downcase", [](const std::string& s) { return map_case(s, false); }},
      {"capitalize",
       [](const std::string& s) {
         const std::string lower = map_case(s, false);
         std::size_t n = 1;
         while (n < lower.size() && (static_cast<unsigned char>(lower[n]) & 0xC0) == 0x80) ++n;
         return map_case(std::string_view(lower).substr(0, n), true) + lower.substr(n);
       }},
      {"strip", [](const std::string& s) { return text::trim(s); }},
      {"lstrip",
       [](const std::string& s) {
         std::size_t n = 0;
         while (n < s.size() && is_space(s[n])) ++n;
         return s.substr(n);
       }},
      {"rstrip",
       [](const std::string& s) {
         std::string out = s;
         while (!out.empty() && is_space(out.back())) out.pop_back();
         return out;
       }},
      {"strip_html", [](const std::string& s) { return strip_html(s); }},
      {"strip_newlines",
       [](const std::string& s) {
         std::string out;
         for (const char c : s) {
           if (c != '\n' && c != '\r') out += c;
         }
         return out;
       }},
      {"escape", [](const std::string& s) { return text::html_escape(s); }},
      {"xml_escape", [](const std::string& s) { return text::html_escape(s); }},
      {"markdownify", [](const std::string& s) { return s; }},
      {"slugify", [](const std::string& s) { return slugify(s); }},
      {"date_to_string",
       [](const std::string& s) { return to_text(format_date(json(s), "%d %b %Y")); }},
      {"date_to_long_string",
       [](const std::string& s) { return to_text(format_date(json(s), "%d %B %Y")); }},
  };
  return kFilters;
}

}  // namespace postsearch::liquid
