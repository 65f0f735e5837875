// The periodic task that gives the allocator's free memory back: it runs, and it stops at
// once when destroyed.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "query/http/memory_trim.h"

namespace postsearch::http {

TEST_CASE("periodic task: runs every period and stops at once", "[memory_trim]") {
  std::atomic<int> runs{0};
  {
    const PeriodicTask task(std::chrono::milliseconds(5), [&] { ++runs; });
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (runs < 3 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(runs >= 3);
  const int after = runs;
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  CHECK(runs == after);  // destroyed: no more runs
}

TEST_CASE("periodic task: destroyed before its first period, it never runs", "[memory_trim]") {
  std::atomic<int> runs{0};
  const auto start = std::chrono::steady_clock::now();
  {
    const PeriodicTask task(std::chrono::hours(1), [&] { ++runs; });
  }
  CHECK(runs == 0);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));  // did not wait
}

}  // namespace postsearch::http
