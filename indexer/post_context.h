// What reading one post carries between its small steps (indexer/post_reader.h), and the
// steps that compute its URLs as the generator does (Jekyll's permalinks, Hugo's
// permalinks, slugs and aliases, a plain site's paths). Used by post_reader.cc and
// post_urls.cc only.
// Errors: problems with a field are warnings in the context's result, naming the field.
// Threads: one context per read.
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "indexer/dates.h"
#include "indexer/front_matter.h"
#include "indexer/post_reader.h"

namespace postsearch::reading {

using nlohmann::json;

// The state one read carries between its small steps.
struct Context {
  const SiteConfig& site;
  const SourceFile& file;
  const ReadOptions& options;
  FrontMatter fm;
  ReadResult result;
  std::optional<ParsedDate> date;
  std::string basename;  // file stem without the date prefix
  bool name_has_date = false;
  bool refused = false;  // an error found: the post is not indexed

  void warn(const std::string& field, const std::string& message) {
    result.diagnostics.push_back(
        {Severity::kWarning, file.rel, fm.line_of(field), 0, field, message});
  }
  [[nodiscard]] const json* get(std::initializer_list<const char*> keys) const {
    for (const char* k : keys) {
      if (fm.fields.contains(k) && !fm.fields[k].is_null()) return &fm.fields[k];
    }
    return nullptr;
  }
};

// A text field: the first of `keys` the front matter has, as text; warns when it is not.
[[nodiscard]] std::string text_field(Context& c, std::initializer_list<const char*> keys);
// A list field: a YAML/TOML list, or (when split_words) a space-separated string.
[[nodiscard]] std::vector<std::string> list_field(Context& c, const char* key, bool split_words);

// A title from a file's slug, as Jekyll's titleize does ("my-first-post" -> "My First Post").
[[nodiscard]] std::string titleize(const std::string& slug);
// The post's URL as Jekyll, Hugo or a plain site writes it.
[[nodiscard]] std::string jekyll_url_of(Context& c, const Post& post);
[[nodiscard]] std::string hugo_url_of(Context& c, const Post& post);
[[nodiscard]] std::string plain_url_of(const Context& c);
// What ties the post's translations together.
[[nodiscard]] std::string translation_key_of(Context& c);
// The other URLs the post is published at (Hugo's aliases, Jekyll's redirect_from).
[[nodiscard]] std::vector<std::string> aliases_of(Context& c, const Post& post);

}  // namespace postsearch::reading
