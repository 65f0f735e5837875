#include "common/text.h"

#include <utf8proc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

namespace postsearch::text {
namespace {

// Code point at s[i] and its length; length 0 when the bytes there are not valid UTF-8.
std::pair<utf8proc_int32_t, std::size_t> code_point_at(std::string_view s, std::size_t i) {
  utf8proc_int32_t cp = 0;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i);
  const auto n = utf8proc_iterate(p, static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
  return {cp, n > 0 ? static_cast<std::size_t>(n) : 0};
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_control_or_nonchar(utf8proc_int32_t cp) {
  if (cp < 0x20) return cp != '\t' && cp != '\n' && cp != '\r';
  if (cp >= 0x7F && cp <= 0x9F) return true;
  if (cp >= 0xFDD0 && cp <= 0xFDEF) return true;
  return (cp & 0xFFFE) == 0xFFFE;
}

}  // namespace

Utf8Repair repair_utf8(std::string_view input) {
  Utf8Repair out;
  out.text.reserve(input.size());
  std::size_t i = 0;
  while (i < input.size()) {
    const auto c = static_cast<unsigned char>(input[i]);
    if (c < 0x80) {
      out.text += input[i++];
      continue;
    }
    const std::size_t n = code_point_at(input, i).second;
    if (n == 0) {
      if (out.invalid_bytes == 0) out.first_invalid = i;
      ++out.invalid_bytes;
      out.text += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.text.append(input.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::size_t skip_ascii_blocks(std::string_view text, std::size_t pos) {
  for (; pos + 8 <= text.size(); pos += 8) {
    std::uint64_t eight = 0;
    std::memcpy(&eight, text.data() + pos, 8);
    if ((eight & 0x8080808080808080ULL) != 0) break;
  }
  return pos;
}

bool is_valid_utf8(std::string_view input) {
  std::size_t i = 0;
  while (i < input.size()) {
    i = skip_ascii_blocks(input, i);
    if (i >= input.size()) break;
    if (static_cast<unsigned char>(input[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t n = code_point_at(input, i).second;
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string fold_case(std::string_view input) {
  const std::string valid = is_valid_utf8(input) ? std::string(input) : repair_utf8(input).text;
  utf8proc_uint8_t* folded = nullptr;
  const auto n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
      static_cast<utf8proc_ssize_t>(valid.size()), &folded,
      static_cast<utf8proc_option_t>(UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE | UTF8PROC_STABLE));
  if (n < 0) return valid;
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(folded, &std::free);
  return {reinterpret_cast<const char*>(folded), static_cast<std::size_t>(n)};
}

void ascii_lower(std::string& text) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t x = 0;
    std::memcpy(&x, text.data() + i, 8);
    // Per byte, on its low seven bits (no carry leaves a byte): bit 7 of at_least_a is set
    // from 'A' up, of above_z from past 'Z'; bytes with bit 7 set are not ASCII.
    const std::uint64_t low7 = x & (0x7F * kOnes);
    const std::uint64_t at_least_a = low7 + (0x80 - 'A') * kOnes;
    const std::uint64_t above_z = low7 + (0x80 - 'Z' - 1) * kOnes;
    const std::uint64_t upper = at_least_a & ~above_z & ~x & (0x80 * kOnes);
    x |= upper >> 2;  // 0x80 >> 2 == 0x20, the case bit
    std::memcpy(text.data() + i, &x, 8);
  }
  for (; i < text.size(); ++i) {
    if (text[i] >= 'A' && text[i] <= 'Z') text[i] = static_cast<char>(text[i] - 'A' + 'a');
  }
}

std::string trim(std::string_view input) {
  std::size_t b = 0;
  std::size_t e = input.size();
  while (b < e && is_space(input[b])) ++b;
  while (e > b && is_space(input[e - 1])) --e;
  return std::string(input.substr(b, e - b));
}

std::string collapse_whitespace(std::string_view input) {
  std::string out;
  out.reserve(input.size());
  bool pending_space = false;
  for (const char c : input) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string truncate_utf8(std::string_view input, std::size_t max_bytes) {
  if (input.size() <= max_bytes) return std::string(input);
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(input[end]) & 0xC0) == 0x80) --end;
  return std::string(input.substr(0, end));
}

std::string truncate_words(std::string_view input, std::size_t max_bytes) {
  std::string out = truncate_utf8(input, max_bytes);
  if (out.size() == input.size() || is_space(input[out.size()])) return out;
  std::size_t cut = out.size();
  while (cut > out.size() / 2 && !is_space(out[cut - 1])) --cut;
  if (cut > out.size() / 2) out.resize(cut);
  while (!out.empty() && is_space(out.back())) out.pop_back();
  return out;
}

std::string strip_control(std::string_view input) {
  std::string out;
  out.reserve(input.size());
  std::size_t i = 0;
  while (i < input.size()) {
    const auto [cp, n] = code_point_at(input, i);
    const std::size_t len = n == 0 ? 1 : n;
    if (cp == '\v' || cp == '\f') {
      out += ' ';
    } else if (n == 0 || !is_control_or_nonchar(cp)) {
      out.append(input.substr(i, len));
    }
    i += len;
  }
  return out;
}

bool has_control(std::string_view input) {
  std::size_t i = 0;
  while (i < input.size()) {
    const auto [cp, n] = code_point_at(input, i);
    if (n > 0 && is_control_or_nonchar(cp)) return true;
    i += n == 0 ? 1 : n;
  }
  return false;
}

std::string escape_control(std::string_view input) {
  std::string out;
  out.reserve(input.size());
  char buf[16];
  std::size_t i = 0;
  while (i < input.size()) {
    const auto [cp, n] = code_point_at(input, i);
    if (n == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(input[i]));
      out += buf;
      ++i;
      continue;
    }
    if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\t' || cp == '\n' || cp == '\r' || is_control_or_nonchar(cp)) {
      std::snprintf(buf, sizeof buf, cp <= 0xFF ? "\\x%02X" : "\\u{%04X}",
                    static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(input.substr(i, n));
    }
    i += n;
  }
  return out;
}

void append_html_escaped(std::string& out, std::string_view input, HtmlEscape what) {
  const bool quotes = what == HtmlEscape::kAttribute;
  for (const char c : input) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += quotes ? "&quot;" : "\"";
        break;
      case '\'':
        out += quotes ? "&#39;" : "'";
        break;
      default:
        out += c;
    }
  }
}

std::string html_escape(std::string_view input, HtmlEscape what) {
  std::string out;
  out.reserve(input.size() + input.size() / 8);
  append_html_escaped(out, input, what);
  return out;
}

std::vector<std::string> split(std::string_view input, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= input.size()) {
    const std::size_t end = input.find(separator, start);
    if (end == std::string_view::npos) {
      parts.emplace_back(input.substr(start));
      break;
    }
    parts.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

int line_of(std::string_view input, std::size_t offset) {
  int line = 1;
  const std::size_t end = offset < input.size() ? offset : input.size();
  for (std::size_t i = 0; i < end; ++i) {
    if (input[i] == '\n') ++line;
  }
  return line;
}

}  // namespace postsearch::text
