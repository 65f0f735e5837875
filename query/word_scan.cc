#include "query/word_scan.h"

#include <limits>

#include "common/text.h"

namespace postsearch::words {
namespace {

namespace uni = Xapian::Unicode;

constexpr unsigned kIgnore = std::numeric_limits<unsigned>::max();  // an infix to drop

bool is_ascii_upper(unsigned ch) { return ch >= 'A' && ch <= 'Z'; }

bool is_digit(unsigned ch) {
  if (ch < 0x80) return ch >= '0' && ch <= '9';
  return uni::get_category(ch) == uni::DECIMAL_DIGIT_NUMBER;
}

unsigned check_infix(unsigned ch) {
  if (ch == '\'' || ch == '&' || ch == 0xb7 || ch == 0x5f4 || ch == 0x2027) return ch;
  if (ch == 0x2019 || ch == 0x201b) return '\'';
  if (ch >= 0x200b && (ch <= 0x200d || ch == 0x2060 || ch == 0xfeff)) return kIgnore;
  return 0;
}

unsigned check_infix_digit(unsigned ch) {
  switch (ch) {
    case ',':
    case '.':
    case ';':
    case 0x037e:
    case 0x0589:
    case 0x060D:
    case 0x07F8:
    case 0x2044:
    case 0xFE10:
    case 0xFE13:
    case 0xFE14:
      return ch;
    default:
      break;
  }
  if (ch >= 0x200b && (ch <= 0x200d || ch == 0x2060 || ch == 0xfeff)) return kIgnore;
  return 0;
}

unsigned check_suffix(unsigned ch) { return ch == '+' || ch == '#' ? ch : 0; }

}  // namespace

// GCC cannot see that Utf8Iterator's operator* sets the length its operator++ reads.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
Char decode_multibyte(std::string_view text, std::size_t pos) {
  Xapian::Utf8Iterator it(text.data() + pos, text.size() - pos);
  const unsigned ch = *it;
  ++it;
  return {ch, (text.size() - pos) - it.left()};
}
#pragma GCC diagnostic pop

bool is_wordchar_multibyte(unsigned ch) { return Xapian::Unicode::is_wordchar(ch); }

unsigned word_lower_multibyte(unsigned ch) {
  return Xapian::Unicode::is_wordchar(ch) ? Xapian::Unicode::tolower(ch) : 0;
}

void append(std::string& s, unsigned ch) {
  if (ch < 0x80) {
    s.push_back(static_cast<char>(ch));
  } else {
    Xapian::Unicode::append_utf8(s, ch);
  }
}

// Scripts Xapian may split into n-grams rather than words (the ranges of every 1.4 release,
// widened): text holding one goes to MSet::snippet().
bool ngram_script(unsigned ch) { return ch >= 0x0E00 && !(ch >= 0x1E00 && ch < 0x2E80); }

bool needs_ngrams(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    pos = text::skip_ascii_blocks(text, pos);
    if (pos >= text.size()) break;
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const Char c = decode(text, pos);
    if (ngram_script(c.ch)) return true;
    pos += c.len;
  }
  return false;
}

namespace {
// Initials with dots ("U.S.", "P.T.O") starting at `pos`, an upper-case ASCII letter: the
// end of the acronym, or npos when there is none (one letter, or a word character after).
std::size_t read_acronym(std::string_view text, std::size_t pos, std::string& term) {
  const std::size_t n = text.size();
  std::size_t p = pos;
  do {
    const Char c = decode(text, p);
    append(term, c.ch < 0x80 ? word_lower(c.ch) : uni::tolower(c.ch));
    p += c.len;
  } while (p < n && text[p] == '.' && ++p < n && is_ascii_upper(decode(text, p).ch));
  if (term.size() > 1 && (p >= n || !is_wordchar(decode(text, p).ch))) return p;
  return std::string_view::npos;
}

// Up to three '+' or '#' after a word ("C++", "C#"), unless a word character follows.
std::size_t read_suffix(std::string_view text, std::size_t pos, std::string& term) {
  const std::size_t len = term.size();
  unsigned count = 0;
  for (unsigned ch = 0; (ch = check_suffix(decode(text, pos).ch)) != 0;) {
    if (++count > 3) {
      term.resize(len);
      break;
    }
    append(term, ch);
    if (++pos >= text.size()) return pos;
  }
  if (is_wordchar(decode(text, pos).ch)) term.resize(len);
  return pos;
}

}  // namespace

std::size_t read_word(std::string_view text, std::size_t pos, unsigned ch, std::string& term) {
  const std::size_t n = text.size();
  term.clear();
  if (is_ascii_upper(static_cast<unsigned char>(text[pos]))) {
    const std::size_t end = read_acronym(text, pos, term);
    if (end != std::string_view::npos) return end;
    term.clear();
  }
  while (true) {
    unsigned prev = 0;
    do {
      append(term, ch);
      prev = ch;
      pos += decode(text, pos).len;
      // The rest of a run of ASCII word characters (most words), a byte at a time.
      for (unsigned lower = 0;
           pos < n && static_cast<unsigned char>(text[pos]) < 0x80 &&
           (lower = kAsciiWordLower[static_cast<unsigned char>(text[pos])]) != 0;
           ++pos) {
        term.push_back(static_cast<char>(lower));
        prev = lower;
      }
      if (pos >= n) return pos;
      ch = word_lower(decode(text, pos).ch);
    } while (ch != 0);
    const Char here = decode(text, pos);
    const std::size_t next = pos + here.len;
    if (next >= n) break;
    const Char after = decode(text, next);
    const unsigned next_ch = word_lower(after.ch);
    if (next_ch == 0) break;
    const unsigned infix =
        is_digit(prev) && is_digit(after.ch) ? check_infix_digit(here.ch) : check_infix(here.ch);
    if (infix == 0) break;
    if (infix != kIgnore) append(term, infix);
    ch = next_ch;
    pos = next;
  }
  return read_suffix(text, pos, term);
}

}  // namespace postsearch::words
