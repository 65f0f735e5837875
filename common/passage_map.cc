#include "common/passage_map.h"

#include <utf8proc.h>

#include <charconv>
#include <cstdlib>
#include <memory>

namespace postsearch {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool is_letter_or_digit(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// The letters and digits of a word, case-folded and without accents.
std::string key_of(std::string_view word) {
  std::string key;
  bool ascii = true;
  for (const char c : word) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    for (const char c : word) {
      if (c >= 'A' && c <= 'Z') {
        key += static_cast<char>(c - 'A' + 'a');
      } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        key += c;
      }
    }
    return key;
  }
  utf8proc_uint8_t* mapped = nullptr;
  const auto n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(word.data()),
      static_cast<utf8proc_ssize_t>(word.size()), &mapped,
      static_cast<utf8proc_option_t>(UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK));
  if (n < 0) return std::string(word);  // invalid UTF-8: compared byte for byte
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
  for (utf8proc_ssize_t i = 0; i < n;) {
    utf8proc_int32_t cp = 0;
    const auto len = utf8proc_iterate(mapped + i, n - i, &cp);
    if (len <= 0) break;
    if (is_letter_or_digit(cp))
      key.append(reinterpret_cast<const char*>(mapped + i), static_cast<std::size_t>(len));
    i += len;
  }
  return key;
}

// Reads a decimal number at `in[at]`; advances `at`.
std::optional<std::uint32_t> number(std::string_view in, std::size_t& at) {
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(in.data() + at, in.data() + in.size(), v);
  if (ec != std::errc()) return std::nullopt;
  at = static_cast<std::size_t>(end - in.data());
  return v;
}

bool expect(std::string_view in, std::size_t& at, char c) {
  if (at >= in.size() || in[at] != c) return false;
  ++at;
  return true;
}

}  // namespace

std::string encode_passage_map(const PassageMap& map) {
  std::string out = "=";
  for (const auto& e : map.edits) {
    out += e.gap ? 'g' : 'r';
    out += std::to_string(e.offset) + ',' + std::to_string(e.length);
    if (!e.gap) out += ',' + std::to_string(e.text.size()) + ':' + e.text;
  }
  for (const auto o : map.needs_prefix) out += 'p' + std::to_string(o);
  for (const auto o : map.no_start) out += 'x' + std::to_string(o);
  return out;
}

std::optional<PassageMap> decode_passage_map(std::string_view in) {
  if (in.empty() || in[0] != '=') return std::nullopt;
  PassageMap map;
  std::size_t at = 1;
  while (at < in.size()) {
    const char kind = in[at++];
    const auto offset = number(in, at);
    if (!offset) return std::nullopt;
    if (kind == 'p' || kind == 'x') {
      (kind == 'p' ? map.needs_prefix : map.no_start).push_back(*offset);
      continue;
    }
    if (kind != 'g' && kind != 'r') return std::nullopt;
    PassageEdit e;
    e.offset = *offset;
    e.gap = kind == 'g';
    const auto length = expect(in, at, ',') ? number(in, at) : std::nullopt;
    if (!length) return std::nullopt;
    e.length = *length;
    if (!e.gap) {
      const auto size = expect(in, at, ',') ? number(in, at) : std::nullopt;
      if (!size || !expect(in, at, ':') || *size > in.size() - at) return std::nullopt;
      e.text = std::string(in.substr(at, *size));
      at += *size;
    }
    if (!map.edits.empty() && map.edits.back().offset + map.edits.back().length > e.offset) {
      return std::nullopt;  // out of order or overlapping
    }
    map.edits.push_back(std::move(e));
  }
  return map;
}

std::vector<PassageUnit> passage_units(std::string_view text) {
  std::vector<PassageUnit> units;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t begin = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i == begin) break;
    std::string key = key_of(text.substr(begin, i - begin));
    if (!key.empty()) units.push_back({begin, i, std::move(key)});
  }
  return units;
}

std::vector<int> passage_runs(const std::vector<PassageUnit>& units, const PassageMap& map) {
  std::vector<int> runs(units.size(), -1);
  std::size_t e = 0;  // the first edit that does not end before the unit
  int run = -1;
  bool joined = false;  // no gap since the previous unit
  for (std::size_t i = 0; i < units.size(); ++i) {
    const auto& u = units[i];
    // Gaps between the previous unit and this one, or over this one, break the run.
    bool in_gap = false;
    while (e < map.edits.size() && map.edits[e].offset + map.edits[e].length <= u.begin) {
      if (map.edits[e].gap) joined = false;
      ++e;
    }
    for (std::size_t k = e; k < map.edits.size() && map.edits[k].offset < u.end; ++k) {
      if (map.edits[k].gap) in_gap = true;
    }
    if (in_gap) {
      joined = false;
      continue;
    }
    if (!joined) ++run;
    runs[i] = run;
    joined = true;
  }
  return runs;
}

std::string rendered_text(std::string_view text, const PassageMap& map, std::size_t begin,
                          std::size_t end) {
  std::string out;
  std::size_t at = begin;
  for (const auto& e : map.edits) {
    if (e.offset + e.length <= begin || e.gap) continue;
    if (e.offset >= end) break;
    // An edit that straddles the range's ends is taken whole: edits hold the gap and the
    // units' own differences, so a unit boundary does not fall inside one.
    if (e.offset > at) out.append(text.substr(at, e.offset - at));
    if (e.offset >= at) out += e.text;
    at = std::max<std::size_t>(at, e.offset + e.length);
  }
  if (end > at) out.append(text.substr(at, end - at));
  return out;
}

}  // namespace postsearch
