// The HTTP service's searcher pool: at most max_searchers exist; a request beyond that
// waits for one to come back rather than opening another database.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>

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

TEST_CASE("searcher pool: a failed open frees its place", "[searcher_pool]") {
  SearcherPool pool("/nonexistent/postsearch-index", 1);
  CHECK_THROWS(pool.acquire());
  CHECK_THROWS(pool.acquire());  // would block forever if the first had kept the place
}

}  // namespace postsearch::http
