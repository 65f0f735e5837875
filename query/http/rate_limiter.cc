#include "query/http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace postsearch::http {

int RateLimiter::admit(const std::string& client) {
  if (rate_ <= 0) return 0;
  const auto now = Clock::now();
  const std::lock_guard<std::mutex> lock(mutex_);
  forget_idle(now);
  auto [it, inserted] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!inserted) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate_)));
}

void RateLimiter::forget_idle(Clock::time_point now) {
  if (now - last_sweep_ < std::chrono::seconds(10)) return;
  last_sweep_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = now - it->second.last > std::chrono::minutes(1) ? buckets_.erase(it) : std::next(it);
  }
}

}  // namespace postsearch::http
