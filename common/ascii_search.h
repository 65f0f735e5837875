// Substring search that ignores ASCII case, without copying or lower-casing the text: the
// "could this text hold a query word?" test run over every section of every hit shown
// (query/excerpts.cc). Lower-casing a copy of each section first was a tenth of a search's
// CPU on long documentation pages.
// Errors: none. Threads: pure functions.
#pragma once

#include <cstddef>
#include <string_view>

namespace postsearch::text {

// The first position `at` < `before` (and within `text`) where the bytes of `text` from `at`
// equal `needle` once ASCII letters A-Z are lower-cased; npos when there is none. `needle`
// is compared as given: pass it lower case (other bytes, UTF-8 included, match exactly). An
// empty needle matches at 0.
[[nodiscard]] std::size_t ascii_ifind(std::string_view text, std::string_view needle,
                                      std::size_t before = std::string_view::npos);

}  // namespace postsearch::text
