#include "query/http/searcher_pool.h"

#include <xapian.h>

#include <chrono>

namespace postsearch::http {

SearcherPool::SearcherPool(std::filesystem::path index_dir, PoolOptions options)
    : index_dir_(std::move(index_dir)),
      options_(std::move(options)),
      memos_(std::make_shared<RevisionMemos>(options_.post_cache_bytes)) {
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

std::unique_ptr<Searcher> SearcherPool::open_searcher(const std::string& client) {
  try {
    auto s = std::make_unique<Searcher>(index_dir_, memos_, options_.open);
    wake_warmer();  // the index may have been missing until now
    return s;
  } catch (...) {
    give_back(nullptr, client);  // its place is free again
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
      own = std::make_unique<Searcher>(index_dir_, memos_, options_.open);
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

std::size_t SearcherPool::held_by(const std::string& client) const {
  const auto it = held_.find(client);
  return it == held_.end() ? 0 : it->second;
}

std::size_t SearcherPool::free_now() const {
  return idle_.size() + (options_.max_searchers - live_);
}

bool SearcherPool::within_share(const std::string& client, std::size_t free) const {
  if (client.empty()) return true;
  const std::size_t held = held_by(client);
  return held < (options_.max_searchers + 1) / 2 && (held == 0 || free > 1);
}

void SearcherPool::count_lease(const std::string& client, int delta) {
  if (client.empty()) return;
  if (delta > 0) {
    ++held_[client];
  } else if (const auto it = held_.find(client); it != held_.end() && --it->second == 0) {
    held_.erase(it);
  }
}

std::deque<SearcherPool::Waiter*>::iterator SearcherPool::next_waiter(std::size_t free) {
  auto best = waiting_.end();
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (!within_share((*it)->client, free)) continue;
    if (best == waiting_.end() || held_by((*it)->client) < held_by((*best)->client)) best = it;
  }
  return best;
}

SearcherPool::Lease SearcherPool::acquire(const std::string& client) {
  std::unique_ptr<Searcher> s;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // A free searcher or place means no waiter could take it (give_back hands them on).
    const std::size_t free = free_now();
    if (free > 0 && within_share(client, free) && next_waiter(free) == waiting_.end()) {
      if (!idle_.empty()) {
        s = std::move(idle_.back());
        idle_.pop_back();
      } else {
        ++live_;
      }
      count_lease(client, +1);
    } else {
      Waiter me{client, {}, nullptr, false};
      waiting_.push_back(&me);
      me.served.wait(lock, [&] { return me.ready; });
      s = std::move(me.searcher);  // null: a place to open one in (live_ already counts it)
    }
  }
  if (!s) return Lease(*this, open_searcher(client), client);
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
    return Lease(*this, open_searcher(client), client);
  }
  return Lease(*this, std::move(s), client);
}

std::size_t SearcherPool::reopen_count() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return reopens_;
}

std::size_t SearcherPool::waiting() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size();
}

void SearcherPool::give_back(std::unique_ptr<Searcher> searcher, const std::string& client) {
  const bool usable = searcher && !searcher->broken();
  std::unique_ptr<Searcher> dropped;  // destroyed outside the lock
  const std::lock_guard<std::mutex> lock(mutex_);
  count_lease(client, -1);
  if (!usable) dropped = std::move(searcher);
  // The searcher (or, dropped, its place) is free besides those free already.
  if (const auto it = next_waiter(free_now() + 1); it != waiting_.end()) {
    Waiter* next = *it;
    waiting_.erase(it);
    count_lease(next->client, +1);         // here, so that the next give_back sees it
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
