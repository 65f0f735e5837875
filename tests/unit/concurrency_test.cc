// Searches from several threads through the service's searcher pool while the indexer
// library commits incremental runs and publishes rebuilt generations: no search fails, and
// the new posts become visible. Built under ThreadSanitizer by scripts/check (build/tsan).
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "indexer/indexer.h"
#include "query/http/searcher_pool.h"
#include "test_support.h"

namespace postsearch::http {

namespace {
void add_post(const std::filesystem::path& site, int n) {
  testing::write_file(
      site / "_posts" /
          ("2026-01-0" + std::to_string(1 + n % 9) + "-fresh-" + std::to_string(n) + ".md"),
      "---\ntitle: Fresh " + std::to_string(n) + "\ntags: [fresh]\n---\nFreshword" +
          std::to_string(n) + " bread and sourdough.\n");
}

}  // namespace

TEST_CASE("concurrency: searches during incremental runs and rebuilds never fail",
          "[concurrency]") {
  testing::TempDir tmp;
  IndexerOptions options = testing::indexed_example_copy(tmp);
  const auto site = options.site_dir;

  PoolOptions three;
  three.max_searchers = 3;
  SearcherPool pool(options.index_dir, three);
  std::atomic<bool> stop{false};
  std::atomic<int> searches{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      SearchRequest request;
      request.q = t % 2 ? "bread" : "fresh sourdough";
      while (!stop) {
        try {
          auto searcher = pool.acquire();
          const SearchResponse r = searcher->search(request);
          if (t % 2 && r.hits.empty()) ++failures;
          ++searches;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (int run = 0; run < 6; ++run) {
    add_post(site, run);
    options.rebuild = run % 2 == 1;
    (void)run_indexer(options);
  }
  stop = true;
  for (auto& t : readers) t.join();

  CHECK(failures == 0);
  CHECK(searches > 0);
  SearchRequest fresh;
  fresh.q = "freshword5";
  CHECK(pool.acquire()->search(fresh).hits.size() == 1);
}

}  // namespace postsearch::http
