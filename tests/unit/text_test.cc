// Text helpers with a fast path that must agree with the obvious one.
#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "common/diagnostic.h"
#include "common/text.h"
#include "query/http/pages.h"

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

TEST_CASE("strip_control: controls and noncharacters go, text and white space stay", "[text]") {
  CHECK(text::strip_control("a\x01"
                            "b\x1b[31mc\x7f"
                            "d") == "ab[31mcd");
  CHECK(text::strip_control("tab\tnl\ncr\r") == "tab\tnl\ncr\r");
  CHECK(text::strip_control("vt\vff\f") == "vt ff ");
  CHECK(text::strip_control("c1\xC2\x85x") == "c1x");                  // U+0085
  CHECK(text::strip_control("n\xEF\xBF\xBEn\xEF\xBF\xBFn") == "nnn");  // U+FFFE, U+FFFF
  CHECK(text::strip_control("n\xEF\xB7\x90n") == "nn");                // U+FDD0
  CHECK(text::strip_control("\xF0\x9F\xBF\xBFx") == "x");              // U+1FFFF
  CHECK(text::strip_control("caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80") ==
        "caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80");
  CHECK(text::has_control("x\x01"));
  CHECK_FALSE(text::has_control("x\ty\n"));
}

TEST_CASE("escape_control: one visible line, whatever the input", "[text]") {
  CHECK(text::escape_control("_posts/a\x1b[31m.md") == "_posts/a\\x1B[31m.md");
  CHECK(text::escape_control("a\nb\tc\\d") == "a\\x0Ab\\x09c\\\\d");
  CHECK(text::escape_control("bad\xFFutf8") == "bad\\xFFutf8");
  CHECK(text::escape_control("n\xEF\xBF\xBE") == "n\\u{FFFE}");
  CHECK(text::escape_control("caf\xC3\xA9") == "caf\xC3\xA9");
  const Diagnostic d{Severity::kError, "x\n_posts-fake.md: error: FORGED", 3, 0, "ti\x1btle",
                     "bad\rthing"};
  CHECK(d.to_string() == "x\\x0A_posts-fake.md: error: FORGED:3: error: ti\\x1Btle: bad\\x0Dthing");
}

TEST_CASE("truncate_words: at a word boundary when one is near, else at a code point", "[text]") {
  CHECK(text::truncate_words("alpha beta gamma", 12) == "alpha beta");
  CHECK(text::truncate_words("alpha beta gamma", 11) == "alpha beta");
  CHECK(text::truncate_words("alpha beta gamma", 100) == "alpha beta gamma");
  CHECK(text::truncate_words("a bcdefghijklmnop", 10) == "a bcdefghi");  // no space in 2nd half
  CHECK(text::truncate_words("\xC3\xA9\xC3\xA9\xC3\xA9", 5) == "\xC3\xA9\xC3\xA9");
}

TEST_CASE("html_escape: attribute-safe by default or text-only for excerpts", "[text]") {
  const std::string input = "a<b>&\"c\"'d' \xFF";
  CHECK(text::html_escape(input) == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39; \xFF");
  CHECK(text::html_escape(input, text::HtmlEscape::kText) == "a&lt;b&gt;&amp;\"c\"'d' \xFF");
  std::string out = "x";
  text::append_html_escaped(out, "'\"");
  CHECK(out == "x&#39;&quot;");
  // Attribute-safe: no quote of either kind survives, whatever the input.
  std::string every;
  for (int c = 1; c < 256; ++c) every += static_cast<char>(c);
  const std::string escaped = text::html_escape(every);
  CHECK(escaped.find_first_of("\"'<>") == std::string::npos);
}

TEST_CASE("xml_escape: what XML 1.0 forbids is dropped", "[text]") {
  CHECK(http::xml_escape("a\x01<b>\xEF\xBF\xBE&\xFF") == "a&lt;b&gt;&amp;\xEF\xBF\xBD");
}

}  // namespace postsearch
