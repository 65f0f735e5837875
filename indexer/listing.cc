#include "indexer/listing.h"

#include <cctype>

namespace postsearch {
namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

// Whether `tag` names `object.field` as a whole ("site.posts", not "site.posts_count" nor
// "mysite.posts").
bool names(std::string_view tag, std::string_view dotted) {
  for (std::size_t at = tag.find(dotted); at != std::string_view::npos;
       at = tag.find(dotted, at + 1)) {
    const bool starts = at == 0 || (!name_char(tag[at - 1]) && tag[at - 1] != '.');
    const std::size_t end = at + dotted.size();
    const bool ends = end == tag.size() || !name_char(tag[end]);
    if (starts && ends) return true;
  }
  return false;
}

}  // namespace

bool loops_over_posts(std::string_view text, const std::vector<std::string>& collections) {
  static constexpr std::string_view kLists[] = {"site.posts", "paginator.posts", "site.tags",
                                                "site.categories", "site.documents"};
  for (std::size_t open = text.find("{%"); open != std::string_view::npos;
       open = text.find("{%", open + 2)) {
    const std::size_t close = text.find("%}", open + 2);
    if (close == std::string_view::npos) break;
    const std::string_view tag = text.substr(open + 2, close - open - 2);
    for (const std::string_view list : kLists) {
      if (names(tag, list)) return true;
    }
    for (const std::string& c : collections) {
      if (names(tag, "site." + c)) return true;
    }
  }
  return false;
}

void JekyllLayouts::mark_used_by_posts(const std::vector<std::string>& post_layouts) {
  for (const std::string& first : post_layouts) {
    std::string name = first;
    for (int depth = 0; depth < 16 && !name.empty() && used_by_posts.insert(name).second; ++depth) {
      const auto it = by_name.find(name);
      if (it == by_name.end()) break;
      name = it->second.parent;
    }
  }
}

std::string JekyllLayouts::listing_layout(const std::string& name) const {
  std::string at = name;
  for (int depth = 0; depth < 16 && !at.empty(); ++depth) {
    const auto it = by_name.find(at);
    if (it == by_name.end()) return "";
    if (it->second.loops && used_by_posts.count(at) == 0) return at;
    at = it->second.parent;
  }
  return "";
}

}  // namespace postsearch
