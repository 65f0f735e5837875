// The keys search analytics count by: a query as readers typed it, folded so that
// "Rust  Ownership" and "rust ownership" are one, and the languages and filters it was
// searched with, in a fixed order. Nothing about the reader goes into a key. Pure
// functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "query/search_types.h"

namespace postsearch::analytics {

// A normalised query is cut to this many bytes (at a character boundary).
inline constexpr std::size_t kMaxQueryBytes = 200;
// A filters key is cut to this many bytes.
inline constexpr std::size_t kMaxFiltersBytes = 200;

// Case-folded (Unicode), control characters removed (text::strip_control), white space collapsed to
// one space and trimmed, cut to kMaxQueryBytes. Nothing for an empty query or one that is not
// UTF-8.
[[nodiscard]] std::optional<std::string> normalise_query(std::string_view q);

// The request's languages, sorted and joined by ","; "" when it names none.
[[nodiscard]] std::string langs_key(const SearchRequest& request);

// The request's filters other than language, "name=value" sorted and joined by " "
// ("tag=rust year=2021"); "" when it has none. Values are case-folded, without control
// characters.
[[nodiscard]] std::string filters_key(const SearchRequest& request);

}  // namespace postsearch::analytics
