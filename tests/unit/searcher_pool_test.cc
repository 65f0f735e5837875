// The HTTP service's searcher pool: at most max_searchers exist; a request beyond that
// waits for one to come back rather than opening another database; its warmer fills each
// revision's memos off the request path.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/index_layout.h"
#include "indexer/indexer.h"
#include "query/http/searcher_pool.h"
#include "test_support.h"

namespace postsearch::http {

namespace {

PoolOptions searchers(std::size_t n) {
  PoolOptions o;
  o.max_searchers = n;
  return o;
}

}  // namespace

TEST_CASE("searcher pool: bounded, and a waiting request gets the searcher given back",
          "[searcher_pool]") {
  SearcherPool pool(testing::example_index(), searchers(2));
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

TEST_CASE(
    "searcher pool: one client holds at most half the searchers, never the last free one "
    "once it holds one, and a client holding none is served first",
    "[searcher_pool]") {
  SearcherPool pool(testing::example_index(), searchers(4));
  // Declared before the leases, so that a failed REQUIRE gives the leases back before it
  // waits for the requests still in line.
  std::future<void> a3;
  std::future<void> x2;
  std::future<void> light;
  auto waiting_reaches = [&](std::size_t n) {
    for (int spin = 0; pool.waiting() < n && spin < 10000; ++spin)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return pool.waiting() == n;
  };
  std::optional<SearcherPool::Lease> a1(pool.acquire("heavy"));
  std::optional<SearcherPool::Lease> a2(pool.acquire("heavy"));
  // Two places are free, but "heavy" holds its share: its third search waits.
  a3 = std::async(std::launch::async, [&] { SearcherPool::Lease l = pool.acquire("heavy"); });
  REQUIRE(waiting_reaches(1));
  std::optional<SearcherPool::Lease> x(pool.acquire("x"));
  // One is free, and "x" holds one already: the last stays for a client that holds none.
  x2 = std::async(std::launch::async, [&] { SearcherPool::Lease l = pool.acquire("x"); });
  REQUIRE(waiting_reaches(2));
  std::optional<SearcherPool::Lease> y(pool.acquire("y"));  // holds none: served at once
  light = std::async(std::launch::async, [&] { SearcherPool::Lease l = pool.acquire("light"); });
  REQUIRE(waiting_reaches(3));
  // One comes back: "light", which holds none, takes it (and gives it back); "heavy" is at
  // its share, and "x" may not take the last free one.
  y.reset();
  REQUIRE(light.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(a3.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout);
  CHECK(x2.wait_for(std::chrono::milliseconds(1)) == std::future_status::timeout);
  a1.reset();  // two free now: both may go
  REQUIRE(a3.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  REQUIRE(x2.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(pool.waiting() == 0);
}

TEST_CASE("searcher pool: waiting requests are served in the order they came", "[searcher_pool]") {
  SearcherPool pool(testing::example_index(), searchers(1));
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
  SearcherPool pool("/nonexistent/postsearch-index", searchers(1));
  CHECK_THROWS(pool.acquire());
  CHECK_THROWS(pool.acquire());  // would block forever if the first had kept the place
}

TEST_CASE("searcher pool: a refresh that fails with a Xapian error frees its place",
          "[searcher_pool]") {
  testing::TempDir tmp;
  const IndexerOptions indexing = testing::indexed_example_copy(tmp);
  auto pool = std::make_shared<SearcherPool>(indexing.index_dir, searchers(1));
  { SearcherPool::Lease first = pool->acquire(); }
  // The live generation loses its version file (same stub, same directory): the idle
  // searcher's reopen() throws a Xapian::Error, which is not a std::exception.
  const std::filesystem::path version =
      *IndexLayout(indexing.index_dir).live_generation() / "iamglass";
  std::filesystem::rename(version, version.string() + ".away");
  CHECK_THROWS(pool->acquire());
  std::filesystem::rename(version.string() + ".away", version);
  // The next request is served, not left waiting for a place never given back.
  auto served = std::make_shared<std::promise<std::size_t>>();
  std::future<std::size_t> documents = served->get_future();
  std::thread next([pool, served] { served->set_value(pool->acquire()->info().documents); });
  if (documents.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    next.detach();  // blocked for good; it keeps the pool alive
    FAIL("acquire() still waits: the failed refresh kept the only place");
  }
  next.join();
  CHECK(documents.get() > 0);
}

// Collects the warmer's reports; next() waits for one.
class WarmLog {
 public:
  void add(const WarmEvent& e) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(e);
    }
    changed_.notify_all();
  }
  std::optional<WarmEvent> next() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!changed_.wait_for(lock, std::chrono::seconds(30), [&] { return seen_ < events_.size(); }))
      return std::nullopt;
    return events_[seen_++];
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<WarmEvent> events_;
  std::size_t seen_ = 0;
};

TEST_CASE("searcher pool: the warmer fills each revision's posts before a search asks",
          "[searcher_pool]") {
  testing::TempDir tmp;
  const IndexerOptions indexing = testing::indexed_example_copy(tmp);

  WarmLog log;
  PoolOptions options = searchers(1);
  options.warm = true;
  options.on_warm = [&](const WarmEvent& e) { log.add(e); };
  SearcherPool pool(indexing.index_dir, options);
  const std::optional<WarmEvent> first = log.next();  // at start, with no request made
  REQUIRE(first);
  CHECK(first->error.empty());
  CHECK(first->report.complete);
  CHECK(first->report.posts == 50);  // examples/site: 47 posts, 3 pages
  CHECK(pool.memo_usage().posts == 50);
  std::string revision;
  {
    SearcherPool::Lease lease = pool.acquire();
    revision = lease->revision();
  }
  CHECK(first->revision == revision);

  // A commit: the lease that sees it wakes the warmer, which fills the new revision's.
  testing::write_file(indexing.site_dir / "_posts" / "2026-02-01-warm.md",
                      "---\ntitle: Warm\n---\nWarmword arrives.\n");
  (void)run_indexer(indexing);
  {
    SearcherPool::Lease lease = pool.acquire();
    revision = lease->revision();
  }
  const std::optional<WarmEvent> second = log.next();
  REQUIRE(second);
  CHECK(second->revision == revision);
  CHECK(second->report.posts == 51);
  CHECK(pool.memo_usage().posts == 51);
}

TEST_CASE("searcher pool: an index Xapian cannot read is reported by the warmer, not fatal",
          "[searcher_pool]") {
  testing::TempDir tmp;
  const IndexerOptions indexing = testing::indexed_example_copy(tmp);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(indexing.index_dir)) {
    if (entry.path().filename() == "iamglass") testing::write_file(entry.path(), "not glass");
  }
  WarmLog log;
  PoolOptions options = searchers(1);
  options.warm = true;
  options.on_warm = [&](const WarmEvent& e) { log.add(e); };
  SearcherPool pool(indexing.index_dir, options);
  const std::optional<WarmEvent> first = log.next();
  REQUIRE(first);
  CHECK_FALSE(first->error.empty());
  CHECK_FALSE(first->report.complete);
}

TEST_CASE("searcher pool: without warming, the posts are kept as searches show them",
          "[searcher_pool]") {
  SearcherPool pool(testing::example_index(), searchers(1));
  CHECK(pool.memo_usage().posts == 0);
  SearchRequest r;
  r.q = "bread";
  r.per_page = 3;
  const std::size_t shown = pool.acquire()->search(r).hits.size();
  REQUIRE(shown > 0);
  CHECK(pool.memo_usage().posts == shown);
}

}  // namespace postsearch::http
