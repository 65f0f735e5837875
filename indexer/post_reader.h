// One source file to one Post: decodes the bytes, parses the front matter, reads the
// fields the way Jekyll and Hugo users write them, converts the Markdown, computes the
// public URL, and decides whether the post is published. Every problem is a diagnostic
// with path:line; the function never throws for bad content. Safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/diagnostic.h"
#include "common/post.h"
#include "indexer/site.h"

namespace postsearch {

inline constexpr std::size_t kMaxIndexedTextBytes = 4 * 1024 * 1024;

// Bounds on what one post stores and every answer that lists it carries: longer values are
// cut at a word (else UTF-8) boundary, with a warning naming the file and field. Control
// characters (text::strip_control) are removed from every stored text field.
struct FieldLimits {
  std::size_t title_bytes = 512;         // the title, and each section heading
  std::size_t description_bytes = 4096;  // description / excerpt / summary
  std::size_t name_bytes = 256;          // each author, tag and category, and the language
  std::size_t url_bytes = 2048;          // each former URL (aliases, redirect_from)
  std::size_t list_items = 64;           // authors, tags, categories, aliases: the first kept
  // Sections (a post's parts at its headings) kept; the text of the rest, headings included,
  // joins the last one kept, so that it is still found.
  std::size_t sections = 1000;
};

struct ReadOptions {
  bool drafts = false;          // index draft: true posts and _drafts/
  bool future = false;          // index posts dated after `now`
  bool unpublished = false;     // index published: false posts (Jekyll's --unpublished)
  std::int64_t now = 0;         // seconds since the epoch
  std::int64_t file_mtime = 0;  // fallback date for drafts without one
  FieldLimits limits;
};

enum class ReadStatus { kIndexed, kSkipped, kFailed };

// Where a post's URL was set: the front-matter field ("permalink", "url", "slug") and its
// line; empty and 0 when the URL comes from the file name and the site configuration.
struct UrlOrigin {
  std::string field;
  int line = 0;
};

struct ReadResult {
  ReadStatus status = ReadStatus::kFailed;
  std::optional<Post> post;  // set when status is kIndexed
  std::string skip_reason;   // set when status is kSkipped ("draft", "search: false", ...)
  UrlOrigin url_origin;      // set when status is kIndexed
  Diagnostics diagnostics;   // warnings may come with any status; errors mean kFailed
};

[[nodiscard]] ReadResult read_post(const SiteConfig& site, const SourceFile& file,
                                   std::string_view bytes, const ReadOptions& options);

}  // namespace postsearch
