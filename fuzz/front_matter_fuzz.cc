// Fuzz target: decoding a post's bytes, front matter (YAML and TOML) and the whole reader.
#include <cstdint>
#include <string_view>

#include "indexer/post_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  postsearch::SiteConfig site;
  site.generator = size % 2 == 0 ? postsearch::Generator::kJekyll : postsearch::Generator::kHugo;
  site.root = "/site";
  const postsearch::SourceFile file{"/site/_posts/2024-01-02-fuzz.md",
                                    "_posts/2024-01-02-fuzz.md",
                                    postsearch::SourceKind::kPost,
                                    "posts",
                                    {},
                                    "",
                                    ""};
  postsearch::ReadOptions options;
  options.now = 1900000000;
  (void)postsearch::read_post(site, file, bytes, options);
  return 0;
}
