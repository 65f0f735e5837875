// Front matter: splits a post's text into its metadata block and its body, and parses
// the block (YAML between --- lines with yaml-cpp, TOML between +++ lines with toml++)
// into one JSON object, so that the rest of the indexer handles both the same way.
// Bad front matter is reported as diagnostics with the line; nothing throws.
// Bounded: aliases may not expand the block beyond kMaxFrontMatterNodes values.
// YAML is read as the site's generator reads it (YamlDialect): YAML 1.1 booleans, and a
// key given twice keeps its last value, as Ruby's Psych (Jekyll) and Go's yaml.v2 (Hugo) do.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/diagnostic.h"

namespace postsearch {

enum class FrontMatterFormat { kNone, kYaml, kToml };

// Whose YAML reader to follow where they differ. Ruby's Psych (Jekyll): yes/true/on and
// no/false/off in any letter case are booleans. Go's yaml.v2 (Hugo 0.111): y, yes, true,
// on and n, no, false, off in lower, Capitalised or UPPER case are.
enum class YamlDialect { kRuby, kGo };

struct FrontMatterOptions {
  YamlDialect dialect = YamlDialect::kRuby;
  // What the block is called in diagnostics ("invalid YAML front matter: ..."): a site's
  // configuration file is parsed with this same parser and says "configuration".
  std::string what = "front matter";
};

inline constexpr std::size_t kMaxFrontMatterNodes = 20000;
inline constexpr int kMaxFrontMatterDepth = 64;

struct FrontMatter {
  FrontMatterFormat format = FrontMatterFormat::kNone;
  nlohmann::json fields = nlohmann::json::object();  // top level is always an object
  std::map<std::string, int> key_lines;              // top-level key -> 1-based line in the file
  // Top-level keys whose value is an unquoted YAML timestamp with a time of day
  // ("2024-01-02 10:20:30"): Ruby reads one without an offset as UTC, a quoted one as local.
  std::set<std::string> timestamp_keys;
  std::string body;   // the text after the block
  int body_line = 1;  // line of the file where body starts

  // The line of `key` when known, else the first line of the block.
  [[nodiscard]] int line_of(const std::string& key) const;
};

struct FrontMatterResult {
  std::optional<FrontMatter> front_matter;  // empty when the post cannot be read at all
  Diagnostics diagnostics;                  // errors and warnings, each with path:line
};

// `text` is valid UTF-8 with LF line ends; `path` is used in diagnostics only.
[[nodiscard]] FrontMatterResult parse_front_matter(std::string_view text, const std::string& path,
                                                   const FrontMatterOptions& options = {});

}  // namespace postsearch
