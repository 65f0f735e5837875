#include "common/version.h"

#include <array>

namespace postsearch::version {
namespace {

constexpr std::size_t kMaxParts = 6;
constexpr std::size_t kMaxPartDigits = 9;
constexpr std::size_t kMaxSuffix = 24;
constexpr std::array<std::string_view, 6> kPreReleaseWords{"preview", "rc",  "beta",
                                                           "alpha",   "pre", "dev"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (static_cast<unsigned char>(c) & 0x80) != 0;
}
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The run of letters and digits at `at`, lower case (empty when none or too long).
std::string alnum_run(std::string_view text, std::size_t at) {
  std::size_t end = at;
  while (end < text.size() && is_alnum(text[end]) && (text[end] & 0x80) == 0) ++end;
  if (end == at || end - at > kMaxSuffix) return "";
  if (end < text.size() && (text[end] & 0x80) != 0) return "";
  std::string run;
  for (std::size_t i = at; i < end; ++i) run += lower(text[i]);
  return run;
}

bool is_pre_release_word(const std::string& word) {
  for (const std::string_view w : kPreReleaseWords) {
    if (word.compare(0, w.size(), w) != 0) continue;
    bool digits = true;
    for (std::size_t i = w.size(); i < word.size(); ++i) digits = digits && is_digit(word[i]);
    if (digits) return true;
  }
  return false;
}

// The dotted number starting at `at`, or empty when there is none of two parts or more.
std::string dotted_number(std::string_view text, std::size_t at, std::size_t& end) {
  std::size_t i = at;
  std::size_t parts = 0;
  while (true) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start || i - start > kMaxPartDigits) return "";
    ++parts;
    if (i + 1 < text.size() && text[i] == '.' && is_digit(text[i + 1]) && parts < kMaxParts) {
      ++i;
      continue;
    }
    break;
  }
  if (parts < 2) return "";
  end = i;
  return std::string(text.substr(at, i - at));
}

// The suffix after a number ending at `end`, and where the token ends.
std::string suffix_after(std::string_view text, std::size_t& end) {
  if (end >= text.size()) return "";
  const char c = text[end];
  if (is_alnum(c)) {  // "1.9.3p0"
    std::string run = alnum_run(text, end);
    if (!run.empty()) end += run.size();
    return run;
  }
  if (c == '-' || c == '+' || c == '_' || c == ' ') {
    std::string run = alnum_run(text, end + 1);
    if (run.empty() || (c == ' ' && !is_pre_release_word(run))) return "";
    end += 1 + run.size();
    return run;
  }
  return "";
}

// The version starting at `at`, or nullopt. `at` must not be inside a word or number.
std::optional<Version> version_at(std::string_view text, std::size_t at) {
  std::size_t i = at;
  if (text[i] == 'v' || text[i] == 'V') ++i;
  std::size_t end = 0;
  std::string number = i < text.size() ? dotted_number(text, i, end) : "";
  if (number.empty()) return std::nullopt;
  // "1.2.3.4.5.6.7" or "3.3.x": not a version we can name.
  if (end < text.size() && text[end] == '.' && end + 1 < text.size() && is_alnum(text[end + 1]))
    return std::nullopt;
  Version v;
  v.number = std::move(number);
  v.suffix = suffix_after(text, end);
  if (end < text.size() && is_alnum(text[end])) return std::nullopt;
  v.begin = at;
  v.end = end;
  return v;
}

}  // namespace

std::vector<Version> find(std::string_view text) {
  std::vector<Version> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const bool boundary = i == 0 || (!is_alnum(text[i - 1]) && text[i - 1] != '.');
    if (boundary && (is_digit(text[i]) || text[i] == 'v' || text[i] == 'V')) {
      if (auto v = version_at(text, i)) {
        i = v->end;
        out.push_back(std::move(*v));
        continue;
      }
    }
    while (i < text.size() && is_alnum(text[i])) ++i;  // the rest of this word
    if (i < text.size() && !is_alnum(text[i])) ++i;
  }
  return out;
}

std::optional<Version> parse_word(std::string_view word) {
  if (word.empty()) return std::nullopt;
  auto v = version_at(word, 0);
  if (!v || v->end != word.size()) return std::nullopt;
  return v;
}

std::vector<std::string> starts(const Version& v) {
  std::vector<std::string> out;
  for (std::size_t dot = v.number.find('.'); dot != std::string::npos;) {
    const std::size_t next = v.number.find('.', dot + 1);
    out.push_back(v.number.substr(0, next));
    dot = next;
  }
  return out;
}

std::string canonical(const Version& v) {
  std::string number = v.number;
  while (true) {
    const std::size_t last = number.rfind('.');
    if (last == std::string::npos || number.find('.') == last) break;  // two parts left
    if (number.compare(last, std::string::npos, ".0") != 0) break;
    number.resize(last);
  }
  return v.suffix.empty() ? number : number + "-" + v.suffix;
}

std::string canonical_text(std::string_view text) {
  std::string out;
  std::size_t at = 0;
  for (const Version& v : find(text)) {
    out.append(text.substr(at, v.begin - at));
    out += canonical(v);
    at = v.end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace postsearch::version
