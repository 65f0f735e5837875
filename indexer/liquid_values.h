// Values and text as Jekyll's Liquid sees them, for the indexer's renderer
// (indexer/liquid.h): truth, numbers and Ruby's to_s of JSON values; dates parsed and
// formatted as strftime does; Ruby's case mapping per code point; and the filters that
// take and give one string (upcase, strip_html, slugify...) with Jekyll's URL helpers.
// Errors: none; a value that is not what a helper expects gives null or the empty string,
// as Liquid does. Threads: pure functions.
#pragma once

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace postsearch::liquid {

using json = nlohmann::json;

// Liquid's truth: everything but null and false.
[[nodiscard]] bool truthy(const json& j);
// A number as Liquid prints it (integers without a point).
[[nodiscard]] std::string number_text(const json& j);
// Ruby's to_s as Liquid prints a value, appended to `out`; hashes are left out.
void append_text(const json& j, std::string& out);
[[nodiscard]] std::string to_text(const json& j);
[[nodiscard]] std::optional<double> to_number(const json& j);
[[nodiscard]] json number_json(double d, bool integral);
// Lower/upper case per code point (Ruby's String#downcase/upcase).
[[nodiscard]] std::string map_case(std::string_view s, bool upper);
// Code points in `s` (an invalid byte counts as one).
[[nodiscard]] std::size_t char_count(std::string_view s);
// Liquid's strip_html: script, style and comments go with their content; other tags go.
[[nodiscard]] std::string strip_html(std::string_view s);
// The wall-clock time a value names ("2023-12-25", "2023-12-25 10:30:00 +0100", "now",
// seconds since the epoch), or nullopt.
[[nodiscard]] std::optional<std::tm> to_time(const json& j);
// Liquid's date filter: the value formatted by strftime's `format`, or the value unchanged.
[[nodiscard]] json format_date(const json& input, const std::string& format);

// Whether `s` starts with a URL scheme ("https:", "mailto:").
[[nodiscard]] bool is_absolute_url(std::string_view s);
// Jekyll's relative_url and absolute_url over the site's baseurl and url.
[[nodiscard]] std::string relative_url(const json& site, const std::string& input);
[[nodiscard]] std::string absolute_url(const json& site, const std::string& input);
// Liquid's split: the parts of `s` between `sep`s as an array.
[[nodiscard]] json split(const std::string& s, const std::string& sep);
// Liquid's replace and replace_first.
[[nodiscard]] std::string replace(std::string s, const std::string& from, const std::string& to,
                                  bool all);

// The filters from one string to another, by name.
using StringFilter = std::string (*)(const std::string&);
[[nodiscard]] const std::map<std::string, StringFilter>& string_filters();

}  // namespace postsearch::liquid
