// What a hit shows of a post's text: the excerpt of its body that holds the query's words
// best, and its sections whose heading or text match, as deep links. Cheap substring tests
// ("needles") decide which texts are worth the highlighter's tokenising, stemming call.
// Used by the hit presenter (query/hit_presenter.h); section_url by query/json_io.h too.
// Errors: Xapian exceptions from the highlighter propagate. Threads: the caller's.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/post.h"
#include "query/highlight.h"
#include "query/search_types.h"

namespace postsearch {

// The link to a section: the post's URL, then "#" and the anchor when the section has one
// (a heading the generator gave no id links to the post itself, not to "url#").
[[nodiscard]] std::string section_url(const std::string& post_url, const Section& section);

// The words a snippet can highlight, lower case, for a cheap "could this text match?"
// test before the snippet call. A stem is a prefix of the word it comes from except for its
// last letter at most (Snowball's happy -> happi, loving -> love), so a stem of four letters
// or more is looked for without its last one. A needle that starts with another is left out.
[[nodiscard]] std::vector<std::string> needles_of(const Xapian::Query& query);

// Whether a word of `text` may stem to a query stem: a wider test than a substring search
// (dying -> die), for short texts such as titles: a word that begins with a needle's first
// letter (ASCII case-insensitively), or any non-ASCII text.
[[nodiscard]] bool may_stem_to(std::string_view text, const std::vector<std::string>& needles);

// `text` with its matches marked, as the highlighter excerpts it to `length` bytes; CJK text
// is matched as n-grams, as it was indexed.
[[nodiscard]] std::string excerpt_of(Highlighter& highlighter, const std::string& text,
                                     std::size_t length, unsigned flags = 0);

// The hit's snippet and its best sections, from one pass over the post's text: each
// section's text is excerpted once (text without a match costs a scan, no excerpt), the
// excerpt with the most matches becomes the hit's snippet, and the sections with matches
// in heading (counted double) or text become deep links, at most three, in post order.
// Without a match in the text, the snippet is the description or the start of the post.
struct Excerpts {
  std::string snippet_html;
  std::string passage_url;  // the snippet's passage (query/passage.h); empty: the post's URL
  std::vector<SectionHit> sections;
};
[[nodiscard]] Excerpts excerpts(Highlighter& highlighter, const StoredPost& post,
                                const std::vector<std::string>& needles);

}  // namespace postsearch
