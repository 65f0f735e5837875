#include "indexer/liquid_filters.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

namespace postsearch::liquid {

bool RenderBudget::spend(std::size_t steps) {
  if (steps_ + steps > limits_.max_steps) steps_ = limits_.max_steps + 1;
  steps_ += steps;
  return steps_ <= limits_.max_steps;
}
bool RenderBudget::produce(std::size_t bytes) {
  produced_ += bytes;
  if (produced_ > limits_.max_bytes) steps_ = limits_.max_steps + 1;
  return produced_ <= limits_.max_bytes;
}
bool RenderBudget::charge_copy(const json& j) {
  if (!spend(1)) return false;
  if (j.is_string()) return spend(j.get_ref<const std::string&>().size() / 256);
  if (j.is_structured()) {
    for (const auto& e : j) {
      if (!charge_copy(e)) return false;
    }
  }
  return true;
}

namespace {

bool is_empty_value(const json& j) {
  return (j.is_string() && j.get_ref<const std::string&>().empty()) ||
         (j.is_structured() && j.empty());
}

std::string arg_text(const Args& args, std::size_t k, std::string fallback = "") {
  return k < args.size() && !args[k].get().is_null() ? to_text(args[k].get()) : fallback;
}

// Jekyll's where: items whose property, as text (or any element of it), equals the value.
json where(RenderBudget& r, const json& input, const std::string& property,
           const std::string& value) {
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

// A copy of the array `v` with the elements `keep(kept so far, element)` accepts.
template <typename Keep>
Value kept_elements(RenderBudget& r, const Value& v, Keep keep) {
  if (!v.get().is_array() || !r.charge_copy(v.get())) return Value{};
  json out = json::array();
  for (const auto& e : v.get()) {
    if (keep(out, e)) out.push_back(e);
  }
  return Value::own(std::move(out));
}

// join: the elements as text, between separators (default " ").
Value join_filter(RenderBudget& r, const Value& v, const Args& a) {
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
Value map_filter(RenderBudget& r, const Value& v, const Args& a) {
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
Value sort_filter(RenderBudget& r, const Value& v, const Args& a) {
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

using ArrayFilter = Value (*)(RenderBudget&, const Value&, const Args&);

const std::map<std::string, ArrayFilter>& array_filters() {
  static const std::map<std::string, ArrayFilter> kFilters = {
      {"first",
       [](RenderBudget&, const Value& v, const Args&) {
         const json& j = v.get();
         return j.is_array() && !j.empty() ? v.child(j.front()) : Value{};
       }},
      {"last",
       [](RenderBudget&, const Value& v, const Args&) {
         const json& j = v.get();
         return j.is_array() && !j.empty() ? v.child(j.back()) : Value{};
       }},
      {"size",
       [](RenderBudget&, const Value& v, const Args&) {
         const json& j = v.get();
         if (j.is_string()) return Value::own(char_count(j.get_ref<const std::string&>()));
         return Value::own(j.is_structured() ? j.size() : 0);
       }},
      {"where",
       [](RenderBudget& r, const Value& v, const Args& a) {
         if (!v.get().is_array() && !v.get().is_object()) return Value{};
         return Value::own(where(r, v.get(), arg_text(a, 0), arg_text(a, 1)));
       }},
      {"join", join_filter},
      {"map", map_filter},
      {"reverse",
       [](RenderBudget& r, const Value& v, const Args&) {
         if (!v.get().is_array() || !r.charge_copy(v.get())) return Value{};
         json out = v.get();
         std::reverse(out.begin(), out.end());
         return Value::own(std::move(out));
       }},
      {"sort", sort_filter},
      {"uniq",
       [](RenderBudget& r, const Value& v, const Args&) {
         return kept_elements(r, v, [&r](const json& kept, const json& e) {
           return std::find(kept.begin(), kept.end(), e) == kept.end() && r.spend(kept.size() / 64);
         });
       }},
      {"compact",
       [](RenderBudget& r, const Value& v, const Args&) {
         return kept_elements(r, v, [](const json&, const json& e) { return !e.is_null(); });
       }},
      {"plus", [](RenderBudget&, const Value& v, const Args& a) { return arithmetic(v, a, '+'); }},
      {"minus", [](RenderBudget&, const Value& v, const Args& a) { return arithmetic(v, a, '-'); }},
      {"times", [](RenderBudget&, const Value& v, const Args& a) { return arithmetic(v, a, '*'); }},
      {"divided_by",
       [](RenderBudget&, const Value& v, const Args& a) { return arithmetic(v, a, '/'); }},
  };
  return kFilters;
}

// Filters whose work is bounded by their string arguments (which are already bounded).
Value text_filter(RenderBudget& r, const std::string& name, const Value& input, const Args& a) {
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

}  // namespace

Value apply_filter(RenderBudget& budget, const std::string& name, const Value& input,
                   const Args& args) {
  const json& in = input.get();
  if (name == "default") {
    const bool use_default = !truthy(in) || is_empty_value(in);
    return use_default ? (args.empty() ? Value{} : args[0]) : input;
  }
  if (name == "date") return Value::own(format_date(in, arg_text(args, 0)));
  if (name == "jsonify") {
    if (!budget.charge_copy(in)) return {};
    std::string s = in.dump(-1, ' ', false, json::error_handler_t::replace);
    return budget.produce(s.size()) ? Value::own(std::move(s)) : Value{};
  }
  if (const auto it = array_filters().find(name); it != array_filters().end()) {
    return it->second(budget, input, args);
  }
  if (in.is_null() && (name == "relative_url" || name == "absolute_url")) return {};
  if (const auto it = string_filters().find(name); it != string_filters().end()) {
    if (in.is_null()) return {};
    std::string out = it->second(to_text(in));
    return budget.produce(out.size()) ? Value::own(std::move(out)) : Value{};
  }
  return text_filter(budget, name, input, args);
}

}  // namespace postsearch::liquid
