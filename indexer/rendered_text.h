// The text of a page as the generator rendered it, read from the built output (Jekyll's
// _site, Hugo's public), and each section's stored text aligned with it: the differences
// (smart quotes, dashes, entities, Liquid output, code blocks in between) become a
// PassageMap (common/passage_map.h) that lets the searcher write text fragments in the
// page's own characters. Only the differences are kept, never the page. Pure functions
// over their arguments; safe from any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/passage_map.h"
#include "common/post.h"
#include "indexer/built_site.h"

namespace postsearch {

// A page's visible text as a browser's text-fragment search reads it: the body's text
// nodes, white space collapsed, one line per block-level element; hidden elements,
// scripts, styles, images and form controls left out.
struct RenderedPage {
  std::string text;
  std::vector<PassageUnit> units;              // passage_units(text)
  std::vector<std::size_t> block_of;           // per unit: the line it is on
  std::map<std::string, std::size_t> id_unit;  // element id -> first unit at or after it
};

// Reads the page. Never fails: what gumbo cannot make sense of gives less text.
[[nodiscard]] RenderedPage read_rendered_page(std::string_view html);

// Aligns each section's text with the page and sets its passage_map; a section found on
// the page for less than half of its words gets none (its links fall back to its anchor),
// and so does every section of a page of more than 200,000 words and a section with more
// than 256 words whose start term occurs earlier (the work and the data stay bounded).
void map_sections(const RenderedPage& page, std::vector<Section>& sections);

// Reads the page the built site in `output_dir` has for `post.url` (BuiltSite::page_file:
// one look-up, no listing of the folder) and maps the post's sections; leaves them unmapped
// when there is no such page or it cannot be read (the URL check reports it).
void attach_passage_maps(const std::filesystem::path& output_dir, std::string_view baseurl,
                         Post& post);

}  // namespace postsearch
