// Searchers for the HTTP workers. Xapian objects are not thread-safe, so each request
// leases a Searcher of its own for its duration; the pool creates them lazily, at most
// `max_searchers` (searching is CPU work: more than a few per core only adds open files
// and memory), so a request waits for one while that many are busy. Connection threads
// can outnumber searchers many times over. Each searcher is refreshed when it is leased;
// one that fails (or reports itself broken()) is dropped, so that the next request opens
// the index anew. Waiting requests are served first come, first served: a searcher given
// back goes straight to the oldest waiter, so a request that has waited longest is never
// overtaken by one that just arrived (a condition variable's wake-ups are unordered, and
// that disorder was the service's latency tail under load).
// Thread-safe.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "query/facet_table.h"
#include "query/searcher.h"

namespace postsearch::http {

class SearcherPool {
 public:
  // `post_cache_bytes`: the decoded posts kept for the searchers (0: none).
  SearcherPool(std::filesystem::path index_dir, std::size_t max_searchers,
               OpenOptions open_options = {},
               std::size_t post_cache_bytes = PostCache::kDefaultBytes)
      : index_dir_(std::move(index_dir)),
        max_searchers_(std::max<std::size_t>(1, max_searchers)),
        facet_tables_(std::make_shared<FacetTableCache>(post_cache_bytes)),
        open_options_(open_options) {}

  class Lease {
   public:
    Lease(SearcherPool& pool, std::unique_ptr<Searcher> searcher)
        : pool_(&pool), searcher_(std::move(searcher)) {}
    ~Lease() {
      if (pool_ != nullptr) pool_->give_back(std::move(searcher_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), searcher_(std::move(other.searcher_)) {}
    Lease& operator=(Lease&&) = delete;
    Searcher& operator*() { return *searcher_; }
    Searcher* operator->() { return searcher_.get(); }

   private:
    SearcherPool* pool_;  // null once moved from
    std::unique_ptr<Searcher> searcher_;
  };

  // A refreshed searcher; waits while max_searchers are in use. Throws (std::runtime_error
  // or Xapian::Error) when no index can be opened.
  [[nodiscard]] Lease acquire();

  // Counts reopen() calls that saw a change, for /metrics.
  [[nodiscard]] std::size_t reopen_count() const;

  // Requests waiting for a searcher now (for tests).
  [[nodiscard]] std::size_t waiting() const;

 private:
  // A request waiting in line: give_back() hands it a searcher, or (null) the place of one
  // that was dropped, which it then opens itself.
  struct Waiter {
    std::condition_variable served;
    std::unique_ptr<Searcher> searcher;
    bool ready = false;
  };

  // Returns a searcher to the idle list, or (null or broken) frees its place.
  void give_back(std::unique_ptr<Searcher> searcher);
  [[nodiscard]] std::unique_ptr<Searcher> open_searcher();

  std::filesystem::path index_dir_;
  std::size_t max_searchers_;
  std::shared_ptr<FacetTableCache> facet_tables_;  // one decoded facet table for all searchers
  OpenOptions open_options_;
  mutable std::mutex mutex_;
  std::deque<Waiter*> waiting_;  // oldest first
  std::vector<std::unique_ptr<Searcher>> idle_;
  std::size_t live_ = 0;  // searchers in existence, leased or idle
  std::size_t reopens_ = 0;
};

}  // namespace postsearch::http
