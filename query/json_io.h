// The one JSON shape of postsearch's answers: `query --json` prints exactly what the HTTP
// API returns, because both call these functions. Pure functions; safe from any thread.
//
// Search and related-post answers (the service's hot path) are written straight to text,
// not built as an nlohmann::json tree first (the tree and its serialiser were a tenth of a
// search's CPU): the text is the one nlohmann would print for the same answer, keys in
// alphabetical order, numbers in its format, bytes that are not UTF-8 replaced by U+FFFD.
#pragma once

#include <nlohmann/json.hpp>

#include "common/diagnostic.h"
#include "common/post.h"
#include "query/search_types.h"
#include "query/searcher.h"

namespace postsearch {

// indent -1: one line (HTTP); 2: the CLI.
[[nodiscard]] std::string search_json(const SearchResponse& response, int indent = -1);
[[nodiscard]] std::string related_json(const std::string& id, const std::vector<Hit>& hits,
                                       int indent = -1);
[[nodiscard]] nlohmann::json to_json(const SuggestResponse& response);
[[nodiscard]] nlohmann::json to_json(const StoredPost& post);
[[nodiscard]] nlohmann::json to_json(const IndexInfo& info);

// {"error": {"code": "...", "message": "...", "param": "..."}}; param is null when empty.
[[nodiscard]] nlohmann::json error_json(const std::string& code, const std::string& message,
                                        const std::string& param = "");

// Serialises an answer; bytes that are not UTF-8 (from a request, echoed back) become U+FFFD
// instead of throwing. indent -1: one line (HTTP); 2: the CLI.
[[nodiscard]] std::string dump_json(const nlohmann::json& j, int indent = -1);

[[nodiscard]] std::string_view sort_name(SortOrder sort);
[[nodiscard]] std::optional<SortOrder> sort_by_name(std::string_view name);

}  // namespace postsearch
