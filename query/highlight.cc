#include "query/highlight.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <utility>

#include "common/text.h"

namespace postsearch {
namespace {

namespace uni = Xapian::Unicode;

constexpr unsigned kIgnore = std::numeric_limits<unsigned>::max();  // an infix to drop
constexpr double kDecay = 2.0;  // a repeated word's relevance, divided per repeat in view
constexpr std::size_t kMaxWordLength = 64;
constexpr unsigned kOwnFlags = Xapian::MSet::SNIPPET_EXHAUSTIVE |
                               Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH |
                               Xapian::MSet::SNIPPET_CJK_NGRAM;

// One character as Xapian's Utf8Iterator reads it from `text` (which ends where Xapian's
// iterator would stop): its code point and its length in bytes. A byte that does not
// start a valid sequence is one character of that value.
struct Char {
  unsigned ch;
  std::size_t len;
};

// GCC cannot see that Utf8Iterator's operator* sets the length its operator++ reads.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
[[gnu::noinline]] Char decode_multibyte(std::string_view text, std::size_t pos) {
  Xapian::Utf8Iterator it(text.data() + pos, text.size() - pos);
  const unsigned ch = *it;
  ++it;
  return {ch, (text.size() - pos) - it.left()};
}
#pragma GCC diagnostic pop

inline Char decode(std::string_view text, std::size_t pos) {
  const auto b = static_cast<unsigned char>(text[pos]);
  if (b < 0x80) return {b, 1};
  return decode_multibyte(text, pos);
}

[[gnu::noinline]] bool is_wordchar_multibyte(unsigned ch) { return uni::is_wordchar(ch); }

[[gnu::noinline]] unsigned word_lower_multibyte(unsigned ch) {
  return uni::is_wordchar(ch) ? uni::tolower(ch) : 0;
}

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

bool is_ascii_upper(unsigned ch) { return ch >= 'A' && ch <= 'Z'; }

bool is_digit(unsigned ch) {
  if (ch < 0x80) return ch >= '0' && ch <= '9';
  return uni::get_category(ch) == uni::DECIMAL_DIGIT_NUMBER;
}

inline void append(std::string& s, unsigned ch) {
  if (ch < 0x80) {
    s.push_back(static_cast<char>(ch));
  } else {
    uni::append_utf8(s, ch);
  }
}

// Scripts Xapian may split into n-grams rather than words (the ranges of every 1.4 release,
// widened): text holding one goes to MSet::snippet().
bool ngram_script(unsigned ch) { return ch >= 0x0E00 && !(ch >= 0x1E00 && ch < 0x2E80); }

bool needs_ngrams(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
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

// The word that starts at `pos` (where `ch`, the lower case of its first character, is),
// as Xapian's TermGenerator reads it: into `term`; returns where it ends.
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

bool leading_punctuation(unsigned ch) {
  const auto cat = uni::get_category(ch);
  if (uni::is_currency(ch) || cat == uni::OPEN_PUNCTUATION || cat == uni::INITIAL_QUOTE_PUNCTUATION)
    return true;
  switch (ch) {
    case '"':
    case '#':
    case '%':
    case '&':
    case '\'':
    case '+':
    case '-':
    case '/':
    case '<':
    case '@':
    case '\\':
    case '`':
    case '~':
    case 0x00A1:
    case 0x00A7:
    case 0x00BF:
      return true;
    default:
      return false;
  }
}

bool trailing_punctuation(unsigned ch) {
  const auto cat = uni::get_category(ch);
  if (uni::is_currency(ch) || cat == uni::CLOSE_PUNCTUATION || cat == uni::FINAL_QUOTE_PUNCTUATION)
    return true;
  switch (ch) {
    case '"':
    case '%':
    case '\'':
    case '+':
    case '-':
    case '/':
    case '>':
    case '@':
    case '\\':
    case '`':
    case '~':
      return true;
    default:
      return false;
  }
}

bool is_sentence_end(unsigned ch) { return ch == '.' || ch == '?' || ch == '!'; }

void append_escaped(std::string& out, std::string_view text) {
  text::append_html_escaped(out, text, text::HtmlEscape::kText);
}

// One word in the window: its relevance (null for none), where it ends, and how many words
// its highlight spans (0: none).
struct Sniplet {
  double* relevance;
  std::size_t end;
  std::size_t highlight;
};

// A queue of words in a vector: a snippet call pushes every word of its text and drops most
// from the front; a std::deque allocated its map and blocks anew in every call (about a
// tenth of the service's allocations).
class SnipletQueue {
 public:
  [[nodiscard]] bool empty() const { return head_ == items_.size(); }
  [[nodiscard]] std::size_t size() const { return items_.size() - head_; }
  [[nodiscard]] Sniplet& front() { return items_[head_]; }
  [[nodiscard]] Sniplet& back() { return items_.back(); }
  [[nodiscard]] Sniplet& operator[](std::size_t i) { return items_[head_ + i]; }
  void push_back(const Sniplet& s) { items_.push_back(s); }
  void pop_back() { items_.pop_back(); }
  void pop_front() {
    if (++head_ == items_.size()) {
      clear();
    } else if (head_ >= kCompactAfter && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }
  void swap(SnipletQueue& other) noexcept {
    items_.swap(other.items_);
    std::swap(head_, other.head_);
  }

 private:
  static constexpr std::size_t kCompactAfter = 64;
  std::vector<Sniplet> items_;
  std::size_t head_ = 0;  // items_ before it are gone
};

// Xapian's SnipPipe: a window of words slid over the text, keeping the one whose summed
// relevance is highest (the latest of equals), and the words of that window for output.
class Window {
 public:
  // `pipe` and `best`: empty queues the window uses (their buffers outlive it).
  Window(std::size_t length, unsigned flags, SnipletQueue& pipe, SnipletQueue& best)
      : pipe_(pipe), best_pipe_(best), length_(length + 1), flags_(flags) {}

  bool pump(double* r, std::size_t end, std::size_t h);
  void done();
  bool drain(std::string_view input, const HighlightMarks& marks, std::string& out);

 private:
  void drop_front();
  void start_output(std::string_view input, const Sniplet& word, const HighlightMarks& marks,
                    std::string& out);
  void finish_output(std::string_view input, const HighlightMarks& marks, std::string& out);

  SnipletQueue& pipe_;
  SnipletQueue& best_pipe_;
  std::size_t length_;
  unsigned flags_;
  std::size_t begin_ = 0;
  double sum_ = 0;
  std::size_t phrase_len_ = 0;
  std::size_t best_begin_ = 0;
  std::size_t best_end_ = 0;
  double best_sum_ = 0;
};

void Window::drop_front() {
  const Sniplet& word = pipe_.front();
  if (word.relevance != nullptr) {
    *word.relevance *= kDecay;
    sum_ -= *word.relevance;
  }
  begin_ = word.end;
  if (best_end_ >= begin_) best_pipe_.push_back(word);
  pipe_.pop_front();
}

bool Window::pump(double* r, std::size_t end, std::size_t h) {
  if (h > 1) {
    if (pipe_.size() >= h - 1) {
      // The phrase's last word enters: its relevance moves onto the phrase's first word.
      Sniplet& start = pipe_[pipe_.size() - (h - 1)];
      if (start.relevance != nullptr) {
        *start.relevance *= kDecay;
        sum_ -= *start.relevance;
      }
      sum_ += *r;
      start.relevance = r;
      start.highlight = h;
      *r /= kDecay;
    }
    r = nullptr;
    h = 0;
  }
  pipe_.push_back({r, end, h});
  if (r != nullptr) {
    sum_ += *r;
    *r /= kDecay;
  }
  while (end - begin_ > length_) {
    drop_front();
    if (pipe_.empty()) break;
  }
  if (sum_ >= best_sum_) {
    if (begin_ >= best_end_) {
      best_pipe_.clear();
    } else {
      while (!best_pipe_.empty() && best_pipe_.front().end <= begin_) best_pipe_.pop_front();
    }
    best_sum_ = sum_;
    best_begin_ = begin_;
    best_end_ = end;
  } else if ((flags_ & Xapian::MSet::SNIPPET_EXHAUSTIVE) == 0) {
    if (best_sum_ > 0 && best_end_ < begin_) return false;  // found, and now far from it
  }
  return true;
}

void Window::done() {
  if (begin_ >= best_end_) {
    pipe_.clear();
  } else {
    while (!pipe_.empty() && pipe_.back().end > best_end_) pipe_.pop_back();
  }
}

// The text after the excerpt: a sentence's end, or a little closing punctuation and the
// omission mark.
void Window::finish_output(std::string_view input, const HighlightMarks& marks, std::string& out) {
  const std::string_view tail = input.substr(best_end_);
  if (tail.empty()) return;
  bool sentence_end = false;
  std::size_t i = 0;
  while (i < tail.size()) {
    const Char c = decode(tail, i);
    if (sentence_end && uni::is_whitespace(c.ch)) break;
    sentence_end = is_sentence_end(c.ch);
    if (is_wordchar(c.ch)) break;
    i += c.len;
  }
  if (sentence_end) {
    append_escaped(out, tail.substr(0, i));
    return;
  }
  std::size_t j = 0;
  int trailing = 0;
  while (j < tail.size()) {
    const Char c = decode(tail, j);
    if (!trailing_punctuation(c.ch)) break;
    if (++trailing > 4) {
      trailing = 0;
      break;
    }
    j += c.len;
  }
  if (trailing != 0) {
    append_escaped(out, tail.substr(0, j));
    if (j >= tail.size()) return;
  }
  out += marks.omit;
}

// The start of the excerpt: from its first word, with a little opening punctuation, and
// the omission mark unless a sentence starts there.
void Window::start_output(std::string_view input, const Sniplet& word, const HighlightMarks& marks,
                          std::string& out) {
  enum { kNo, kPunctuation, kYes } boundary = best_begin_ == 0 ? kYes : kNo;
  const std::size_t base = best_begin_;
  const std::string_view lead = input.substr(base, word.end - base);
  std::size_t i = 0;
  while (i < lead.size()) {
    const Char c = decode(lead, i);
    if (boundary == kNo) {
      if (is_sentence_end(c.ch)) boundary = kPunctuation;
    } else if (boundary == kPunctuation) {
      if (uni::is_whitespace(c.ch)) {
        boundary = kYes;
      } else if (!is_sentence_end(c.ch)) {
        boundary = kNo;
      }
    }
    if (is_wordchar(c.ch)) {
      if (base + i - best_begin_ > 4) best_begin_ = base + i;
      break;
    }
    i += c.len;
    if (!leading_punctuation(c.ch)) best_begin_ = base + i;
  }
  if (boundary != kYes) out += marks.omit;
}

bool Window::drain(std::string_view input, const HighlightMarks& marks, std::string& out) {
  if (best_pipe_.empty() && !pipe_.empty()) best_pipe_.swap(pipe_);
  if (best_pipe_.empty()) {
    finish_output(input, marks, out);
    return false;
  }
  const Sniplet& word = best_pipe_.front();
  if (out.empty()) start_output(input, word, marks, out);
  if (word.highlight != 0) {
    // Inter-word characters stay outside the mark.
    const std::string_view rest = input.substr(best_begin_);
    for (std::size_t i = 0; i < rest.size();) {
      const Char c = decode(rest, i);
      if (is_wordchar(c.ch)) {
        append_escaped(out, rest.substr(0, i));
        best_begin_ += i;
        break;
      }
      i += c.len;
    }
  }
  if (phrase_len_ == 0) {
    phrase_len_ = word.highlight;
    if (phrase_len_ != 0) out += marks.open;
  }
  append_escaped(out, input.substr(best_begin_, word.end - best_begin_));
  best_begin_ = word.end;
  if (phrase_len_ != 0 && --phrase_len_ == 0) out += marks.close;
  best_pipe_.pop_front();
  return true;
}

// A wildcard's pattern from its description, "Query(WILDCARD SYNONYM pattern)"; empty when
// the description is not of that form.
std::string wildcard_pattern(const Xapian::Query& q) {
  const std::string d = q.get_description();
  constexpr std::string_view kHead = "Query(WILDCARD ";
  if (d.rfind(kHead, 0) != 0 || d.back() != ')') return "";
  const std::size_t space = d.find(' ', kHead.size());
  if (space == std::string::npos) return "";
  std::string pattern = d.substr(space + 1, d.size() - space - 2);
  if (pattern.empty() || pattern.find_first_of("\\ ") != std::string::npos) return "";
  return pattern;
}

// Whether `q` (an OP_PHRASE) is a tight phrase of single terms: its window is its length.
bool tight_phrase_of_terms(const Xapian::Query& q) {
  std::vector<Xapian::Query> parts;
  for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) {
    parts.push_back(q.get_subquery(i));
    if (parts.back().get_type() != Xapian::Query::LEAF_TERM) return false;
  }
  const Xapian::Query tight(Xapian::Query::OP_PHRASE, parts.begin(), parts.end(),
                            static_cast<Xapian::termcount>(parts.size()));
  return tight.serialise() == q.serialise();
}

std::string leaf_term(const Xapian::Query& q) {
  const auto t = q.get_terms_begin();
  return t == q.get_terms_end() ? std::string() : *t;
}

}  // namespace

struct Highlighter::Scratch {
  SnipletQueue pipe;
  SnipletQueue best;
  std::vector<double> loose;  // the loose terms' relevance, as a call changes it
};

Highlighter::~Highlighter() = default;

Highlighter::Highlighter(HighlightSource source, HighlightStemmer stemmer, HighlightMarks marks)
    : scratch_(std::make_unique<Scratch>()),
      mset_(std::move(source.mset)),
      stemmer_(std::move(stemmer)),
      marks_(std::move(marks)) {
  read_query(source.latest);
  if (!delegate_) weigh_terms(source.ran);
}

// Xapian's check_query: the single terms, the tight phrases of terms and the wildcards.
void Highlighter::read_query(const Xapian::Query& query) {
  const auto op = query.get_type();
  if (op == Xapian::Query::LEAF_TERM) {
    std::string term = leaf_term(query);
    if (std::find(loose_terms_.begin(), loose_terms_.end(), term) == loose_terms_.end())
      loose_terms_.push_back(std::move(term));
    return;
  }
  if (op == Xapian::Query::OP_WILDCARD) {
    std::string pattern = wildcard_pattern(query);
    if (pattern.empty()) delegate_ = true;
    wildcards_.push_back(std::move(pattern));
    return;
  }
  if (op == Xapian::Query::OP_PHRASE && tight_phrase_of_terms(query)) {
    std::vector<std::string> terms;
    for (std::size_t i = 0; i < query.get_num_subqueries(); ++i)
      terms.push_back(leaf_term(query.get_subquery(i)));
    if (terms.size() < 2) delegate_ = true;  // Xapian never builds one; its ring would be empty
    longest_phrase_ = std::max(longest_phrase_, terms.size());
    phrases_.push_back(std::move(terms));
    return;
  }
  for (std::size_t i = 0; i < query.get_num_subqueries(); ++i) read_query(query.get_subquery(i));
}

// The weights Xapian's snippet reads from the match's statistics: the least and greatest
// term weight (over the terms of the query `ran`; zero weights left out), and each loose
// term's.
void Highlighter::weigh_terms(const Xapian::Query& ran) {
  bool asked = false;
  bool first = true;
  for (auto t = ran.get_unique_terms_begin(); t != ran.get_unique_terms_end(); ++t) {
    asked = true;
    const std::optional<double> w = weight_of(*t);
    if (delegate_) return;
    if (!w || *w == 0.0) continue;
    if (first) {
      min_weight_ = max_weight_ = *w;
      first = false;
    } else if (*w > max_weight_) {
      max_weight_ = *w;
    } else if (*w < min_weight_) {
      min_weight_ = *w;
    }
  }
  if (!asked) (void)weight_of(std::string());  // are there statistics at all?
  if (delegate_) return;
  max_weight_ = max_weight_ == 0.0 ? 1.0 : max_weight_ * 1.015625;
  for (const auto& term : loose_terms_) {
    const std::optional<double> w = weight_of(term);
    if (!w) continue;  // Xapian drops it at its first occurrence: it never matches
    const std::size_t index = loose_relevance_.size();
    loose_relevance_.push_back(*w + max_weight_);
    if (!term.empty() && term[0] == 'Z') {
      stems_.emplace(term.substr(1), index);
      if (term.size() > 1) stem_starts_.set(static_cast<unsigned char>(term[1]));
    } else {
      words_.emplace(term, index);
      if (!term.empty()) word_starts_.set(static_cast<unsigned char>(term[0]));
    }
  }
}

std::optional<double> Highlighter::weight_of(const std::string& term) {
  try {
    return mset_.get_termweight(term);
  } catch (const Xapian::InvalidOperationError&) {
    delegate_ = true;  // an MSet without statistics: Xapian weighs no word
  } catch (const Xapian::InvalidArgumentError&) {
    // not among the statistics
  }
  return std::nullopt;
}

bool Highlighter::may_stem_to_query(const std::string& word) const {
  if (!stemmer_.keeps_first_letter || word.empty()) return true;
  if (stem_starts_.test(static_cast<unsigned char>(word[0]))) return true;
  return std::any_of(word.begin(), word.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

Highlighter::Index::const_iterator Highlighter::find(const Index& index,
                                                     const std::bitset<256>& starts,
                                                     const std::string& key) {
  // Most words start with a letter no key starts with: no hashing for them.
  if (!key.empty() && !starts.test(static_cast<unsigned char>(key[0]))) return index.end();
  return index.find(std::string_view(key));
}

std::string Highlighter::snippet(const std::string& text, std::size_t length, unsigned flags) {
  if (marks_.open.empty() && marks_.close.empty() && text.size() <= length) return text;
  if (delegate_ || (flags & ~kOwnFlags) != 0 || needs_ngrams(text)) {
    return mset_.snippet(text, length, stemmer_.stem, flags, marks_.open, marks_.close,
                         marks_.omit);
  }
  std::vector<double>& loose = scratch_->loose;
  loose.assign(loose_relevance_.begin(), loose_relevance_.end());
  std::vector<double> phrase_relevance;
  for (const auto& p : phrases_)
    phrase_relevance.push_back(max_weight_ * static_cast<double>(p.size()));
  std::vector<double> wildcard_relevance(wildcards_.size(), max_weight_ + min_weight_);
  // The words before this one, for phrases (a ring of longest_phrase_ - 1).
  std::vector<std::string> recent(longest_phrase_ > 0 ? longest_phrase_ - 1 : 0);
  std::size_t recent_next = 0;
  bool found = false;
  scratch_->pipe.clear();
  scratch_->best.clear();
  Window window(length, flags, scratch_->pipe, scratch_->best);
  for_each_word(text, [&](const std::string& term, std::size_t end) {
    if (term.size() > kMaxWordLength) return true;
    double* relevance = nullptr;
    std::size_t highlight = 0;
    for (std::size_t i = 0; i < phrases_.size() && highlight == 0; ++i) {
      const auto& terms = phrases_[i];
      if (term != terms.back()) continue;
      bool match = true;
      for (std::size_t k = terms.size() - 1; k-- > 0;) {
        if (terms[k] != recent[(k + recent_next) % recent.size()]) {
          match = false;
          break;
        }
      }
      if (match) {
        relevance = &phrase_relevance[i];
        highlight = terms.size();
      }
    }
    if (highlight == 0) {
      if (const auto w = find(words_, word_starts_, term); w != words_.end()) {
        relevance = &loose[w->second];
        highlight = 1;
      } else if (!stems_.empty() && may_stem_to_query(term)) {
        const std::string stem = stemmer_.stem(term);
        if (const auto s = find(stems_, stem_starts_, stem); s != stems_.end()) {
          relevance = &loose[s->second];
          highlight = 1;
        }
      }
    }
    for (std::size_t i = 0; i < wildcards_.size() && highlight == 0; ++i) {
      if (term.rfind(wildcards_[i], 0) == 0) {
        relevance = &wildcard_relevance[i];
        highlight = 1;
      }
    }
    if (!recent.empty()) {
      recent[recent_next] = term;
      recent_next = (recent_next + 1) % recent.size();
    }
    if (highlight != 0) found = true;
    return window.pump(relevance, end, highlight);
  });
  window.done();
  std::string out;
  if (found || (flags & Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH) == 0) {
    // The excerpt, with room for its marks and escapes: grown once at most.
    out.reserve(std::min(text.size(), length) + length / 2);
    while (window.drain(text, marks_, out)) {
    }
  }
  return out;
}

}  // namespace postsearch
