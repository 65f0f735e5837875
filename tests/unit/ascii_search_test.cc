#include "common/ascii_search.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "common/text.h"

namespace postsearch::text {
namespace {

// What ascii_ifind must equal: lower-case a copy, then search it for a match starting
// before `before`.
std::size_t reference(std::string text, const std::string& needle, std::size_t before) {
  ascii_lower(text);
  const std::size_t at = text.find(needle);
  if (at == std::string::npos || (before != std::string::npos && at >= before)) {
    // A later match may not be the first, but no match starts before it.
    return std::string::npos;
  }
  return at;
}

TEST_CASE("ascii_ifind ignores ASCII case only", "[text]") {
  CHECK(ascii_ifind("Install Python 3.12 today", "python") == 8);
  CHECK(ascii_ifind("INSTALL PYTHON", "python") == 8);
  CHECK(ascii_ifind("pyth on", "python") == std::string_view::npos);
  CHECK(ascii_ifind("Über straße", "straße") == 6);              // UTF-8 bytes compared as they are
  CHECK(ascii_ifind("ÜBER", "über") == std::string_view::npos);  // only A-Z are folded
  CHECK(ascii_ifind("a@b", "a@b") == 0);  // '@' | 0x20 is '`': the screen lets it through
  CHECK(ascii_ifind("a`b", "a@b") == std::string_view::npos);
  CHECK(ascii_ifind("", "x") == std::string_view::npos);
  CHECK(ascii_ifind("abc", "") == 0);
}

TEST_CASE("ascii_ifind finds only matches starting before the bound", "[text]") {
  CHECK(ascii_ifind("one two one", "one", 1) == 0);
  CHECK(ascii_ifind("xx one", "one", 3) == std::string_view::npos);
  CHECK(ascii_ifind("xx one", "one", 4) == 3);  // starts before 4, ends after it
  CHECK(ascii_ifind("one", "one", 0) == std::string_view::npos);
}

TEST_CASE("ascii_ifind agrees with lower-casing a copy, across block edges", "[text]") {
  std::mt19937 rng(12345);
  const std::string alphabet = "abAB@`1 \x80\xC3";
  for (int round = 0; round < 20000; ++round) {
    std::string text(rng() % 70, ' ');
    for (auto& c : text) c = alphabet[rng() % alphabet.size()];
    std::string needle(1 + rng() % 4, ' ');
    for (auto& c : needle) c = alphabet[rng() % alphabet.size()];
    ascii_lower(needle);
    const std::size_t before = rng() % 4 == 0 ? std::string::npos : rng() % 72;
    INFO("text '" << text << "' needle '" << needle << "' before " << before);
    REQUIRE(ascii_ifind(text, needle, before) == reference(text, needle, before));
  }
}

}  // namespace
}  // namespace postsearch::text
