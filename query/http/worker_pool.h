// The HTTP server's task queue (cpp-httplib's TaskQueue): a pool of at most `max_threads`
// threads, started only when needed, where a new connection goes to the thread that became
// idle most recently. cpp-httplib's own ThreadPool starts every thread at once and hands
// work round-robin, so over a long run every one of them is woken, touches its stack and
// its malloc caches, and the process grows for minutes; here only as many threads as the
// concurrency needs run, and the hot ones keep running. A thread idle for `idle_timeout`
// ends, and its stack's pages go back to the system (the C library returns a finished
// thread's stack): a burst of connections does not leave its peak of threads, and the
// stack each of them once touched, resident for good.
//
// Threads: enqueue() and shutdown() may be called from any thread; shutdown() runs the jobs
// already queued, then joins. Jobs must not throw (cpp-httplib's do not).
#pragma once

#include <httplib.h>

#include <chrono>
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
  static constexpr std::chrono::milliseconds kDefaultIdleTimeout{10000};

  explicit WorkerPool(std::size_t max_threads,
                      std::chrono::milliseconds idle_timeout = kDefaultIdleTimeout);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  // Threads running now, busy or idle (for tests and metrics).
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
  void join_retired();  // joins the threads that ended idle

  const std::size_t max_threads_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_;  // most recently idle last
  std::deque<std::function<void()>> queued_;
  std::vector<std::unique_ptr<Worker>> retired_;  // ended idle, to be joined
  bool stopping_ = false;
};

}  // namespace postsearch::http
