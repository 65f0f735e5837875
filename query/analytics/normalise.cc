#include "query/analytics/normalise.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "common/schema.h"
#include "common/text.h"

namespace postsearch::analytics {

std::optional<std::string> normalise_query(std::string_view q) {
  if (!text::is_valid_utf8(q)) return std::nullopt;
  // Control characters go: a reader's query reaches the owner's terminal (`query report`).
  std::string folded =
      text::trim(text::collapse_whitespace(text::strip_control(text::fold_case(q))));
  if (folded.empty()) return std::nullopt;
  if (folded.size() > kMaxQueryBytes)
    folded = text::trim(text::truncate_utf8(folded, kMaxQueryBytes));
  return folded;
}

std::string langs_key(const SearchRequest& request) {
  std::vector<std::string> langs;
  for (const auto& l : request.langs()) langs.push_back(text::strip_control(text::fold_case(l)));
  std::sort(langs.begin(), langs.end());
  langs.erase(std::unique(langs.begin(), langs.end()), langs.end());
  return text::truncate_utf8(text::join(langs, ","), kMaxFiltersBytes);
}

std::string filters_key(const SearchRequest& request) {
  std::vector<std::string> parts;
  const auto add = [&](std::string_view name, const std::vector<std::string>& values) {
    for (const auto& v : values)
      parts.push_back(std::string(name) + "=" +
                      text::collapse_whitespace(text::strip_control(text::fold_case(v))));
  };
  for (const auto& f : schema::kFilterFields) {  // languages are a key of their own
    if (f.requested && f.filter != schema::Filter::kLang) add(f.name, request.values(f.filter));
  }
  if (!request.after.empty()) add("after", {request.after});
  if (!request.before.empty()) add("before", {request.before});
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  return text::truncate_utf8(text::join(parts, " "), kMaxFiltersBytes);
}

}  // namespace postsearch::analytics
