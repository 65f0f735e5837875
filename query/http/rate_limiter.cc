#include "query/http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace postsearch::http {

RateLimiter::Bucket& RateLimiter::refilled(const std::string& client, Clock::time_point now) {
  forget_idle(now);
  auto [it, inserted] = buckets_.try_emplace(client, Bucket{burst_, now});
  Bucket& b = it->second;
  if (!inserted) {
    const double elapsed = std::chrono::duration<double>(now - b.last).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
    b.last = now;
  }
  return b;
}

int RateLimiter::admit(const std::string& client, double cost) {
  if (rate_ <= 0) return 0;
  const std::lock_guard<std::mutex> lock(mutex_);
  Bucket& b = refilled(client, Clock::now());
  if (b.tokens >= cost && b.tokens > 0) {
    b.tokens -= cost;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((std::max(cost, 0.0) - b.tokens) / rate_)));
}

void RateLimiter::charge(const std::string& client, double amount) {
  if (rate_ <= 0 || amount <= 0) return;
  const std::lock_guard<std::mutex> lock(mutex_);
  Bucket& b = refilled(client, Clock::now());
  b.tokens = std::max(-burst_, b.tokens - amount);
}

void RateLimiter::forget_idle(Clock::time_point now) {
  if (now - last_sweep_ < std::chrono::seconds(10)) return;
  last_sweep_ = now;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = now - it->second.last > std::chrono::minutes(1) ? buckets_.erase(it) : std::next(it);
  }
}

}  // namespace postsearch::http
