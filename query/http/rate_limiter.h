// A token bucket per client address: `rate` tokens a second, at most `burst` held. Requests
// take one token each as they come (the request rate); the CPU budget takes none to enter and
// is charged the CPU seconds a search used once it is done, so a client whose searches are
// expensive waits longer between them. Buckets idle for a minute are forgotten, so memory
// stays bounded by active clients. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace postsearch::http {

// The key one client's budgets (requests, CPU, searchers, open connections) are kept under,
// from its numeric address: an IPv4 address as it is, an IPv4-mapped IPv6 address as its
// IPv4 form, any other IPv6 address as its /64 network ("2001:db8:0:1::/64"): a host is
// usually given a whole /64 and may send from any address in it, so keying each address
// would give one client 2^64 budgets. Anything else (an X-Forwarded-For value that is no
// address) is its own key.
[[nodiscard]] std::string client_key(std::string_view address);

class RateLimiter {
 public:
  // rate <= 0 disables limiting.
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}

  // Takes `cost` tokens when the client's bucket holds that many and is not in debt.
  // Returns 0 when the request may go ahead, else the seconds to wait (for Retry-After).
  [[nodiscard]] int admit(const std::string& client, double cost = 1.0);
  // Takes `amount` tokens after the fact; the bucket may go into debt, down to -burst.
  void charge(const std::string& client, double amount);
  // What admit(client, cost) would answer now, taking nothing (and keeping no bucket for a
  // client it does not know): the cheap check made when a connection is accepted.
  [[nodiscard]] int would_wait(const std::string& client, double cost = 1.0);
  // The tokens the client's bucket holds now: `burst` for a client it does not know, less for
  // one that spent them; a large number when limiting is off.
  [[nodiscard]] double tokens(const std::string& client);

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  Bucket& refilled(const std::string& client, Clock::time_point now);         // mutex_ held
  double tokens_now(const std::string& client, Clock::time_point now) const;  // mutex_ held
  [[nodiscard]] int wait_for(double tokens, double cost) const;
  void forget_idle(Clock::time_point now);

  double rate_;
  double burst_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  Clock::time_point last_sweep_ = Clock::now();
};

}  // namespace postsearch::http
