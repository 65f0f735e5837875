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
#include "indexer/liquid_filters.h"
#include "indexer/liquid_template.h"
#include "indexer/liquid_values.h"

namespace postsearch {
namespace {

using namespace liquid;  // the renderer is made of the template, values and filters parts

// ---- Rendering -----------------------------------------------------------------

class Renderer : public RenderBudget {
 public:
  explicit Renderer(const LiquidData& data)
      : RenderBudget(data.limits, data.site),
        page_(data.page != nullptr ? data.page : &empty_),
        includes_(data.includes) {}

  void render(const Body& body, std::string& out) {
    for (const Node& n : body) {
      if (!spend(1)) return;
      render_node(n, out);
    }
  }

  Value eval(std::string_view markup) {
    if (markup.size() > limits().max_markup) return {};
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
      case Node::Kind::kInclude:
        render_include(n.text, out);
        break;
      case Node::Kind::kIgnored:
        break;
    }
  }

  void assign(std::string_view markup) {
    const auto eq = markup.find('=');
    if (eq == std::string_view::npos || markup.size() > limits().max_markup) return;
    const std::string name = text::trim(markup.substr(0, eq));
    if (name.empty()) return;
    vars_[name] = eval(markup.substr(eq + 1));
  }

  // {% include NAME key="value" key=variable %}: the include's template, rendered with these
  // variables and `include` holding the parameters, as Jekyll's include tag does. A name
  // given by a variable, or not in _includes/, renders nothing.
  void render_include(std::string_view markup, std::string& out) {
    if (includes_ == nullptr || markup.size() > limits().max_markup ||
        include_depth_ >= limits().max_include_depth) {
      return;
    }
    std::size_t end = 0;
    while (end < markup.size() && !is_space(markup[end])) ++end;
    const std::string name(markup.substr(0, end));
    const auto source = includes_->find(name);
    if (source == includes_->end()) return;
    auto parsed = parsed_includes_.find(name);
    if (parsed == parsed_includes_.end()) {
      if (!spend(source->second.size() / 64 + 1)) return;
      parsed =
          parsed_includes_.emplace(name, parse_template(source->second, limits().max_depth)).first;
    }
    const auto saved = vars_.find("include");
    const bool nested = saved != vars_.end();
    const Value outer = nested ? saved->second : Value{};
    vars_["include"] = Value::own(include_parameters(markup.substr(end)));
    ++include_depth_;
    render(parsed->second, out);
    --include_depth_;
    if (nested) {
      vars_["include"] = outer;
    } else {
      vars_.erase("include");
    }
  }

  // An include's `key="value"`, `key='value'` and `key=variable` parameters.
  json include_parameters(std::string_view markup) {
    json params = json::object();
    const std::vector<Lexeme> lx = lex(markup);
    for (std::size_t i = 0; i < lx.size();) {
      if (lx[i].kind != Lexeme::Kind::kIdent || i + 2 >= lx.size() || lx[i + 1].text != "=") {
        ++i;
        continue;
      }
      const std::string key = lx[i].text;
      i += 2;
      params[key] = primary(lx, i).get();
    }
    return params;
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
    if (markup.size() > limits().max_markup) return false;
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
    if (markup.size() > limits().max_markup) return std::nullopt;
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
    if (markup.size() > limits().max_markup) return false;
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
      v = liquid::apply_filter(*this, name, v, args);
    }
    return v;
  }

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
    if (name == "site") return {&site(), nullptr};
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
  const json* page_;
  const std::map<std::string, std::string>* includes_;
  std::map<std::string, Body> parsed_includes_;
  int include_depth_ = 0;
  std::map<std::string, Value> vars_;
};

}  // namespace

std::string render_liquid(std::string_view source, const LiquidData& data) {
  const Body body = parse_template(source, data.limits.max_depth);
  Renderer renderer(data);
  std::string out;
  out.reserve(source.size());
  renderer.render(body, out);
  return out;
}

}  // namespace postsearch
