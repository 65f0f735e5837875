// Fuzz target: /api/search parameters, as a query string (split like cpp-httplib does) and
// as a JSON body.
#include <cstdint>
#include <string>

#include "common/text.h"
#include "query/http/params.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)postsearch::http::search_request_from_json(text);
  postsearch::http::Params params;
  for (const auto& pair : postsearch::text::split(text, '&')) {
    const auto eq = pair.find('=');
    params.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
  }
  (void)postsearch::http::search_request_from_params(params);
  return 0;
}
