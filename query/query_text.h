// The rewrites a query's text goes through before Xapian's QueryParser reads it: control
// characters and broken UTF-8 repaired, date fields (after:, before:, year:) taken out,
// quotes and brackets balanced, versions marked for the version field, CJK runs grouped,
// operator words kept apart from words. Also the words a spelling correction may replace.
// Used by the query builder (query/query_builder.h) only.
// Errors: none; every text is accepted, what is dropped or changed is said in `warnings`.
// Threads: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch {

struct ParsedQuery;

namespace query_text {

// Removes control characters and repairs UTF-8; caps the length.
[[nodiscard]] std::string sanitise(std::string_view input, std::vector<std::string>& warnings);
// Takes after:, before: and year: out of the text into `parsed`; returns the rest.
[[nodiscard]] std::string extract_dates(const std::string& s, ParsedQuery& parsed);
// Closes an unbalanced quote and drops unbalanced parentheses.
[[nodiscard]] std::string balance(const std::string& s, std::vector<std::string>& warnings);
// Each plain word that is a version, and each version:VALUE, as the version field's value;
// `last_is_version`: the text ends with one.
[[nodiscard]] std::string mark_versions(const std::string& s, bool& last_is_version);
// Says which fields the text names that cannot be searched (they are searched as words).
void warn_about_fields(const std::string& s, std::vector<std::string>& warnings);

// A word of the query text, by its byte offsets.
struct WordSpan {
  std::size_t at;
  std::size_t end;
};
// The words of a query that a spelling correction may replace.
[[nodiscard]] std::vector<WordSpan> correctable_words(const std::string& s);

// Each run of CJK characters outside quotes in parentheses.
[[nodiscard]] std::string wrap_cjk_runs(const std::string& s);
// The text with each ASCII character but letters and digits made a space: its words alone.
[[nodiscard]] std::string words_only(const std::string& s);
// Days in `month` (1-12) of `year`, leap years counted.
[[nodiscard]] int days_in_month(int year, int month);
// Whether language `lang` writes every noun with a capital (German, Luxembourgish).
[[nodiscard]] bool capitalises_nouns(const std::string& lang);
// The query with its words in lower case, but for the operator words (AND, OR, NEAR/3...).
[[nodiscard]] std::string lower_words(const std::string& text);

}  // namespace query_text
}  // namespace postsearch
