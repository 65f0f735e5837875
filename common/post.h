// Post: the plain struct that flows from the indexer's reader to the document builder,
// and (as StoredPost) from the index back to a search hit. No behaviour lives here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace postsearch {

// A part of a post that starts at a heading (or, for the first one, at the top).
struct Section {
  std::string heading;  // plain text of the heading; empty for the part before the first heading
  std::string anchor;   // the id the generator gives the heading; empty when heading is empty
  int level = 0;        // 1 to 6; 0 for the part before the first heading
  std::string text;     // plain text of the prose below the heading (code excluded)
  // How `text` appears on the built page (common/passage_map.h, encoded); empty: unknown.
  std::string passage_map{};
};

struct Post {
  std::string id;           // stable unique id: the source path under the site root
  std::string source_path;  // path relative to the site root, as reported in diagnostics
  std::string url;          // public URL path as the generator writes it ("/2024/01/02/x.html")
  std::vector<std::string> aliases;  // former URL paths that redirect here (Hugo aliases)
  std::string title;
  std::vector<std::string> authors;
  std::vector<std::string> tags;
  std::vector<std::string> categories;
  std::optional<std::int64_t> date;  // seconds since the epoch, UTC
  std::string date_text;  // ISO 8601 with offset, for display ("2024-01-02T10:00:00+02:00")
  std::string lang;       // BCP 47 code as written ("en", "de", "ja"); never empty
  std::string description;
  std::vector<Section> sections;
  std::string code;      // text of code blocks, indexed at a lower weight and never shown
  std::string alt_text;  // image alt texts
  double boost = 0.0;    // from front-matter weight/pinned; 0 means none
  // What the document is: "post" (Jekyll _posts, Hugo's main sections), "page" (a page of
  // its own), or the collection (Jekyll) or type (Hugo) it belongs to. Never empty.
  std::string type = "post";
  // Posts with the same key translate one another (Hugo translationKey, a file at the same
  // path under another language's folder); empty: the post is in no group.
  std::string translation_key;
  // The values of each front-matter key a filter field of the schema reads
  // (schema::PostValues::kFrontMatter), by key: a text as one value, a list as its items.
  std::map<std::string, std::vector<std::string>, std::less<>> front_matter_values{};
};

// What a hit needs to show itself: stored in the document data, compactly.
struct StoredPost {
  std::string id;
  std::string url;
  std::string title;
  std::vector<std::string> authors;
  std::vector<std::string> tags;
  std::vector<std::string> categories;
  std::string date_text;
  std::string lang;
  std::string description;
  std::vector<Section> sections;
  std::string type = "post";  // Post::type
};

}  // namespace postsearch
