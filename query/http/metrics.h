// Request counters and a latency histogram for /metrics, in Prometheus text format.
// Thread-safe (one mutex; the work under it is a few map updates).
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "query/revision_memos.h"

namespace postsearch::http {

struct IndexGauges {
  std::string revision;
  double age_seconds = 0;
  std::size_t documents = 0;
  std::size_t reopens = 0;
  bool ready = false;
  MemoUsage memos;               // what the revision's caches hold
  std::size_t warms = 0;         // revisions warmed
  double last_warm_seconds = 0;  // how long the last one took
};

// How the service shares its work out (server.h, low_priority_lane.h).
struct LoadGauges {
  std::size_t low_priority_requests = 0;  // requests run in the low-priority lane
};

class Metrics {
 public:
  void record(const std::string& route, int status, double seconds);
  [[nodiscard]] std::string render(const IndexGauges& index, const LoadGauges& load) const;

 private:
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02,
                                                   0.05,   0.1,   0.25,  0.5,   1.0,  5.0};
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::size_t> requests_;
  std::map<std::string, std::array<std::size_t, kBuckets.size() + 1>> buckets_;
  std::map<std::string, double> latency_sum_;
};

}  // namespace postsearch::http
