// Diagnostics: how bad *content* (a post's front matter, a date, a query) is reported.
// Such problems are values the caller handles, never exceptions; each names the file,
// line and column (1-based, 0 when unknown) and the field when there is one.
// Bad *environment* (I/O, Xapian errors) throws instead and is caught once, in main.
#pragma once

#include <string>
#include <vector>

namespace postsearch {

enum class Severity { kWarning, kError };

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string path;     // source file, relative to the site root when known
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;       // 1-based; 0 when unknown
  std::string field;    // front-matter field or request parameter; empty when none
  std::string message;  // what is wrong, in words a site owner understands

  // "path:line:col: error: field: message", omitting the parts that are unknown; control
  // characters in path, field and message escaped (text::escape_control): one line.
  [[nodiscard]] std::string to_string() const;
};

using Diagnostics = std::vector<Diagnostic>;

[[nodiscard]] bool has_error(const Diagnostics& diagnostics);

}  // namespace postsearch
