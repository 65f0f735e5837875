// Markdown to plain text for indexing: renders Liquid (Jekyll, see liquid.h) or removes
// Liquid tags and Hugo shortcodes (keeping the text they wrap), parses with cmark, strips raw
// HTML to its text (gumbo, entities decoded), keeps code and image alt text apart, and cuts the
// text into sections at headings (raw HTML <h1>-<h6> included) with the ids the site's engine
// gives them (anchors.h). Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/post.h"
#include "indexer/anchors.h"
#include "indexer/liquid.h"

namespace postsearch {

struct MarkdownOptions {
  AnchorOptions anchors;  // how the site's engine writes heading ids
  // Jekyll: render Liquid with this data first; null: strip template tags instead.
  const LiquidData* liquid = nullptr;
  // The source is HTML (a Jekyll page written in HTML), not Markdown: its text and <h1>-<h6>
  // sections are read as raw HTML is.
  bool html = false;
};

struct MarkdownText {
  std::vector<Section> sections;  // the first has an empty heading when text precedes any heading
  std::string code;               // code blocks and inline code spans? no: blocks only
  std::string alt_text;           // image alt texts, space separated
  std::string first_heading;      // plain text of the first heading, for posts without a title
};

[[nodiscard]] MarkdownText markdown_to_text(std::string_view markdown,
                                            const MarkdownOptions& options);

// Removes Liquid ({% %}, {{ }}) and Hugo shortcode ({{< >}}, {{% %}}) tags. Text between
// paired tags stays; {% raw %} content stays verbatim; {% comment %} blocks go;
// highlight blocks become fenced code blocks.
[[nodiscard]] std::string strip_template_tags(std::string_view markdown);

// Visible text of an HTML fragment (script and style dropped, entities decoded).
[[nodiscard]] std::string html_to_text(std::string_view html);

}  // namespace postsearch
