// The searches that are not a results page: posts related to one post, and the words that
// complete the one being typed. Free functions over the searcher's open database.
// Errors: Xapian exceptions propagate (the searcher retries). Threads: the caller's.
#pragma once

#include <xapian.h>

#include <optional>
#include <string>
#include <vector>

#include "query/search_types.h"

namespace postsearch {

// Posts like post `id` (its key terms and shared tags), at most `count`, none of its own
// translations and of its own type; in `langs` (the index's spelling; empty: the post's
// own language). nullopt when the id is unknown.
[[nodiscard]] std::optional<std::vector<Hit>> related_posts(
    const Xapian::Database& db, const std::string& id, int count,
    const std::optional<std::vector<std::string>>& langs, const SiteLink& site);

// Whole words that complete `last`, most posts first, each prefixed with `head`. With `langs`,
// the words with most posts overall are counted again in those languages' posts (a bounded
// number of them, so a keystroke costs a bounded number of posting list intersections).
[[nodiscard]] std::vector<Completion> word_completions(const Xapian::Database& db,
                                                       const std::string& head,
                                                       const std::string& last, std::size_t limit,
                                                       const std::vector<std::string>& langs);

}  // namespace postsearch
