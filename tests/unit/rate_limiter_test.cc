// The service's per-client token buckets (query/http/rate_limiter.h). Refill is real time:
// these tests use rates so slow (nothing refills during a test) or so fast (everything
// refills at once) that the clock does not matter.
#include <catch2/catch.hpp>

#include <limits>

#include "query/http/rate_limiter.h"

namespace postsearch::http {

TEST_CASE("rate limiter: a burst is admitted, then the wait follows the rate", "[rate_limiter]") {
  RateLimiter limiter(0.5, 3);  // one token every 2 s
  CHECK(limiter.tokens("a") == 3);
  for (int i = 0; i < 3; ++i) CHECK(limiter.admit("a") == 0);
  CHECK(limiter.tokens("a") < 1);
  CHECK(limiter.would_wait("a") == 2);
  CHECK(limiter.admit("a") == 2);  // refused: nothing taken
  CHECK(limiter.would_wait("a") == 2);
  // Another client has its own bucket.
  CHECK(limiter.would_wait("b") == 0);
  CHECK(limiter.admit("b", 3) == 0);
  CHECK(limiter.admit("b", 1) > 0);
}

TEST_CASE("rate limiter: a cost above what is held waits for the difference", "[rate_limiter]") {
  RateLimiter limiter(1e-9, 4);
  CHECK(limiter.admit("a", 3) == 0);
  CHECK(limiter.would_wait("a", 1) == 0);
  CHECK(limiter.would_wait("a", 2) > 0);
  CHECK(limiter.admit("a", 2) > 0);
  CHECK(limiter.admit("a", 1) == 0);
}

TEST_CASE("rate limiter: charges put a bucket into debt, at most a burst deep", "[rate_limiter]") {
  RateLimiter limiter(1, 2);
  limiter.charge("a", 100);
  CHECK(limiter.tokens("a") == Approx(-2).margin(0.01));
  CHECK(limiter.admit("a") == 3);  // from -2 to 1 token at 1 a second
  limiter.charge("b", 0);          // nothing to charge: no bucket made
  limiter.charge("b", -5);
  CHECK(limiter.tokens("b") == 2);
}

TEST_CASE("rate limiter: a fast rate refills at once", "[rate_limiter]") {
  RateLimiter limiter(1e12, 1);
  for (int i = 0; i < 100; ++i) REQUIRE(limiter.admit("a") == 0);
}

TEST_CASE("rate limiter: a rate of 0 or less admits everything", "[rate_limiter]") {
  for (const double rate : {0.0, -1.0}) {
    RateLimiter limiter(rate, 1);
    for (int i = 0; i < 10; ++i) CHECK(limiter.admit("a", 5) == 0);
    limiter.charge("a", 100);
    CHECK(limiter.would_wait("a") == 0);
    CHECK(limiter.tokens("a") == std::numeric_limits<double>::max());
  }
}

TEST_CASE("client keys: IPv4 as it is, IPv6 by its /64, mapped IPv4 as IPv4", "[rate_limiter]") {
  CHECK(client_key("192.0.2.7") == "192.0.2.7");
  CHECK(client_key("::ffff:192.0.2.7") == "192.0.2.7");
  CHECK(client_key("2001:db8:0:1::1") == "2001:db8:0:1::/64");
  CHECK(client_key("2001:db8:0:1:ffff:ffff:ffff:ffff") == "2001:db8:0:1::/64");
  CHECK(client_key("2001:db8:0:2::1") == "2001:db8:0:2::/64");
  CHECK(client_key("::1") == "::/64");
  CHECK(client_key("not an address") == "not an address");
  CHECK(client_key("") == "");
}

}  // namespace postsearch::http
