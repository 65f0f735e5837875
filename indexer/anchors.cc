#include "indexer/anchors.h"

#include <utf8proc.h>

#include <algorithm>

#include "indexer/unidecode_table.h"

namespace postsearch {
namespace {

// Calls visit(code_point, bytes) for each UTF-8 sequence; a bad byte is U+FFFD.
template <typename Visit>
void for_each_code_point(std::string_view text, Visit visit) {
  std::size_t i = 0;
  while (i < text.size()) {
    utf8proc_int32_t cp = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                              static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
    if (n <= 0) {
      n = 1;
      cp = 0xFFFD;
    }
    visit(static_cast<char32_t>(cp), text.substr(i, static_cast<std::size_t>(n)));
    i += static_cast<std::size_t>(n);
  }
}

void append_utf8(std::string& out, char32_t cp) {
  utf8proc_uint8_t buf[4];
  const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

char32_t simple_lower(char32_t cp) {
  return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
}

utf8proc_category_t category(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

bool is_letter(char32_t cp) {
  const auto c = category(cp);
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
}

// Onigmo's \p{Word}: Alphabetic (letters, letter numbers, and the circled and squared
// Latin letters that are symbols), marks, decimal digits, connector punctuation.
bool is_ruby_word(char32_t cp) {
  const auto c = category(cp);
  if (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ND) return true;  // L*, M*, Nd
  if (c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_PC) return true;
  return (cp >= 0x24B6 && cp <= 0x24E9) || (cp >= 0x1F130 && cp <= 0x1F149) ||
         (cp >= 0x1F150 && cp <= 0x1F169) || (cp >= 0x1F170 && cp <= 0x1F189);
}

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// kramdown's basic_generate_id: leading non-letters go, [a-zA-Z0-9 -] stay, spaces become
// dashes, lower case.
std::string kramdown_id(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size() && !is_ascii_alpha(text[start])) ++start;
  std::string id;
  for (const char c : text.substr(start)) {
    if (is_ascii_alpha(c) || is_ascii_digit(c) || c == '-') id += ascii_lower(c);
    if (c == ' ') id += '-';
  }
  return id;
}

// kramdown-parser-gfm: downcase, drop all but \p{Word}, '-', space and tab; those two
// become dashes.
std::string gfm_id(std::string_view text) {
  std::string id;
  for_each_code_point(ruby_downcase(text), [&](char32_t cp, std::string_view bytes) {
    if (cp == ' ' || cp == '\t') {
      id += '-';
    } else if (cp == '-' || is_ruby_word(cp)) {
      id.append(bytes);
    }
  });
  return id;
}

// Hugo's RemoveAccents: NFD, non-spacing marks dropped, NFC.
std::string remove_accents(std::string_view text) {
  utf8proc_uint8_t* decomposed = nullptr;
  const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                              static_cast<utf8proc_ssize_t>(text.size()), &decomposed,
                              static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE));
  if (n < 0) return std::string(text);
  std::string kept;
  for_each_code_point(
      std::string_view(reinterpret_cast<const char*>(decomposed), static_cast<std::size_t>(n)),
      [&](char32_t cp, std::string_view bytes) {
        if (category(cp) != UTF8PROC_CATEGORY_MN) kept.append(bytes);
      });
  std::free(decomposed);
  utf8proc_uint8_t* composed =
      utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(kept.c_str()));
  if (composed == nullptr) return kept;
  std::string out(reinterpret_cast<const char*>(composed));
  std::free(composed);
  return out;
}

// Hugo's Goldmark ids (github, github-ascii): '-', space and tab become dashes; letters,
// decimal digits and '_' stay, lower-cased rune by rune (Go's unicode.ToLower).
std::string goldmark_id(std::string_view text, bool ascii_only) {
  const std::string source = ascii_only ? remove_accents(text) : std::string(text);
  std::string id;
  for_each_code_point(source, [&](char32_t cp, std::string_view bytes) {
    if (ascii_only && bytes.size() != 1) return;
    if (cp == '-' || cp == ' ' || cp == '\t') {
      id += '-';
    } else if (cp == '_' || is_letter(cp) || category(cp) == UTF8PROC_CATEGORY_ND) {
      append_utf8(id, simple_lower(cp));
    }
  });
  return id;
}

// Blackfriday's SanitizedAnchorName: runs of letters and numbers joined by single dashes.
std::string blackfriday_id(std::string_view text) {
  std::string id;
  bool dash = false;
  for_each_code_point(text, [&](char32_t cp, std::string_view) {
    const auto c = category(cp);
    if (is_letter(cp) || (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO)) {
      if (dash && !id.empty()) id += '-';
      dash = false;
      append_utf8(id, simple_lower(cp));
    } else {
      dash = true;
    }
  });
  return id;
}

bool is_goldmark_style(AnchorStyle style) {
  return style == AnchorStyle::kGoldmark || style == AnchorStyle::kGoldmarkAscii ||
         style == AnchorStyle::kBlackfriday;
}

// XML NameStartChar / NameChar as kramdown's HEADER_ID reads them (non-ASCII allowed).
bool xml_name_start(char c) {
  return is_ascii_alpha(c) || c == '_' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
}
bool xml_name_char(char c) {
  return xml_name_start(c) || is_ascii_digit(c) || c == '-' || c == '.';
}

// kramdown: "[\t ]{#name}" at the very end.
ExplicitId kramdown_trailing_id(std::string_view heading) {
  if (heading.size() < 5 || heading.back() != '}') return {};
  const std::size_t open = heading.rfind("{#");
  if (open == std::string_view::npos || open == 0) return {};
  if (heading[open - 1] != ' ' && heading[open - 1] != '\t') return {};
  const std::string_view id = heading.substr(open + 2, heading.size() - open - 3);
  if (id.empty() || !xml_name_start(id.front()) ||
      !std::all_of(id.begin(), id.end(), xml_name_char))
    return {};
  std::size_t cut = open;
  while (cut > 0 && (heading[cut - 1] == ' ' || heading[cut - 1] == '\t')) --cut;
  return {std::string(id), cut, true};
}

bool is_ascii_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

// Goldmark's attribute block "{#id .class key=value key="v"}": the id, or nullopt when
// the block does not parse.
std::optional<std::string> goldmark_attribute_id(std::string_view inner) {
  std::string id;
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < inner.size() && (inner[i] == ' ' || inner[i] == '\t')) ++i;
  };
  while (skip_space(), i < inner.size()) {
    const char lead = inner[i];
    if (lead == '#' || lead == '.') {
      const std::size_t start = ++i;
      while (i < inner.size() && inner[i] != ' ' && inner[i] != '\t' &&
             (!is_ascii_punct(inner[i]) || inner[i] == '_' || inner[i] == '-' || inner[i] == ':' ||
              inner[i] == '.'))
        ++i;
      if (i == start) return std::nullopt;
      if (lead == '#') id = std::string(inner.substr(start, i - start));
      continue;
    }
    const std::size_t key = i;
    while (i < inner.size() && (is_ascii_alpha(inner[i]) || is_ascii_digit(inner[i]) ||
                                inner[i] == '_' || inner[i] == '-' || inner[i] == ':'))
      ++i;
    if (i == key || i >= inner.size() || inner[i] != '=') return std::nullopt;
    const std::string_view name = inner.substr(key, i - key);
    ++i;
    std::string value;
    if (i < inner.size() && (inner[i] == '"' || inner[i] == '\'')) {
      const std::size_t close = inner.find(inner[i], i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      value = std::string(inner.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      const std::size_t start = i;
      while (i < inner.size() && inner[i] != ' ' && inner[i] != '\t') ++i;
      value = std::string(inner.substr(start, i - start));
    }
    if (name == "id") id = value;
  }
  return id;
}

ExplicitId goldmark_trailing_id(std::string_view heading) {
  std::size_t end = heading.size();
  while (end > 0 && (heading[end - 1] == ' ' || heading[end - 1] == '\t')) --end;
  if (end == 0 || heading[end - 1] != '}') return {};
  const std::size_t open = heading.rfind('{', end - 1);
  if (open == std::string_view::npos) return {};
  const auto id = goldmark_attribute_id(heading.substr(open + 1, end - open - 2));
  if (!id) return {};
  std::size_t cut = open;
  while (cut > 0 && (heading[cut - 1] == ' ' || heading[cut - 1] == '\t')) --cut;
  return {*id, cut, true};
}

}  // namespace

bool ids_from_source(const AnchorOptions& options) {
  if (is_goldmark_style(options.style)) return true;
  return options.style == AnchorStyle::kKramdown && !options.strip_formatting;
}

std::string ruby_downcase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](char32_t cp, std::string_view) {
    if (cp == 0x130) {
      out += "i\xCC\x87";  // SpecialCasing: U+0130 lower-cases to i + combining dot above
    } else {
      append_utf8(out, simple_lower(cp));
    }
  });
  return out;
}

std::string kramdown_transliterate(std::string_view text) {
  std::string out;
  for_each_code_point(text, [&](char32_t cp, std::string_view bytes) {
    if (cp < 0x80) {
      out.append(bytes);
    } else {
      out.append(unidecode_entry(cp).value_or("?"));
    }
  });
  return out;
}

std::string drop_typographic_symbols(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::string_view rest = text.substr(i);
    if (rest.substr(0, 3) == "---" || rest.substr(0, 3) == "...") {
      i += 3;
    } else if (rest.substr(0, 2) == "--") {
      i += 2;
    } else if (rest.substr(0, 3) == "<< ") {
      i += 3;  // laquo_space: the blank after goes with it
    } else if (rest.substr(0, 2) == ">>" && !out.empty() && out.back() == ' ') {
      out.pop_back();  // raquo_space: the blank before goes with it
      i += 2;
    } else if (rest.substr(0, 2) == "<<" || rest.substr(0, 2) == ">>") {
      i += 2;
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string drop_entity_references(std::string_view source) {
  std::string out;
  std::size_t i = 0;
  while (i < source.size()) {
    const char c = source[i];
    if (c == '\\' && i + 1 < source.size() && is_ascii_punct(source[i + 1])) {
      out += source[i + 1];
      i += 2;
      continue;
    }
    if (c == '&') {
      std::size_t j = i + 1;
      if (j < source.size() && source[j] == '#') ++j;
      const std::size_t name = j;
      while (j < source.size() && j - name < 32 &&
             (is_ascii_alpha(source[j]) || is_ascii_digit(source[j])))
        ++j;
      if (j > name && j < source.size() && source[j] == ';') {
        i = j + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

std::string basic_heading_id(std::string_view text, const AnchorOptions& options) {
  switch (options.style) {
    case AnchorStyle::kGfm:
      return gfm_id(text);
    case AnchorStyle::kKramdown:
      return kramdown_id(options.transliterate ? kramdown_transliterate(text) : std::string(text));
    case AnchorStyle::kGoldmark:
      return goldmark_id(text, false);
    case AnchorStyle::kGoldmarkAscii:
      return goldmark_id(text, true);
    case AnchorStyle::kBlackfriday:
      return blackfriday_id(text);
  }
  return {};
}

ExplicitId trailing_heading_id(std::string_view heading, AnchorStyle style) {
  return is_goldmark_style(style) ? goldmark_trailing_id(heading) : kramdown_trailing_id(heading);
}

std::optional<std::string> kramdown_block_ial_id(std::string_view line) {
  std::size_t start = 0;
  while (start < line.size() && start < 3 && line[start] == ' ') ++start;
  std::size_t end = line.size();
  while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
  line = line.substr(start, end - start);
  if (line.size() < 4 || line.substr(0, 2) != "{:" || line.back() != '}') return std::nullopt;
  if (line[2] == ':' || line[2] == '/') return std::nullopt;  // extensions, not IALs
  const std::string_view inner = line.substr(2, line.size() - 3);
  if (inner.find('}') != std::string_view::npos) return std::nullopt;
  // Whitespace-separated tokens: id="value", or runs of #ids and .classes (the last id wins).
  std::string id;
  std::size_t i = 0;
  while (i < inner.size()) {
    while (i < inner.size() && (inner[i] == ' ' || inner[i] == '\t')) ++i;
    std::size_t stop = i;
    while (stop < inner.size() && inner[stop] != ' ' && inner[stop] != '\t') ++stop;
    const std::string_view token = inner.substr(i, stop - i);
    i = stop;
    if (token.size() > 5 && token.substr(0, 3) == "id=" && (token[3] == '"' || token[3] == '\'') &&
        token.back() == token[3]) {
      id = std::string(token.substr(4, token.size() - 5));
      continue;
    }
    for (std::size_t h = token.find('#'); h != std::string_view::npos; h = token.find('#', h + 1)) {
      std::size_t j = h + 1;
      if (j >= token.size() || !is_ascii_alpha(token[j])) continue;
      while (j < token.size() && (is_ascii_alpha(token[j]) || is_ascii_digit(token[j]) ||
                                  token[j] == '_' || token[j] == ':' || token[j] == '-'))
        ++j;
      id = std::string(token.substr(h + 1, j - h - 1));
    }
  }
  return id;
}

std::string AnchorGenerator::next(std::string_view heading) {
  std::string id = basic_heading_id(heading, options_);
  if (is_goldmark_style(options_.style)) {
    if (id.empty()) id = "heading";
    if (taken_.count(id) > 0) {
      int n = 1;
      while (taken_.count(id + "-" + std::to_string(n)) > 0) ++n;
      id += "-" + std::to_string(n);
    }
    taken_.insert(id);
    return id;
  }
  if (id.empty() && options_.style == AnchorStyle::kKramdown) id = "section";
  const auto [it, fresh] = repeats_.try_emplace(id, 0);
  if (!fresh) id += "-" + std::to_string(++it->second);
  return options_.prefix + id;
}

std::string AnchorGenerator::next_converter_id(std::string_view heading) {
  AnchorOptions kramdown = options_;
  kramdown.style = AnchorStyle::kKramdown;
  std::string id = basic_heading_id(heading, kramdown);
  if (id.empty()) id = "section";
  const auto [it, fresh] = converter_repeats_.try_emplace(id, 0);
  if (!fresh) id += "-" + std::to_string(++it->second);
  return options_.prefix + id;
}

void AnchorGenerator::reserve(const std::string& id) {
  if (is_goldmark_style(options_.style)) taken_.insert(id);
}

}  // namespace postsearch
