#include "query/http/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>
#include <vector>

#include "common/schema.h"
#include "common/text.h"
#include "query/json_io.h"
#include "query/searcher.h"

namespace postsearch::http {
namespace {

using nlohmann::json;

struct Field {
  std::string_view name;
  enum Kind { kText, kList, kInt, kNumber, kBool, kSort } kind;
  std::optional<schema::Filter> filter;  // kList: the schema's filter field it selects; none: sites
};

// The parameters that are not filter fields; each requested filter field of the schema
// (schema::kFilterFields) is a list parameter of its own name besides these.
constexpr Field kFields[] = {
    {"q", Field::kText, {}},
    {"after", Field::kText, {}},
    {"before", Field::kText, {}},
    {"sort", Field::kSort, {}},
    {"page", Field::kInt, {}},
    {"per_page", Field::kInt, {}},
    {"facets", Field::kBool, {}},
    {"facet_limit", Field::kInt, {}},
    {"explain", Field::kBool, {}},
    {"recency", Field::kNumber, {}},
    {"query_lang", Field::kText, {}},
    {"partial", Field::kBool, {}},
    {"collapse", Field::kBool, {}},
    {"site", Field::kList, {}},  // several sites searched as one: SearchRequest::sites
};

std::optional<ParamError> set_text(SearchRequest& r, const std::string& name,
                                   const std::string& v) {
  if (!text::is_valid_utf8(v)) return ParamError{name, "is not valid UTF-8"};
  if (name == "q") r.q = v;
  if (name == "after") r.after = v;
  if (name == "before") r.before = v;
  if (name == "query_lang") r.lang = v;
  return std::nullopt;
}

std::optional<ParamError> add_list(SearchRequest& r, const Field& f, const std::string& v) {
  const std::string name(f.name);
  if (!text::is_valid_utf8(v)) return ParamError{name, "is not valid UTF-8"};
  if (v.size() > 200) return ParamError{name, "value longer than 200 bytes"};
  std::vector<std::string>& list = f.filter ? r.values(*f.filter) : r.sites;
  if (list.size() >= 20) return ParamError{name, "more than 20 values"};
  list.push_back(v);
  return std::nullopt;
}

std::optional<ParamError> set_int(SearchRequest& r, const std::string& name, const std::string& v) {
  int n = 0;
  const auto res = std::from_chars(v.data(), v.data() + v.size(), n);
  if (res.ec != std::errc() || res.ptr != v.data() + v.size()) {
    return ParamError{name, "expected a whole number, got '" + text::truncate_utf8(v, 40) + "'"};
  }
  if (name == "page") r.page = n;
  if (name == "per_page") r.per_page = n;
  if (name == "facet_limit") r.facet_limit = n;
  return std::nullopt;
}

std::optional<ParamError> set_bool(SearchRequest& r, const std::string& name,
                                   const std::string& v) {
  bool b = false;
  if (v == "1" || v == "true" || v == "yes" || v == "on") {
    b = true;
  } else if (!(v == "0" || v == "false" || v == "no" || v == "off")) {
    return ParamError{name, "expected true or false"};
  }
  if (name == "facets") r.facets = b;
  if (name == "explain") r.explain = b;
  if (name == "partial") r.partial = b;
  if (name == "collapse") r.collapse = b;
  return std::nullopt;
}

std::optional<ParamError> set_value(SearchRequest& r, const Field& f, const std::string& v) {
  const std::string name(f.name);
  switch (f.kind) {
    case Field::kText:
      return set_text(r, name, v);
    case Field::kList:
      return add_list(r, f, v);
    case Field::kInt:
      return set_int(r, name, v);
    case Field::kBool:
      return set_bool(r, name, v);
    case Field::kSort: {
      const auto s = sort_by_name(v);
      if (!s) return ParamError{"sort", "expected relevance, date or -date"};
      r.sort = *s;
      return std::nullopt;
    }
    case Field::kNumber: {
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !std::isfinite(d))
        return ParamError{name, "expected a number"};
      r.recency_half_life_days = d;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Every parameter: the scalar ones, then a list per requested filter field of the schema.
const std::vector<Field>& all_fields() {
  static const std::vector<Field> kAll = [] {
    std::vector<Field> all(std::begin(kFields), std::end(kFields));
    for (const auto& f : schema::kFilterFields) {
      if (f.requested) all.push_back({f.name, Field::kList, f.filter});
    }
    return all;
  }();
  return kAll;
}

const Field* field_named(const std::string& name) {
  for (const auto& f : all_fields()) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

SearchParse finish(SearchRequest r) {
  const Diagnostics problems = validate_request(r);
  if (!problems.empty()) return ParamError{problems.front().field, problems.front().message};
  return r;
}

}  // namespace

const std::vector<std::string>& search_param_names() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& f : all_fields()) names.emplace_back(f.name);
    return names;
  }();
  return kNames;
}

SearchParse search_request_from_params(const Params& params) {
  SearchRequest r;
  for (const auto& [name, value] : params) {
    const Field* f = field_named(name);
    if (f == nullptr) continue;  // unknown parameters (cache busters, tracking) are ignored
    if (f->kind != Field::kList && params.count(name) > 1)
      return ParamError{name, "given more than once"};
    if (auto e = set_value(r, *f, value)) return *e;
  }
  return finish(std::move(r));
}

SearchParse language_request_from_params(const Params& params) {
  Params languages;
  for (const auto& [name, value] : params) {
    if (name == "lang" || name == "query_lang") languages.emplace(name, value);
  }
  return search_request_from_params(languages);
}

SearchParse search_request_from_json(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return ParamError{"body", "expected a JSON object"};
  SearchRequest r;
  for (const auto& [name, value] : j.items()) {
    const Field* f = field_named(name);
    if (f == nullptr) return ParamError{name, "unknown parameter"};
    if (f->kind == Field::kList && value.is_array()) {
      for (const auto& item : value) {
        if (!item.is_string() && !item.is_number_integer())
          return ParamError{name, "expected an array of strings"};
        if (auto e = add_list(r, *f, item.is_string() ? item.get<std::string>() : item.dump()))
          return *e;
      }
      continue;
    }
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      text = value.dump();
    } else {
      return ParamError{name, std::string("unexpected ") + value.type_name()};
    }
    if (auto e = set_value(r, *f, text)) return *e;
  }
  return finish(std::move(r));
}

}  // namespace postsearch::http
