// A hit's text with the query's words marked, and the excerpt of a long text that holds them
// best: the text Xapian's MSet::snippet() returns for the same arguments (Xapian 1.4's
// algorithm: the same words found, the same window chosen, the same marks), at a fraction
// of its cost.
//
// MSet::snippet() walks the query, hashes its terms and looks up their weights at every
// call, and a page of ten hits makes about twenty calls with one query; it also decodes
// every character through Xapian's Unicode tables. A Highlighter reads the query once per
// search, reads ASCII a byte at a time, and hashes only the words that start as a query
// term does. Text holding a character of a script Xapian splits into n-grams (CJK, Thai and the
// like) is handed to MSet::snippet() itself, and so are flags other than
// SNIPPET_EXHAUSTIVE, SNIPPET_EMPTY_WITHOUT_MATCH and SNIPPET_CJK_NGRAM, and an MSet
// without statistics. A unit test compares the two on thousands of texts and queries.
//
// Errors: none of its own; Xapian exceptions propagate. Any bytes are accepted (invalid
// UTF-8 is read as Xapian reads it: a byte a character). Ownership: holds a handle on the
// MSet, as Xapian's handles do. Threads: one per search, on the searcher's thread.
#pragma once

#include <xapian.h>

#include <bitset>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace postsearch {

struct HighlightMarks {
  std::string open = "<mark>";
  std::string close = "</mark>";
  std::string omit = "…";  // where the excerpt cuts a sentence
};

// What MSet::snippet() reads besides its arguments.
struct HighlightSource {
  Xapian::MSet mset;     // the match: its statistics weigh the words
  Xapian::Query ran;     // the query that match ran (the weights' range comes from its terms)
  Xapian::Query latest;  // the query its Enquire holds when the snippets are made, which a
                         // later run may have changed: the words marked are this one's
};

// The stemmer, as MSet::snippet() takes it, and what is known of it.
struct HighlightStemmer {
  Xapian::Stem stem;
  // It changes only the ends of words (Snowball's English, French, German...): the stem of
  // an ASCII word starts with the word's first letter, so a word whose first letter starts
  // no query stem is not stemmed.
  bool keeps_first_letter = false;
};

class Highlighter {
 public:
  Highlighter(HighlightSource source, HighlightStemmer stemmer, HighlightMarks marks = {});
  ~Highlighter();
  Highlighter(const Highlighter&) = delete;
  Highlighter& operator=(const Highlighter&) = delete;

  // What mset.snippet(text, length, stemmer, flags, open, close, omit) returns.
  [[nodiscard]] std::string snippet(const std::string& text, std::size_t length,
                                    unsigned flags = 0);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Index = std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>>;

  void read_query(const Xapian::Query& query);
  void weigh_terms(const Xapian::Query& ran);
  // The term's weight in the match's statistics; nullopt when it is not among them (or
  // there are none: then delegate_ is set).
  [[nodiscard]] std::optional<double> weight_of(const std::string& term);
  [[nodiscard]] bool may_stem_to_query(const std::string& word) const;
  static Index::const_iterator find(const Index& index, const std::bitset<256>& starts,
                                    const std::string& key);
  struct WordMatch;
  void start_call();
  [[nodiscard]] bool ends_phrase(const std::vector<std::string>& terms,
                                 const std::string& term) const;
  [[nodiscard]] WordMatch match_word(const std::string& term);

  // What snippet() works in, kept from call to call so that its buffers are allocated once.
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;

  Xapian::MSet mset_;
  HighlightStemmer stemmer_;
  HighlightMarks marks_;
  bool delegate_ = false;  // MSet::snippet() answers every call

  // The query's parts, as MSet::snippet() sees them.
  std::vector<std::string> loose_terms_;           // single terms, each once
  std::vector<std::vector<std::string>> phrases_;  // tight phrases of terms
  std::vector<std::string> wildcards_;             // patterns
  std::size_t longest_phrase_ = 0;
  double min_weight_ = 0;
  double max_weight_ = 0;

  // Each loose term the statistics know, by its text (`words_`) or, for a "Z" term, by the
  // stem after the "Z" (`stems_`); the values index `loose_relevance_`.
  Index words_;
  Index stems_;
  std::bitset<256> word_starts_;         // the first bytes of words_'s keys
  std::bitset<256> stem_starts_;         // and of stems_'s
  std::vector<double> loose_relevance_;  // a term's relevance when a call starts
};

}  // namespace postsearch
