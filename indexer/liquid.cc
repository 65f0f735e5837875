#include "indexer/liquid.h"

#include <utf8proc.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "common/text.h"

namespace postsearch {
namespace {

using nlohmann::json;

// ---- Template tokens ---------------------------------------------------------

struct Token {
  enum class Kind { kText, kOutput, kTag };
  Kind kind = Kind::kText;
  std::string text;         // text, or a tag's or output's markup (trimmed)
  std::string name;         // tag name
  bool trim_left = false;   // {{- / {%-
  bool trim_right = false;  // -}} / -%}
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

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

// ---- Template tree -------------------------------------------------------------

struct Node;
using Body = std::vector<Node>;

struct Branch {
  std::string markup;  // the condition, `when` values or loop header; empty for `else`
  bool is_else = false;
  Body body;
};

struct Node {
  enum class Kind { kText, kOutput, kAssign, kCapture, kIf, kUnless, kCase, kFor, kIgnored };
  Kind kind = Kind::kIgnored;
  std::string text;  // text, output markup, or the tag's markup
  std::vector<Branch> branches;
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

// ---- Expressions ---------------------------------------------------------------

struct Lexeme {
  enum class Kind { kIdent, kString, kNumber, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;
};

bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9') || c == '-'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

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

// A value: a reference into data that outlives it, kept alive by `owner` when it is not
// the site's or the page's.
struct Value {
  const json* ptr = nullptr;
  std::shared_ptr<const json> owner;

  [[nodiscard]] const json& get() const {
    static const json kNull;
    return ptr != nullptr ? *ptr : kNull;
  }
  static Value own(json j) {
    auto p = std::make_shared<const json>(std::move(j));
    return {p.get(), p};
  }
  [[nodiscard]] Value child(const json& inner) const { return {&inner, owner}; }
};

bool truthy(const json& j) { return !j.is_null() && !(j.is_boolean() && !j.get<bool>()); }

std::string number_text(const json& j) {
  if (!j.is_number_float()) return j.dump();
  const double d = j.get<double>();
  if (!std::isfinite(d)) return d > 0 ? "Infinity" : d < 0 ? "-Infinity" : "NaN";
  char b[64];
  const auto r = std::to_chars(b, b + sizeof b, d);
  std::string s(b, r.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

// Ruby's to_s as Liquid prints a value; hashes are left out.
void append_text(const json& j, std::string& out) {
  if (j.is_string()) {
    out += j.get_ref<const std::string&>();
  } else if (j.is_number()) {
    out += number_text(j);
  } else if (j.is_boolean()) {
    out += j.get<bool>() ? "true" : "false";
  } else if (j.is_array()) {
    for (const auto& e : j) append_text(e, out);
  }
}

std::string to_text(const json& j) {
  std::string s;
  append_text(j, s);
  return s;
}

std::optional<double> to_number(const json& j) {
  if (j.is_number()) return j.get<double>();
  if (!j.is_string()) return std::nullopt;
  const std::string& s = j.get_ref<const std::string&>();
  double d = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), d);
  if (r.ec != std::errc()) return std::nullopt;
  return d;
}

json number_json(double d, bool integral) {
  if (integral && std::abs(d) < 9e15) return static_cast<long long>(d);
  return d;
}

// Calls f(code point, its bytes) for each code point of `s`; an invalid byte is -1.
template <typename F>
void for_each_code_point(std::string_view s, F f) {
  std::size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                                    static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    const std::size_t len = n <= 0 ? 1 : static_cast<std::size_t>(n);
    f(n <= 0 ? -1 : cp, s.substr(i, len));
    i += len;
  }
}

// Lower/upper case per code point (Ruby's String#downcase/upcase).
std::string map_case(std::string_view s, bool upper) {
  std::string out;
  for_each_code_point(s, [&](utf8proc_int32_t cp, std::string_view bytes) {
    if (cp < 0) {
      out += bytes;
      return;
    }
    utf8proc_uint8_t b[4];
    const auto m = utf8proc_encode_char(upper ? utf8proc_toupper(cp) : utf8proc_tolower(cp), b);
    out.append(reinterpret_cast<const char*>(b), static_cast<std::size_t>(m));
  });
  return out;
}

std::size_t char_count(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Liquid's strip_html: script, style and comments go with their content; other tags go.
std::string strip_html(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '<') {
      out += s[i++];
      continue;
    }
    std::string_view close = ">";
    const std::string lower = map_case(s.substr(i, 8), false);
    if (lower.rfind("<!--", 0) == 0) close = "-->";
    if (lower.rfind("<script", 0) == 0) close = "</script>";
    if (lower.rfind("<style", 0) == 0) close = "</style>";
    std::size_t end = std::string_view::npos;
    if (close.size() > 3) {
      const std::string rest = map_case(s.substr(i), false);
      end = rest.find(close);
    } else {
      end = s.find(close, i + 1);
    }
    if (end == std::string_view::npos) {
      out += s[i++];
      continue;
    }
    i = end + close.size();
  }
  return out;
}

// "2023-12-25", "2023-12-25 10:30:00 +0100", "2023-12-25T10:30:00Z", "now", or seconds since
// the epoch, as the wall-clock time it names.
std::optional<std::tm> to_time(const json& j) {
  std::tm tm{};
  if (j.is_number()) {
    const auto t = static_cast<std::time_t>(j.get<double>());
    gmtime_r(&t, &tm);
    return tm;
  }
  if (!j.is_string()) return std::nullopt;
  const std::string& s = j.get_ref<const std::string&>();
  if (s == "now" || s == "today") {
    const std::time_t t = std::time(nullptr);
    gmtime_r(&t, &tm);
    return tm;
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  const int n = std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[ T]%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec);
  if (n < 3 || mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  const std::time_t t = timegm(&tm);  // fills the weekday and day of the year
  gmtime_r(&t, &tm);
  return tm;
}

json format_date(const json& input, const std::string& format) {
  const auto tm = to_time(input);
  if (!tm) return input;
  if (format.empty()) return input;
  char b[512];
  const std::size_t n = std::strftime(b, sizeof b, format.c_str(), &*tm);
  return std::string(b, n);
}

// ---- Rendering -----------------------------------------------------------------

class Renderer;
using Args = std::vector<Value>;
using Filter = std::function<Value(Renderer&, const Value&, const Args&)>;

class Renderer {
 public:
  explicit Renderer(const LiquidData& data)
      : site_(data.site != nullptr ? data.site : &empty_),
        page_(data.page != nullptr ? data.page : &empty_),
        limits_(data.limits) {}

  void render(const Body& body, std::string& out) {
    for (const Node& n : body) {
      if (!spend(1)) return;
      render_node(n, out);
    }
  }

  // False once the render has used its steps; every caller then stops.
  bool spend(std::size_t steps) {
    if (steps_ + steps > limits_.max_steps) steps_ = limits_.max_steps + 1;
    steps_ += steps;
    return steps_ <= limits_.max_steps;
  }
  bool produce(std::size_t bytes) {
    produced_ += bytes;
    if (produced_ > limits_.max_bytes) steps_ = limits_.max_steps + 1;
    return produced_ <= limits_.max_bytes;
  }
  // Charges the copy of `j`: a step per value, one per 256 bytes of string.
  bool charge_copy(const json& j) {
    if (!spend(1)) return false;
    if (j.is_string()) return spend(j.get_ref<const std::string&>().size() / 256);
    if (j.is_structured()) {
      for (const auto& e : j) {
        if (!charge_copy(e)) return false;
      }
    }
    return true;
  }
  [[nodiscard]] const json& site() const { return *site_; }

  Value eval(std::string_view markup) {
    if (markup.size() > limits_.max_markup) return {};
    const std::vector<Lexeme> lx = lex(markup);
    std::size_t i = 0;
    return expression(lx, i);
  }

 private:
  void render_node(const Node& n, std::string& out) {
    switch (n.kind) {
      case Node::Kind::kText:
        if (produce(n.text.size())) out += n.text;
        break;
      case Node::Kind::kOutput: {
        const std::string s = to_text(eval(n.text).get());
        if (produce(s.size())) out += s;
        break;
      }
      case Node::Kind::kAssign:
        assign(n.text);
        break;
      case Node::Kind::kCapture: {
        std::string captured;
        render(n.branches.front().body, captured);
        const std::vector<Lexeme> lx = lex(n.text);
        if (!lx.empty()) vars_[lx.front().text] = Value::own(std::move(captured));
        break;
      }
      case Node::Kind::kIf:
      case Node::Kind::kUnless:
        render_if(n, out);
        break;
      case Node::Kind::kCase:
        render_case(n, out);
        break;
      case Node::Kind::kFor:
        render_for(n, out);
        break;
      case Node::Kind::kIgnored:
        break;
    }
  }

  void assign(std::string_view markup) {
    const auto eq = markup.find('=');
    if (eq == std::string_view::npos || markup.size() > limits_.max_markup) return;
    const std::string name = text::trim(markup.substr(0, eq));
    if (name.empty()) return;
    vars_[name] = eval(markup.substr(eq + 1));
  }

  void render_if(const Node& n, std::string& out) {
    for (std::size_t b = 0; b < n.branches.size(); ++b) {
      const Branch& br = n.branches[b];
      bool take = br.is_else || condition(br.markup);
      if (b == 0 && n.kind == Node::Kind::kUnless) take = !take;
      if (take) return render(br.body, out);
    }
  }

  void render_case(const Node& n, std::string& out) {
    const Value subject = eval(n.text);
    bool matched = false;
    for (const Branch& br : n.branches) {
      if (br.is_else) {
        if (!matched) render(br.body, out);
        continue;
      }
      if (when_matches(subject.get(), br.markup)) {
        matched = true;
        render(br.body, out);
      }
    }
  }

  bool when_matches(const json& subject, std::string_view markup) {
    if (markup.size() > limits_.max_markup) return false;
    const std::vector<Lexeme> lx = lex(markup);
    std::size_t i = 0;
    while (i < lx.size()) {
      if (equal(subject, expression(lx, i).get())) return true;
      if (i < lx.size() && (lx[i].text == "," || lx[i].text == "or"))
        ++i;
      else if (i < lx.size())
        return false;
    }
    return false;
  }

  struct Loop {
    std::string var;
    Value items;  // an array
    std::size_t limit = std::string::npos;
    std::size_t offset = 0;
    bool reversed = false;
  };

  std::optional<Loop> loop_header(std::string_view markup) {
    if (markup.size() > limits_.max_markup) return std::nullopt;
    const std::vector<Lexeme> lx = lex(markup);
    if (lx.size() < 3 || lx[1].text != "in") return std::nullopt;
    Loop loop;
    loop.var = lx[0].text;
    std::size_t i = 2;
    loop.items = primary(lx, i);
    for (; i < lx.size(); ++i) {
      if (lx[i].text == "reversed") loop.reversed = true;
      if ((lx[i].text == "limit" || lx[i].text == "offset") && i + 2 < lx.size() &&
          lx[i + 1].text == ":") {
        const std::string& key = lx[i].text;
        i += 2;
        const auto v = to_number(primary(lx, i).get());
        --i;
        if (!v || *v < 0) continue;
        (key == "limit" ? loop.limit : loop.offset) = static_cast<std::size_t>(*v);
      }
    }
    return loop;
  }

  // An object iterates as [key, value] pairs; a string or number as itself.
  Value as_array(const Value& v) {
    const json& j = v.get();
    if (j.is_array()) return v;
    if (j.is_null()) return Value::own(json::array());
    if (!j.is_object()) return Value::own(json::array({j}));
    if (!charge_copy(j)) return Value::own(json::array());
    json pairs = json::array();
    for (const auto& [k, e] : j.items()) pairs.push_back(json::array({k, e}));
    return Value::own(std::move(pairs));
  }

  void render_for(const Node& n, std::string& out) {
    const auto loop = loop_header(n.branches.front().markup);
    if (!loop) return;
    const Value items = as_array(loop->items);
    const json& arr = items.get();
    std::vector<std::size_t> order;
    for (std::size_t k = loop->offset; k < arr.size() && order.size() < loop->limit; ++k) {
      if (!spend(1)) return;
      order.push_back(k);
    }
    if (loop->reversed) std::reverse(order.begin(), order.end());
    if (order.empty()) {
      if (n.branches.size() > 1) render(n.branches[1].body, out);
      return;
    }
    const auto saved_var = vars_.find(loop->var) != vars_.end() ? vars_[loop->var] : Value{};
    const auto saved_loop = vars_.find("forloop") != vars_.end() ? vars_["forloop"] : Value{};
    for (std::size_t k = 0; k < order.size() && spend(1); ++k) {
      vars_[loop->var] = items.child(arr[order[k]]);
      vars_["forloop"] = Value::own(json{{"index", k + 1},
                                         {"index0", k},
                                         {"rindex", order.size() - k},
                                         {"rindex0", order.size() - k - 1},
                                         {"first", k == 0},
                                         {"last", k + 1 == order.size()},
                                         {"length", order.size()}});
      render(n.branches.front().body, out);
    }
    vars_[loop->var] = saved_var;
    vars_["forloop"] = saved_loop;
  }

  // condition := comparison (("and" | "or") condition)?, evaluated right to left.
  bool condition(std::string_view markup) {
    if (markup.size() > limits_.max_markup) return false;
    const std::vector<Lexeme> lx = lex(markup);
    std::size_t i = 0;
    return condition(lx, i);
  }
  bool condition(const std::vector<Lexeme>& lx, std::size_t& i) {
    const bool left = comparison(lx, i);
    if (i >= lx.size() || (lx[i].text != "and" && lx[i].text != "or")) return left;
    const bool is_and = lx[i++].text == "and";
    const bool right = condition(lx, i);
    return is_and ? left && right : left || right;
  }

  bool comparison(const std::vector<Lexeme>& lx, std::size_t& i) {
    const Value a = primary(lx, i);
    if (i >= lx.size() || lx[i].text == "and" || lx[i].text == "or") return truthy(a.get());
    const std::string op = lx[i++].text;
    const Value b = primary(lx, i);
    return compare(a.get(), op, b.get());
  }

  static bool is_empty_value(const json& j) {
    return (j.is_string() && j.get_ref<const std::string&>().empty()) ||
           (j.is_structured() && j.empty());
  }

  static bool equal(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    return a == b;
  }

  bool compare(const json& a, const std::string& op, const json& b) {
    if (op == "==") return equal(a, b);
    if (op == "!=" || op == "<>") return !equal(a, b);
    if (op == "contains") {
      if (a.is_string() && b.is_string())
        return a.get_ref<const std::string&>().find(b.get_ref<const std::string&>()) !=
               std::string::npos;
      if (a.is_array()) {
        const std::string needle = to_text(b);
        return std::any_of(a.begin(), a.end(), [&](const json& e) { return to_text(e) == needle; });
      }
      return false;
    }
    if (a.is_number() && b.is_number()) {
      const double x = a.get<double>();
      const double y = b.get<double>();
      return op == "<" ? x < y : op == ">" ? x > y : op == "<=" ? x <= y : op == ">=" && x >= y;
    }
    if (a.is_string() && b.is_string()) {
      const int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
      return op == "<" ? c < 0 : op == ">" ? c > 0 : op == "<=" ? c <= 0 : op == ">=" && c >= 0;
    }
    return false;
  }

  // expression := primary ("|" name (":" primary ("," primary)*)?)*
  Value expression(const std::vector<Lexeme>& lx, std::size_t& i) {
    Value v = primary(lx, i);
    while (i < lx.size() && lx[i].text == "|") {
      ++i;
      if (i >= lx.size() || !spend(1)) return {};
      const std::string name = lx[i++].text;
      Args args;
      if (i < lx.size() && lx[i].text == ":") {
        do {
          ++i;
          if (i + 1 < lx.size() && lx[i + 1].text == ":") i += 2;  // keyword argument
          args.push_back(primary(lx, i));
        } while (i < lx.size() && lx[i].text == ",");
      }
      v = apply_filter(name, v, args);
    }
    return v;
  }

  Value apply_filter(const std::string& name, const Value& input, const Args& args);

  // primary := literal | "(" primary ".." primary ")" | name ("." name | "[" expression "]")*
  Value primary(const std::vector<Lexeme>& lx, std::size_t& i) {
    if (i >= lx.size()) return {};
    const Lexeme& t = lx[i++];
    switch (t.kind) {
      case Lexeme::Kind::kString:
        return Value::own(t.text);
      case Lexeme::Kind::kNumber:
        return Value::own(t.text.find('.') == std::string::npos ? json(std::atoll(t.text.c_str()))
                                                                : json(std::atof(t.text.c_str())));
      case Lexeme::Kind::kPunct:
        return t.text == "(" ? range(lx, i) : Value{};
      case Lexeme::Kind::kIdent:
        return path(t.text, lx, i);
      case Lexeme::Kind::kEnd:
        break;
    }
    return {};
  }

  Value range(const std::vector<Lexeme>& lx, std::size_t& i) {
    const auto from = to_number(primary(lx, i).get());
    if (i >= lx.size() || lx[i].text != "..") return {};
    ++i;
    const auto to = to_number(primary(lx, i).get());
    if (i < lx.size() && lx[i].text == ")") ++i;
    if (!from || !to) return {};
    json arr = json::array();
    for (auto k = static_cast<long long>(*from); k <= static_cast<long long>(*to) && spend(1); ++k)
      arr.push_back(k);
    return Value::own(std::move(arr));
  }

  Value root(const std::string& name) {
    if (name == "true") return Value::own(true);
    if (name == "false") return Value::own(false);
    if (name == "nil" || name == "null") return {};
    if (name == "empty") return Value::own(json::array());
    if (name == "blank") return Value::own("");
    if (const auto it = vars_.find(name); it != vars_.end()) return it->second;
    if (name == "site") return {site_, nullptr};
    if (name == "page") return {page_, nullptr};
    return {};
  }

  Value path(const std::string& name, const std::vector<Lexeme>& lx, std::size_t& i) {
    Value v = root(name);
    while (i < lx.size() && (lx[i].text == "." || lx[i].text == "[")) {
      Value key;
      if (lx[i++].text == ".") {
        if (i >= lx.size()) return {};
        key = Value::own(lx[i++].text);
        if (const auto special = property(v, key.get().get<std::string>())) {
          v = *special;
          continue;
        }
      } else {
        key = expression(lx, i);
        if (i < lx.size() && lx[i].text == "]") ++i;
      }
      v = index(v, key.get());
    }
    return v;
  }

  // .size, .first and .last of arrays (and .size of strings and hashes without that key).
  static std::optional<Value> property(const Value& v, const std::string& name) {
    const json& j = v.get();
    if (j.is_object() && j.contains(name)) return std::nullopt;
    if (name == "size" && j.is_string())
      return Value::own(char_count(j.get_ref<const std::string&>()));
    if (name == "size" && j.is_structured()) return Value::own(j.size());
    if (j.is_array() && !j.empty() && name == "first") return v.child(j.front());
    if (j.is_array() && !j.empty() && name == "last") return v.child(j.back());
    return std::nullopt;
  }

  static Value index(const Value& v, const json& key) {
    const json& j = v.get();
    if (j.is_object() && key.is_string()) {
      const auto it = j.find(key.get_ref<const std::string&>());
      return it == j.end() ? Value{} : v.child(*it);
    }
    if (j.is_array() && key.is_number_integer()) {
      auto k = key.get<long long>();
      if (k < 0) k += static_cast<long long>(j.size());
      if (k < 0 || static_cast<std::size_t>(k) >= j.size()) return {};
      return v.child(j[static_cast<std::size_t>(k)]);
    }
    return {};
  }

  json empty_ = json::object();
  const json* site_;
  const json* page_;
  LiquidLimits limits_;
  std::map<std::string, Value> vars_;
  std::size_t steps_ = 0;
  std::size_t produced_ = 0;
};

// ---- Filters -------------------------------------------------------------------

std::string arg_text(const Args& args, std::size_t k, std::string fallback = "") {
  return k < args.size() && !args[k].get().is_null() ? to_text(args[k].get()) : fallback;
}

bool is_absolute_url(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  return std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(colon),
                     [](char c) { return ident_char(c) || c == '+' || c == '.'; });
}

// What Addressable's normalize does to a path that matters here: spaces, quotes, angle
// brackets and bytes outside ASCII are percent-encoded.
std::string encode_path(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F || std::string_view("\"<>`{}|\\^").find(c) != std::string::npos) {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// Jekyll's slugify (mode "default"): runs of anything but letters, marks and digits become
// one '-', trimmed, lower case.
std::string slugify(std::string_view s) {
  std::string out;
  for_each_code_point(s, [&](utf8proc_int32_t cp, std::string_view bytes) {
    const auto cat = cp < 0 ? UTF8PROC_CATEGORY_CN : utf8proc_category(cp);
    if ((cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME) ||
        cat == UTF8PROC_CATEGORY_ND) {
      out += bytes;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  });
  while (!out.empty() && out.back() == '-') out.pop_back();
  return map_case(out, false);
}

// Jekyll's relative_url: the site's baseurl (without a trailing slash) before the path,
// each with a leading slash.
std::string relative_url(const json& site, const std::string& input) {
  if (is_absolute_url(input)) return input;
  auto with_slash = [](std::string s) { return s.empty() || s[0] == '/' ? s : "/" + s; };
  std::string base = site.contains("baseurl") ? to_text(site["baseurl"]) : "";
  if (!base.empty() && base.back() == '/') base.pop_back();
  return encode_path(with_slash(base) + with_slash(input));
}

std::string absolute_url(const json& site, const std::string& input) {
  if (is_absolute_url(input)) return input;
  const std::string url = site.contains("url") ? to_text(site["url"]) : "";
  return url + relative_url(site, input);
}

// Jekyll's where: items whose property, as text (or any element of it), equals the value.
json where(Renderer& r, const json& input, const std::string& property, const std::string& value) {
  json out = json::array();
  const json& items = input;
  for (const auto& item : items) {
    if (!r.spend(1)) break;
    if (!item.is_object() || !item.contains(property)) {
      if (value.empty() && item.is_object() && r.charge_copy(item)) out.push_back(item);
      continue;
    }
    const json& p = item[property];
    const bool match =
        p.is_array()
            ? std::any_of(p.begin(), p.end(), [&](const json& e) { return to_text(e) == value; })
            : to_text(p) == value;
    if (match && r.charge_copy(item)) out.push_back(item);
  }
  return out;
}

json split(const std::string& s, const std::string& sep) {
  json out = json::array();
  if (sep.empty()) {
    for (std::size_t i = 0; i < s.size();) {
      std::size_t n = 1;
      while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
      out.push_back(s.substr(i, n));
      i += n;
    }
    return out;
  }
  std::size_t start = 0;
  for (std::size_t p = s.find(sep); p != std::string::npos; p = s.find(sep, start)) {
    out.push_back(s.substr(start, p - start));
    start = p + sep.size();
  }
  out.push_back(s.substr(start));
  while (!out.empty() && out.back().get_ref<const std::string&>().empty())
    out.erase(out.size() - 1);
  return out;
}

std::string replace(std::string s, const std::string& from, const std::string& to, bool all) {
  if (from.empty()) return s;
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
    if (!all) break;
  }
  return s;
}

Value arithmetic(const Value& input, const Args& args, char op) {
  const auto a = to_number(input.get());
  const auto b = args.empty() ? std::nullopt : to_number(args[0].get());
  if (!a || !b) return {};
  const bool integral = !input.get().is_number_float() && !args[0].get().is_number_float() &&
                        std::floor(*a) == *a && std::floor(*b) == *b;
  if (op == '/' && *b == 0) return {};
  const double r = op == '+'   ? *a + *b
                   : op == '-' ? *a - *b
                   : op == '*' ? *a * *b
                   : integral  ? std::floor(*a / *b)
                               : *a / *b;
  return Value::own(number_json(r, integral));
}

using StringFilter = std::string (*)(const std::string&);

const std::map<std::string, StringFilter>& string_filters() {
  static const std::map<std::string, StringFilter> kFilters = {
      {"upcase", [](const std::string& s) { return map_case(s, true); }},
      {"downcase", [](const std::string& s) { return map_case(s, false); }},
      {"capitalize",
       [](const std::string& s) {
         const std::string lower = map_case(s, false);
         std::size_t n = 1;
         while (n < lower.size() && (static_cast<unsigned char>(lower[n]) & 0xC0) == 0x80) ++n;
         return map_case(std::string_view(lower).substr(0, n), true) + lower.substr(n);
       }},
      {"strip", [](const std::string& s) { return text::trim(s); }},
      {"lstrip",
       [](const std::string& s) {
         std::size_t n = 0;
         while (n < s.size() && is_space(s[n])) ++n;
         return s.substr(n);
       }},
      {"rstrip",
       [](const std::string& s) {
         std::string out = s;
         while (!out.empty() && is_space(out.back())) out.pop_back();
         return out;
       }},
      {"strip_html", [](const std::string& s) { return strip_html(s); }},
      {"strip_newlines",
       [](const std::string& s) {
         std::string out;
         for (const char c : s) {
           if (c != '\n' && c != '\r') out += c;
         }
         return out;
       }},
      {"escape", [](const std::string& s) { return text::html_escape(s); }},
      {"xml_escape", [](const std::string& s) { return text::html_escape(s); }},
      {"markdownify", [](const std::string& s) { return s; }},
      {"slugify", [](const std::string& s) { return slugify(s); }},
      {"date_to_string",
       [](const std::string& s) { return to_text(format_date(json(s), "%d %b %Y")); }},
      {"date_to_long_string",
       [](const std::string& s) { return to_text(format_date(json(s), "%d %B %Y")); }},
  };
  return kFilters;
}

// A copy of the array `v` with the elements `keep(kept so far, element)` accepts.
template <typename Keep>
Value kept_elements(Renderer& r, const Value& v, Keep keep) {
  if (!v.get().is_array() || !r.charge_copy(v.get())) return Value{};
  json out = json::array();
  for (const auto& e : v.get()) {
    if (keep(out, e)) out.push_back(e);
  }
  return Value::own(std::move(out));
}

// join: the elements as text, between separators (default " ").
Value join_filter(Renderer& r, const Value& v, const Args& a) {
  const json& j = v.get();
  if (!j.is_array()) return v;
  const std::string sep = arg_text(a, 0, " ");
  std::string out;
  for (std::size_t k = 0; k < j.size() && r.spend(1); ++k) {
    if (k > 0) out += sep;
    append_text(j[k], out);
    if (!r.produce(sep.size())) break;
  }
  return r.produce(out.size()) ? Value::own(std::move(out)) : Value{};
}

// map: each element's value of a key (null where it has none).
Value map_filter(Renderer& r, const Value& v, const Args& a) {
  const json& j = v.get();
  if (!j.is_array()) return Value{};
  const std::string key = arg_text(a, 0);
  json out = json::array();
  for (const auto& e : j) {
    if (!r.spend(1)) break;
    const bool has = e.is_object() && e.contains(key);
    if (has && !r.charge_copy(e[key])) break;
    out.push_back(has ? e[key] : json());
  }
  return Value::own(std::move(out));
}

// sort: stable, by the elements or by a key of theirs (null first).
Value sort_filter(Renderer& r, const Value& v, const Args& a) {
  if (!v.get().is_array() || !r.charge_copy(v.get())) return Value{};
  json out = v.get();
  const std::string key = arg_text(a, 0);
  const auto field = [&](const json& e) -> const json& {
    static const json kNull;
    return key.empty() ? e : e.is_object() && e.contains(key) ? e[key] : kNull;
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const json& x, const json& y) { return field(x) < field(y); });
  return Value::own(std::move(out));
}

using ArrayFilter = Value (*)(Renderer&, const Value&, const Args&);

const std::map<std::string, ArrayFilter>& array_filters() {
  static const std::map<std::string, ArrayFilter> kFilters = {
      {"first",
       [](Renderer&, const Value& v, const Args&) {
         const json& j = v.get();
         return j.is_array() && !j.empty() ? v.child(j.front()) : Value{};
       }},
      {"last",
       [](Renderer&, const Value& v, const Args&) {
         const json& j = v.get();
         return j.is_array() && !j.empty() ? v.child(j.back()) : Value{};
       }},
      {"size",
       [](Renderer&, const Value& v, const Args&) {
         const json& j = v.get();
         if (j.is_string()) return Value::own(char_count(j.get_ref<const std::string&>()));
         return Value::own(j.is_structured() ? j.size() : 0);
       }},
      {"where",
       [](Renderer& r, const Value& v, const Args& a) {
         if (!v.get().is_array() && !v.get().is_object()) return Value{};
         return Value::own(where(r, v.get(), arg_text(a, 0), arg_text(a, 1)));
       }},
      {"join", join_filter},
      {"map", map_filter},
      {"reverse",
       [](Renderer& r, const Value& v, const Args&) {
         if (!v.get().is_array() || !r.charge_copy(v.get())) return Value{};
         json out = v.get();
         std::reverse(out.begin(), out.end());
         return Value::own(std::move(out));
       }},
      {"sort", sort_filter},
      {"uniq",
       [](Renderer& r, const Value& v, const Args&) {
         return kept_elements(r, v, [&r](const json& kept, const json& e) {
           return std::find(kept.begin(), kept.end(), e) == kept.end() && r.spend(kept.size() / 64);
         });
       }},
      {"compact",
       [](Renderer& r, const Value& v, const Args&) {
         return kept_elements(r, v, [](const json&, const json& e) { return !e.is_null(); });
       }},
      {"plus", [](Renderer&, const Value& v, const Args& a) { return arithmetic(v, a, '+'); }},
      {"minus", [](Renderer&, const Value& v, const Args& a) { return arithmetic(v, a, '-'); }},
      {"times", [](Renderer&, const Value& v, const Args& a) { return arithmetic(v, a, '*'); }},
      {"divided_by",
       [](Renderer&, const Value& v, const Args& a) { return arithmetic(v, a, '/'); }},
  };
  return kFilters;
}

// Filters whose work is bounded by their string arguments (which are already bounded).
Value text_filter(Renderer& r, const std::string& name, const Value& input, const Args& a) {
  const std::string s = to_text(input.get());
  std::string out;
  if (name == "append")
    out = s + arg_text(a, 0);
  else if (name == "prepend")
    out = arg_text(a, 0) + s;
  else if (name == "replace")
    out = replace(s, arg_text(a, 0), arg_text(a, 1), true);
  else if (name == "replace_first")
    out = replace(s, arg_text(a, 0), arg_text(a, 1), false);
  else if (name == "remove")
    out = replace(s, arg_text(a, 0), "", true);
  else if (name == "remove_first")
    out = replace(s, arg_text(a, 0), "", false);
  else if (name == "relative_url")
    out = relative_url(r.site(), s);
  else if (name == "absolute_url")
    out = absolute_url(r.site(), s);
  else if (name == "split") {
    if (!r.spend(s.size() / 64)) return {};
    return Value::own(split(s, arg_text(a, 0)));
  } else
    return {};  // an unknown filter: left out
  if (!r.produce(out.size())) return {};
  return Value::own(std::move(out));
}

Value Renderer::apply_filter(const std::string& name, const Value& input, const Args& args) {
  const json& in = input.get();
  if (name == "default") {
    const bool use_default = !truthy(in) || is_empty_value(in);
    return use_default ? (args.empty() ? Value{} : args[0]) : input;
  }
  if (name == "date") return Value::own(format_date(in, arg_text(args, 0)));
  if (name == "jsonify") {
    if (!charge_copy(in)) return {};
    std::string s = in.dump(-1, ' ', false, json::error_handler_t::replace);
    return produce(s.size()) ? Value::own(std::move(s)) : Value{};
  }
  if (const auto it = array_filters().find(name); it != array_filters().end()) {
    return it->second(*this, input, args);
  }
  if (in.is_null() && (name == "relative_url" || name == "absolute_url")) return {};
  if (const auto it = string_filters().find(name); it != string_filters().end()) {
    if (in.is_null()) return {};
    std::string out = it->second(to_text(in));
    return produce(out.size()) ? Value::own(std::move(out)) : Value{};
  }
  return text_filter(*this, name, input, args);
}

}  // namespace

std::string render_liquid(std::string_view source, const LiquidData& data) {
  Parser parser(Tokenizer(source).run(), data.limits.max_depth);
  const Body body = parser.parse();
  Renderer renderer(data);
  std::string out;
  out.reserve(source.size());
  renderer.render(body, out);
  return out;
}

}  // namespace postsearch
