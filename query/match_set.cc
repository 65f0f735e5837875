#include "query/match_set.h"

#include <string>

namespace postsearch {

using Q = Xapian::Query;

void DocSet::add_range(Xapian::docid first, Xapian::docid last) {
  for (Xapian::docid d = first; d <= last && d / 64 < words_.size(); ++d) {
    if (d % 64 == 0 && last - d >= 63) {
      words_[d / 64] = ~std::uint64_t{0};
      d += 63;
    } else {
      add(d);
    }
  }
}

void DocSet::intersect(const DocSet& o) {
  for (std::size_t w = 0; w < words_.size(); ++w) words_[w] &= o.words_[w];
}
void DocSet::unite(const DocSet& o) {
  for (std::size_t w = 0; w < words_.size(); ++w) words_[w] |= o.words_[w];
}
void DocSet::subtract(const DocSet& o) {
  for (std::size_t w = 0; w < words_.size(); ++w) words_[w] &= ~o.words_[w];
}
void DocSet::symmetric_difference(const DocSet& o) {
  for (std::size_t w = 0; w < words_.size(); ++w) words_[w] ^= o.words_[w];
}

std::size_t DocSet::count() const {
  std::size_t n = 0;
  for (const std::uint64_t w : words_) n += static_cast<std::size_t>(__builtin_popcountll(w));
  return n;
}

std::shared_ptr<const DocSet> PostingCache::find(const std::string& term) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = sets_.find(term);
  return it == sets_.end() ? nullptr : it->second;
}

bool PostingCache::insert(const std::string& term, std::shared_ptr<const DocSet> set) {
  const std::lock_guard<std::mutex> lock(mutex_);
  const std::size_t cost = set->bytes() + term.size() + 64;  // the set, its key, the node
  if (bytes_ + cost > max_bytes_) return false;
  if (sets_.emplace(term, std::move(set)).second) bytes_ += cost;
  return true;
}

std::size_t PostingCache::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return sets_.size();
}

std::size_t PostingCache::fill(const Xapian::Database& db, const std::atomic<bool>& stop) {
  const Xapian::docid last = db.get_lastdocid();
  const std::size_t least = min_postings(last);
  std::vector<std::pair<Xapian::doccount, std::string>> common;
  for (auto t = db.allterms_begin(); t != db.allterms_end() && !stop; ++t) {
    if (t.get_termfreq() >= least) common.emplace_back(t.get_termfreq(), *t);
  }
  std::stable_sort(common.begin(), common.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::size_t added = 0;
  for (const auto& [frequency, term] : common) {
    if (stop) break;
    if (find(term)) continue;
    auto set = std::make_shared<DocSet>(last);
    for (auto p = db.postlist_begin(term); p != db.postlist_end(term); ++p) set->add(*p);
    if (!insert(term, std::move(set))) break;
    ++added;
  }
  return added;
}

std::size_t PostingCache::bytes() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

namespace {

// The subqueries whose matches count: all of them, or AND_MAYBE's first (the others only
// add weight) and SCALE_WEIGHT's one.
std::size_t counted_subqueries(const Q& q) {
  return q.get_type() == Q::OP_AND_MAYBE ? 1 : q.get_num_subqueries();
}

DocSet all_documents(const Xapian::Database& db, Xapian::docid last) {
  DocSet s(last);
  if (db.get_doccount() == last) {  // no gaps: every id from 1 to last
    s.add_range(1, last);
    return s;
  }
  for (auto p = db.postlist_begin(""); p != db.postlist_end(""); ++p) s.add(*p);
  return s;
}

// What eval() reads from: the database, and the revision's cache when there is one.
struct Source {
  const Xapian::Database& db;
  PostingCache* cache;
  Xapian::docid last;
};

void add_postings(DocSet& s, const Source& src, const std::string& term) {
  if (src.cache == nullptr) {
    for (auto p = src.db.postlist_begin(term); p != src.db.postlist_end(term); ++p) s.add(*p);
    return;
  }
  // (A set of another size would be another revision's: not used.)
  if (const auto hit = src.cache->find(term); hit && hit->bytes() == s.bytes()) {
    s.unite(*hit);
    return;
  }
  std::vector<Xapian::docid> ids;
  for (auto p = src.db.postlist_begin(term); p != src.db.postlist_end(term); ++p) ids.push_back(*p);
  if (ids.size() < PostingCache::min_postings(src.last)) {
    for (const Xapian::docid d : ids) s.add(d);
    return;
  }
  auto set = std::make_shared<DocSet>(src.last);
  for (const Xapian::docid d : ids) set->add(d);
  s.unite(*set);
  src.cache->insert(term, std::move(set));
}

bool or_like(Q::op op) { return op == Q::OP_OR || op == Q::OP_SYNONYM || op == Q::OP_MAX; }

DocSet eval(const Source& src, const Q& q) {
  const Xapian::docid last = src.last;
  const Q::op op = q.get_type();
  if (op == Q::LEAF_MATCH_ALL || (op == Q::LEAF_TERM && (*q.get_terms_begin()).empty()))
    return all_documents(src.db, last);
  if (op == Q::LEAF_MATCH_NOTHING) return DocSet(last);
  if (op == Q::LEAF_TERM || or_like(op)) {
    // A term, or a word and its completions: each term's postings straight into one set.
    DocSet out(last);
    if (op == Q::LEAF_TERM) add_postings(out, src, *q.get_terms_begin());
    for (std::size_t i = 0; i < q.get_num_subqueries(); ++i) {  // none for a term
      const Q sub = q.get_subquery(i);
      if (sub.get_type() == Q::LEAF_TERM && !(*sub.get_terms_begin()).empty()) {
        add_postings(out, src, *sub.get_terms_begin());
      } else {
        out.unite(eval(src, sub));
      }
    }
    return out;
  }
  DocSet out = eval(src, q.get_subquery(0));
  for (std::size_t i = 1; i < counted_subqueries(q); ++i) {
    const DocSet next = eval(src, q.get_subquery(i));
    if (op == Q::OP_AND_NOT) {
      out.subtract(next);
    } else if (op == Q::OP_XOR) {
      out.symmetric_difference(next);
    } else {  // AND, FILTER
      out.intersect(next);
    }
  }
  return out;
}

}  // namespace

bool match_set_supported(const Q& q) {
  switch (q.get_type()) {
    case Q::LEAF_TERM:
    case Q::LEAF_MATCH_ALL:
    case Q::LEAF_MATCH_NOTHING:
      return true;
    case Q::OP_AND:
    case Q::OP_OR:
    case Q::OP_AND_NOT:
    case Q::OP_XOR:
    case Q::OP_AND_MAYBE:
    case Q::OP_FILTER:
    case Q::OP_SCALE_WEIGHT:
    case Q::OP_SYNONYM:
    case Q::OP_MAX:
      break;
    default:
      return false;
  }
  if (q.get_num_subqueries() == 0) return false;
  for (std::size_t i = 0; i < counted_subqueries(q); ++i) {
    if (!match_set_supported(q.get_subquery(i))) return false;
  }
  return true;
}

std::optional<DocSet> match_set(const Xapian::Database& db, const Q& q, PostingCache* cache) {
  if (!match_set_supported(q)) return std::nullopt;
  return eval(Source{db, cache, db.get_lastdocid()}, q);
}

}  // namespace postsearch
