// Which Jekyll pages are generated listings rather than pages of their own: a page whose
// Liquid (its own, or a layout's it is rendered with) loops over the site's posts, tags,
// categories or collections, or that a pagination plugin pages. Such pages repeat the
// titles of the posts that search already finds, so they are not indexed. A layout that the
// posts are rendered with too (a sidebar of recent posts in `default`) does not make a page
// a listing. Pure functions over text already read; safe from any thread.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch {

// One file of `_layouts/`: the layout it is wrapped in, and whether its Liquid loops.
struct JekyllLayout {
  std::string parent;  // front matter `layout:`; empty: none
  bool loops = false;  // loops_over_posts() of its text
};

struct JekyllLayouts {
  std::map<std::string, JekyllLayout> by_name;  // "default" for _layouts/default.html
  // Layouts posts are rendered with ("post", the `defaults:` for posts) and those they are
  // wrapped in: a loop in one of these is shared with the posts, not a listing's.
  std::set<std::string> used_by_posts;

  // Fills used_by_posts from the layouts posts name, following each one's parents.
  void mark_used_by_posts(const std::vector<std::string>& post_layouts);
  // The first layout in `name`'s chain (itself, its parent, ...) that loops over posts and
  // is not used by posts; empty when there is none. Chains that loop stop at 16 layouts.
  [[nodiscard]] std::string listing_layout(const std::string& name) const;
};

// Whether a Liquid tag ({% ... %}) of `text` reads a list of documents: site.posts,
// paginator.posts, site.tags, site.categories, site.documents, or site.<collection> for one
// of `collections`. Output tags ({{ site.posts | size }}) are not loops.
[[nodiscard]] bool loops_over_posts(std::string_view text,
                                    const std::vector<std::string>& collections);

}  // namespace postsearch
