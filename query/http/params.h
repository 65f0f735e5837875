// HTTP request parameters to a SearchRequest: from a query string (GET, repeated keys for
// lists: ?tag=a&tag=b, or comma-free single values) or a JSON body (POST, arrays for lists).
// Every problem names its parameter. Pure functions; no HTTP library types; safe from any
// thread.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "common/diagnostic.h"
#include "query/search_types.h"

namespace postsearch::http {

// A decoded query string: each key with its values in order.
using Params = std::multimap<std::string, std::string>;

struct ParamError {
  std::string param;
  std::string message;
};

using SearchParse = std::variant<SearchRequest, ParamError>;

[[nodiscard]] SearchParse search_request_from_params(const Params& params);
[[nodiscard]] SearchParse search_request_from_json(const std::string& body);
// Only the language parameters (lang, query_lang), checked as a search's are: for the
// endpoints other than search (suggest, related).
[[nodiscard]] SearchParse language_request_from_params(const Params& params);

// Every parameter name /api/search understands.
[[nodiscard]] const std::vector<std::string>& search_param_names();

}  // namespace postsearch::http
