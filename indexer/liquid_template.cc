#include "indexer/liquid_template.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "common/text.h"

namespace postsearch::liquid {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

namespace {

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

// ---- Template tokens ---------------------------------------------------------

struct Token {
  enum class Kind { kText, kOutput, kTag };
  Kind kind = Kind::kText;
  std::string text;         // text, or a tag's or output's markup (trimmed)
  std::string name;         // tag name
  bool trim_left = false;   // {{- / {%-
  bool trim_right = false;  // -}} / -%}
};

// The inside of {% ... %} or {{ ... }}: whitespace control marks, name and markup.
Token make_tag(Token::Kind kind, std::string_view inner) {
  Token t;
  t.kind = kind;
  if (!inner.empty() && inner.front() == '-') {
    t.trim_left = true;
    inner.remove_prefix(1);
  }
  if (!inner.empty() && inner.back() == '-') {
    t.trim_right = true;
    inner.remove_suffix(1);
  }
  std::string s = text::trim(inner);
  if (kind == Token::Kind::kTag) {
    std::size_t end = 0;
    while (end < s.size() && !is_space(s[end])) ++end;
    t.name = s.substr(0, end);
    s = text::trim(std::string_view(s).substr(end));
  }
  t.text = std::move(s);
  return t;
}

// Where the `{% name %}` tag that ends a raw, comment or highlight block starts and ends.
std::optional<std::pair<std::size_t, std::size_t>> find_end_tag(std::string_view s, std::size_t pos,
                                                                std::string_view name) {
  while ((pos = s.find("{%", pos)) != std::string_view::npos) {
    const std::size_t close = s.find("%}", pos + 2);
    if (close == std::string_view::npos) return std::nullopt;
    if (make_tag(Token::Kind::kTag, s.substr(pos + 2, close - pos - 2)).name == name) {
      return std::make_pair(pos, close + 2);
    }
    pos = close + 2;
  }
  return std::nullopt;
}

class Tokenizer {
 public:
  explicit Tokenizer(std::string_view s) : s_(s) {}

  std::vector<Token> run() {
    std::size_t pos = 0;
    while (pos < s_.size()) {
      const std::size_t open = next_open(pos);
      if (open == std::string_view::npos) {
        text(s_.substr(pos));
        break;
      }
      text(s_.substr(pos, open - pos));
      const bool output = s_[open + 1] == '{';
      const std::size_t close = s_.find(output ? "}}" : "%}", open + 2);
      if (close == std::string_view::npos) {  // unclosed: the rest is text
        text(s_.substr(open));
        break;
      }
      Token t = make_tag(output ? Token::Kind::kOutput : Token::Kind::kTag,
                         s_.substr(open + 2, close - open - 2));
      pos = close + 2;
      if (t.kind == Token::Kind::kTag && is_verbatim_block(t.name)) {
        pos = verbatim_block(std::move(t), pos);
      } else {
        tokens_.push_back(std::move(t));
      }
    }
    apply_whitespace_control();
    return std::move(tokens_);
  }

 private:
  static bool is_verbatim_block(const std::string& name) {
    return name == "raw" || name == "comment" || name == "highlight";
  }

  std::size_t next_open(std::size_t pos) const {
    while ((pos = s_.find('{', pos)) != std::string_view::npos) {
      if (pos + 1 < s_.size() && (s_[pos + 1] == '{' || s_[pos + 1] == '%')) return pos;
      ++pos;
    }
    return std::string_view::npos;
  }

  void text(std::string_view t) {
    if (t.empty()) return;
    Token token;
    token.text = std::string(t);
    tokens_.push_back(std::move(token));
  }

  // raw: its content is text as it stands; comment: gone; highlight: a fenced code block.
  // Without its end tag, the opening tag alone is left out.
  std::size_t verbatim_block(Token open, std::size_t body) {
    const auto end = find_end_tag(s_, body, "end" + open.name);
    const std::string name = open.name;
    tokens_.push_back(std::move(open));
    if (!end) return body;
    const std::string_view content = s_.substr(body, end->first - body);
    if (name == "raw") text(content);
    if (name == "highlight") text("\n```\n" + std::string(content) + "\n```\n");
    tokens_.push_back(
        make_tag(Token::Kind::kTag, s_.substr(end->first + 2, end->second - end->first - 4)));
    return end->second;
  }

  void apply_whitespace_control() {
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      if (tokens_[i].kind == Token::Kind::kText) continue;
      if (tokens_[i].trim_left && i > 0 && tokens_[i - 1].kind == Token::Kind::kText) {
        std::string& t = tokens_[i - 1].text;
        while (!t.empty() && is_space(t.back())) t.pop_back();
      }
      if (tokens_[i].trim_right && i + 1 < tokens_.size() &&
          tokens_[i + 1].kind == Token::Kind::kText) {
        std::string& t = tokens_[i + 1].text;
        std::size_t n = 0;
        while (n < t.size() && is_space(t[n])) ++n;
        t.erase(0, n);
      }
    }
  }

  std::string_view s_;
  std::vector<Token> tokens_;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, int max_depth)
      : tokens_(std::move(tokens)), max_depth_(max_depth) {}

  Body parse() {
    std::string stop;
    return parse_until({}, stop, 0);
  }

 private:
  Body parse_until(const std::vector<std::string_view>& stops, std::string& stopped_at, int depth) {
    Body body;
    while (pos_ < tokens_.size()) {
      Token& t = tokens_[pos_++];
      if (t.kind == Token::Kind::kText) {
        body.push_back({Node::Kind::kText, std::move(t.text), {}});
      } else if (t.kind == Token::Kind::kOutput) {
        body.push_back({Node::Kind::kOutput, std::move(t.text), {}});
      } else if (std::find(stops.begin(), stops.end(), t.name) != stops.end()) {
        stopped_at = t.name;
        last_markup_ = std::move(t.text);
        return body;
      } else {
        body.push_back(tag(t, depth));
      }
    }
    stopped_at.clear();
    return body;
  }

  Node tag(Token& t, int depth) {
    Node n{Node::Kind::kIgnored, std::move(t.text), {}};
    const bool block = t.name == "if" || t.name == "unless" || t.name == "case" ||
                       t.name == "for" || t.name == "capture";
    if (t.name == "assign") n.kind = Node::Kind::kAssign;
    if (t.name == "include") n.kind = Node::Kind::kInclude;
    if (!block || depth >= max_depth_) return n;  // too deep: its tags are left out
    if (t.name == "capture") {
      n.kind = Node::Kind::kCapture;
      std::string stop;
      n.branches.push_back({n.text, false, parse_until({"endcapture"}, stop, depth + 1)});
    } else if (t.name == "for") {
      n.kind = Node::Kind::kFor;
      branches(n, {"else", "endfor"}, "endfor", depth);
    } else if (t.name == "case") {
      n.kind = Node::Kind::kCase;
      std::string stop;
      (void)parse_until({"when", "else", "endcase"}, stop, depth + 1);  // before `when`: nothing
      if (stop == "when" || stop == "else") {
        n.branches.push_back({last_markup_, stop == "else", {}});
        fill_branches(n, {"when", "else", "endcase"}, "endcase", depth);
      }
    } else {
      n.kind = t.name == "if" ? Node::Kind::kIf : Node::Kind::kUnless;
      branches(n, {"elsif", "else", "endif", "endunless"},
               n.kind == Node::Kind::kIf ? "endif" : "endunless", depth);
    }
    return n;
  }

  // The first branch's markup is the tag's own; each stop tag starts the next branch.
  void branches(Node& n, const std::vector<std::string_view>& stops, std::string_view end,
                int depth) {
    n.branches.push_back({n.text, false, {}});
    fill_branches(n, stops, end, depth);
  }

  void fill_branches(Node& n, const std::vector<std::string_view>& stops, std::string_view end,
                     int depth) {
    for (;;) {
      std::string stop;
      n.branches.back().body = parse_until(stops, stop, depth + 1);
      if (stop.empty() || stop == end || stop.rfind("end", 0) == 0) return;
      n.branches.push_back({last_markup_, stop == "else", {}});
    }
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int max_depth_;
  std::string last_markup_;
};

}  // namespace

Body parse_template(std::string_view source, int max_depth) {
  return Parser(Tokenizer(source).run(), max_depth).parse();
}

bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '-'; }

std::vector<Lexeme> lex(std::string_view s) {
  std::vector<Lexeme> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_space(c)) {
      ++i;
    } else if (c == '"' || c == '\'') {
      const std::size_t end = s.find(c, i + 1);
      const std::size_t stop = end == std::string_view::npos ? s.size() : end;
      out.push_back({Lexeme::Kind::kString, std::string(s.substr(i + 1, stop - i - 1))});
      i = stop + 1;
    } else if (digit(c) || (c == '-' && i + 1 < s.size() && digit(s[i + 1]))) {
      std::size_t j = i + 1;
      while (j < s.size() &&
             (digit(s[j]) || (s[j] == '.' && j + 1 < s.size() && digit(s[j + 1])))) {
        ++j;
      }
      out.push_back({Lexeme::Kind::kNumber, std::string(s.substr(i, j - i))});
      i = j;
    } else if (ident_start(c)) {
      std::size_t j = i + 1;
      while (j < s.size() && ident_char(s[j])) ++j;
      if (j < s.size() && s[j] == '?') ++j;
      out.push_back({Lexeme::Kind::kIdent, std::string(s.substr(i, j - i))});
      i = j;
    } else {
      static constexpr std::string_view kTwo[] = {"..", "==", "!=", "<>", "<=", ">="};
      std::size_t n = 1;
      for (const auto two : kTwo) {
        if (s.substr(i, 2) == two) n = 2;
      }
      out.push_back({Lexeme::Kind::kPunct, std::string(s.substr(i, n))});
      i += n;
    }
  }
  return out;
}

}  // namespace postsearch::liquid
