// The query language: turns what a person types into a Xapian::Query, using the schema's
// field table for prefixes. Plain words, "phrases", OR, AND, NOT, -word, +word,
// parentheses, field prefixes (title:, author:, heading:, description:, tag:,
// category:, lang:, id:), dates (after:2023-01, before:2024, year:2022, year:2020..2022),
// wildcards (word*) and the last word as a prefix while typing.
// Never throws for user input: broken syntax falls back to plain words, and problems come
// back as warnings. Not thread-safe (owns a QueryParser); one per thread. A
// CompletionMemo may be shared by the builders of many threads.
#pragma once

#include <xapian.h>

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "query/direct_map.h"

namespace postsearch {

inline constexpr std::size_t kMaxQueryBytes = 1024;
inline constexpr Xapian::termcount kMaxWildcardExpansion = 20;

struct DateRange {
  std::optional<double> from;  // inclusive, seconds since the epoch (UTC)
  std::optional<double> to;    // exclusive
};

struct ParsedQuery {
  Xapian::Query query;                // MatchAll when there are no words
  bool has_words = false;             // false: filters only
  std::size_t word_count = 0;         // words (not operators) in the text
  DateRange dates;                    // from after:, before:, year:
  std::vector<std::string> years;     // from year:YYYY
  std::vector<std::string> warnings;  // what was changed or ignored, in words
};

enum class DefaultOperator { kAnd, kOr };

// The completions of typed prefixes (the terms a prefix expands to) for one revision of an
// index, shared by the builders of the service's searchers: finding them walks every term
// with that start, once per revision rather than once per searcher. Its owner drops it with
// the revision (RevisionMemos). A DirectMap of kMaxPrefixes slots (direct_map.h): a new
// prefix takes the place of the one in its slot, so that the memo's memory, once it is
// warm, stays level (a memo emptied when full would grow and drop some MiB in a saw-tooth
// whose peaks set the heap's high water).
// Threads: safe from any thread.
class CompletionMemo {
 public:
  static constexpr std::size_t kMaxPrefixes = 4096;
  using Terms = std::shared_ptr<const std::vector<std::string>>;

  CompletionMemo() { known_.allocate(); }
  [[nodiscard]] Terms find(const std::string& prefix) const;  // null when not known
  void insert(const std::string& prefix, Terms terms);
  [[nodiscard]] std::size_t size() const;  // slots in use

 private:
  mutable std::mutex mutex_;
  DirectMap<Terms> known_{kMaxPrefixes};
  std::size_t used_ = 0;
};

struct ParseOptions {
  DefaultOperator op = DefaultOperator::kAnd;
  bool partial = true;  // the last word also matches as a prefix
};

// Parses "after:"/"before:" values: "2023", "2023-04", "2023-04-05". `end_of` gives the
// first second after the period instead of its first second.
[[nodiscard]] std::optional<double> parse_date_bound(std::string_view text, bool end_of);

// The completions of a word being typed as one synonym group, built so that its weight is
// the same in one database and in any shard layout (see query_builder.cc). Empty: none.
[[nodiscard]] Xapian::Query completion_group(const std::vector<std::string>& terms);

class QueryBuilder {
 public:
  // `db` gives spelling data and wildcard expansion; `lang` picks stemmer and stop words.
  // `completions`, when given, must be of the revision `db` has open.
  QueryBuilder(const Xapian::Database& db, const std::string& lang,
               std::shared_ptr<CompletionMemo> completions = nullptr);

  [[nodiscard]] ParsedQuery parse(std::string_view text, const ParseOptions& options);

  [[nodiscard]] const Xapian::Stem& stemmer() const { return stemmer_; }

  // stemmer()(word), remembered: snippets stem the words of every hit shown, and the same
  // words recur from page to page. The memo is a DirectMap (direct_map.h): it may forget.
  [[nodiscard]] std::string stem(const std::string& word);

  // Posts whose title has every word of `text`, and the post whose title is exactly
  // `text`: the known-item part of ranking. Empty when `text` has no plain words.
  [[nodiscard]] Xapian::Query title_query(std::string_view text);
  // The lift of a post whose whole title is the query (`term`: schema::exact_title_term),
  // the same weight whatever the post's length.
  [[nodiscard]] Xapian::Query exact_title_lift(const std::string& term) const;

  // The query with each word the index lacks replaced by the index's closest spelling (the
  // rest of the text as typed), or empty when no word changes. A word the index has is
  // never changed. Costs a spelling look-up per unknown word: ask only when nothing matched.
  [[nodiscard]] std::string correction(std::string_view text);

 private:
  std::optional<Xapian::Query> parse_with_fallbacks(const std::string& text, unsigned flags,
                                                    std::vector<std::string>& warnings);
  // The query with its last word being typed, or nullopt when that word is not a plain
  // ASCII word after the default operator (Xapian's FLAG_PARTIAL then does it).
  std::optional<ParsedQuery> parse_typing(const std::string& text, unsigned flags,
                                          Xapian::Query::op op,
                                          const std::vector<std::string>& warnings);
  // The most frequent words of the index that start with `prefix`, as one OP_SYNONYM;
  // remembered (the builder lives for one revision of the index: see Searcher::refresh).
  [[nodiscard]] Xapian::Query completions(const std::string& prefix);
  [[nodiscard]] Xapian::Query find_completions(const std::string& prefix) const;
  // The kMaxWildcardExpansion most frequent terms of the index that start with `prefix`.
  [[nodiscard]] std::vector<std::string> walk_completions(const std::string& prefix) const;

  [[nodiscard]] bool last_word_has_synonyms(const std::string& text) const;
  [[nodiscard]] bool has_synonyms(const std::string& word) const;
  // The index's spelling of `word` (case-folded) when the index lacks it; else "".
  [[nodiscard]] std::string correct_word(const std::string& word, bool last) const;

  Xapian::Database db_;
  Xapian::QueryParser parser_;
  std::set<std::string> stop_words_;  // of the query language: never "unknown"
  bool has_synonyms_ = false;         // the index has a synonym table
  Xapian::Stem stemmer_;
  std::string lang_;
  // Completions by prefix: a short prefix walks thousands of terms of the index, and the
  // words people type recur. A DirectMap, level in memory as the shared memo above.
  static constexpr std::size_t kMaxRemembered = 1024;
  DirectMap<Xapian::Query> completions_{kMaxRemembered};
  std::shared_ptr<CompletionMemo> shared_completions_;  // or null
  DirectMap<std::string> stems_{8192};
};

}  // namespace postsearch
