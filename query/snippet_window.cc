#include "query/snippet_window.h"

#include "common/text.h"
#include "query/word_scan.h"

namespace postsearch::words {
namespace {

namespace uni = Xapian::Unicode;

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

// Excerpt text as Xapian's MSet::snippet() escapes it (& < > only: the snippet is element
// text, and the highlighter's output must equal Xapian's).
void append_escaped(std::string& out, std::string_view text) {
  text::append_html_escaped(out, text, text::HtmlEscape::kText);
}

}  // namespace

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

}  // namespace postsearch::words
