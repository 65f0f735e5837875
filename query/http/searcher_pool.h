// Searchers for the HTTP workers. Xapian objects are not thread-safe, so each request
// leases a Searcher of its own for its duration; the pool creates them lazily (up to the
// number of concurrent requests), refreshes each one when it is leased, and drops the
// lot when the index cannot be opened, so that the next request tries again.
// Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "query/facet_table.h"
#include "query/searcher.h"

namespace postsearch::http {

class SearcherPool {
 public:
  explicit SearcherPool(std::filesystem::path index_dir)
      : index_dir_(std::move(index_dir)), facet_tables_(std::make_shared<FacetTableCache>()) {}

  class Lease {
   public:
    Lease(SearcherPool& pool, std::unique_ptr<Searcher> searcher)
        : pool_(pool), searcher_(std::move(searcher)) {}
    ~Lease() {
      if (searcher_) pool_.give_back(std::move(searcher_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease(Lease&&) = default;
    Searcher& operator*() { return *searcher_; }
    Searcher* operator->() { return searcher_.get(); }
    // The searcher is broken (the index went away): do not return it to the pool.
    void discard() { searcher_.reset(); }

   private:
    SearcherPool& pool_;
    std::unique_ptr<Searcher> searcher_;
  };

  // A refreshed searcher. Throws std::runtime_error when no index can be opened.
  [[nodiscard]] Lease acquire();

  // Counts reopen() calls that saw a change, for /metrics.
  [[nodiscard]] std::size_t reopen_count() const;

 private:
  void give_back(std::unique_ptr<Searcher> searcher);

  std::filesystem::path index_dir_;
  std::shared_ptr<FacetTableCache> facet_tables_;  // one decoded facet table for all searchers
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Searcher>> idle_;
  std::size_t reopens_ = 0;
};

}  // namespace postsearch::http
