#include "query/http/searcher_pool.h"

#include <xapian.h>

namespace postsearch::http {

std::unique_ptr<Searcher> SearcherPool::open_searcher() {
  try {
    return std::make_unique<Searcher>(index_dir_, facet_tables_, open_options_);
  } catch (...) {
    give_back(nullptr);  // its place is free again
    throw;
  }
}

SearcherPool::Lease SearcherPool::acquire() {
  std::unique_ptr<Searcher> s;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    freed_.wait(lock, [this] { return !idle_.empty() || live_ < max_searchers_; });
    if (!idle_.empty()) {
      s = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++live_;
    }
  }
  if (!s) return Lease(*this, open_searcher());
  try {
    if (s->refresh()) {
      const std::lock_guard<std::mutex> lock(mutex_);
      ++reopens_;
    }
  } catch (const std::exception&) {
    // The index was replaced or removed under us: start from scratch.
    s.reset();
    return Lease(*this, open_searcher());
  }
  return Lease(*this, std::move(s));
}

std::size_t SearcherPool::reopen_count() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return reopens_;
}

void SearcherPool::give_back(std::unique_ptr<Searcher> searcher) {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (searcher && !searcher->broken()) {
      idle_.push_back(std::move(searcher));
    } else {
      --live_;
    }
  }
  freed_.notify_one();
}

}  // namespace postsearch::http
