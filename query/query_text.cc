#include "query/query_text.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <set>
#include <sstream>

#include "common/schema.h"
#include "common/text.h"
#include "common/version.h"
#include "query/query_builder.h"

namespace postsearch::query_text {
namespace {

// Splits on spaces outside quotes.
std::vector<std::string> tokens_of(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (const char c : s) {
    if (c == '"') quoted = !quoted;
    if (c == ' ' && !quoted) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

// The token without the operators and brackets around it: `+(3.3)` -> `3.3`; `at` and
// `end` delimit it in the token.
std::string_view token_core(std::string_view token, std::size_t& at, std::size_t& end) {
  at = 0;
  while (at < token.size() && std::strchr("+-(", token[at]) != nullptr) ++at;
  end = token.size();
  while (end > at && std::strchr("),;!?", token[end - 1]) != nullptr) --end;
  return token.substr(at, end - at);
}

// Calls f(token, quoted) for each space-separated token, `quoted` when it begins inside a
// phrase.
template <typename F>
void for_each_token(const std::string& s, F f) {
  bool quoted = false;
  for (const std::string& token : text::split(s, ' ')) {
    f(token, quoted);
    quoted ^= std::count(token.begin(), token.end(), '"') % 2 == 1;
  }
}

bool is_field_name(std::string_view name) {
  if (name == schema::kVersionField) return true;
  for (const auto& f : schema::kTextFields) {
    if (!f.name.empty() && f.name == name) return true;
  }
  for (const auto& f : schema::kFilterFields) {
    if (f.name == name) return true;
  }
  return false;
}

bool is_cjk(utf8proc_int32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0x1100 && c <= 0x11FF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFF66 && c <= 0xFF9F) || (c >= 0x20000 && c <= 0x2FA1F);
}

bool is_word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (static_cast<unsigned char>(c) & 0x80) != 0;
}

bool has_cjk(std::string_view word) {
  for (std::size_t i = 0; i < word.size();) {
    utf8proc_int32_t c = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(word.data() + i),
                                    static_cast<utf8proc_ssize_t>(word.size() - i), &c);
    if (n > 0 && is_cjk(c)) return true;
    i += n > 0 ? static_cast<std::size_t>(n) : 1;
  }
  return false;
}

bool is_operator(std::string_view token) {
  return token == "AND" || token == "OR" || token == "NOT" || token == "XOR" ||
         token.rfind("NEAR", 0) == 0 || token.rfind("ADJ", 0) == 0;
}

}  // namespace

// Removes control characters and repairs UTF-8; caps the length.
std::string sanitise(std::string_view input, std::vector<std::string>& warnings) {
  std::string s = text::repair_utf8(input).text;
  if (s.size() > kMaxQueryBytes) {
    s = text::truncate_utf8(s, kMaxQueryBytes);
    warnings.push_back("query cut to " + std::to_string(kMaxQueryBytes) + " bytes");
  }
  std::string out;
  for (const char c : s) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  return out;
}

// Takes after:, before: and year: out of the text into `parsed`; returns the rest.
std::string extract_dates(const std::string& s, ParsedQuery& parsed) {
  std::string rest;
  for (const auto& tok : tokens_of(s)) {
    bool taken = false;
    if (starts_with(tok, "after:") || starts_with(tok, "before:")) {
      const bool after = starts_with(tok, "after:");
      const std::string v = tok.substr(after ? 6 : 7);
      const auto bound = parse_date_bound(v, false);  // before: is exclusive of its period
      if (bound) {
        (after ? parsed.dates.from : parsed.dates.to) = bound;
      } else {
        parsed.warnings.push_back("ignored " + tok +
                                  ": expected a date such as 2023, 2023-04 or 2023-04-05");
      }
      taken = true;
    } else if (starts_with(tok, "year:")) {
      const std::string v = tok.substr(5);
      const auto dots = v.find("..");
      if (dots != std::string::npos) {
        const auto from = parse_date_bound(v.substr(0, dots), false);
        const auto to = parse_date_bound(v.substr(dots + 2), true);
        if ((from || dots == 0) && (to || dots + 2 == v.size())) {
          if (from) parsed.dates.from = from;
          if (to) parsed.dates.to = to;
        } else {
          parsed.warnings.push_back("ignored " + tok + ": expected year:2020..2022");
        }
      } else if (v.size() == 4 && std::all_of(v.begin(), v.end(), ::isdigit)) {
        parsed.years.push_back(v);
      } else {
        parsed.warnings.push_back("ignored " + tok + ": expected a year such as year:2022");
      }
      taken = true;
    }
    if (!taken) rest += (rest.empty() ? "" : " ") + tok;
  }
  return rest;
}

// Closes an unbalanced quote and drops unbalanced parentheses.
std::string balance(const std::string& s, std::vector<std::string>& warnings) {
  std::string out = s;
  if (std::count(out.begin(), out.end(), '"') % 2 == 1) {
    out += '"';
    warnings.push_back("closed an unbalanced quote");
  }
  int depth = 0;
  std::string fixed;
  bool in_quote = false;
  for (const char c : out) {
    if (c == '"') in_quote = !in_quote;
    if (!in_quote && c == '(') ++depth;
    if (!in_quote && c == ')') {
      if (depth == 0) continue;
      --depth;
    }
    fixed += c;
  }
  if (depth > 0) {
    fixed.append(static_cast<std::size_t>(depth), ')');
  }
  if (fixed != out) warnings.push_back("balanced the parentheses");
  return fixed;
}

// Writes each plain word of `s` that is a version (outside quotes, not a field's value), and
// each version:VALUE, as version:NUMBER or version:NUMBER_SUFFIX, the form the
// VersionProcessor is given whole (Xapian drops "version:3.4.0-rc1").
// `last_is_version`: the text ends with one (Xapian drops a field's value that it takes as
// a prefix being typed, so that word must be taken as typed in full).
std::string mark_versions(const std::string& s, bool& last_is_version) {
  std::vector<std::string> out;
  for_each_token(s, [&](const std::string& token, bool quoted) {
    last_is_version = false;
    std::size_t at = 0;
    std::size_t end = 0;
    std::string_view word = token_core(token, at, end);
    const std::string field = std::string(schema::kVersionField) + ":";
    const bool named = word.rfind(field, 0) == 0;  // typed as version:3.3
    if (named) word.remove_prefix(field.size());
    const auto v =
        quoted || token.find('"') != std::string::npos || word.find(':') != std::string_view::npos
            ? std::nullopt
            : version::parse_word(word);
    if (!v) {
      out.push_back(token);
      last_is_version = named && !quoted;
      return;
    }
    out.push_back(
        token.substr(0, at) + std::string(schema::kVersionField) + ":" + v->number +
        (v->suffix.empty() ? "" : "_" + v->suffix) +
        std::string(static_cast<std::size_t>(std::count(
                        token.begin() + static_cast<std::ptrdiff_t>(end), token.end(), ')')),
                    ')'));
    last_is_version = true;
  });
  return text::join(out, " ");
}

// A field the query names that cannot be searched (unknown, or without a value) is searched
// as words: says so, rather than answer with a silent zero.
void warn_about_fields(const std::string& s, std::vector<std::string>& warnings) {
  for_each_token(s, [&](const std::string& token, bool quoted) {
    std::size_t at = 0;
    std::size_t end = 0;
    const std::string_view core = token_core(token, at, end);
    const std::size_t colon = core.find(':');
    if (quoted || colon == std::string_view::npos || colon == 0) return;
    const std::string_view name = core.substr(0, colon);
    const std::string_view value = core.substr(colon + 1);
    const bool word = std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    });
    // Not a field: a URL (`https://`), a scoped identifier (`std::vector`, `Foo::bar`).
    if (!word || value.rfind("//", 0) == 0 || value.rfind(':', 0) == 0) return;
    if (!is_field_name(name)) {
      warnings.push_back("`" + std::string(name) +
                         ":` is not a field (title, heading, description, author, tag, "
                         "category, lang, type, id, url, version); searched as words");
    } else if (value.empty() || value == "\"\"") {
      warnings.push_back("`" + std::string(name) + ":` has no value; searched as a word");
    }
  });
}

// The words of a query that a spelling correction may replace: runs of letters (an
// apostrophe inside one, as in "don't", belongs to it) as Xapian splits them
// ("strings.Contains" is two words), outside field values and operators; not runs next to
// digits (versions, "p429", "utf8"), nor CJK text.
std::vector<WordSpan> correctable_words(const std::string& s) {
  std::vector<WordSpan> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = s.find(' ', i);
    if (end == std::string::npos) end = s.size();
    const std::string_view token(s.data() + i, end - i);
    if (token.find(':') == std::string_view::npos && !is_operator(token)) {
      for (std::size_t a = i; a < end;) {
        std::size_t b = a;
        while (b < end &&
               (std::isalnum(static_cast<unsigned char>(s[b])) != 0 || is_word_byte(s[b]) ||
                (s[b] == '\'' && b > a && b + 1 < end && is_word_byte(s[b + 1])))) {
          ++b;
        }
        const std::string_view word(s.data() + a, b - a);
        const bool digits =
            std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (b > a && !digits && !has_cjk(word)) out.push_back({a, b});
        a = b == a ? a + 1 : b;
      }
    }
    i = end + 1;
  }
  return out;
}

// Puts each run of CJK characters outside quotes in parentheses. Xapian 1.4.22's parser
// rejects "a 京都 b" with FLAG_CJK_NGRAM but accepts "a (京都) b", which means the same.
std::string wrap_cjk_runs(const std::string& s) {
  std::string out;
  bool in_run = false;
  bool quoted = false;
  std::size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t c = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                              static_cast<utf8proc_ssize_t>(s.size() - i), &c);
    if (n <= 0) n = 1;
    if (c == '"') quoted = !quoted;
    const bool cjk = !quoted && is_cjk(c);
    if (cjk && !in_run) out += '(';
    if (!cjk && in_run) out += ')';
    in_run = cjk;
    out.append(s, i, static_cast<std::size_t>(n));
    i += static_cast<std::size_t>(n);
  }
  if (in_run) out += ')';
  return out;
}

std::string words_only(const std::string& s) {
  std::string out;
  for (const char c : s) {
    out += std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                   (static_cast<unsigned char>(c) & 0x80) != 0
               ? c
               : ' ';
  }
  return out;
}

int days_in_month(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Languages that write every noun with a capital: there a capital does not mark a name,
// and Xapian's STEM_SOME (which leaves capitalised words unstemmed) would stem no noun.
bool capitalises_nouns(const std::string& lang) {
  const std::string base = text::fold_case(lang.substr(0, lang.find_first_of("-_")));
  return base == "de" || base == "lb";
}

// The query with its words in lower case, but for the operator words (AND, OR, NEAR/3...).
std::string lower_words(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    const bool op = word == "AND" || word == "OR" || word == "NOT" || word == "XOR" ||
                    word == "NEAR" || word == "ADJ" || word.rfind("NEAR/", 0) == 0 ||
                    word.rfind("ADJ/", 0) == 0;
    out += op ? word : text::fold_case(word);
    if (end < text.size()) out += ' ';
    start = end + 1;
  }
  return out;
}

}  // namespace postsearch::query_text

namespace postsearch {

std::optional<double> parse_date_bound(std::string_view v, bool end_of) {
  int y = 0;
  int m = 0;
  int d = 0;
  const std::string s(v);
  int fields = 0;
  char tail = 0;
  if (s.size() == 4) fields = std::sscanf(s.c_str(), "%4d%c", &y, &tail) == 1 ? 1 : 0;
  if (s.size() == 7) fields = std::sscanf(s.c_str(), "%4d-%2d%c", &y, &m, &tail) == 2 ? 2 : 0;
  if (s.size() == 10)
    fields = std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 ? 3 : 0;
  if (fields == 0 || y < 1 || (fields >= 2 && (m < 1 || m > 12)) ||
      (fields == 3 && (d < 1 || d > query_text::days_in_month(y, m)))) {
    return std::nullopt;  // 2023-02-30 is no date, not 2023-03-02
  }
  std::tm t{};
  t.tm_year = y - 1900 + (end_of && fields == 1 ? 1 : 0);
  t.tm_mon = fields >= 2 ? m - 1 + (end_of && fields == 2 ? 1 : 0) : 0;
  t.tm_mday = fields == 3 ? d + (end_of ? 1 : 0) : 1;
  return static_cast<double>(timegm(&t));
}

}  // namespace postsearch
