#include "query/http/rate_limiter.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>

namespace postsearch::http {

std::string client_key(std::string_view address) {
  const std::string text(address);
  in6_addr a{};
  if (::inet_pton(AF_INET6, text.c_str(), &a) != 1) return text;
  char out[INET6_ADDRSTRLEN] = "";
  if (IN6_IS_ADDR_V4MAPPED(&a)) {
    return ::inet_ntop(AF_INET, &a.s6_addr[12], out, sizeof out) != nullptr ? out : text;
  }
  std::fill(std::begin(a.s6_addr) + 8, std::end(a.s6_addr), std::uint8_t{0});
  if (::inet_ntop(AF_INET6, &a, out, sizeof out) == nullptr) return text;
  return std::string(out) + "/64";
}

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

double RateLimiter::tokens_now(const std::string& client, Clock::time_point now) const {
  const auto it = buckets_.find(client);
  if (it == buckets_.end()) return burst_;
  const double elapsed = std::chrono::duration<double>(now - it->second.last).count();
  return std::min(burst_, it->second.tokens + elapsed * rate_);
}

int RateLimiter::wait_for(double tokens, double cost) const {
  if (tokens >= cost && tokens > 0) return 0;
  return std::max(1, static_cast<int>(std::ceil((std::max(cost, 0.0) - tokens) / rate_)));
}

int RateLimiter::admit(const std::string& client, double cost) {
  if (rate_ <= 0) return 0;
  const std::lock_guard<std::mutex> lock(mutex_);
  Bucket& b = refilled(client, Clock::now());
  const int wait = wait_for(b.tokens, cost);
  if (wait == 0) b.tokens -= cost;
  return wait;
}

int RateLimiter::would_wait(const std::string& client, double cost) {
  if (rate_ <= 0) return 0;
  const std::lock_guard<std::mutex> lock(mutex_);
  return wait_for(tokens_now(client, Clock::now()), cost);
}

double RateLimiter::tokens(const std::string& client) {
  if (rate_ <= 0) return std::numeric_limits<double>::max();
  const std::lock_guard<std::mutex> lock(mutex_);
  return tokens_now(client, Clock::now());
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
