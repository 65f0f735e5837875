#include "query/http/searcher_pool.h"

#include <xapian.h>

#include <chrono>

namespace postsearch::http {

SearcherPool::SearcherPool(std::filesystem::path index_dir, PoolOptions options)
    : index_dir_(std::move(index_dir)),
      options_(std::move(options)),
      facet_tables_(std::make_shared<FacetTableCache>(options_.post_cache_bytes)) {
  options_.max_searchers = std::max<std::size_t>(1, options_.max_searchers);
  if (options_.warm) warmer_ = std::thread([this] { warm_revisions(); });
}

SearcherPool::~SearcherPool() {
  {
    const std::lock_guard<std::mutex> lock(warm_mutex_);
    stopping_ = true;
  }
  warm_wake_.notify_one();
  if (warmer_.joinable()) warmer_.join();
}

std::unique_ptr<Searcher> SearcherPool::open_searcher() {
  try {
    auto s = std::make_unique<Searcher>(index_dir_, facet_tables_, options_.open);
    wake_warmer();  // the index may have been missing until now
    return s;
  } catch (...) {
    give_back(nullptr);  // its place is free again
    throw;
  }
}

void SearcherPool::wake_warmer() {
  if (!options_.warm) return;
  {
    const std::lock_guard<std::mutex> lock(warm_mutex_);
    warm_pending_ = true;
  }
  warm_wake_.notify_one();
}

void SearcherPool::warm_revisions() {
  std::unique_ptr<Searcher> own;  // outside max_searchers: warming never holds a request up
  std::string warmed;             // the revision last warmed in full
  while (true) {
    {
      std::unique_lock<std::mutex> lock(warm_mutex_);
      warm_wake_.wait(lock, [&] { return warm_pending_ || stopping_; });
      if (stopping_) return;
      warm_pending_ = false;
    }
    warm_once(own, warmed);
  }
}

void SearcherPool::warm_once(std::unique_ptr<Searcher>& own, std::string& warmed) {
  const auto start = std::chrono::steady_clock::now();
  WarmEvent event;
  try {
    if (own) {
      own->refresh();
    } else {
      own = std::make_unique<Searcher>(index_dir_, facet_tables_, options_.open);
    }
    event.revision = own->revision();
    if (event.revision == warmed) return;
    event.report = own->warm(stopping_);
    if (event.report.complete) warmed = event.revision;
  } catch (const std::exception& e) {  // no index yet, another schema
    own.reset();                       // opened anew at the next change
    event.error = e.what();
  } catch (const Xapian::Error& e) {  // damaged, or removed while read (not a std::exception)
    own.reset();
    event.error = e.get_description();
  }
  event.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options_.on_warm && !stopping_) options_.on_warm(event);
}

SearcherPool::Lease SearcherPool::acquire() {
  std::unique_ptr<Searcher> s;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (waiting_.empty() && !idle_.empty()) {
      s = std::move(idle_.back());
      idle_.pop_back();
    } else if (waiting_.empty() && live_ < options_.max_searchers) {
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
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        ++reopens_;
      }
      wake_warmer();
    }
  } catch (...) {
    // The index was replaced, removed or damaged under us (std::runtime_error, or a
    // Xapian::Error, which is not a std::exception): start from scratch. The place stays
    // counted in live_ and goes to the new searcher, or is freed if that cannot open.
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
