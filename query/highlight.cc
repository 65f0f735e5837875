#include "query/highlight.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "query/snippet_window.h"
#include "query/word_scan.h"

namespace postsearch {
namespace {

using words::for_each_word;
using words::needs_ngrams;
using words::SnipletQueue;
using words::Window;

constexpr std::size_t kMaxWordLength = 64;
constexpr unsigned kOwnFlags = Xapian::MSet::SNIPPET_EXHAUSTIVE |
                               Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH |
                               Xapian::MSet::SNIPPET_CJK_NGRAM;

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
  // Each query part's relevance, as a call changes it.
  std::vector<double> loose;
  std::vector<double> phrase;
  std::vector<double> wildcard;
  // The words before this one, for phrases (a ring of the longest phrase's length - 1).
  std::vector<std::string> recent;
  std::size_t recent_next = 0;
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

// A word's match: its relevance in this call (null for none) and the words its mark spans.
struct Highlighter::WordMatch {
  double* relevance = nullptr;
  std::size_t highlight = 0;
};

// Starts a snippet call: every query part's relevance as the call starts, no words seen.
void Highlighter::start_call() {
  Scratch& s = *scratch_;
  s.loose.assign(loose_relevance_.begin(), loose_relevance_.end());
  s.phrase.clear();
  for (const auto& p : phrases_) s.phrase.push_back(max_weight_ * static_cast<double>(p.size()));
  s.wildcard.assign(wildcards_.size(), max_weight_ + min_weight_);
  s.recent.assign(longest_phrase_ > 0 ? longest_phrase_ - 1 : 0, std::string());
  s.recent_next = 0;
  s.pipe.clear();
  s.best.clear();
}

// Whether `term` ends the phrase `terms`, the words before it being the ring's.
bool Highlighter::ends_phrase(const std::vector<std::string>& terms,
                              const std::string& term) const {
  const Scratch& s = *scratch_;
  if (term != terms.back()) return false;
  for (std::size_t k = terms.size() - 1; k-- > 0;) {
    if (terms[k] != s.recent[(k + s.recent_next) % s.recent.size()]) return false;
  }
  return true;
}

// What `term`, the next word of the text, matches: a phrase it ends, else a loose term (as
// it is, or stemmed), else a wildcard; then it joins the ring of recent words.
Highlighter::WordMatch Highlighter::match_word(const std::string& term) {
  Scratch& s = *scratch_;
  WordMatch m;
  for (std::size_t i = 0; i < phrases_.size() && m.highlight == 0; ++i) {
    if (ends_phrase(phrases_[i], term)) m = {&s.phrase[i], phrases_[i].size()};
  }
  if (m.highlight == 0) {
    if (const auto w = find(words_, word_starts_, term); w != words_.end()) {
      m = {&s.loose[w->second], 1};
    } else if (!stems_.empty() && may_stem_to_query(term)) {
      const std::string stem = stemmer_.stem(term);
      if (const auto st = find(stems_, stem_starts_, stem); st != stems_.end())
        m = {&s.loose[st->second], 1};
    }
  }
  for (std::size_t i = 0; i < wildcards_.size() && m.highlight == 0; ++i) {
    if (term.rfind(wildcards_[i], 0) == 0) m = {&s.wildcard[i], 1};
  }
  if (!s.recent.empty()) {
    s.recent[s.recent_next] = term;
    s.recent_next = (s.recent_next + 1) % s.recent.size();
  }
  return m;
}

std::string Highlighter::snippet(const std::string& text, std::size_t length, unsigned flags) {
  if (marks_.open.empty() && marks_.close.empty() && text.size() <= length) return text;
  if (delegate_ || (flags & ~kOwnFlags) != 0 || needs_ngrams(text)) {
    return mset_.snippet(text, length, stemmer_.stem, flags, marks_.open, marks_.close,
                         marks_.omit);
  }
  start_call();
  bool found = false;
  Window window(length, flags, scratch_->pipe, scratch_->best);
  for_each_word(text, [&](const std::string& term, std::size_t end) {
    if (term.size() > kMaxWordLength) return true;
    const WordMatch m = match_word(term);
    if (m.highlight != 0) found = true;
    return window.pump(m.relevance, end, m.highlight);
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
