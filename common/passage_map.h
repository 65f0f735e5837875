// How a section's stored text appears on the page the generator built, so that the searcher
// can write a text fragment (`#:~:text=`) in the page's own characters (smart quotes,
// dashes, entities, Liquid output) without storing the page. The indexer aligns the stored
// text with the page's visible text (indexer/rendered_text.h) and keeps only the
// differences; the searcher (query/passage.h) reads them back. Both cut text into the same
// units with passage_units(). Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch {

// Words in a start or end term of a text fragment, and in a prefix.
inline constexpr std::size_t kTermUnits = 4;
inline constexpr std::size_t kPrefixUnits = 3;

// A stretch of the stored text that differs from the page.
struct PassageEdit {
  std::uint32_t offset = 0;  // byte offset in the section's stored text
  std::uint32_t length = 0;  // bytes of stored text covered
  // True: no fragment term may include these bytes (a block boundary, text the page does
  // not show, or text the page interrupts). False: the page shows them as `text`.
  bool gap = false;
  std::string text;
};

struct PassageMap {
  std::vector<PassageEdit> edits;  // by offset, not overlapping
  // Offsets of units whose start term (kTermUnits units, fewer before a gap) occurs earlier
  // on the page: the fragment needs a prefix there.
  std::vector<std::uint32_t> needs_prefix;
  // Offsets of units whose start term occurs earlier even with its prefix: no fragment may
  // start there.
  std::vector<std::uint32_t> no_start;
};

// The stored form of a map: "=" and the edits, compact and valid UTF-8. Empty stands for
// "no map" (the page was not at hand, or the section was not found on it).
[[nodiscard]] std::string encode_passage_map(const PassageMap& map);
// Nullopt for the empty string and for anything encode_passage_map() did not write.
[[nodiscard]] std::optional<PassageMap> decode_passage_map(std::string_view encoded);

// A word of text as the alignment and the fragments see it: a run of non-white-space bytes
// holding at least one letter or digit; punctuation-only runs belong to the gap between
// units. `key` is its letters and digits, case-folded and without accents, as a browser's
// text-fragment match compares them.
struct PassageUnit {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string key;
};
[[nodiscard]] std::vector<PassageUnit> passage_units(std::string_view text);

// For each unit, the run it belongs to: units of one run follow each other on the page
// with no gap between them, so a term may span them. -1 for a unit inside a gap.
[[nodiscard]] std::vector<int> passage_runs(const std::vector<PassageUnit>& units,
                                            const PassageMap& map);

// The stored text [begin, end) as the page shows it (edits applied). The range must not
// touch a gap.
[[nodiscard]] std::string rendered_text(std::string_view text, const PassageMap& map,
                                        std::size_t begin, std::size_t end);

}  // namespace postsearch
