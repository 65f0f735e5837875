// The window of words a snippet is chosen with (Xapian 1.4's SnipPipe): slid over a text's
// words, it keeps the run whose summed relevance is highest and writes it out with its
// matches marked, opening and closing punctuation kept and omissions marked. Used by the
// highlighter (query/highlight.h) only.
// Errors: none. Ownership: a Window borrows two queues its owner keeps between calls (their
// buffers are allocated once). Threads: the caller's.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "query/highlight.h"

namespace postsearch::words {

constexpr double kDecay = 2.0;  // a repeated word's relevance, divided per repeat in view

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

}  // namespace postsearch::words
