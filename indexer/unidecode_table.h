// kramdown's transliteration table (Kramdown::Utils::Unidecoder, the stringex gem's data),
// generated into unidecode_table.cc by scripts/gen-unidecode-table so that the indexer
// needs no Ruby. Pure lookup; safe from any thread.
#pragma once

#include <optional>
#include <string_view>

namespace postsearch {

// The ASCII text kramdown puts for a non-ASCII code point, or nullopt when the data has
// no page for it (kramdown then writes "?").
[[nodiscard]] std::optional<std::string_view> unidecode_entry(char32_t code_point);

}  // namespace postsearch
