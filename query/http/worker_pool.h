// The HTTP server's task queue (cpp-httplib's TaskQueue): a pool of at most `max_threads`
// threads, started only when needed, where a new connection goes to the thread that became
// idle most recently. cpp-httplib's own ThreadPool starts every thread at once and hands
// work round-robin, so over a long run every one of them is woken, touches its stack and
// its malloc caches, and the process grows for minutes; here only as many threads as the
// peak concurrency ever run, and the hot ones keep running.
//
// Threads: enqueue() and shutdown() may be called from any thread; shutdown() runs the jobs
// already queued, then joins. Jobs must not throw (cpp-httplib's do not).
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace postsearch::http {

class WorkerPool : public httplib::TaskQueue {
 public:
  explicit WorkerPool(std::size_t max_threads);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // Threads started so far (for tests and metrics).
  [[nodiscard]] std::size_t started() const;
  // Threads waiting for a job.
  [[nodiscard]] std::size_t idle() const;

 private:
  struct Worker {
    std::condition_variable wake;
    std::function<void()> job;  // set by enqueue() while the worker is idle
    std::thread thread;
  };
  void run(Worker& self, std::function<void()> job);

  const std::size_t max_threads_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_;  // most recently idle last
  std::deque<std::function<void()>> queued_;
  bool stopping_ = false;
};

}  // namespace postsearch::http
