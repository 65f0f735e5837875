#include "query/http/metrics.h"

#include <sstream>

namespace postsearch::http {

void Metrics::record(const std::string& route, int status, double seconds) {
  const std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{route, status}];
  auto& b = buckets_[route];
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++b[i];
  latency_sum_[route] += seconds;
}

std::string Metrics::render(const IndexGauges& index) const {
  std::ostringstream out;
  const std::lock_guard<std::mutex> lock(mutex_);
  out << "# HELP postsearch_http_requests_total HTTP requests by route and status.\n"
      << "# TYPE postsearch_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out << "postsearch_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second
        << "\"} " << count << "\n";
  }
  out << "# HELP postsearch_http_request_duration_seconds Request latency.\n"
      << "# TYPE postsearch_http_request_duration_seconds histogram\n";
  for (const auto& [route, b] : buckets_) {
    std::size_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += b[i];
      out << "postsearch_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
          << kBuckets[i] << "\"} " << cumulative << "\n";
    }
    cumulative += b[kBuckets.size()];
    out << "postsearch_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} "
        << cumulative << "\n";
    out << "postsearch_http_request_duration_seconds_sum{route=\"" << route << "\"} "
        << latency_sum_.at(route) << "\n";
    out << "postsearch_http_request_duration_seconds_count{route=\"" << route << "\"} "
        << cumulative << "\n";
  }
  out << "# HELP postsearch_index_ready 1 when the index is open and of this schema version.\n"
      << "# TYPE postsearch_index_ready gauge\npostsearch_index_ready " << (index.ready ? 1 : 0)
      << "\n"
      << "# HELP postsearch_index_documents Posts in the index.\n"
      << "# TYPE postsearch_index_documents gauge\npostsearch_index_documents " << index.documents
      << "\n"
      << "# HELP postsearch_index_age_seconds Seconds since the last indexer run.\n"
      << "# TYPE postsearch_index_age_seconds gauge\npostsearch_index_age_seconds "
      << index.age_seconds << "\n"
      << "# HELP postsearch_index_info The index revision being served.\n"
      << "# TYPE postsearch_index_info gauge\npostsearch_index_info{revision=\"" << index.revision
      << "\"} 1\n"
      << "# HELP postsearch_index_reopens_total Reopens that picked up a new commit.\n"
      << "# TYPE postsearch_index_reopens_total counter\npostsearch_index_reopens_total "
      << index.reopens << "\n";
  return out.str();
}

}  // namespace postsearch::http
