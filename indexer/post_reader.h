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

struct ReadOptions {
  bool drafts = false;          // index draft: true posts and _drafts/
  bool future = false;          // index posts dated after `now`
  bool unpublished = false;     // index published: false posts (Jekyll's --unpublished)
  std::int64_t now = 0;         // seconds since the epoch
  std::int64_t file_mtime = 0;  // fallback date for drafts without one
};

enum class ReadStatus { kIndexed, kSkipped, kFailed };

struct ReadResult {
  ReadStatus status = ReadStatus::kFailed;
  std::optional<Post> post;  // set when status is kIndexed
  std::string skip_reason;   // set when status is kSkipped ("draft", "search: false", ...)
  Diagnostics diagnostics;   // warnings may come with any status; errors mean kFailed
};

[[nodiscard]] ReadResult read_post(const SiteConfig& site, const SourceFile& file,
                                   std::string_view bytes, const ReadOptions& options);

}  // namespace postsearch
