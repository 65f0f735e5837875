// The checks a search request passes before it reaches the index: page and size bounds,
// dates, facet limits, the reader's language, the query's length. Shared by the command
// line and the HTTP service, which answer a failed check with the parameter it names.
// Pure functions.
#pragma once

#include <string>

#include "common/diagnostic.h"
#include "query/search_types.h"

namespace postsearch {

// Checks a request's parameters; each problem names its parameter in `field`.
[[nodiscard]] Diagnostics validate_request(const SearchRequest& request);

// A language tag's shape: 2 or 3 letters, then subtags of 1 to 8 letters or digits after '-'
// or '_' ("en", "pt-BR", "zh_Hant"), 35 bytes at most.
[[nodiscard]] bool is_language_code(const std::string& lang);

}  // namespace postsearch
