// Runs a queries.tsv through the search library with its default behaviour and writes a
// TREC run (top N per query) and, beside it, <run>.timing with the in-process loop's
// figures, in the format of ../shared/peers:
//   run_queries --index INDEX --queries queries.tsv --out run.trec [--docmap map.tsv] [--top 100]
//               [--search-box]   (10 hits with facets and snippets, as the search box asks)
//               [--cpu-time]     (each search timed by the thread's CPU time)
//               [--times FILE]   (each query's milliseconds: id, ms, query)
// docmap: "path<TAB>docid" lines mapping a post's source path to the collection's docid.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <vector>

#include "query/revision_memos.h"
#include "query/searcher.h"

namespace {

std::map<std::string, std::string> read_docmap(const std::string& path) {
  std::map<std::string, std::string> out;
  if (path.empty()) return out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

std::string docid_of(const std::map<std::string, std::string>& map, std::string id) {
  const auto it = map.find(id);
  if (it != map.end()) return it->second;
  std::replace_if(
      id.begin(), id.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n'; }, '_');
  return id;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// The calling thread's CPU time: on a shared machine, what a search costs without the time
// other processes held the core.
std::chrono::duration<double, std::milli> thread_cpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  std::string index, queries, out, docmap;
  int top = 100;
  CLI::App app{"Runs queries.tsv through postsearch's search library; writes a TREC run."};
  app.add_option("--index", index)->required();
  app.add_option("--queries", queries)->required();
  app.add_option("--out", out)->required();
  app.add_option("--docmap", docmap);
  app.add_option("--top", top);
  bool search_box = false;
  app.add_flag("--search-box", search_box,
               "Ask as the search box does: 10 hits with facets, snippets, the last word typed");
  std::string times;
  app.add_option("--times", times, "Also write each query's milliseconds here: id, ms, query");
  bool cpu_time = false;
  app.add_flag("--cpu-time", cpu_time,
               "Time each search by the thread's CPU time, not the wall clock (a loaded machine)");
  CLI11_PARSE(app, argc, argv);

  const auto map = read_docmap(docmap);
  // As the service runs it: the revision's memos (facet table, posting bitmaps, posts),
  // warmed before the clock starts.
  postsearch::Searcher searcher(index, std::make_shared<postsearch::RevisionMemos>());
  const std::atomic<bool> stop{false};
  (void)searcher.warm(stop);
  std::ifstream in(queries);
  std::ofstream run(out);
  std::ofstream each;
  if (!times.empty()) each.open(times);
  std::vector<double> ms;
  std::string line;
  const auto loop_start = std::chrono::steady_clock::now();
  while (std::getline(in, line)) {
    const auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string qid = line.substr(0, tab);
    postsearch::SearchRequest r;
    r.q = line.substr(tab + 1);
    r.per_page = search_box ? 10 : top;
    r.facets = search_box;
    r.snippets = search_box;
    r.partial = search_box;  // else a whole query, not one being typed
    const auto t0 = std::chrono::steady_clock::now();
    const auto cpu0 = thread_cpu();
    const postsearch::SearchResponse resp = searcher.search(r);
    ms.push_back(
        cpu_time ? (thread_cpu() - cpu0).count()
                 : std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                       .count());
    if (each.is_open()) each << qid << "\t" << ms.back() << "\t" << r.q << "\n";
    for (const auto& h : resp.hits) {
      run << qid << " Q0 " << docid_of(map, h.id) << " " << h.rank << " " << h.score
          << " postsearch\n";
    }
  }
  const double loop_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - loop_start).count();
  const double mean =
      ms.empty() ? 0 : std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  std::ofstream timing(out + ".timing");
  timing << "queries=" << ms.size() << "\nloop_s=" << loop_s << "\nmean_ms=" << mean
         << "\np50_ms=" << percentile(ms, 0.5) << "\np95_ms=" << percentile(ms, 0.95)
         << "\np99_ms=" << percentile(ms, 0.99) << "\n";
  std::cerr << ms.size() << " queries, mean " << mean << " ms\n";
  return 0;
}
