#include "query/http/searcher_pool.h"

#include <xapian.h>

namespace postsearch::http {

SearcherPool::Lease SearcherPool::acquire() {
  std::unique_ptr<Searcher> s;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      s = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!s) return Lease(*this, std::make_unique<Searcher>(index_dir_, facet_tables_));
  try {
    if (s->refresh()) {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++reopens_;
    }
  } catch (const std::exception&) {
    // The index was replaced or removed under us: start from scratch.
    return Lease(*this, std::make_unique<Searcher>(index_dir_, facet_tables_));
  }
  return Lease(*this, std::move(s));
}

std::size_t SearcherPool::reopen_count() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return reopens_;
}

void SearcherPool::give_back(std::unique_ptr<Searcher> searcher) {
  const std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(searcher));
}

}  // namespace postsearch::http
