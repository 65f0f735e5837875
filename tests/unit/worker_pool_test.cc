// The HTTP server's task queue: threads start only when needed, the most recently idle one
// takes the next job, and shutdown runs what is queued.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "query/http/worker_pool.h"

namespace postsearch::http {

TEST_CASE("worker pool: sequential jobs reuse one thread", "[worker_pool]") {
  WorkerPool pool(64);
  for (int i = 0; i < 200; ++i) {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    pool.enqueue([&] {
      const std::lock_guard<std::mutex> lock(m);
      done = true;
      cv.notify_one();
    });
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return done; });
    lock.unlock();
    // Once the thread is back among the idle ones, the next job must go to it.
    while (pool.idle() != pool.started()) std::this_thread::yield();
  }
  CHECK(pool.started() == 1);
  pool.shutdown();
}

TEST_CASE("worker pool: concurrent jobs start threads up to the limit, then queue",
          "[worker_pool]") {
  WorkerPool pool(3);
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> running{0};
  std::atomic<int> finished{0};
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] {
      ++running;
      std::unique_lock<std::mutex> lock(m);
      cv.wait(lock, [&] { return release; });
      ++finished;
    });
  }
  for (int i = 0; i < 100 && running < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(running == 3);  // two are queued
  CHECK(pool.started() == 3);
  {
    const std::lock_guard<std::mutex> lock(m);
    release = true;
  }
  cv.notify_all();
  pool.shutdown();  // runs the queued two, then joins
  CHECK(finished == 5);
}

}  // namespace postsearch::http
