// The word being typed: its completions, found once per revision and prefix, as one
// synonym group that weighs the same in every shard layout (declared in query_builder.h).
#include "query/query_builder.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace postsearch {
namespace {

// Terms [begin, end) as a binary tree of ORs, each inner node wrapped so that Xapian keeps
// it as built (a plain OR inside an OR is merged into it).
Xapian::Query balanced_or(const std::vector<std::string>& terms, std::size_t begin,
                          std::size_t end) {
  if (end - begin == 1) return Xapian::Query(terms[begin]);
  const std::size_t mid = begin + (end - begin) / 2;
  auto kept = [](Xapian::Query q) {
    return q.get_type() == Xapian::Query::LEAF_TERM
               ? q
               : Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, 1.0);
  };
  return {Xapian::Query::OP_OR, kept(balanced_or(terms, begin, mid)),
          kept(balanced_or(terms, mid, end))};
}

}  // namespace

// The completions of a word as one synonym group, whose weight Xapian computes from an
// estimate of how many posts hold any of them. Xapian 1.4 combines the terms' frequencies
// into that estimate pairwise, truncating each step to a whole number, in an order it picks
// from each shard's own term frequencies: a flat group of many terms got estimates that
// differed by a post or two between one database and its shards, and so scores in the third
// decimal. A balanced binary tree fixes the order of the steps: every layout computes the
// same estimate. (The scale factor inside a synonym group is unused: the group's weight
// comes from its within-document frequencies, not from its members' weights.)
Xapian::Query completion_group(const std::vector<std::string>& terms) {
  if (terms.empty()) return {};
  const Xapian::Query tree = balanced_or(terms, 0, terms.size());
  if (tree.get_type() == Xapian::Query::LEAF_TERM)
    return {Xapian::Query::OP_SYNONYM, &tree, &tree + 1};
  const Xapian::Query parts[] = {tree.get_subquery(0), tree.get_subquery(1)};
  return {Xapian::Query::OP_SYNONYM, std::begin(parts), std::end(parts)};
}

CompletionMemo::Terms CompletionMemo::find(const std::string& prefix) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const Terms* found = known_.find(prefix);
  return found == nullptr ? nullptr : *found;
}

void CompletionMemo::insert(const std::string& prefix, Terms terms) {
  if (prefix.empty()) return;  // a DirectMap holds no empty key
  const std::lock_guard<std::mutex> lock(mutex_);
  if (known_.put(prefix, std::move(terms))) ++used_;
}

std::size_t CompletionMemo::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return used_;
}

Xapian::Query QueryBuilder::completions(const std::string& prefix) {
  if (const Xapian::Query* known = completions_.find(prefix)) return *known;
  Xapian::Query found = find_completions(prefix);
  if (!prefix.empty()) completions_.put(prefix, found);
  return found;
}

Xapian::Query QueryBuilder::find_completions(const std::string& prefix) const {
  CompletionMemo::Terms terms = shared_completions_ ? shared_completions_->find(prefix) : nullptr;
  if (!terms) {
    terms = std::make_shared<const std::vector<std::string>>(walk_completions(prefix));
    if (shared_completions_) shared_completions_->insert(prefix, terms);
  }
  return completion_group(*terms);
}

std::vector<std::string> QueryBuilder::walk_completions(const std::string& prefix) const {
  std::vector<std::pair<Xapian::doccount, std::string>> found;
  for (auto t = db_.allterms_begin(prefix); t != db_.allterms_end(prefix); ++t) {
    found.emplace_back(t.get_termfreq(), *t);
  }
  const std::size_t keep = std::min<std::size_t>(found.size(), kMaxWildcardExpansion);
  // Most frequent first; among equals, alphabetical, so that every shard layout agrees.
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  std::vector<std::string> terms;
  terms.reserve(keep);
  for (std::size_t i = 0; i < keep; ++i) terms.push_back(std::move(found[i].second));
  return terms;
}

}  // namespace postsearch
