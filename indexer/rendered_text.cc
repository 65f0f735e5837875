#include "indexer/rendered_text.h"

#include <gumbo.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iterator>
#include <span>

#include "common/contained_file.h"

namespace postsearch {
namespace {

// Elements whose content a browser does not show as text (or that we cannot tell).
bool is_invisible(const GumboElement& e) {
  switch (e.tag) {
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_METER:
    case GUMBO_TAG_PROGRESS:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
      return true;
    default:
      break;
  }
  if (gumbo_get_attribute(&e.attributes, "hidden") != nullptr) return true;
  const GumboAttribute* style = gumbo_get_attribute(&e.attributes, "style");
  if (style == nullptr) return false;
  std::string s;
  for (const char c : std::string_view(style->value)) {
    if (c != ' ') s += c;
  }
  return s.find("display:none") != std::string::npos;
}

// Elements that start and end a block of text (a text-fragment term never spans one).
bool is_block(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_HGROUP:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_LEGEND:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_P:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_UL:
      return true;
    default:
      return false;
  }
}

bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Collects text with white space collapsed, a line per block.
class TextCollector {
 public:
  void text(std::string_view s) {
    for (const char c : s) {
      if (is_html_space(c)) {
        space_ = true;
        continue;
      }
      if (space_ && !out_.empty() && out_.back() != '\n') out_ += ' ';
      space_ = false;
      out_ += c;
    }
  }
  void block() {
    if (!out_.empty() && out_.back() != '\n') out_ += '\n';
    space_ = false;
  }
  [[nodiscard]] std::size_t size() const { return out_.size(); }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  bool space_ = false;
};

struct Frame {
  const GumboNode* node;
  bool leaving;
};

// Walks the tree without recursion (a hostile page may nest deeply).
void collect(const GumboNode* root, TextCollector& out, std::map<std::string, std::size_t>& ids) {
  std::vector<Frame> stack{{root, false}};
  while (!stack.empty()) {
    const Frame f = stack.back();
    stack.pop_back();
    const GumboNode* node = f.node;
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
        node->type == GUMBO_NODE_CDATA) {
      out.text(node->v.text.text);
      continue;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) continue;
    const GumboElement& e = node->v.element;
    if (f.leaving) {
      if (is_block(e.tag)) out.block();
      continue;
    }
    if (is_invisible(e)) continue;
    if (is_block(e.tag)) out.block();
    if (const GumboAttribute* id = gumbo_get_attribute(&e.attributes, "id")) {
      ids.emplace(id->value, out.size());
    }
    stack.push_back({node, true});
    for (unsigned i = e.children.length; i > 0; --i) {
      stack.push_back({static_cast<const GumboNode*>(e.children.data[i - 1]), false});
    }
  }
}

// Grams of page units that lie in one block, by length and hash of their keys: where each
// occurs, in page order. One sorted array per length (a page has thousands of grams: a
// hash map of vectors spent more time allocating than the rest of the alignment).
class GramIndex {
 public:
  static constexpr std::size_t kMaxLength = kTermUnits;
  struct Entry {
    std::uint64_t hash;
    std::size_t at;  // the gram's first page unit
    bool operator<(const Entry& o) const { return hash != o.hash ? hash < o.hash : at < o.at; }
  };

  explicit GramIndex(const RenderedPage& page) : page_(page) {
    hashes_.reserve(page.units.size());
    for (const auto& u : page.units) hashes_.push_back(std::hash<std::string>()(u.key));
    for (auto& grams : at_) grams.reserve(page.units.size());
    for (std::size_t k = 0; k < page.units.size(); ++k) {
      std::uint64_t h = kSeed;
      for (std::size_t len = 1; len <= kMaxLength && k + len <= page.units.size(); ++len) {
        if (page.block_of[k + len - 1] != page.block_of[k]) break;
        h = combine(h, hashes_[k + len - 1]);
        at_[len - 1].push_back({h, k});
      }
    }
    for (auto& grams : at_) std::sort(grams.begin(), grams.end());
  }

  // The hash of the keys of `keys` (a gram of at most kMaxLength).
  [[nodiscard]] static std::uint64_t hash_of(const std::vector<std::uint64_t>& keys) {
    std::uint64_t h = kSeed;
    for (const auto k : keys) h = combine(h, k);
    return h;
  }
  [[nodiscard]] std::uint64_t unit_hash(std::size_t k) const { return hashes_[k]; }

  // Where the gram of `len` units hashed `h` starts, from page position `from` on, in page
  // order (empty when nowhere).
  [[nodiscard]] std::span<const Entry> where(std::size_t len, std::uint64_t h,
                                             std::size_t from = 0) const {
    const auto& grams = at_[len - 1];
    const auto first = std::lower_bound(grams.begin(), grams.end(), Entry{h, from});
    const auto last = std::upper_bound(first, grams.end(), Entry{h, SIZE_MAX});
    return {first, last};
  }

  // Whether page units [a, a+len) and [b, b+len) have the same keys, in one block each.
  [[nodiscard]] bool same(std::size_t a, std::size_t b, std::size_t len) const {
    for (std::size_t i = 0; i < len; ++i) {
      if (page_.units[a + i].key != page_.units[b + i].key) return false;
      if (page_.block_of[a + i] != page_.block_of[a] || page_.block_of[b + i] != page_.block_of[b])
        return false;
    }
    return true;
  }

 private:
  static constexpr std::uint64_t kSeed = 1469598103934665603ULL;
  static std::uint64_t combine(std::uint64_t h, std::uint64_t k) {
    return (h ^ k) * 1099511628211ULL + (h >> 29);
  }

  const RenderedPage& page_;
  std::vector<std::uint64_t> hashes_;
  std::vector<Entry> at_[kMaxLength];
};

// How far past the last matched unit a section's text may resume (code blocks, figures and
// the like in between), in page units.
constexpr std::size_t kMaxSkip = 4000;
constexpr std::size_t kResyncUnits = 3;
// Bounds on the work and the stored data a page may cause: larger pages are not mapped
// (their links are anchors); earlier occurrences looked at per unit; marked starts kept per
// section (a section with more is not mapped).
constexpr std::size_t kMaxPageUnits = 200000;
constexpr std::size_t kMaxCandidates = 64;
constexpr std::size_t kMaxMarkedStarts = 256;

struct Alignment {
  std::vector<long> page_unit;  // per section unit: its page unit, or -1
  std::size_t matched = 0;
};

// Greedy alignment: each section unit takes the next page unit when their keys agree;
// otherwise the text resumes where its next few units occur next (within kMaxSkip, or
// anywhere after `from` before anything matched).
Alignment align(const std::vector<PassageUnit>& units, const RenderedPage& page,
                const GramIndex& grams, std::size_t from) {
  Alignment a;
  a.page_unit.assign(units.size(), -1);
  std::size_t p = from;
  for (std::size_t j = 0; j < units.size(); ++j) {
    if (p < page.units.size() && page.units[p].key == units[j].key) {
      a.page_unit[j] = static_cast<long>(p++);
      ++a.matched;
      continue;
    }
    const std::size_t len = std::min(kResyncUnits, units.size() - j);
    std::vector<std::uint64_t> keys;
    for (std::size_t i = 0; i < len; ++i)
      keys.push_back(std::hash<std::string>()(units[j + i].key));
    const auto at = grams.where(len, GramIndex::hash_of(keys), p);
    if (at.empty() || (a.matched > 0 && at.front().at - p > kMaxSkip)) continue;
    a.page_unit[j] = static_cast<long>(at.front().at);
    p = at.front().at + 1;
    ++a.matched;
  }
  return a;
}

// A stretch of the section's text not shown on the page: dropped, joined to a gap before it.
void add_gap(PassageMap& map, std::size_t offset, std::size_t length) {
  if (length == 0) return;
  if (!map.edits.empty() && map.edits.back().gap &&
      map.edits.back().offset + map.edits.back().length == offset) {
    map.edits.back().length += static_cast<std::uint32_t>(length);
    return;
  }
  map.edits.push_back(
      {static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(length), true, {}});
}

// A stretch of the section's text shown on the page as `text`.
void add_replacement(PassageMap& map, std::size_t offset, std::size_t length, std::string text) {
  if (length == 0 && text.empty()) return;
  map.edits.push_back({static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(length),
                       false, std::move(text)});
}

// The edits that turn the section's text into the page's, unit by unit and gap by gap.
PassageMap edits_of(std::string_view text, const std::vector<PassageUnit>& units,
                    const Alignment& a, const RenderedPage& page) {
  PassageMap map;
  const std::string_view shown(page.text);
  auto page_slice = [&](std::size_t from, std::size_t to) { return shown.substr(from, to - from); };
  for (std::size_t j = 0; j <= units.size(); ++j) {
    // The stretch before unit j (after unit j-1): shown as on the page only between two
    // units that follow each other there in one block.
    const std::size_t from = j == 0 ? 0 : units[j - 1].end;
    const std::size_t to = j == units.size() ? text.size() : units[j].begin;
    const bool joined = j > 0 && j < units.size() && a.page_unit[j - 1] >= 0 &&
                        a.page_unit[j] == a.page_unit[j - 1] + 1 &&
                        page.block_of[static_cast<std::size_t>(a.page_unit[j])] ==
                            page.block_of[static_cast<std::size_t>(a.page_unit[j - 1])];
    if (!joined) {
      add_gap(map, from, to - from);
    } else {
      const auto& prev = page.units[static_cast<std::size_t>(a.page_unit[j - 1])];
      const auto& next = page.units[static_cast<std::size_t>(a.page_unit[j])];
      const std::string_view on_page = page_slice(prev.end, next.begin);
      if (on_page != text.substr(from, to - from)) {
        add_replacement(map, from, to - from, std::string(on_page));
      }
    }
    if (j == units.size()) break;
    if (a.page_unit[j] < 0) {
      add_gap(map, units[j].begin, units[j].end - units[j].begin);
      continue;
    }
    const auto& u = page.units[static_cast<std::size_t>(a.page_unit[j])];
    const std::string_view on_page = page_slice(u.begin, u.end);
    if (on_page != text.substr(units[j].begin, units[j].end - units[j].begin)) {
      add_replacement(map, units[j].begin, units[j].end - units[j].begin, std::string(on_page));
    }
  }
  return map;
}

// Whether the gram of `len` page units at `at` (in one block) occurs on the page before
// `at`; with `prefix` > 0, whether it does so with the same `prefix` units before it.
// Past kMaxCandidates earlier occurrences of the gram alone, the answer is yes.
bool occurs_earlier(const GramIndex& grams, std::size_t at, std::size_t len, std::size_t prefix) {
  std::vector<std::uint64_t> keys;
  for (std::size_t i = 0; i < len; ++i) keys.push_back(grams.unit_hash(at + i));
  std::size_t looked = 0;
  for (const auto& gram : grams.where(len, GramIndex::hash_of(keys))) {
    const std::size_t k = gram.at;
    if (k >= at) break;
    if (++looked > kMaxCandidates) return true;
    if (!grams.same(k, at, len)) continue;
    if (prefix == 0 || (k >= prefix && grams.same(k - prefix, at - prefix, prefix + len))) {
      return true;
    }
  }
  return false;
}

// Marks the units whose start term is not the first of its kind on the page.
void mark_ambiguous_starts(const std::vector<PassageUnit>& units, const Alignment& a,
                           const GramIndex& grams, PassageMap& map) {
  const std::vector<int> runs = passage_runs(units, map);
  for (std::size_t j = 0; j < units.size(); ++j) {
    if (runs[j] < 0) continue;
    std::size_t len = 1;
    while (len < kTermUnits && j + len < units.size() && runs[j + len] == runs[j]) ++len;
    const auto at = static_cast<std::size_t>(a.page_unit[j]);
    if (!occurs_earlier(grams, at, len, 0)) continue;
    std::size_t prefix = 0;
    while (prefix < kPrefixUnits && prefix < j && runs[j - prefix - 1] == runs[j]) ++prefix;
    const bool still = prefix == 0 || occurs_earlier(grams, at, len, prefix);
    (still ? map.no_start : map.needs_prefix).push_back(static_cast<std::uint32_t>(units[j].begin));
  }
}

}  // namespace

RenderedPage read_rendered_page(std::string_view html) {
  RenderedPage page;
  GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  TextCollector collector;
  std::map<std::string, std::size_t> id_offsets;
  collect(out->root, collector, id_offsets);
  gumbo_destroy_output(&kGumboDefaultOptions, out);
  page.text = collector.take();
  page.units = passage_units(page.text);
  page.block_of.reserve(page.units.size());
  std::size_t line = 0;
  std::size_t scanned = 0;
  for (const auto& u : page.units) {
    line +=
        static_cast<std::size_t>(std::count(page.text.begin() + static_cast<long>(scanned),
                                            page.text.begin() + static_cast<long>(u.begin), '\n'));
    scanned = u.begin;
    page.block_of.push_back(line);
  }
  for (const auto& [id, offset] : id_offsets) {
    const auto it =
        std::lower_bound(page.units.begin(), page.units.end(), offset,
                         [](const PassageUnit& u, std::size_t o) { return u.begin < o; });
    page.id_unit.emplace(id, static_cast<std::size_t>(std::distance(page.units.begin(), it)));
  }
  return page;
}

void map_sections(const RenderedPage& page, std::vector<Section>& sections) {
  if (page.units.size() > kMaxPageUnits) {
    for (auto& s : sections) s.passage_map.clear();
    return;
  }
  const GramIndex grams(page);
  std::size_t from = 0;
  for (auto& s : sections) {
    s.passage_map.clear();
    if (!s.anchor.empty()) {
      if (const auto it = page.id_unit.find(s.anchor); it != page.id_unit.end()) from = it->second;
    }
    const std::vector<PassageUnit> units = passage_units(s.text);
    if (units.empty()) continue;
    const Alignment a = align(units, page, grams, from);
    if (a.matched * 2 < units.size()) continue;
    PassageMap map = edits_of(s.text, units, a, page);
    mark_ambiguous_starts(units, a, grams, map);
    if (map.needs_prefix.size() + map.no_start.size() > kMaxMarkedStarts) continue;
    s.passage_map = encode_passage_map(map);
    for (auto it = a.page_unit.rbegin(); it != a.page_unit.rend(); ++it) {
      if (*it >= 0) {
        from = static_cast<std::size_t>(*it) + 1;
        break;
      }
    }
  }
}

void attach_passage_maps(const std::filesystem::path& output_dir, std::string_view baseurl,
                         Post& post) {
  const auto file = BuiltSite::page_file(output_dir, baseurl, post.url);
  if (!file) return;
  // page_file() refuses a symlink for the page, not for a folder on its way: the page must
  // resolve inside the output folder.
  std::error_code ec;
  const auto root = std::filesystem::canonical(output_dir, ec);
  if (ec) return;
  const ContainedRead html = read_contained_file(root, *file, BuiltSiteOptions{}.max_page_bytes);
  if (!html.bytes) return;
  map_sections(read_rendered_page(*html.bytes), post.sections);
}

}  // namespace postsearch
