// Searchers for the HTTP workers. Xapian objects are not thread-safe, so each request
// leases a Searcher of its own for its duration; the pool creates them lazily, at most
// `max_searchers` (searching is CPU work: more than a few per core only adds open files
// and memory), so a request waits for one while that many are busy. Connection threads
// can outnumber searchers many times over. Each searcher is refreshed when it is leased;
// one that fails (or reports itself broken()) is dropped, so that the next request opens
// the index anew.
//
// Leases are shared fairly between clients (the address a request comes from): one client
// holds at most half the searchers at once (rounded up), a client that holds one already
// never takes the last free one (it stays for a client that holds none), and a searcher
// given back goes to the waiting request whose client holds the fewest searchers now, the
// one that has waited longest among equals; so a client running many costly searches at once cannot
// make every other client wait behind all of them. Requests without a client name (the empty
// string) are neither limited nor counted. Among equals a searcher given back goes straight to the
// oldest waiter, so a request that has waited longest is never overtaken by one that just
// arrived (a condition variable's wake-ups are unordered, and that disorder was the
// service's latency tail under load).
//
// With `warm` set, a thread of the pool's own fills the memos of each revision the pool
// opens (Searcher::warm) with a searcher of its own, outside the `max_searchers` count:
// at start and whenever a lease sees a new commit. Searches go on meanwhile; what they
// need before the warmer has read it, they read themselves.
// Thread-safe. The destructor stops the warmer (between two reads) and waits for it.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "query/revision_memos.h"
#include "query/searcher.h"

namespace postsearch::http {

// One warming of a revision, as the pool's `on_warm` hears of it.
struct WarmEvent {
  std::string revision;
  WarmReport report;
  double seconds = 0;
  std::string error;  // the index could not be opened (warm again at the next change)
};

struct PoolOptions {
  std::size_t max_searchers = 4;
  OpenOptions open;
  std::size_t post_cache_bytes = PostCache::kDefaultBytes;  // decoded posts kept; 0: none
  bool warm = false;  // fill each revision's memos ahead of the searches (see above)
  // Called on the warmer's thread after each warming (a log line, a test's signal).
  std::function<void(const WarmEvent&)> on_warm;
};

class SearcherPool {
 public:
  SearcherPool(std::filesystem::path index_dir, PoolOptions options);
  ~SearcherPool();
  SearcherPool(const SearcherPool&) = delete;
  SearcherPool& operator=(const SearcherPool&) = delete;

  class Lease {
   public:
    Lease(SearcherPool& pool, std::unique_ptr<Searcher> searcher, std::string client)
        : pool_(&pool), searcher_(std::move(searcher)), client_(std::move(client)) {}
    ~Lease() {
      if (pool_ != nullptr) pool_->give_back(std::move(searcher_), client_);
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)),
          searcher_(std::move(other.searcher_)),
          client_(std::move(other.client_)) {}
    Lease& operator=(Lease&&) = delete;
    Searcher& operator*() { return *searcher_; }
    Searcher* operator->() { return searcher_.get(); }

   private:
    SearcherPool* pool_;  // null once moved from
    std::unique_ptr<Searcher> searcher_;
    std::string client_;
  };

  // A refreshed searcher for `client`; waits while max_searchers are in use, or while the
  // client holds its share (see above). Throws (std::runtime_error or Xapian::Error) when no
  // index can be opened.
  [[nodiscard]] Lease acquire(const std::string& client = "");

  // Counts reopen() calls that saw a change, for /metrics.
  [[nodiscard]] std::size_t reopen_count() const;

  // Requests waiting for a searcher now (for tests).
  [[nodiscard]] std::size_t waiting() const;

  // What the newest revision's memos hold (for /metrics).
  [[nodiscard]] MemoUsage memo_usage() const { return memos_->usage(); }

 private:
  // A request waiting in line: give_back() hands it a searcher, or (null) the place of one
  // that was dropped, which it then opens itself.
  struct Waiter {
    const std::string& client;
    std::condition_variable served;
    std::unique_ptr<Searcher> searcher;
    bool ready = false;
  };

  // Returns a searcher to the idle list or the next waiter, or (null or broken) frees its
  // place.
  void give_back(std::unique_ptr<Searcher> searcher, const std::string& client);
  // mutex_ held: searchers `client` holds now, and whether it may take one more while
  // `free` searchers (or places for one) are free.
  [[nodiscard]] std::size_t held_by(const std::string& client) const;
  [[nodiscard]] bool within_share(const std::string& client, std::size_t free) const;
  [[nodiscard]] std::size_t free_now() const;  // mutex_ held: idle searchers and free places
  void count_lease(const std::string& client, int delta);
  // mutex_ held: the waiter to serve next while `free` are free (fewest searchers held, then
  // oldest), or end.
  std::deque<Waiter*>::iterator next_waiter(std::size_t free);
  [[nodiscard]] std::unique_ptr<Searcher> open_searcher(const std::string& client);
  void wake_warmer();
  void warm_revisions();  // the warmer thread's loop
  void warm_once(std::unique_ptr<Searcher>& own, std::string& warmed);

  std::filesystem::path index_dir_;
  PoolOptions options_;
  std::shared_ptr<RevisionMemos> memos_;  // the per-revision memos all its searchers share
  mutable std::mutex mutex_;
  std::deque<Waiter*> waiting_;  // oldest first
  std::vector<std::unique_ptr<Searcher>> idle_;
  std::size_t live_ = 0;  // searchers in existence, leased or idle
  // Searchers each named client holds (no entry: none), bounded by the connections served.
  std::unordered_map<std::string, std::size_t> held_;
  std::size_t reopens_ = 0;
  // The warmer: woken by wake_warmer(), stopped by the destructor.
  std::mutex warm_mutex_;
  std::condition_variable warm_wake_;
  bool warm_pending_ = true;  // the first revision is warmed at start
  std::atomic<bool> stopping_{false};
  std::thread warmer_;  // last: started once everything above exists
};

}  // namespace postsearch::http
