// The indexer's two ways of using every core: parse workers pulling sources off a shared
// counter while the calling thread reports progress, and one thread per item for work that
// blocks on I/O (committing partial databases, merging shards).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace postsearch {

// What parallel_for runs over: items [0, count) on `threads` threads, counting each item
// finished in `done` (which the caller's progress report reads).
struct ParallelLoop {
  std::size_t count;
  unsigned threads;
  std::atomic<std::size_t>& done;
};

// Runs work(worker, item) for each of loop's items on loop.threads threads, incrementing
// loop.done after each; the calling thread calls progress() every ~100 ms meanwhile and
// returns as soon as the workers are done. The first exception thrown by a worker stops the
// others from taking items and is rethrown here.
template <typename Work, typename Progress>
void parallel_for(ParallelLoop loop, Progress progress, Work work) {
  const std::size_t count = loop.count;
  const unsigned threads = loop.threads;
  std::atomic<std::size_t>& done = loop.done;
  std::atomic<std::size_t> next{0};
  std::mutex mutex;  // guards failure and finished, which `wake` signals
  std::condition_variable wake;
  std::exception_ptr failure;
  unsigned finished = 0;  // workers that have stopped
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      try {
        for (std::size_t i = next++; i < count; i = next++) {
          work(w, i);
          ++done;
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
        next = count;
      }
      const std::lock_guard<std::mutex> lock(mutex);
      ++finished;
      wake.notify_one();
    });
  }
  std::unique_lock<std::mutex> lock(mutex);
  while (finished < threads) {
    lock.unlock();
    progress();
    lock.lock();
    wake.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished == threads; });
  }
  lock.unlock();
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

// Runs f(i) for each i in [0, n) on its own thread; rethrows the first exception.
template <typename F>
void each_in_parallel(std::size_t n, F f) {
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        f(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace postsearch
