#include "indexer/markdown.h"

#include <cmark.h>
#include <gumbo.h>
#include <utf8proc.h>

#include <algorithm>
#include <memory>

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

// A trailing kramdown/Goldmark attribute "{#some-id}": returns the id and where the
// attribute starts, or an empty id.
std::pair<std::string, std::size_t> explicit_id(const std::string& heading) {
  std::size_t end = heading.size();
  while (end > 0 && heading[end - 1] == ' ') --end;
  if (end < 4 || heading[end - 1] != '}') return {"", 0};
  const std::size_t open = heading.rfind("{#", end - 1);
  if (open == std::string::npos) return {"", 0};
  const std::string id = heading.substr(open + 2, end - open - 3);
  const bool ok = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == ':' ||
           c == '.';
  });
  if (!ok) return {"", 0};
  std::size_t start = open;
  while (start > 0 && heading[start - 1] == ' ') --start;
  return {id, start};
}

class Walker {
 public:
  explicit Walker(const MarkdownOptions& options)
      : anchors_(options.anchors, options.anchor_prefix), auto_ids_(options.auto_ids) {
    out_.sections.emplace_back();
  }

  void enter(cmark_node* node) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_HEADING:
        heading_.clear();
        in_heading_ = true;
        break;
      case CMARK_NODE_IMAGE:
        ++in_image_;
        break;
      case CMARK_NODE_TEXT:
        add(cmark_node_get_literal(node));
        break;
      case CMARK_NODE_CODE:
        add(cmark_node_get_literal(node));
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        add(" ");
        break;
      case CMARK_NODE_CODE_BLOCK:
        append_block(out_.code, cmark_node_get_literal(node));
        break;
      case CMARK_NODE_HTML_BLOCK:
        add_block(html_to_text(cmark_node_get_literal(node)));
        break;
      default:
        break;
    }
  }

  void exit(cmark_node* node) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_HEADING:
        finish_heading(cmark_node_get_heading_level(node));
        break;
      case CMARK_NODE_IMAGE:
        --in_image_;
        out_.alt_text += ' ';
        break;
      case CMARK_NODE_PARAGRAPH:
      case CMARK_NODE_ITEM:
      case CMARK_NODE_BLOCK_QUOTE:
        add(" ");
        break;
      default:
        break;
    }
  }

  MarkdownText finish() {
    if (out_.sections.size() > 1 && text::trim(out_.sections.front().text).empty()) {
      out_.sections.erase(out_.sections.begin());
    }
    for (auto& s : out_.sections) s.text = text::collapse_whitespace(s.text);
    out_.alt_text = text::collapse_whitespace(out_.alt_text);
    return std::move(out_);
  }

 private:
  void add(const char* literal) {
    if (literal == nullptr) return;
    if (in_image_ > 0) {
      out_.alt_text += literal;
    } else if (in_heading_) {
      heading_ += literal;
    } else {
      out_.sections.back().text += literal;
    }
  }

  void add_block(const std::string& text) {
    add(" ");
    add(text.c_str());
    add(" ");
  }

  static void append_block(std::string& to, const char* literal) {
    if (literal == nullptr) return;
    if (!to.empty()) to += '\n';
    to += literal;
  }

  void finish_heading(int level) {
    in_heading_ = false;
    std::string heading = text::collapse_whitespace(heading_);
    auto [anchor, cut] = explicit_id(heading);
    if (!anchor.empty()) {
      heading.resize(cut);
    } else if (auto_ids_) {
      anchor = anchors_.next(heading);
    }
    if (out_.first_heading.empty()) out_.first_heading = heading;
    out_.sections.push_back({heading, anchor, level, ""});
  }

  AnchorGenerator anchors_;
  bool auto_ids_;
  MarkdownText out_;
  std::string heading_;
  bool in_heading_ = false;
  int in_image_ = 0;
};

bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_alnum(char c) { return is_ascii_alpha(c) || (c >= '0' && c <= '9'); }

// kramdown's basic_generate_id: drop leading non-letters, keep [a-zA-Z0-9 -], spaces to
// dashes, lower case.
std::string kramdown_id(std::string_view heading) {
  std::size_t start = 0;
  while (start < heading.size() && !is_ascii_alpha(heading[start])) ++start;
  std::string id;
  for (const char c : heading.substr(start)) {
    if (is_ascii_alnum(c)) {
      id += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    } else if (c == ' ' || c == '-') {
      id += '-';
    }
  }
  return id;
}

// Ids made of Unicode word characters: lower case, `keep(category)` characters and '-'
// kept, each space (and tab) a dash, everything else dropped.
template <typename Keep>
std::string unicode_id(std::string_view heading, Keep keep) {
  const std::string lower = text::fold_case(heading);
  std::string id;
  std::size_t i = 0;
  while (i < lower.size()) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(lower.data() + i),
                                    static_cast<utf8proc_ssize_t>(lower.size() - i), &cp);
    if (n <= 0) break;
    if (keep(utf8proc_category(cp)) || cp == '-' || cp == '_') {
      id.append(lower, i, static_cast<std::size_t>(n));
    } else if (cp == ' ' || cp == '\t') {
      id += '-';
    }
    i += static_cast<std::size_t>(n);
  }
  return id;
}

// kramdown-parser-gfm: letters, marks, numbers and connector punctuation (\p{Word}).
std::string gfm_id(std::string_view heading) {
  return unicode_id(heading, [](utf8proc_category_t c) {
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO) || c == UTF8PROC_CATEGORY_PC;
  });
}

// Goldmark (Hugo's "github" ids): letters and decimal digits.
std::string goldmark_id(std::string_view heading) {
  return unicode_id(heading, [](utf8proc_category_t c) {
    return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) || c == UTF8PROC_CATEGORY_ND;
  });
}

}  // namespace

std::string AnchorGenerator::next(std::string_view heading_text) {
  std::string id = style_ == AnchorStyle::kKramdown ? kramdown_id(heading_text)
                   : style_ == AnchorStyle::kGfm    ? gfm_id(heading_text)
                                                    : goldmark_id(heading_text);
  if (id.empty() && style_ == AnchorStyle::kKramdown) id = "section";
  if (id.empty() && style_ == AnchorStyle::kGoldmark) id = "heading";
  const auto it =
      std::find_if(used_.begin(), used_.end(), [&](const auto& u) { return u.first == id; });
  if (it == used_.end()) {
    used_.emplace_back(id, 0);
    return prefix_ + id;
  }
  ++it->second;
  return prefix_ + id + "-" + std::to_string(it->second);
}

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
  std::unique_ptr<cmark_node, decltype(&cmark_node_free)> doc(
      cmark_parse_document(source.data(), source.size(), CMARK_OPT_DEFAULT), &cmark_node_free);
  Walker walker(options);
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
