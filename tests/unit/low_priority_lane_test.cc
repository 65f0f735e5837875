// The low-priority lane: jobs run on its own threads, at a lower CPU priority than the
// caller's, at most `threads` at once and in the order they came; their CPU time and what
// they throw come back to the caller.
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "query/http/low_priority_lane.h"

namespace postsearch::http {

namespace {

int own_niceness() { return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid())); }

double own_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Runs `jobs` callers at once, each job waiting for `release`; returns the order the jobs
// started in, and the most that ran at once.
std::pair<std::vector<int>, int> crowd(LowPriorityLane& lane, int jobs) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  std::atomic<bool> release{false};
  std::mutex order_mutex;
  std::vector<int> order;
  std::vector<std::future<void>> callers;
  for (int i = 0; i < jobs; ++i) {
    callers.push_back(std::async(std::launch::async, [&, i] {
      lane.run([&, i] {
        {
          const std::lock_guard<std::mutex> lock(order_mutex);
          order.push_back(i);
        }
        most = std::max(most.load(), ++running);
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        --running;
      });
    }));
    // The next caller comes once this one is running or queued.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  release = true;
  for (auto& c : callers) c.get();
  return {order, most.load()};
}

}  // namespace

TEST_CASE("low-priority lane: a job runs on a lane thread at a lower priority", "[lane]") {
  LowPriorityLane lane(LaneOptions{1, 7});
  const int mine = own_niceness();
  int theirs = mine;
  std::thread::id where;
  volatile double sink = 0;
  const double cpu = lane.run([&] {
    theirs = own_niceness();
    where = std::this_thread::get_id();
    const double until = own_cpu_seconds() + 0.02;
    while (own_cpu_seconds() < until) sink = sink + 1;
  });
  CHECK(where != std::this_thread::get_id());
  CHECK(theirs == std::min(19, mine + 7));
  CHECK(own_niceness() == mine);  // the caller's is untouched
  CHECK(cpu >= 0.02);             // the job's CPU, which the caller's clock does not see
  CHECK(cpu < 5);
  CHECK(lane.jobs_run() == 1);
}

TEST_CASE("low-priority lane: what a job throws is thrown to its caller", "[lane]") {
  LowPriorityLane lane(LaneOptions{});
  CHECK_THROWS_WITH(lane.run([] { throw std::runtime_error("from the lane"); }), "from the lane");
  CHECK(lane.run([] {}) >= 0);  // the thread survived it
}

TEST_CASE("low-priority lane: at most `threads` jobs at once, the others wait in order", "[lane]") {
  LowPriorityLane two(LaneOptions{2, 1});
  CHECK(crowd(two, 5).second == 2);
  LowPriorityLane one(LaneOptions{1, 1});
  const auto [order, most] = crowd(one, 5);
  CHECK(most == 1);
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}

}  // namespace postsearch::http
