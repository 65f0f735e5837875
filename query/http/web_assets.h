// The search page, script and stylesheet from web/, built into the binary (see
// cmake/embed_assets.cmake), so that `query serve` needs no files beside the index.
#pragma once

#include <optional>
#include <string_view>

namespace postsearch::http {

struct Asset {
  std::string_view path;  // relative to web/: "postsearch.js"
  std::string_view content_type;
  std::string_view bytes;
};

[[nodiscard]] std::optional<Asset> embedded_asset(std::string_view path);

}  // namespace postsearch::http
