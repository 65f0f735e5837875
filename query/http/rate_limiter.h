// A token bucket per client address: `rate` requests per second with bursts of `burst`.
// Buckets idle for a minute are forgotten, so memory stays bounded by active clients.
// Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace postsearch::http {

class RateLimiter {
 public:
  // rate <= 0 disables limiting.
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}

  // 0 when the request may go ahead, else the seconds to wait (for Retry-After).
  [[nodiscard]] int admit(const std::string& client);

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  void forget_idle(Clock::time_point now);

  double rate_;
  double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point last_sweep_ = Clock::now();
};

}  // namespace postsearch::http
