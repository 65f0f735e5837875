// Front matter: splits a post's text into its metadata block and its body, and parses
// the block (YAML between --- lines with yaml-cpp, TOML between +++ lines with toml++)
// into one JSON object, so that the rest of the indexer handles both the same way.
// Bad front matter is reported as diagnostics with the line; nothing throws.
// Bounded: aliases may not expand the block beyond kMaxFrontMatterNodes values.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/diagnostic.h"

namespace postsearch {

enum class FrontMatterFormat { kNone, kYaml, kToml };

inline constexpr std::size_t kMaxFrontMatterNodes = 20000;
inline constexpr int kMaxFrontMatterDepth = 64;

struct FrontMatter {
  FrontMatterFormat format = FrontMatterFormat::kNone;
  nlohmann::json fields = nlohmann::json::object();  // top level is always an object
  std::map<std::string, int> key_lines;              // top-level key -> 1-based line in the file
  std::string body;                                  // the text after the block
  int body_line = 1;                                 // line of the file where body starts

  // The line of `key` when known, else the first line of the block.
  [[nodiscard]] int line_of(const std::string& key) const;
};

struct FrontMatterResult {
  std::optional<FrontMatter> front_matter;  // empty when the post cannot be read at all
  Diagnostics diagnostics;                  // errors and warnings, each with path:line
};

// `text` is valid UTF-8 with LF line ends; `path` is used in diagnostics only.
[[nodiscard]] FrontMatterResult parse_front_matter(std::string_view text, const std::string& path);

}  // namespace postsearch
