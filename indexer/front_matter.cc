#include "indexer/front_matter.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <regex>
#include <sstream>

#include "common/text.h"

namespace postsearch {
namespace {

using nlohmann::json;

struct Split {
  FrontMatterFormat format = FrontMatterFormat::kNone;
  std::string_view block;
  std::string_view body;
  int block_line = 2;  // line where the block's content starts
  int body_line = 1;
  bool unclosed = false;
};

bool line_is(std::string_view line, std::string_view fence) {
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line == fence;
}

Split split_front_matter(std::string_view text) {
  Split s;
  s.body = text;
  std::string_view fence;
  if (text.substr(0, 3) == "---") {
    s.format = FrontMatterFormat::kYaml;
    fence = "---";
  } else if (text.substr(0, 3) == "+++") {
    s.format = FrontMatterFormat::kToml;
    fence = "+++";
  } else {
    return s;
  }
  const std::size_t first_nl = text.find('\n');
  if (first_nl == std::string_view::npos || !line_is(text.substr(0, first_nl), fence)) {
    s.format = FrontMatterFormat::kNone;  // "---- text" or a thematic break alone
    return s;
  }
  std::size_t pos = first_nl + 1;
  int line = 2;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    const std::string_view l = text.substr(pos, end - pos);
    if (line_is(l, fence) || (s.format == FrontMatterFormat::kYaml && line_is(l, "..."))) {
      s.block = text.substr(first_nl + 1, pos - first_nl - 1);
      s.body = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
      s.body_line = line + 1;
      return s;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
    ++line;
  }
  s.unclosed = true;
  return s;
}

// ---- YAML ----------------------------------------------------------------

// A YAML 1.1 boolean as `dialect` reads it, or nothing.
std::optional<bool> yaml_boolean(const std::string& v, YamlDialect dialect) {
  if (dialect == YamlDialect::kRuby) {
    const std::string folded = text::fold_case(v);
    if (folded == "yes" || folded == "true" || folded == "on") return true;
    if (folded == "no" || folded == "false" || folded == "off") return false;
    return std::nullopt;
  }
  static constexpr std::array<std::string_view, 11> kTrue = {
      "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static constexpr std::array<std::string_view, 11> kFalse = {
      "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  if (std::find(kTrue.begin(), kTrue.end(), v) != kTrue.end()) return true;
  if (std::find(kFalse.begin(), kFalse.end(), v) != kFalse.end()) return false;
  return std::nullopt;
}

// The YAML 1.1 timestamp with a time of day, as Psych recognises it.
bool is_yaml_timestamp(const std::string& v) {
  static const std::regex kTimestamp(
      R"(-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|[ \t]+)\d{1,2}:\d\d:\d\d(?:\.\d*)?)"
      R"((?:[ \t]*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?)");
  return v.size() < 64 && std::regex_match(v, kTimestamp);
}

struct YamlConverter {
  const std::string& path;
  int line_offset;  // file line of the block's first line, minus one
  YamlDialect dialect;
  Diagnostics& diagnostics;
  std::size_t nodes = 0;
  bool too_big = false;

  json scalar(const YAML::Node& node) const {
    const std::string& v = node.Scalar();
    if (node.Tag() == "!") return v;  // quoted: always a string
    if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return nullptr;
    if (const auto b = yaml_boolean(v, dialect)) return *b;
    long long i = 0;
    const auto r = std::from_chars(v.data(), v.data() + v.size(), i);
    if (r.ec == std::errc() && r.ptr == v.data() + v.size()) return i;
    return v;
  }

  json convert(const YAML::Node& node, int depth) {
    if (too_big) return nullptr;
    if (++nodes > kMaxFrontMatterNodes || depth > kMaxFrontMatterDepth) {
      too_big = true;
      return nullptr;
    }
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        return scalar(node);
      case YAML::NodeType::Sequence: {
        json arr = json::array();
        for (const auto& child : node) arr.push_back(convert(child, depth + 1));
        return arr;
      }
      case YAML::NodeType::Map: {
        json obj = json::object();
        for (const auto& kv : node) {
          const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
          if (obj.contains(key)) {
            diagnostics.push_back({Severity::kWarning, path, line_offset + kv.first.Mark().line + 1,
                                   kv.first.Mark().column + 1, key,
                                   "duplicate key; the last value is kept, as Jekyll and Hugo do"});
          }
          obj[key] = convert(kv.second, depth + 1);
        }
        return obj;
      }
      default:
        return nullptr;
    }
  }
};

void parse_yaml(const Split& split, const std::string& path, const FrontMatterOptions& options,
                FrontMatterResult& result) {
  FrontMatter& fm = *result.front_matter;
  const int offset = split.block_line - 1;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(split.block));
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp 0.7 calls this "bad file"
    result.diagnostics.push_back(
        {Severity::kError, path, offset + e.mark.line + 1, e.mark.column + 1, "",
         options.what + " nested more than " + std::to_string(e.depth()) + " levels deep"});
    result.front_matter.reset();
    return;
  } catch (const YAML::Exception& e) {
    result.diagnostics.push_back({Severity::kError, path, offset + e.mark.line + 1,
                                  e.mark.column + 1, "",
                                  "invalid YAML " + options.what + ": " + e.msg});
    result.front_matter.reset();
    return;
  }
  if (!root || root.IsNull()) return;  // empty block: no fields
  if (!root.IsMap()) {
    result.diagnostics.push_back({Severity::kError, path, split.block_line, 1, "",
                                  options.what + " is not a mapping of fields to values"});
    result.front_matter.reset();
    return;
  }
  YamlConverter conv{path, offset, options.dialect, result.diagnostics};
  fm.fields = conv.convert(root, 0);
  if (conv.too_big) {
    result.diagnostics.push_back({Severity::kError, path, split.block_line, 1, "",
                                  options.what + " expands to more than " +
                                      std::to_string(kMaxFrontMatterNodes) + " values or " +
                                      std::to_string(kMaxFrontMatterDepth) + " levels (aliases?)"});
    result.front_matter.reset();
    return;
  }
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) continue;
    const std::string& key = kv.first.Scalar();
    fm.key_lines[key] = offset + kv.first.Mark().line + 1;  // the last one, whose value is kept
    if (kv.second.IsScalar() && kv.second.Tag() != "!" && is_yaml_timestamp(kv.second.Scalar())) {
      fm.timestamp_keys.insert(key);
    } else {
      fm.timestamp_keys.erase(key);
    }
  }
}

// ---- TOML ----------------------------------------------------------------

json toml_to_json(const toml::node& node, int depth, std::size_t& nodes) {
  if (++nodes > kMaxFrontMatterNodes || depth > kMaxFrontMatterDepth) return nullptr;
  if (const auto* t = node.as_table()) {
    json obj = json::object();
    for (const auto& [k, v] : *t) obj[std::string(k.str())] = toml_to_json(v, depth + 1, nodes);
    return obj;
  }
  if (const auto* a = node.as_array()) {
    json arr = json::array();
    for (const auto& v : *a) arr.push_back(toml_to_json(v, depth + 1, nodes));
    return arr;
  }
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return i->get();
  if (const auto* f = node.as_floating_point()) return f->get();
  if (const auto* b = node.as_boolean()) return b->get();
  std::ostringstream out;  // dates and times: their TOML text, which is ISO 8601
  if (const auto* d = node.as_date()) out << d->get();
  if (const auto* tm = node.as_time()) out << tm->get();
  if (const auto* dt = node.as_date_time()) out << dt->get();
  return out.str();
}

void parse_toml(const Split& split, const std::string& path, const FrontMatterOptions& options,
                FrontMatterResult& result) {
  FrontMatter& fm = *result.front_matter;
  const int offset = split.block_line - 1;
  try {
    const toml::table table = toml::parse(split.block, path);
    std::size_t nodes = 0;
    fm.fields = toml_to_json(table, 0, nodes);
    for (const auto& [k, v] : table) {
      fm.key_lines.emplace(std::string(k.str()), offset + static_cast<int>(v.source().begin.line));
    }
  } catch (const toml::parse_error& e) {
    result.diagnostics.push_back(
        {Severity::kError, path, offset + static_cast<int>(e.source().begin.line),
         static_cast<int>(e.source().begin.column), "",
         "invalid TOML " + options.what + ": " + std::string(e.description())});
    result.front_matter.reset();
  }
}

}  // namespace

int FrontMatter::line_of(const std::string& key) const {
  const auto it = key_lines.find(key);
  if (it != key_lines.end()) return it->second;
  return format == FrontMatterFormat::kNone ? 0 : 1;
}

FrontMatterResult parse_front_matter(std::string_view text, const std::string& path,
                                     const FrontMatterOptions& options) {
  FrontMatterResult result;
  const Split split = split_front_matter(text);
  if (split.unclosed) {
    const std::string fence = split.format == FrontMatterFormat::kToml ? "+++" : "---";
    result.diagnostics.push_back(
        {Severity::kError, path, 1, 1, "",
         options.what + " opened here is never closed (no line '" + fence + "' follows)"});
    return result;
  }
  result.front_matter.emplace();
  FrontMatter& fm = *result.front_matter;
  fm.format = split.format;
  fm.body = std::string(split.body);
  fm.body_line = split.body_line;
  if (split.format == FrontMatterFormat::kYaml) parse_yaml(split, path, options, result);
  if (split.format == FrontMatterFormat::kToml) parse_toml(split, path, options, result);
  return result;
}

}  // namespace postsearch
