#include "query/http/metrics.h"

#include <ostream>
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

namespace {

void render_memos(std::ostream& out, const IndexGauges& index) {
  const MemoUsage& m = index.memos;
  out << "# HELP postsearch_cache_entries Entries in the index revision's caches.\n"
      << "# TYPE postsearch_cache_entries gauge\n"
      << "postsearch_cache_entries{cache=\"posts\"} " << m.posts << "\n"
      << "postsearch_cache_entries{cache=\"posting_bitmaps\"} " << m.posting_bitmaps << "\n"
      << "postsearch_cache_entries{cache=\"completions\"} " << m.completions << "\n"
      << "postsearch_cache_entries{cache=\"term_frequencies\"} " << m.term_frequencies << "\n"
      << "# HELP postsearch_cache_bytes Bytes held by the index revision's caches.\n"
      << "# TYPE postsearch_cache_bytes gauge\n"
      << "postsearch_cache_bytes{cache=\"posts\"} " << m.post_bytes << "\n"
      << "postsearch_cache_bytes{cache=\"posting_bitmaps\"} " << m.posting_bitmap_bytes << "\n"
      << "# HELP postsearch_warms_total Index revisions whose caches were filled ahead of use.\n"
      << "# TYPE postsearch_warms_total counter\npostsearch_warms_total " << index.warms << "\n"
      << "# HELP postsearch_last_warm_seconds How long filling the last revision's caches took.\n"
      << "# TYPE postsearch_last_warm_seconds gauge\npostsearch_last_warm_seconds "
      << index.last_warm_seconds << "\n";
}

}  // namespace

std::string Metrics::render(const IndexGauges& index, const LoadGauges& load) const {
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
  render_memos(out, index);
  out << "# HELP postsearch_low_priority_requests_total Requests of clients spending their CPU "
         "budget fast, run at low priority.\n"
      << "# TYPE postsearch_low_priority_requests_total counter\n"
      << "postsearch_low_priority_requests_total " << load.low_priority_requests << "\n";
  return out.str();
}

}  // namespace postsearch::http
