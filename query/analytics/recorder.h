// Counts searches and opened results in memory, off the search path's way, and writes them
// to a Store on a background thread every flush interval (and when it is destroyed). The
// HTTP handler records after a search has returned; the search core knows nothing of it.
//
// Threads: record_*() and flush() from any thread; the recorder owns its flush thread, which
// it stops and joins in its destructor. Bounded: at most max_pending distinct keys wait in
// memory; more are dropped (and counted) until the next flush.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "query/analytics/store.h"
#include "query/search_types.h"

namespace postsearch::analytics {

struct RecorderOptions {
  std::chrono::milliseconds flush_interval{10000};
  std::size_t max_pending = 10000;  // distinct keys held between flushes
};

class Recorder {
 public:
  // `on_error` receives a store error's message (from the flush thread); the batch is lost.
  Recorder(std::unique_ptr<Store> store, RecorderOptions options,
           std::function<void(const std::string&)> on_error);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // A search as asked and as answered. Only first pages count (later pages are the same
  // search read further); an empty or non-UTF-8 query is not counted.
  void record_search(const SearchRequest& request, const SearchResponse& response);
  // A reader opened the result at `rank` (1-based) for `query`, the post `post_id`.
  // False when the values are out of bounds (nothing is counted).
  bool record_open(const std::string& query, int rank, const std::string& post_id);

  // Writes what is pending now (the caller's thread); store errors go to on_error.
  void flush();
  [[nodiscard]] Store& store() { return *store_; }
  // Keys dropped because max_pending were waiting, or a day's rows were full.
  [[nodiscard]] std::size_t dropped() const;

 private:
  void loop();
  std::unique_ptr<Store> store_;
  RecorderOptions options_;
  std::function<void(const std::string&)> on_error_;
  mutable std::mutex mutex_;  // guards pending_, dropped_, stop_
  std::mutex flush_mutex_;    // one flush at a time, so batches land in order
  std::condition_variable wake_;
  Batch pending_;
  std::size_t dropped_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

// Bounds of what a beacon may name.
inline constexpr int kMaxOpenRank = 1000;
inline constexpr std::size_t kMaxPostIdBytes = 300;

}  // namespace postsearch::analytics
