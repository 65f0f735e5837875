// Heading ids exactly as the site's Markdown engine writes them: kramdown (Jekyll, input
// kramdown or GFM) and Goldmark (Hugo, autoHeadingIDType github, github-ascii, blackfriday),
// with each engine's rule for duplicates, prefixes and explicit ids. Pure functions and a
// per-page generator; safe from any thread.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace postsearch {

enum class AnchorStyle {
  kGfm,            // Jekyll's default: kramdown with input GFM
  kKramdown,       // kramdown with input: kramdown
  kGoldmark,       // Hugo's default, autoHeadingIDType "github"
  kGoldmarkAscii,  // Hugo, autoHeadingIDType "github-ascii"
  kBlackfriday,    // Hugo, autoHeadingIDType "blackfriday"
};

struct AnchorOptions {
  AnchorStyle style = AnchorStyle::kGfm;
  bool auto_ids = true;        // false: only explicit ids (kramdown auto_ids, Hugo autoHeadingID)
  std::string prefix;          // kramdown auto_id_prefix, before every generated id
  bool transliterate = false;  // kramdown transliterated_header_ids (input kramdown only)
  bool strip_formatting = false;   // kramdown auto_id_stripping (input kramdown only)
  bool raw_html = true;            // raw HTML reaches the page (Hugo: renderer.unsafe)
  bool heading_attributes = true;  // "{#id}" after a heading (Hugo: parser.attribute.title)
};

// True when the engine makes ids from the heading's Markdown source line (Goldmark; kramdown
// without auto_id_stripping) rather than from its parsed text (GFM; auto_id_stripping).
[[nodiscard]] bool ids_from_source(const AnchorOptions& options);

// Ruby's String#downcase: Unicode full lower-case mapping (ß stays ß, İ becomes i̇).
[[nodiscard]] std::string ruby_downcase(std::string_view text);

// kramdown's transliteration (Unidecoder.decode): each non-ASCII character becomes its ASCII
// text from the table, "?" where the table has none.
[[nodiscard]] std::string kramdown_transliterate(std::string_view text);

// The id an engine makes from a heading's text, before prefixes, fallbacks and duplicates.
[[nodiscard]] std::string basic_heading_id(std::string_view text, const AnchorOptions& options);

// Removes what kramdown's typographic-symbol parser turns into punctuation ("---", "--",
// "...", and "<<", ">>" with one blank around them), as kramdown's ids see a heading's text.
[[nodiscard]] std::string drop_typographic_symbols(std::string_view text);

// A heading's Markdown source as kramdown's auto_id_stripping reads its text: entity
// references ("&amp;", "&#169;") go, backslash escapes become the character.
[[nodiscard]] std::string drop_entity_references(std::string_view source);

// An explicit id written at the end of a heading's source, as the engine reads it:
// kramdown "Text {#id}", Goldmark "Text {#id .class key=value}". `cut` is where the
// attribute starts (the heading text ends there); both empty when there is none.
struct ExplicitId {
  std::string id;
  std::size_t cut = 0;
  bool attribute = false;  // an attribute block was found (Goldmark: even without an id)
};
[[nodiscard]] ExplicitId trailing_heading_id(std::string_view heading, AnchorStyle style);

// A kramdown block IAL line ("{: #id .class}", "{:#id}"); nullopt unless the whole line is
// one; the id it sets (empty when it sets none).
[[nodiscard]] std::optional<std::string> kramdown_block_ial_id(std::string_view line);

// Unique ids in one page, with each engine's rule for repeats: kramdown counts repeats of
// a generated id ("a", "a-1", "a-2"; explicit ids are not counted); Goldmark appends the
// first free "-N" and keeps explicit ids out of the way.
class AnchorGenerator {
 public:
  explicit AnchorGenerator(AnchorOptions options) : options_(std::move(options)) {}
  // The id for a heading without an explicit one; `heading` is what the engine reads
  // (ids_from_source tells which).
  [[nodiscard]] std::string next(std::string_view heading);
  // kramdown's converter's id for a heading its GFM parser left without one (one inside an
  // HTML element read as Markdown): kramdown's own id of the heading's text (what next()
  // reads for GFM), "section" when empty, its repeats counted apart from the parser's.
  [[nodiscard]] std::string next_converter_id(std::string_view heading);
  // Records an explicit id the page gives a heading.
  void reserve(const std::string& id);

 private:
  AnchorOptions options_;
  std::map<std::string, int> repeats_;            // kramdown: generated id -> repeats so far
  std::map<std::string, int> converter_repeats_;  // the same, for next_converter_id
  std::set<std::string> taken_;                   // Goldmark: every id in the page
};

}  // namespace postsearch
