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
    if (waiting_.empty() && !idle_.empty()) {
      s = std::move(idle_.back());
      idle_.pop_back();
    } else if (waiting_.empty() && live_ < max_searchers_) {
      ++live_;
    } else {
      Waiter me;
      waiting_.push_back(&me);
      me.served.wait(lock, [&] { return me.ready; });
      s = std::move(me.searcher);  // null: a place to open one in (live_ already counts it)
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

std::size_t SearcherPool::waiting() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size();
}

void SearcherPool::give_back(std::unique_ptr<Searcher> searcher) {
  const bool usable = searcher && !searcher->broken();
  std::unique_ptr<Searcher> dropped;  // destroyed outside the lock
  const std::lock_guard<std::mutex> lock(mutex_);
  if (!usable) dropped = std::move(searcher);
  if (!waiting_.empty()) {
    Waiter* next = waiting_.front();
    waiting_.pop_front();
    next->searcher = std::move(searcher);  // null when dropped: the waiter opens a new one
    next->ready = true;
    next->served.notify_one();  // under the lock: `next` lives on its thread's stack
  } else if (usable) {
    idle_.push_back(std::move(searcher));
  } else {
    --live_;
  }
}

}  // namespace postsearch::http
