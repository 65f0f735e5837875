#include "common/diagnostic.h"

#include <algorithm>

#include "common/text.h"

namespace postsearch {

std::string Diagnostic::to_string() const {
  std::string out = text::escape_control(path);
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  if (!out.empty()) out += ": ";
  out += severity == Severity::kError ? "error: " : "warning: ";
  if (!field.empty()) out += text::escape_control(field) + ": ";
  out += text::escape_control(message);
  return out;
}

bool has_error(const Diagnostics& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

}  // namespace postsearch
