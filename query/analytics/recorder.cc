#include "query/analytics/recorder.h"

#include "common/text.h"
#include "query/analytics/normalise.h"

namespace postsearch::analytics {

Recorder::Recorder(std::unique_ptr<Store> store, RecorderOptions options,
                   std::function<void(const std::string&)> on_error)
    : store_(std::move(store)), options_(options), on_error_(std::move(on_error)) {
  thread_ = std::thread([this] { loop(); });
}

Recorder::~Recorder() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  flush();
}

void Recorder::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, options_.flush_interval);
    if (stop_) break;
    lock.unlock();
    flush();
    lock.lock();
  }
}

void Recorder::record_search(const SearchRequest& request, const SearchResponse& response) {
  if (request.page != 1) return;
  const auto query = normalise_query(request.q);
  if (!query) return;
  SearchKey key{today(), *query, langs_key(request), filters_key(request)};
  const std::lock_guard<std::mutex> lock(mutex_);
  auto it = pending_.searches.find(key);
  if (it == pending_.searches.end()) {
    if (pending_.searches.size() >= options_.max_pending) {
      ++dropped_;
      return;
    }
    it = pending_.searches.emplace(std::move(key), SearchCounts{}).first;
  }
  SearchCounts& c = it->second;
  ++c.count;
  if (response.hits.empty()) ++c.zero;
  if (!response.hits.empty() && !response.every_word) ++c.partial;
  if (response.corrected) ++c.corrected;
  c.hits = static_cast<long long>(response.total.estimate);
}

bool Recorder::record_open(const std::string& query, int rank, const std::string& post_id) {
  const auto q = normalise_query(query);
  if (!q || rank < 1 || rank > kMaxOpenRank || post_id.empty() ||
      post_id.size() > kMaxPostIdBytes || !text::is_valid_utf8(post_id) ||
      text::has_control(post_id))
    return false;
  OpenKey key{today(), *q, rank, post_id};
  const std::lock_guard<std::mutex> lock(mutex_);
  auto it = pending_.opens.find(key);
  if (it == pending_.opens.end()) {
    if (pending_.opens.size() >= options_.max_pending) {
      ++dropped_;
      return true;
    }
    it = pending_.opens.emplace(std::move(key), 0).first;
  }
  ++it->second;
  return true;
}

void Recorder::flush() {
  const std::lock_guard<std::mutex> one_at_a_time(flush_mutex_);
  Batch batch;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::swap(batch, pending_);
  }
  if (batch.empty()) return;
  try {
    const std::size_t left_out = store_->add(batch, today());
    const std::lock_guard<std::mutex> lock(mutex_);
    dropped_ += left_out;
  } catch (const std::exception& e) {
    if (on_error_) on_error_(e.what());
  }
}

std::size_t Recorder::dropped() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

}  // namespace postsearch::analytics
