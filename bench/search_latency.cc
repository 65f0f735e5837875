// In-process search latency over a query mix, one thread (one core), facets and snippets
// on, as a search box asks: one common word, three words, a phrase, a word being typed,
// a filtered query with every facet, and a long question. Queries are drawn from the
// index's own titles and vocabulary with a fixed seed, and none repeats. Each row gives the mean
// (what a throughput pays) beside the percentiles.
//   search_latency --index INDEX [--per-shape 300] [--seed 7] [--shape NAME] [--slowest N]
//     [--cpu-time] [--remote-timeout MS]
// A search that fails (a remote shard slower than --remote-timeout) ends the run with the
// shape, the query and Xapian's message on stderr, exit status 2.
#include <xapian.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/document.h"
#include "common/index_layout.h"
#include "common/text.h"
#include "query/revision_memos.h"
#include "query/searcher.h"

namespace {

using postsearch::SearchRequest;

struct Sample {
  std::vector<std::string> titles;
  std::vector<std::vector<std::string>> tags;
  std::vector<std::string> years;
  std::vector<std::string> common;  // frequent plain words
};

bool plain_word(const std::string& w) {
  return w.size() >= 3 &&
         std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// Opened as the searcher opens it: remote shards with the run's timeout.
Sample sample_index(const std::string& index, const postsearch::OpenOptions& open,
                    std::mt19937& rng) {
  const Xapian::Database db = postsearch::open_index_for_reading(index, open).db;
  Sample s;
  const Xapian::docid last = db.get_lastdocid();
  std::uniform_int_distribution<Xapian::docid> pick(1, last);
  for (int i = 0; i < 3000; ++i) {
    try {
      const auto post = postsearch::decode_stored(db.get_document(pick(rng)).get_data());
      s.titles.push_back(post.title);
      s.tags.push_back(post.tags);
      if (post.date_text.size() >= 4) s.years.push_back(post.date_text.substr(0, 4));
    } catch (const Xapian::DocNotFoundError&) {
    }
  }
  std::vector<std::pair<Xapian::doccount, std::string>> freq;
  for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
    if (plain_word(*t)) freq.emplace_back(t.get_termfreq(), *t);
  }
  std::sort(freq.rbegin(), freq.rend());
  for (std::size_t i = 0; i < freq.size() && s.common.size() < 400; ++i)
    s.common.push_back(freq[i].second);
  return s;
}

std::vector<std::string> words_of(const std::string& title) {
  std::vector<std::string> out;
  std::string w;
  for (const char c : postsearch::text::fold_case(title) + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      w += c;
    } else {
      if (w.size() >= 3) out.push_back(w);
      w.clear();
    }
  }
  return out;
}

// One request of the given shape, or nullopt when this title does not fit it.
std::optional<SearchRequest> make(const std::string& shape, const Sample& s, std::mt19937& rng) {
  auto any = [&](const auto& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
  };
  const std::size_t i = std::uniform_int_distribution<std::size_t>(0, s.titles.size() - 1)(rng);
  const auto words = words_of(s.titles[i]);
  SearchRequest r;
  if (shape == "one common word") {
    r.q = any(s.common);
  } else if (shape == "three words") {
    if (words.size() < 3) return std::nullopt;
    r.q = words[0] + " " + words[1] + " " + words[2];
  } else if (shape == "phrase") {
    if (words.size() < 2) return std::nullopt;
    r.q = "\"" + words[0] + " " + words[1] + "\"";
  } else if (shape == "typing a word") {
    if (words.size() < 2 || words[1].size() < 4) return std::nullopt;
    r.q = words[0] + " " + words[1].substr(0, 3);
  } else if (shape == "filtered, all facets") {
    if (s.tags[i].empty() || s.years.empty()) return std::nullopt;
    r.q = any(s.common);
    r.values(postsearch::schema::Filter::kTag) = {s.tags[i][0]};
    r.values(postsearch::schema::Filter::kYear) = {any(s.years)};
    r.facet_limit = 20;
  } else {
    if (words.size() < 3) return std::nullopt;
    r.q = "how do i " + words[0] + " the " + words[1] + " with " + words[2] + " " + any(s.common) +
          " and " + any(s.common);
  }
  return r;
}

// The calling thread's CPU time: on a shared machine, what a search costs without the time
// other processes held the core.
std::chrono::duration<double, std::milli> thread_cpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

const char* const kShapes[] = {"one common word", "three words",          "phrase",
                               "typing a word",   "filtered, all facets", "long question"};

// What a throughput pays: the tail counts in full, where a percentile hides it.
double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0
                   : v[std::min(v.size() - 1,
                                static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// What one run measures and how.
struct Options {
  std::string index;
  int per_shape = 300;
  unsigned seed = 7;
  bool no_facets = false;
  bool no_snippets = false;
  std::string only_shape;
  std::size_t slowest = 0;
  bool cpu_time = false;
  postsearch::OpenOptions open;
};

// Xapian's description of `e`, and for a remote shard's timeout the flag that sets it.
std::string described(const Xapian::Error& e, const postsearch::OpenOptions& open) {
  std::string out = e.get_description();
  if (std::string_view(e.get_type()) == "NetworkTimeoutError") {
    out += " (a remote shard took longer than --remote-timeout " +
           std::to_string(open.remote_timeout_ms) + " ms)";
  }
  return out;
}

// The key that makes a request distinct from the others of its shape.
std::string key_of(const SearchRequest& r) {
  std::string key = r.q;
  for (const auto& t : r.values(postsearch::schema::Filter::kTag)) key += "|" + t;
  for (const auto& y : r.values(postsearch::schema::Filter::kYear)) key += "|" + y;
  return key;
}

// Times `per_shape` distinct searches of one shape; prints its row (and its slowest
// queries) and returns their times in ms. A failed search throws std::runtime_error naming
// the shape and the query.
std::vector<double> run_shape(const char* shape, const Options& o, const Sample& sample,
                              postsearch::Searcher& searcher, std::mt19937& rng) {
  std::set<std::string> seen;
  std::vector<double> ms;
  std::vector<std::pair<double, std::string>> timed;  // ms, query
  for (int tries = 0; ms.size() < static_cast<std::size_t>(o.per_shape) && tries < o.per_shape * 50;
       ++tries) {
    auto r = make(shape, sample, rng);
    if (!r) continue;
    const std::string key = key_of(*r);
    if (!seen.insert(key).second) continue;
    r->facets = !o.no_facets;
    r->snippets = !o.no_snippets;
    const auto wall0 = std::chrono::steady_clock::now();
    const auto cpu0 = thread_cpu();
    try {
      (void)searcher.search(*r);
    } catch (const Xapian::Error& e) {
      throw std::runtime_error(std::string("shape \"") + shape + "\", query \"" + key +
                               "\": " + described(e, o.open));
    }
    ms.push_back(o.cpu_time ? (thread_cpu() - cpu0).count()
                            : std::chrono::duration<double, std::milli>(
                                  std::chrono::steady_clock::now() - wall0)
                                  .count());
    if (o.slowest > 0) timed.emplace_back(ms.back(), key);
  }
  std::printf("| %s | %zu | %.2f | %.2f | %.2f | %.2f |\n", shape, ms.size(), mean(ms),
              pct(ms, 0.5), pct(ms, 0.99), pct(ms, 1.0));
  std::sort(timed.rbegin(), timed.rend());
  for (std::size_t i = 0; i < std::min(o.slowest, timed.size()); ++i)
    std::printf("|   %s | | %.2f | | |\n", timed[i].second.c_str(), timed[i].first);
  std::fflush(stdout);
  return ms;
}

void measure(const Options& o) {
  std::mt19937 rng(o.seed);
  const Sample sample = sample_index(o.index, o.open, rng);
  // As the service runs it: the revision's memos (facet table, posting bitmaps of the
  // common terms, posts) warmed before the clock starts, as the service warms a revision.
  postsearch::Searcher searcher(o.index, std::make_shared<postsearch::RevisionMemos>(), o.open);
  const std::atomic<bool> stop{false};
  (void)searcher.warm(stop);
  (void)searcher.search(postsearch::SearchRequest{});
  std::vector<double> all;
  std::cout << "| query shape | queries | mean ms | p50 ms | p99 ms | max ms |\n"
               "|---|---:|---:|---:|---:|---:|\n";
  for (const char* shape : kShapes) {
    if (!o.only_shape.empty() && o.only_shape != shape) continue;
    const std::vector<double> ms = run_shape(shape, o, sample, searcher, rng);
    all.insert(all.end(), ms.begin(), ms.end());
  }
  std::printf("| all | %zu | %.2f | %.2f | %.2f | %.2f |\n", all.size(), mean(all), pct(all, 0.5),
              pct(all, 0.99), pct(all, 1.0));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"In-process search latency over a query mix (one thread)."};
  app.add_option("--index", o.index)->required();
  app.add_option("--per-shape", o.per_shape);
  app.add_option("--seed", o.seed);
  app.add_flag("--no-facets", o.no_facets, "Measure without facet counts");
  app.add_flag("--no-snippets", o.no_snippets, "Measure without snippets and sections");
  app.add_option("--shape", o.only_shape, "Measure this query shape only (as the table names it)")
      ->check(CLI::IsMember(std::vector<std::string>(std::begin(kShapes), std::end(kShapes))));
  app.add_option("--slowest", o.slowest, "After each shape's row, its N slowest queries");
  app.add_flag("--cpu-time", o.cpu_time,
               "Time each search by the thread's CPU time, not the wall clock (a loaded machine)");
  app.add_option("--remote-timeout", o.open.remote_timeout_ms,
                 "Remote shards: milliseconds to connect and per request")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    measure(o);
  } catch (const Xapian::Error& e) {  // sampling or opening the index
    std::cerr << "search_latency: " << described(e, o.open) << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "search_latency: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
