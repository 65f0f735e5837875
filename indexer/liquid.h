// Liquid as Jekyll renders it in a post's body, so that the indexed text says what the
// published page says: `{{ page.* }}` and `{{ site.* }}` (configuration and `_data/`),
// variables set with `{% assign %}` and `{% capture %}`, `{% if %}`/`{% unless %}`/
// `{% case %}`/`{% for %}`, `{% include NAME key="value" %}` (the `_includes/` file, with
// `include.key`), and the common filters (Liquid's and Jekyll's `where`, `date`,
// `relative_url`, `absolute_url`, ...). `{% raw %}` content stays verbatim, `{% comment %}`
// goes, `{% highlight %}` becomes a fenced code block. Whatever cannot be rendered (an
// unknown tag or filter, an undefined variable, an include that is not there) is left out,
// never printed raw.
//
// Every post is hostile: the work and memory of one render are bounded by LiquidLimits
// (bytes produced, steps, nesting); past a bound, rendering stops and what was produced so
// far is returned. Pure function; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace postsearch {

struct LiquidLimits {
  std::size_t max_bytes = 8 * 1024 * 1024;  // bytes produced (output, captures, filter results)
  std::size_t max_steps = 200000;           // tags, outputs, filters and loop iterations
  int max_depth = 32;                       // nested blocks; deeper ones are left out
  int max_include_depth = 10;               // includes within includes; deeper are left out
  std::size_t max_markup = 2048;            // a longer tag or output is left out
};

struct LiquidData {
  // `site`: the configuration (`_config.yml`) with `data` (the `_data/` files) inside;
  // `page`: the post's front matter. Both are read, never copied, and must outlive the call.
  const nlohmann::json* site = nullptr;
  const nlohmann::json* page = nullptr;
  LiquidLimits limits;
  // Jekyll's `_includes/` files by name ("note.html"); null: no include is rendered.
  const std::map<std::string, std::string>* includes = nullptr;
};

// Renders `source`; null `site` or `page` act as empty objects.
[[nodiscard]] std::string render_liquid(std::string_view source, const LiquidData& data);

}  // namespace postsearch
