// Decodes a source file's bytes into the UTF-8, LF-terminated text the parsers expect:
// strips a UTF-8 BOM, converts UTF-16 with a BOM (glibc iconv), turns CRLF and CR into LF,
// reads UTF-16 without a BOM (with a warning), drops stray NUL bytes from text (with a
// warning), refuses binary files, and repairs invalid UTF-8 (U+FFFD) with a warning naming the
// line. Pure function; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/diagnostic.h"

namespace postsearch {

struct SourceText {
  std::optional<std::string> text;  // empty when the file cannot be used at all
  Diagnostics diagnostics;
};

[[nodiscard]] SourceText decode_source(std::string_view bytes, const std::string& path);

}  // namespace postsearch
