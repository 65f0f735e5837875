// Gives the allocator's free memory back to the system now and then. glibc keeps what its
// malloc arenas once held: after a burst of costly searches (many at once, each with large
// temporary allocations) the service's resident memory stays at that burst's high-water mark,
// and a longer run meets a bigger burst, so resident memory climbs in steps for as long as
// the service runs (bench/README.md, hostile clients). malloc_trim(0) returns the free pages
// of every arena; run every few seconds, the service's memory follows its present work.
//
// Errors: none; on a C library without malloc_trim the task does nothing.
// Threads: one thread of its own, started by the constructor; the destructor wakes and
// joins it (at once, without waiting out the period).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace postsearch::http {

// `task` every `period` on a thread of its own until destroyed.
class PeriodicTask {
 public:
  PeriodicTask(std::chrono::milliseconds period, std::function<void()> task);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  void loop();

  std::chrono::milliseconds period_;
  std::function<void()> task_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

// Returns the allocator's free pages to the system (malloc_trim(0) with glibc).
void trim_free_memory();

}  // namespace postsearch::http
