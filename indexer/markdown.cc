#include "indexer/markdown.h"

#include <cmark.h>
#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <utility>

#include "common/text.h"

namespace postsearch {
namespace {

// ---- Liquid and shortcodes -------------------------------------------------

// The tag name of a Liquid tag body such as " highlight ruby -" -> "highlight".
std::string liquid_name(std::string_view inner) {
  std::string s = text::trim(inner);
  if (!s.empty() && s.front() == '-') s = text::trim(s.substr(1));
  const auto end = s.find_first_of(" \t\n-");
  return s.substr(0, end);
}

// Finds `{% name %}` (any whitespace control) starting at or after pos.
std::size_t find_liquid_tag(std::string_view s, std::size_t pos, std::string_view name,
                            std::size_t* tag_end) {
  while ((pos = s.find("{%", pos)) != std::string_view::npos) {
    const std::size_t close = s.find("%}", pos + 2);
    if (close == std::string_view::npos) return std::string_view::npos;
    if (liquid_name(s.substr(pos + 2, close - pos - 2)) == name) {
      *tag_end = close + 2;
      return pos;
    }
    pos = close + 2;
  }
  return std::string_view::npos;
}

// Handles one `{% ... %}` at s[pos]; appends the replacement and returns where to go on.
std::size_t handle_liquid(std::string_view s, std::size_t pos, std::size_t close,
                          std::string& out) {
  const std::string name = liquid_name(s.substr(pos + 2, close - pos - 2));
  std::size_t after = close + 2;
  std::size_t end_tag_end = 0;
  if (name == "raw" || name == "comment" || name == "highlight") {
    const std::string end_name = "end" + name;
    const std::size_t end = find_liquid_tag(s, after, end_name, &end_tag_end);
    if (end == std::string_view::npos) return after;
    if (name == "raw") out.append(s.substr(after, end - after));
    if (name == "highlight") {
      out += "\n```\n";
      out.append(s.substr(after, end - after));
      out += "\n```\n";
    }
    return end_tag_end;
  }
  return after;
}

std::size_t handle_curly(std::string_view s, std::size_t pos, std::string& out) {
  // Hugo shortcodes {{< >}} / {{% %}}, or Liquid output {{ }}.
  std::string_view close_mark = "}}";
  if (s.substr(pos, 3) == "{{<") close_mark = ">}}";
  if (s.substr(pos, 3) == "{{%") close_mark = "%}}";
  const std::size_t close = s.find(close_mark, pos + 2);
  if (close == std::string_view::npos) {
    out += s[pos];
    return pos + 1;
  }
  const std::string inner = text::trim(s.substr(pos + 3, close > pos + 3 ? close - pos - 3 : 0));
  if (close_mark != "}}" && liquid_name(inner) == "highlight") {
    const std::string end_mark = std::string(s.substr(pos, 3));
    const std::size_t end = s.find(end_mark + " /highlight", close);
    const std::size_t end2 =
        end == std::string_view::npos ? s.find(end_mark + "/highlight", close) : end;
    if (end2 != std::string_view::npos) {
      const std::size_t body = close + close_mark.size();
      out += "\n```\n";
      out.append(s.substr(body, end2 - body));
      out += "\n```\n";
      const std::size_t end_close = s.find(close_mark, end2);
      return end_close == std::string_view::npos ? s.size() : end_close + close_mark.size();
    }
  }
  return close + close_mark.size();
}

// ---- HTML ----------------------------------------------------------------

void gumbo_text(const GumboNode* node, std::string& out) {
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
      node->type == GUMBO_NODE_CDATA) {
    out += node->v.text.text;
    return;
  }
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT) return;
  if (node->type == GUMBO_NODE_ELEMENT) {
    const GumboTag tag = node->v.element.tag;
    if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE) return;
    if (tag == GUMBO_TAG_IMG) {
      const GumboAttribute* alt = gumbo_get_attribute(&node->v.element.attributes, "alt");
      if (alt != nullptr) out += std::string(" ") + alt->value + " ";
    }
  }
  const GumboVector& children =
      node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    gumbo_text(static_cast<const GumboNode*>(children.data[i]), out);
    out += ' ';
  }
}

// ---- cmark walk ----------------------------------------------------------

// How one heading gets its id, decided in document order and resolved at the end, once a
// kramdown block IAL on the line after it has had its say.
struct HeadingId {
  std::size_t section = 0;
  std::optional<std::string> explicit_id;  // "{#id}", a kramdown IAL, or raw HTML's id
  bool reserves = true;                    // Goldmark keeps Markdown explicit ids free
  bool none = false;                       // the page shows no id (Hugo's omitted raw HTML)
  std::string source;                      // what the engine makes an automatic id from
  // Inside an HTML element that kramdown parses as Markdown (markdown="1"): its GFM parser
  // leaves such a heading to the converter, which makes a kramdown id from the same text.
  bool in_html_element = false;
  int start_line = 0;
  int end_line = 0;
};

// The lines of the Markdown source, for the engines that read a heading's source line.
class SourceLines {
 public:
  explicit SourceLines(std::string_view source) {
    std::size_t pos = 0;
    while (pos <= source.size()) {
      const std::size_t end = source.find('\n', pos);
      std::string_view line = source.substr(pos, end == std::string_view::npos ? end : end - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines_.push_back(line);
      if (end == std::string_view::npos) break;
      pos = end + 1;
    }
  }
  // 1-based line from 1-based column; empty when out of range.
  [[nodiscard]] std::string_view at(int line, int column = 1) const {
    if (line < 1 || static_cast<std::size_t>(line) > lines_.size()) return {};
    const std::string_view l = lines_[static_cast<std::size_t>(line - 1)];
    const auto col = static_cast<std::size_t>(std::max(column, 1) - 1);
    return col < l.size() ? l.substr(col) : std::string_view{};
  }

 private:
  std::vector<std::string_view> lines_;
};

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The text of an ATX heading's source line after its opening hashes, without the closing
// sequence: kramdown drops any unescaped trailing '#'s, CommonMark only a run after a blank.
std::string_view atx_content(std::string_view line, bool kramdown) {
  while (!line.empty() && line.front() == '#') line.remove_prefix(1);
  line = trim_blanks(line);
  std::size_t end = line.size();
  while (end > 0 && line[end - 1] == '#') --end;
  if (end == line.size()) return line;
  if (kramdown) {
    if (end > 0 && line[end - 1] == '\\') return line;
    return trim_blanks(line.substr(0, end));
  }
  if (end == 0) return {};
  if (line[end - 1] != ' ' && line[end - 1] != '\t') return line;
  return trim_blanks(line.substr(0, end));
}

// The first and last lines of a heading's content (they differ in setext headings).
struct ContentLines {
  int first;
  int last;
};

// Heading source as the engine reads it: kramdown the heading's line, Goldmark the last line
// of its content.
std::string_view heading_source(cmark_node* node, const SourceLines& lines, ContentLines content,
                                AnchorStyle style) {
  const auto [first, last] = content;
  const int start = cmark_node_get_start_line(node);
  const std::string_view line = lines.at(start, cmark_node_get_start_column(node));
  const bool kramdown = style == AnchorStyle::kKramdown || style == AnchorStyle::kGfm;
  if (!line.empty() && line.front() == '#') return atx_content(line, kramdown);
  return trim_blanks(kramdown || last <= first ? lines.at(first) : lines.at(last));
}

bool is_heading_tag(GumboTag tag) {
  return tag == GUMBO_TAG_H1 || tag == GUMBO_TAG_H2 || tag == GUMBO_TAG_H3 || tag == GUMBO_TAG_H4 ||
         tag == GUMBO_TAG_H5 || tag == GUMBO_TAG_H6;
}

class Walker {
 public:
  Walker(const MarkdownOptions& options, std::string_view source)
      : options_(options.anchors), lines_(source) {
    out_.sections.emplace_back();
  }

  // A source that is HTML throughout (MarkdownOptions::html).
  void add_html(const std::string& html) { add_html_block(html.c_str()); }

  void enter(cmark_node* node) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_HEADING:
        heading_.clear();
        id_text_.clear();
        in_heading_ = true;
        first_line_ = cmark_node_get_start_line(node);
        last_line_ = first_line_;
        break;
      case CMARK_NODE_PARAGRAPH:
        enter_paragraph(node);
        break;
      case CMARK_NODE_IMAGE:
        ++in_image_;
        break;
      case CMARK_NODE_TEXT:
        if (in_heading_) note_line(node);
        add(cmark_node_get_literal(node), Span::kText, node);
        break;
      case CMARK_NODE_CODE:
        if (in_heading_) note_line(node);
        add(cmark_node_get_literal(node), Span::kCode);
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        add(" ", Span::kBreak);
        break;
      case CMARK_NODE_CODE_BLOCK:
        append_block(out_.code, cmark_node_get_literal(node));
        break;
      case CMARK_NODE_HTML_BLOCK:
        follow_markdown_elements(cmark_node_get_literal(node));
        add_html_block(cmark_node_get_literal(node));
        break;
      default:
        break;
    }
  }

  void exit(cmark_node* node) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_HEADING:
        finish_heading(node);
        break;
      case CMARK_NODE_IMAGE:
        --in_image_;
        out_.alt_text += ' ';
        break;
      case CMARK_NODE_PARAGRAPH:
        in_ial_ = false;
        add(" ", Span::kBreak);
        break;
      case CMARK_NODE_ITEM:
      case CMARK_NODE_BLOCK_QUOTE:
        add(" ", Span::kBreak);
        break;
      default:
        break;
    }
  }

  MarkdownText finish() {
    assign_anchors();
    if (out_.sections.size() > 1 && text::trim(out_.sections.front().text).empty()) {
      out_.sections.erase(out_.sections.begin());
    }
    for (auto& s : out_.sections) s.text = text::collapse_whitespace(s.text);
    out_.alt_text = text::collapse_whitespace(out_.alt_text);
    return std::move(out_);
  }

 private:
  enum class Span { kText, kCode, kBreak };

  [[nodiscard]] bool kramdown() const {
    return options_.style == AnchorStyle::kKramdown || options_.style == AnchorStyle::kGfm;
  }

  void note_line(cmark_node* node) {
    last_line_ = std::max(last_line_, cmark_node_get_start_line(node));
  }

  void add(const char* literal, Span span, cmark_node* node = nullptr) {
    if (literal == nullptr || in_ial_) return;
    if (in_image_ > 0) {
      out_.alt_text += literal;
    } else if (in_heading_) {
      heading_ += literal;
      add_id_text(stripped_text(literal, node), span);
    } else {
      out_.sections.back().text += literal;
    }
  }

  // The text kramdown's GFM ids (and auto_id_stripping) read: text with typographic symbols
  // gone; GFM keeps code spans, auto_id_stripping drops them; a line break is no space.
  // kramdown's auto_id_stripping reads text without entity references: take a text node
  // from its source when it is on one line.
  std::string stripped_text(const char* literal, cmark_node* node) const {
    if (node == nullptr || options_.style != AnchorStyle::kKramdown) return literal;
    const int line = cmark_node_get_start_line(node);
    const int start = cmark_node_get_start_column(node);
    const int end = cmark_node_get_end_column(node);
    if (line < 1 || line != cmark_node_get_end_line(node) || end < start) return literal;
    const std::string_view source =
        lines_.at(line, start).substr(0, static_cast<std::size_t>(end - start + 1));
    return drop_entity_references(source);
  }

  void add_id_text(const std::string& literal, Span span) {
    if (span == Span::kBreak) {
      id_text_ += '\n';
    } else if (span == Span::kCode) {
      if (options_.style == AnchorStyle::kGfm) id_text_ += literal;
    } else {
      id_text_ += drop_typographic_symbols(literal);
    }
  }

  void add_block(const std::string& text) {
    add(" ", Span::kBreak);
    add(text.c_str(), Span::kText);
    add(" ", Span::kBreak);
  }

  static void append_block(std::string& to, const char* literal) {
    if (literal == nullptr) return;
    if (!to.empty()) to += '\n';
    to += literal;
  }

  // A paragraph of kramdown block IALs only: it sets the id of the heading just above it,
  // or of the heading right below it; its text is not on the page.
  void enter_paragraph(cmark_node* node) {
    if (!kramdown()) return;
    const int start = cmark_node_get_start_line(node);
    const int end = cmark_node_get_end_line(node);
    std::optional<std::string> id;
    for (int line = start; line <= end; ++line) {
      auto line_id = kramdown_block_ial_id(lines_.at(line));
      if (!line_id) return;
      if (!line_id->empty()) id = std::move(line_id);
    }
    in_ial_ = true;
    if (!id) return;
    if (!headings_.empty() && headings_.back().end_line == start - 1) {
      headings_.back().explicit_id = id;
    } else {
      pending_ial_ = {*id, end};
    }
  }

  void finish_heading(cmark_node* node) {
    in_heading_ = false;
    HeadingId h;
    h.start_line = cmark_node_get_start_line(node);
    h.end_line = cmark_node_get_end_line(node);
    std::string_view source =
        heading_source(node, lines_, {first_line_, last_line_}, options_.style);
    const bool setext =
        cmark_node_get_heading_level(node) <= 2 &&
        lines_.at(h.start_line, cmark_node_get_start_column(node)).substr(0, 1) != "#";
    if (setext) h.end_line = last_line_ + 1;
    // kramdown's setext headings have one line; more make a paragraph. Input kramdown also
    // wants a blank line (or the start) before a heading; without one it is paragraph text.
    h.none = (setext && kramdown() && last_line_ > first_line_) ||
             (options_.style == AnchorStyle::kKramdown && !after_blank_line(h.start_line));
    const ExplicitId trailing =
        options_.heading_attributes ? trailing_heading_id(source, options_.style) : ExplicitId{};
    std::string heading = text::collapse_whitespace(heading_);
    if (trailing.attribute) {
      source = source.substr(0, trailing.cut);
      const ExplicitId shown = trailing_heading_id(heading, options_.style);
      if (shown.attribute) heading.resize(shown.cut);
      if (!trailing.id.empty()) h.explicit_id = trailing.id;
    }
    if (pending_ial_ && pending_ial_->second == h.start_line - 1)
      h.explicit_id = pending_ial_->first;
    pending_ial_.reset();
    h.source = ids_from_source(options_) ? std::string(source) : id_text_;
    h.in_html_element = options_.style == AnchorStyle::kGfm && !markdown_elements_.empty();
    add_section(std::move(heading), cmark_node_get_heading_level(node), std::move(h));
  }

  // kramdown's block boundary before `line`: the start, a blank line (a quote marker alone
  // is blank inside its quote), or block IALs that themselves follow one (they then
  // belong to the next block).
  [[nodiscard]] bool after_blank_line(int line) const {
    while (line > 1) {
      const std::string_view before = lines_.at(line - 1);
      if (std::all_of(before.begin(), before.end(),
                      [](char c) { return c == ' ' || c == '\t' || c == '>'; }))
        return true;
      if (!kramdown_block_ial_id(before)) return false;
      --line;
    }
    return true;
  }

  void add_section(std::string heading, int level, HeadingId h) {
    if (out_.first_heading.empty()) out_.first_heading = heading;
    h.section = out_.sections.size();
    out_.sections.push_back({std::move(heading), "", level, ""});
    headings_.push_back(std::move(h));
  }

  // Raw HTML: its <h1>-<h6> start sections with the id they carry (an engine gives raw
  // HTML none of its own); everything else is text of the current section.
  void add_html_block(const char* literal) {
    if (literal == nullptr) return;
    const std::string_view html(literal);
    if (in_image_ > 0 || in_heading_ || html.find("<h") == std::string_view::npos) {
      add_block(html_to_text(html));
      return;
    }
    GumboOutput* output = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
    std::string text;
    html_walk(output->root, text);
    gumbo_destroy_output(&kGumboDefaultOptions, output);
    add_block(text::collapse_whitespace(text));
  }

  void html_walk(const GumboNode* node, std::string& text) {
    if (node->type == GUMBO_NODE_ELEMENT && is_heading_tag(node->v.element.tag)) {
      add_block(text::collapse_whitespace(text));
      text.clear();
      std::string heading;
      gumbo_text(node, heading);
      HeadingId h;
      h.reserves = false;
      const GumboAttribute* id = gumbo_get_attribute(&node->v.element.attributes, "id");
      if (id != nullptr && *id->value != '\0') h.explicit_id = id->value;
      h.none = !options_.raw_html || !h.explicit_id;
      const int level = 1 + static_cast<int>(node->v.element.tag - GUMBO_TAG_H1);
      add_section(text::collapse_whitespace(heading), level, std::move(h));
      return;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT) {
      gumbo_text(node, text);
      return;
    }
    const GumboTag tag = node->type == GUMBO_NODE_ELEMENT ? node->v.element.tag : GUMBO_TAG_UNKNOWN;
    if (tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_TEMPLATE) return;
    if (tag == GUMBO_TAG_IMG) {
      gumbo_text(node, text);
      return;
    }
    const GumboVector& children =
        node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
    for (unsigned i = 0; i < children.length; ++i) {
      html_walk(static_cast<const GumboNode*>(children.data[i]), text);
      text += ' ';
    }
  }

  // The HTML elements open at this point that kramdown parses as Markdown: an element with
  // markdown="1" (or "block") opens one; inside one, elements of the same names nest; a
  // closing tag closes the innermost element of its name. An element left open stays open.
  void follow_markdown_elements(const char* literal) {
    if (literal == nullptr || options_.style != AnchorStyle::kGfm) return;
    const std::string_view html(literal);
    for (std::size_t lt = html.find('<'); lt != std::string_view::npos;
         lt = html.find('<', lt + 1)) {
      const bool closing = lt + 1 < html.size() && html[lt + 1] == '/';
      std::size_t end = lt + (closing ? 2 : 1);
      const std::size_t name_start = end;
      while (end < html.size() && std::isalnum(static_cast<unsigned char>(html[end]))) ++end;
      const std::size_t gt = html.find('>', end);
      if (end == name_start || gt == std::string_view::npos) continue;
      const std::string name = text::fold_case(html.substr(name_start, end - name_start));
      const std::string_view attrs = html.substr(end, gt - end);
      if (closing) {
        if (!markdown_elements_.empty() && markdown_elements_.back() == name)
          markdown_elements_.pop_back();
      } else if ((attrs.empty() || attrs.back() != '/') &&
                 (reads_markdown(attrs) ||
                  std::find(markdown_elements_.begin(), markdown_elements_.end(), name) !=
                      markdown_elements_.end())) {
        markdown_elements_.push_back(name);
      }
      lt = gt;
    }
  }

  // Whether a tag's attributes say markdown="1" (or "block"; quoted or not).
  static bool reads_markdown(std::string_view attrs) {
    for (std::size_t at = attrs.find("markdown"); at != std::string_view::npos;
         at = attrs.find("markdown", at + 1)) {
      std::size_t i = at + 8;
      while (i < attrs.size() && attrs[i] == ' ') ++i;
      if (i >= attrs.size() || attrs[i] != '=') continue;
      ++i;
      while (i < attrs.size() && attrs[i] == ' ') ++i;
      if (i < attrs.size() && (attrs[i] == '"' || attrs[i] == '\'')) ++i;
      const std::string_view value = attrs.substr(i);
      for (const std::string_view v : {std::string_view("1"), std::string_view("block")}) {
        if (value.substr(0, v.size()) == v &&
            (value.size() == v.size() ||
             !std::isalnum(static_cast<unsigned char>(value[v.size()]))))
          return true;
      }
    }
    return false;
  }

  // Ids in document order, as the engine hands them out.
  void assign_anchors() {
    AnchorGenerator generator(options_);
    for (const HeadingId& h : headings_) {
      std::string& anchor = out_.sections[h.section].anchor;
      if (h.none) continue;
      if (h.explicit_id) {
        anchor = *h.explicit_id;
        if (h.reserves) generator.reserve(anchor);
      } else if (options_.auto_ids) {
        anchor =
            h.in_html_element ? generator.next_converter_id(h.source) : generator.next(h.source);
      }
    }
  }

  AnchorOptions options_;
  SourceLines lines_;
  MarkdownText out_;
  std::vector<HeadingId> headings_;
  std::vector<std::string> markdown_elements_;  // open elements kramdown reads as Markdown
  std::optional<std::pair<std::string, int>> pending_ial_;  // id, last line of the IAL
  std::string heading_;
  std::string id_text_;
  int first_line_ = 0;  // the heading's first and last content lines
  int last_line_ = 0;
  bool in_heading_ = false;
  bool in_ial_ = false;
  int in_image_ = 0;
};

}  // namespace

std::string strip_template_tags(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t pos = 0;
  while (pos < s.size()) {
    const std::size_t next = s.find('{', pos);
    if (next == std::string_view::npos || next + 1 >= s.size()) {
      out.append(s.substr(pos));
      break;
    }
    out.append(s.substr(pos, next - pos));
    if (s[next + 1] == '%') {
      const std::size_t close = s.find("%}", next + 2);
      pos = close == std::string_view::npos ? next + 2 : handle_liquid(s, next, close, out);
      if (close == std::string_view::npos) out.append(s.substr(next, 2));
    } else if (s[next + 1] == '{') {
      pos = handle_curly(s, next, out);
    } else {
      out += '{';
      pos = next + 1;
    }
  }
  return out;
}

std::string html_to_text(std::string_view html) {
  GumboOutput* output = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  std::string out;
  gumbo_text(output->root, out);
  gumbo_destroy_output(&kGumboDefaultOptions, output);
  return text::collapse_whitespace(out);
}

MarkdownText markdown_to_text(std::string_view markdown, const MarkdownOptions& options) {
  const std::string source = options.liquid != nullptr ? render_liquid(markdown, *options.liquid)
                                                       : strip_template_tags(markdown);
  Walker walker(options, source);
  if (options.html) {
    walker.add_html(source);
    return walker.finish();
  }
  std::unique_ptr<cmark_node, decltype(&cmark_node_free)> doc(
      cmark_parse_document(source.data(), source.size(), CMARK_OPT_DEFAULT), &cmark_node_free);
  std::unique_ptr<cmark_iter, decltype(&cmark_iter_free)> iter(cmark_iter_new(doc.get()),
                                                               &cmark_iter_free);
  cmark_event_type ev = CMARK_EVENT_NONE;
  while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    cmark_node* node = cmark_iter_get_node(iter.get());
    if (ev == CMARK_EVENT_ENTER) walker.enter(node);
    if (ev == CMARK_EVENT_EXIT) walker.exit(node);
  }
  return walker.finish();
}

}  // namespace postsearch
