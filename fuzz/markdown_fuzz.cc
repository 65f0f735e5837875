// Fuzz target: Markdown to text with Liquid (stripped, or rendered as Jekyll does),
// shortcodes and raw HTML, every anchor style.
#include <cstdint>
#include <string_view>

#include "indexer/markdown.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  postsearch::MarkdownOptions options;
  options.anchors.style = static_cast<postsearch::AnchorStyle>(size % 5);
  options.anchors.strip_formatting = size % 7 == 0;
  options.anchors.transliterate = size % 11 == 0;
  // Every other input is rendered as a Jekyll post's Liquid, with a small site.
  const nlohmann::json site = {
      {"title", "T"}, {"baseurl", "/b"}, {"data", {{"list", {{{"k", "v"}}, {{"k", "w"}}}}}}};
  const nlohmann::json page = {{"title", "P"}, {"tags", {"a", "b"}}};
  const postsearch::LiquidData liquid{&site, &page, {}};
  if (size % 2 == 1) options.liquid = &liquid;
  (void)postsearch::markdown_to_text(text, options);
  return 0;
}
