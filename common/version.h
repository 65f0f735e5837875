// Version numbers in text ("3.3.0", "v2.7", "1.9.3-p429", "3.4.0 preview1") and the terms
// they are indexed and searched as, so that a shorter version finds longer ones ("3.3"
// finds 3.3.0 and 3.3.11) and a version outranks its extensions and pre-releases. The
// term prefixes are schema.h's; this file knows only the shape of a version. Pure
// functions, safe from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch::version {

// One version in a text: its dotted number ("3.4.0", no "v") and what follows it as part
// of it ("preview1", "p429", lower case; empty for a plain release), and where it is.
struct Version {
  std::string number;
  std::string suffix;
  std::size_t begin = 0;  // byte offsets of the whole token in the text ("v" included)
  std::size_t end = 0;
};

// Every version in `text`, in order: a number of two to six dotted parts, optionally led
// by "v", not inside a longer word or number. A suffix is joined by "-", "+", "_" or nothing
// ("1.9.3p0"), or after one space when it is a pre-release word ("rc1", "preview2",
// "beta", "alpha", "pre", "dev").
[[nodiscard]] std::vector<Version> find(std::string_view text);

// `word` when the whole of it is one version ("3.3", "v2.7.1", "3.4.0-rc1"); else nullopt.
[[nodiscard]] std::optional<Version> parse_word(std::string_view word);

// The dotted starts of the number that are versions themselves: "3.3.0" -> {"3.3", "3.3.0"}.
[[nodiscard]] std::vector<std::string> starts(const Version& v);

// The version as one value, equal for versions that mean the same: trailing ".0" parts
// dropped while two parts remain, the suffix kept ("3.3.0" -> "3.3", "3.0.0" -> "3.0",
// "3.4.0 preview1" -> "3.4-preview1").
[[nodiscard]] std::string canonical(const Version& v);

// `text` with each version written canonically, the rest unchanged ("Ruby 3.3.0 Released"
// -> "Ruby 3.3 Released"): titles that differ only so are one exact title.
[[nodiscard]] std::string canonical_text(std::string_view text);

}  // namespace postsearch::version
