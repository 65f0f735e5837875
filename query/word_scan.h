// Words as Xapian 1.4's TermGenerator reads them from text, for the highlighter
// (query/highlight.h): characters decoded as Xapian's Utf8Iterator decodes them, word
// characters lower-cased as Xapian's Unicode tables say, and a word's extent with its infixes
// ("don't", "3.12"), acronyms ("U.S.") and suffixes ("C++"). ASCII is read a byte at a time
// through a table; other characters through Xapian's tables.
// Errors: none; any bytes are accepted (a byte that starts no valid sequence is a character
// of that value, as Xapian reads it). Threads: pure functions.
#pragma once

#include <xapian.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace postsearch::words {

// One character as Xapian's Utf8Iterator reads it from `text` (which ends where Xapian's
// iterator would stop): its code point and its length in bytes. A byte that does not
// start a valid sequence is one character of that value.
struct Char {
  unsigned ch;
  std::size_t len;
};

// A character of two or more bytes (or an invalid byte).
[[nodiscard]] Char decode_multibyte(std::string_view text, std::size_t pos);

inline Char decode(std::string_view text, std::size_t pos) {
  const auto b = static_cast<unsigned char>(text[pos]);
  if (b < 0x80) return {b, 1};
  return decode_multibyte(text, pos);
}

[[nodiscard]] bool is_wordchar_multibyte(unsigned ch);
[[nodiscard]] unsigned word_lower_multibyte(unsigned ch);

// Each ASCII character's lower case when it is a word character, else 0.
constexpr std::array<unsigned char, 128> kAsciiWordLower = [] {
  std::array<unsigned char, 128> t{};
  for (unsigned c = 0; c < 128; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
      t[c] = static_cast<unsigned char>(c);
    if (c >= 'A' && c <= 'Z') t[c] = static_cast<unsigned char>(c - 'A' + 'a');
  }
  return t;
}();

inline bool is_ascii_wordchar(unsigned ch) { return kAsciiWordLower[ch] != 0; }

inline bool is_wordchar(unsigned ch) {
  return ch < 0x80 ? is_ascii_wordchar(ch) : is_wordchar_multibyte(ch);
}

// The lower-case form of a word character, or 0 for any other.
inline unsigned word_lower(unsigned ch) {
  return ch < 0x80 ? kAsciiWordLower[ch] : word_lower_multibyte(ch);
}

// Appends code point `ch` to `s` as UTF-8.
void append(std::string& s, unsigned ch);

// Whether `text` holds a character of a script Xapian may split into n-grams rather than
// words (CJK, Thai and the like).
[[nodiscard]] bool needs_ngrams(std::string_view text);

// The word that starts at `pos` (where `ch`, the lower case of its first character, is),
// as Xapian's TermGenerator reads it: into `term`; returns where it ends.
std::size_t read_word(std::string_view text, std::size_t pos, unsigned ch, std::string& term);

// Calls action(word, end) for each word of `text` until it returns false.
template <typename Action>
void for_each_word(std::string_view text, Action&& action) {
  std::string term;
  std::size_t pos = 0;
  while (true) {
    unsigned ch = 0;
    while (true) {
      if (pos >= text.size()) return;
      const Char c = decode(text, pos);
      ch = word_lower(c.ch);
      if (ch != 0) break;
      pos += c.len;
    }
    pos = read_word(text, pos, ch, term);
    if (!action(term, pos)) return;
  }
}

}  // namespace postsearch::words
