// Text helpers with a fast path that must agree with the obvious one.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "common/text.h"

namespace postsearch {
namespace {

std::string lower_one_by_one(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace

TEST_CASE("ascii_lower: every byte value in every position of a word", "[text]") {
  for (int b = 0; b < 256; ++b) {
    for (std::size_t at = 0; at < 11; ++at) {
      std::string s = "Mixed CASE\xC3\x89t\xC3\xA9";  // 14 bytes: a word of 8, then the rest
      s[at] = static_cast<char>(b);
      std::string fast = s;
      text::ascii_lower(fast);
      INFO("byte " << b << " at " << at);
      REQUIRE(fast == lower_one_by_one(s));
    }
  }
}

TEST_CASE("ascii_lower: random text of every length", "[text]") {
  std::mt19937 rng(3);
  for (std::size_t length = 0; length < 70; ++length) {
    std::string s(length, ' ');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    std::string fast = s;
    text::ascii_lower(fast);
    REQUIRE(fast == lower_one_by_one(s));
  }
  std::string word = "ÉCOLE Über HTTP/2";
  text::ascii_lower(word);
  CHECK(word == "École Über http/2");  // only A-Z change
}

}  // namespace postsearch
