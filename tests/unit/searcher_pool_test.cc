// The HTTP service's searcher pool: at most max_searchers exist; a request beyond that
// waits for one to come back rather than opening another database.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "query/http/searcher_pool.h"
#include "test_support.h"

namespace postsearch::http {

TEST_CASE("searcher pool: bounded, and a waiting request gets the searcher given back",
          "[searcher_pool]") {
  SearcherPool pool(testing::example_index(), 2);
  std::optional<SearcherPool::Lease> a(pool.acquire());
  std::optional<SearcherPool::Lease> b(pool.acquire());
  Searcher* first = &**a;
  std::atomic<bool> got{false};
  auto third = std::async(std::launch::async, [&] {
    SearcherPool::Lease c = pool.acquire();
    got = true;
    return &*c;
  });
  CHECK(third.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
  CHECK_FALSE(got);
  a.reset();  // give one back
  REQUIRE(third.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(third.get() == first);  // the same searcher, not a new one
  CHECK((*b)->info().documents > 0);
}

TEST_CASE("searcher pool: waiting requests are served in the order they came", "[searcher_pool]") {
  SearcherPool pool(testing::example_index(), 1);
  std::optional<SearcherPool::Lease> held(pool.acquire());
  std::mutex order_mutex;
  std::vector<int> order;
  std::vector<std::future<void>> waiters;
  for (int i = 0; i < 4; ++i) {
    waiters.push_back(std::async(std::launch::async, [&, i] {
      SearcherPool::Lease lease = pool.acquire();
      const std::lock_guard<std::mutex> lock(order_mutex);
      order.push_back(i);
    }));
    // The next one starts only once this one is in line.
    for (int spin = 0; pool.waiting() < static_cast<std::size_t>(i + 1) && spin < 10000; ++spin)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(pool.waiting() == static_cast<std::size_t>(i + 1));
  }
  // The holder gives back and at once asks again: it queues behind the four.
  held.reset();
  { SearcherPool::Lease again = pool.acquire(); }
  for (auto& w : waiters) w.get();
  CHECK(order == std::vector<int>{0, 1, 2, 3});
  CHECK(pool.waiting() == 0);
}

TEST_CASE("searcher pool: a failed open frees its place", "[searcher_pool]") {
  SearcherPool pool("/nonexistent/postsearch-index", 1);
  CHECK_THROWS(pool.acquire());
  CHECK_THROWS(pool.acquire());  // would block forever if the first had kept the place
}

}  // namespace postsearch::http
