// Text utilities on UTF-8 strings: validation and repair, case folding, white space,
// HTML escaping. Pure functions; no I/O, no state, safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch::text {

struct Utf8Repair {
  std::string text;               // valid UTF-8; each bad byte became U+FFFD
  std::size_t invalid_bytes = 0;  // how many bytes were replaced
  std::size_t first_invalid = 0;  // byte offset of the first one (when invalid_bytes > 0)
};

[[nodiscard]] Utf8Repair repair_utf8(std::string_view input);
[[nodiscard]] bool is_valid_utf8(std::string_view input);

// `pos` moved past the blocks of eight ASCII bytes that start there: the first byte of a
// block holding a byte from 0x80 up, or a position less than eight bytes from the end.
[[nodiscard]] std::size_t skip_ascii_blocks(std::string_view text, std::size_t pos);

// Unicode case folding (utf8proc), for comparing and normalising keys. Invalid UTF-8 is
// repaired first.
[[nodiscard]] std::string fold_case(std::string_view input);

// A-Z to a-z in place; every other byte (UTF-8 sequences included) unchanged. Eight bytes
// at a time: it lower-cases every section of every hit for the excerpt search.
void ascii_lower(std::string& text);

[[nodiscard]] std::string trim(std::string_view input);
[[nodiscard]] std::string collapse_whitespace(std::string_view input);

// Cuts at most max_bytes from the front without splitting a UTF-8 sequence.
[[nodiscard]] std::string truncate_utf8(std::string_view input, std::size_t max_bytes);

// Cuts at most max_bytes from the front at a word boundary (the last white space in the
// kept part) when one lies in its second half; else at a UTF-8 boundary.
[[nodiscard]] std::string truncate_words(std::string_view input, std::size_t max_bytes);

// Removes what must never reach a stored field, a feed or a terminal: C0 controls other
// than tab, LF and CR (vertical tab and form feed become spaces), DEL, C1 controls
// (U+0080-U+009F) and Unicode noncharacters (U+FDD0-U+FDEF, U+xFFFE, U+xFFFF). The input
// must be valid UTF-8 (repair_utf8 first).
[[nodiscard]] std::string strip_control(std::string_view input);
[[nodiscard]] bool has_control(std::string_view input);

// For one diagnostic line: every control character (tab, LF and CR included), DEL, each C1
// control and noncharacter, and each invalid UTF-8 byte is written as \xHH (\u{HHHH} above
// U+00FF), and a backslash as \\, so that a file name cannot move the cursor, change colours
// or forge a second line.
[[nodiscard]] std::string escape_control(std::string_view input);

// What an HTML escape must make safe. kAttribute is the default and the rule: an escaped value
// is then safe in element text and in a quoted attribute value (either quote), wherever a
// renderer later puts it (titles reach `title=` attributes). kText is for excerpts only: the
// highlighter's output must equal Xapian's MSet::snippet(), which it falls back to for some
// texts and which escapes & < > alone; excerpts only ever land in element text.
enum class HtmlEscape { kAttribute, kText };

// The one HTML escaper: & < > become &amp; &lt; &gt;, and for kAttribute " and ' become
// &quot; and &#39;; every other byte is copied (UTF-8 is not checked: text bound for XML
// also needs repair_utf8 and strip_control, as query/http/pages.h's xml_escape does).
[[nodiscard]] std::string html_escape(std::string_view input,
                                      HtmlEscape what = HtmlEscape::kAttribute);
// The same, appended to `out` (the highlighter escapes an excerpt piece by piece).
void append_html_escaped(std::string& out, std::string_view input,
                         HtmlEscape what = HtmlEscape::kAttribute);

[[nodiscard]] std::vector<std::string> split(std::string_view input, char separator);
[[nodiscard]] std::string join(const std::vector<std::string>& parts, std::string_view separator);

// 1-based line number of byte offset `offset` in `input`.
[[nodiscard]] int line_of(std::string_view input, std::size_t offset);

}  // namespace postsearch::text
