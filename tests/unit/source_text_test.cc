#include <catch2/catch.hpp>

#include "indexer/source_text.h"

namespace postsearch {

TEST_CASE("source text: BOMs, UTF-16 and line ends", "[source_text]") {
  CHECK(*decode_source("\xEF\xBB\xBFhi\r\nthere\rx", "a.md").text == "hi\nthere\nx");
  const std::string utf16le(
      "\xFF\xFE"
      "h\0i\0\n\0",
      8);
  CHECK(*decode_source(utf16le, "b.md").text == "hi\n");
  const std::string utf16be("\xFE\xFF\0h\0i", 6);
  CHECK(*decode_source(utf16be, "c.md").text == "hi");
}

TEST_CASE("source text: invalid UTF-8 is repaired with a warning naming the line",
          "[source_text]") {
  const auto r = decode_source("ok\nbad \xC3\x28 here\n", "d.md");
  REQUIRE(r.text);
  CHECK(*r.text == "ok\nbad \xEF\xBF\xBD( here\n");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].severity == Severity::kWarning);
  CHECK(r.diagnostics[0].line == 2);
}

TEST_CASE("source text: binary files are refused", "[source_text]") {
  const auto r = decode_source(std::string("\x89PNG\r\n\x1a\n\0\0\0", 11), "e.md");
  CHECK_FALSE(r.text);
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].message.find("binary file") == 0);
}

TEST_CASE("source text: UTF-16 without a BOM is read, with a warning", "[source_text]") {
  const std::string le("h\0i\0 \0t\0h\0e\0r\0e\0\n\0", 18);
  const auto r = decode_source(le, "f.md");
  REQUIRE(r.text);
  CHECK(*r.text == "hi there\n");
  REQUIRE(r.diagnostics.size() == 1);
  CHECK(r.diagnostics[0].severity == Severity::kWarning);
  CHECK(r.diagnostics[0].message.find("UTF-16LE text without a byte order mark") == 0);
}

TEST_CASE("source text: stray NUL bytes leave text, other control bytes make it binary",
          "[source_text]") {
  const auto stray = decode_source(std::string("one\ntwo\0 three\n", 15), "g.md");
  REQUIRE(stray.text);
  CHECK(*stray.text == "one\ntwo three\n");
  REQUIRE(stray.diagnostics.size() == 1);
  CHECK(stray.diagnostics[0].line == 2);
  CHECK(stray.diagnostics[0].message == "1 NUL byte(s) removed");
  CHECK_FALSE(decode_source(std::string("\0\x01\x02PNG", 6), "h.md").text);
}

}  // namespace postsearch
