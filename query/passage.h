// Links to the exact passage a snippet came from: the section's URL with a text fragment
// (`#:~:text=[prefix-,]start[,end][,-suffix]`, WICG "URL Fragment Text Directives") written in the
// page's own characters from the section's passage map (common/passage_map.h), so that a
// browser scrolls to the passage and highlights it. Where the page's text is unknown, or
// no term can be made that finds the passage first, the link is the section's URL, which
// browsers also fall back to when a fragment finds nothing. Pure functions; safe from any
// thread.
#pragma once

#include <string>
#include <string_view>

#include "common/post.h"

namespace postsearch {

// `section_url` ("/x/#anchor" or "/x/") with a text fragment selecting the passage shown
// by `snippet_html` (an excerpt of `section.text`: HTML-escaped, with <mark> tags and "…"
// where it cuts the text); `section_url` itself when no fragment can be made or the
// directive would be longer than 1 KiB.
[[nodiscard]] std::string passage_url(const std::string& section_url, const Section& section,
                                      std::string_view snippet_html);

// A text directive term, percent-encoded: every byte but ASCII letters, digits and the
// spec's other explicit characters, so "-", "," and "&" (the directive's syntax) too.
[[nodiscard]] std::string encode_text_term(std::string_view term);

}  // namespace postsearch
