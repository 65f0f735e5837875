#include "indexer/site.h"

#include <yaml-cpp/yaml.h>

#include <toml++/toml.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <vector>

#include "common/contained_file.h"
#include "common/text.h"
#include "indexer/front_matter.h"

namespace postsearch {
namespace {

using nlohmann::json;

// A configuration file of the site (relative to its root) and the YAML reader it is for.
struct ConfigSource {
  std::string rel;
  YamlDialect dialect;
};

// A YAML file's text with its opening document marker ("---", as many _config.yml files
// begin) blanked, so that the fences around it do not close on it; the line count is kept.
std::string without_document_start(const std::string& text) {
  const std::size_t nl = text.find('\n');
  const std::string_view first = std::string_view(text).substr(0, nl);
  if (first.substr(0, 3) != "---") return text;
  const std::size_t rest = first.find_first_not_of(" \t\r", 3);
  if (rest != std::string_view::npos && first[rest] != '#') return text;  // "--- value"
  return nl == std::string::npos ? std::string() : text.substr(nl);
}

// Parses a YAML, TOML or JSON configuration file of the site into JSON as the generator's
// YAML reader reads it, reporting errors (a symlink out of the site among them). `bytes`
// receives the file as read.
json parse_config(const SiteConfig& c, const ConfigSource& source, Diagnostics& diagnostics,
                  std::string* bytes = nullptr) {
  const auto& [rel, dialect] = source;
  const fs::path path = c.root / rel;
  ContainedRead read = read_contained_file(c.root, path, kMaxSiteDataBytes);
  if (!read.bytes) {
    diagnostics.push_back({Severity::kError, rel, 0, 0, "", read.error});
    return json::object();
  }
  const std::string& text = *read.bytes;
  if (bytes != nullptr) *bytes = text;
  const std::string ext = path.extension().string();
  if (ext == ".json") {
    try {
      return json::parse(text);
    } catch (const json::parse_error& e) {
      diagnostics.push_back(
          {Severity::kError, rel, 0, 0, "", std::string("invalid JSON: ") + e.what()});
      return json::object();
    }
  }
  // Reuse the front-matter parser: wrap the file in fences of its format.
  const std::string fence = ext == ".toml" ? "+++" : "---";
  const FrontMatterResult r = parse_front_matter(
      fence + "\n" + (ext == ".toml" ? text : without_document_start(text)) + "\n" + fence + "\n",
      rel, {.dialect = dialect, .what = "configuration"});
  // An error found at the end of the input (an unclosed "[") is reported on the last line.
  const int last_line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) +
                        (text.empty() || text.back() == '\n' ? 0 : 1);
  for (Diagnostic d : r.diagnostics) {
    d.line = std::min(d.line > 0 ? d.line - 1 : 0, std::max(last_line, 1));
    diagnostics.push_back(d);
  }
  return r.front_matter ? r.front_matter->fields : json::object();
}

std::string string_of(const json& j, const std::string& key, const std::string& fallback) {
  if (j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return fallback;
}

std::string url_path_of(std::string url) {
  // "https://example.org/blog/" -> "/blog"
  const auto scheme = url.find("://");
  if (scheme != std::string::npos) {
    const auto slash = url.find('/', scheme + 3);
    url = slash == std::string::npos ? "" : url.substr(slash);
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (!url.empty() && url.front() != '/') url.insert(url.begin(), '/');
  return url;
}

// The site's search settings: `search: {fallback: en}` in the configuration (Hugo: under
// `params` too).
void load_search_settings(SiteConfig& c, const json& j) {
  for (const json* owner : {&j, j.contains("params") ? &j["params"] : nullptr}) {
    if (owner == nullptr || !owner->is_object() || !owner->contains("search")) continue;
    const json& search = (*owner)["search"];
    if (search.is_object()) c.fallback_lang = string_of(search, "fallback", c.fallback_lang);
  }
}

bool bool_of(const json& j, const std::string& key, bool fallback) {
  if (j.contains(key) && j[key].is_boolean()) return j[key].get<bool>();
  return fallback;
}

// Jekyll's `kramdown:` options that decide heading ids.
void load_kramdown(AnchorOptions& a, const json& k) {
  a.style = string_of(k, "input", "GFM") == "GFM" ? AnchorStyle::kGfm : AnchorStyle::kKramdown;
  a.auto_ids = bool_of(k, "auto_ids", true);
  a.prefix = string_of(k, "auto_id_prefix", "");
  a.transliterate = bool_of(k, "transliterated_header_ids", false);
  a.strip_formatting = bool_of(k, "auto_id_stripping", false);
}

// The value under a path of keys, compared as Hugo compares configuration keys (without
// case); nullptr when absent.
const json* hugo_key(const json& j, std::initializer_list<std::string_view> path) {
  const json* at = &j;
  for (const std::string_view key : path) {
    if (!at->is_object()) return nullptr;
    const json* found = nullptr;
    for (const auto& [name, value] : at->items()) {
      if (text::fold_case(name) == text::fold_case(key)) found = &value;
    }
    if (found == nullptr) return nullptr;
    at = found;
  }
  return at;
}

// Hugo's markup.goldmark settings that decide heading ids.
void load_goldmark(AnchorOptions& a, const json& j, const std::string& rel, Diagnostics& d) {
  a.style = AnchorStyle::kGoldmark;
  const json* type = hugo_key(j, {"markup", "goldmark", "parser", "autoHeadingIDType"});
  if (type != nullptr && type->is_string()) {
    const std::string name = type->get<std::string>();
    if (name == "github-ascii") {
      a.style = AnchorStyle::kGoldmarkAscii;
    } else if (name == "blackfriday") {
      a.style = AnchorStyle::kBlackfriday;
    } else if (name != "github") {
      d.push_back({Severity::kWarning, rel, 0, 0, "markup.goldmark.parser.autoHeadingIDType",
                   "unknown heading id type \"" + name + "\"; using \"github\""});
    }
  }
  const json* auto_ids = hugo_key(j, {"markup", "goldmark", "parser", "autoHeadingID"});
  if (auto_ids != nullptr && auto_ids->is_boolean()) a.auto_ids = auto_ids->get<bool>();
  const json* title = hugo_key(j, {"markup", "goldmark", "parser", "attribute", "title"});
  if (title != nullptr && title->is_boolean()) a.heading_attributes = title->get<bool>();
  const json* unsafe = hugo_key(j, {"markup", "goldmark", "renderer", "unsafe"});
  a.raw_html = unsafe != nullptr && unsafe->is_boolean() && unsafe->get<bool>();
}

// "https://example.org/" + "/blog" -> "https://example.org/blog"; "" without a host.
std::string site_url_of(std::string url, const std::string& path) {
  if (url.find("://") == std::string::npos) return "";
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + path;
}

// A `_data/` file: any YAML or JSON value (a list, most often). A problem is a warning: the
// posts are indexed without that file's values.
json parse_data_file(const SiteConfig& c, const fs::path& path, const std::string& rel,
                     Diagnostics& diagnostics) {
  Diagnostics found;
  json value;
  if (path.extension() == ".json") {
    value = parse_config(c, {rel, YamlDialect::kRuby}, found);
  } else {
    // The front-matter parser reads mappings: the file becomes the value of one key.
    ContainedRead read = read_contained_file(c.root, path, kMaxSiteDataBytes);
    if (!read.bytes) found.push_back({Severity::kError, rel, 0, 0, "", read.error});
    std::string text = read.bytes.value_or("");
    if (text.rfind("---\n", 0) == 0) text.erase(0, 3);
    std::string wrapped = "---\nvalue:\n  ";
    for (const char ch : text) wrapped += ch == '\n' ? std::string("\n  ") : std::string(1, ch);
    const FrontMatterResult r = parse_front_matter(wrapped + "\n---\n", rel, {.what = "data file"});
    for (Diagnostic d : r.diagnostics) {
      d.line = d.line > 2 ? d.line - 2 : 0;
      found.push_back(d);
    }
    if (r.front_matter && r.front_matter->fields.contains("value"))
      value = r.front_matter->fields["value"];
  }
  for (Diagnostic d : found) {
    d.severity = Severity::kWarning;
    d.message += "; this data file is not available to Liquid";
    diagnostics.push_back(std::move(d));
  }
  return value;
}

// Jekyll's site.data: each YAML or JSON file under `dir`, keyed by its folders and name
// without extension. Symlinks are not followed (nothing outside the site is read); files
// past kMaxDataBytes in all are reported and left out.
json load_data_dir(const SiteConfig& c, const fs::path& dir, Diagnostics& diagnostics) {
  const fs::path& root = c.root;
  json data = json::object();
  std::error_code ec;
  std::size_t bytes = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string ext = path.extension().string();
    if (it->is_symlink(ec) || !it->is_regular_file(ec) || path.filename().string()[0] == '.' ||
        (ext != ".yml" && ext != ".yaml" && ext != ".json")) {
      continue;
    }
    const std::string rel = path.lexically_relative(root).generic_string();
    bytes += static_cast<std::size_t>(it->file_size(ec));
    if (bytes > kMaxDataBytes) {
      diagnostics.push_back({Severity::kWarning, rel, 0, 0, "",
                             "data files past " + std::to_string(kMaxDataBytes >> 20) +
                                 " MiB are not available to Liquid"});
      break;
    }
    json* slot = &data;
    for (const auto& part : path.lexically_relative(dir).parent_path()) {
      json& next = (*slot)[part.string()];
      if (!next.is_object()) next = json::object();
      slot = &next;
    }
    (*slot)[path.stem().string()] = parse_data_file(c, path, rel, diagnostics);
  }
  return data;
}

// Jekyll's `_includes/` (the `includes_dir` setting): each file's text by its path there.
// Symlinks are not followed; files past kMaxDataBytes in all are reported and left out.
void load_includes(SiteConfig& c, const fs::path& dir, Diagnostics& diagnostics) {
  std::error_code ec;
  if (dir.lexically_normal().lexically_relative(c.root).string().rfind("..", 0) == 0 ||
      !fs::is_directory(fs::symlink_status(dir, ec))) {
    return;
  }
  std::size_t bytes = 0;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (it->is_symlink(ec) || !it->is_regular_file(ec) || path.filename().string()[0] == '.')
      continue;
    const std::string rel = path.lexically_relative(c.root).generic_string();
    bytes += static_cast<std::size_t>(it->file_size(ec));
    ContainedRead read = read_contained_file(c.root, path, kMaxSiteDataBytes);
    if (bytes > kMaxDataBytes || !read.bytes) {
      diagnostics.push_back({Severity::kWarning, rel, 0, 0, "",
                             read.bytes ? "includes past " + std::to_string(kMaxDataBytes >> 20) +
                                              " MiB are left out of the posts that include them"
                                        : read.error});
      if (read.bytes) break;
      continue;
    }
    c.includes[path.lexically_relative(dir).generic_string()] = std::move(*read.bytes);
  }
}

// The `defaults:` entries that give a layout: {scope: {path, type}, values: {layout}}.
void load_layout_defaults(SiteConfig& c, const json& j) {
  if (!j.contains("defaults") || !j["defaults"].is_array()) return;
  for (const auto& d : j["defaults"]) {
    if (!d.is_object() || !d.contains("values") || !d["values"].is_object()) continue;
    const std::string layout = string_of(d["values"], "layout", "");
    if (layout.empty()) continue;
    const json scope = d.contains("scope") && d["scope"].is_object() ? d["scope"] : json::object();
    std::string path = string_of(scope, "path", "");
    while (!path.empty() && path.back() == '/') path.pop_back();
    c.layout_defaults.push_back({path, string_of(scope, "type", ""), layout});
  }
}

// Jekyll's layouts (`_layouts/NAME.html`): each one's parent and whether it loops over
// posts (listing.h). A layout that cannot be read is left out: pages using it are indexed.
void load_layouts(SiteConfig& c, const std::string& dir_name) {
  const fs::path dir = c.root / dir_name;
  std::error_code ec;
  if (dir.lexically_normal().lexically_relative(c.root).string().rfind("..", 0) == 0 ||
      !fs::is_directory(fs::symlink_status(dir, ec))) {
    return;
  }
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.filename().string()[0] == '.' || !it->is_regular_file(ec)) continue;
    ContainedRead read = read_contained_file(c.root, path, kMaxSiteDataBytes);
    if (!read.bytes) continue;
    const std::string rel = path.lexically_relative(c.root).generic_string();
    const FrontMatterResult fm = parse_front_matter(*read.bytes, rel, {YamlDialect::kRuby});
    JekyllLayout layout;
    if (fm.front_matter) layout.parent = string_of(fm.front_matter->fields, "layout", "");
    layout.loops = loops_over_posts(*read.bytes, c.collection_names);
    c.layouts.by_name[path.stem().string()] = std::move(layout);
  }
  std::vector<std::string> post_layouts{"post"};
  for (const auto& d : c.layout_defaults) {
    if (d.type == "posts") post_layouts.push_back(d.layout);
  }
  c.layouts.mark_used_by_posts(post_layouts);
}

void load_jekyll(SiteConfig& c, const json& j, Diagnostics& diagnostics) {
  load_search_settings(c, j);
  c.permalink = string_of(j, "permalink", "date");
  c.output_dir = string_of(j, "destination", "_site");
  c.baseurl = url_path_of(string_of(j, "baseurl", ""));
  c.default_lang = string_of(j, "lang", string_of(j, "locale", "en"));
  if (j.contains("exclude") && j["exclude"].is_array()) {
    for (const auto& e : j["exclude"]) {
      if (e.is_string()) c.exclude.push_back(e.get<std::string>());
    }
  }
  if (j.contains("include") && j["include"].is_array()) {
    for (const auto& e : j["include"]) {
      if (e.is_string()) c.include.push_back(e.get<std::string>());
    }
  }
  if (j.contains("collections") && j["collections"].is_object()) {
    for (const auto& [name, spec] : j["collections"].items()) {
      if (name == "posts") {
        c.posts_permalink = string_of(spec, "permalink", "");
        continue;
      }
      c.collection_names.push_back(name);
      if (!spec.is_object() || !spec.value("output", false)) continue;
      c.collections[name] = string_of(spec, "permalink", "");
    }
  } else if (j.contains("collections") && j["collections"].is_array()) {
    for (const auto& name : j["collections"]) {
      if (name.is_string() && name != "posts") c.collection_names.push_back(name);
    }
  }
  load_layout_defaults(c, j);
  if (j.contains("kramdown") && j["kramdown"].is_object()) load_kramdown(c.anchors, j["kramdown"]);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(c.root / "_data" / "authors.yml", ec)))
    c.authors = parse_config(c, {"_data/authors.yml", YamlDialect::kRuby}, diagnostics);
  c.site_url = site_url_of(string_of(j, "url", ""), c.baseurl);
  c.liquid_site = j.is_object() ? j : json::object();
  load_layouts(c, string_of(j, "layouts_dir", "_layouts"));
  load_includes(c, c.root / string_of(j, "includes_dir", "_includes"), diagnostics);
  const fs::path data = c.root / string_of(j, "data_dir", "_data");
  if (data.lexically_normal().lexically_relative(c.root).string().rfind("..", 0) != 0 &&
      !fs::is_symlink(data)) {
    c.liquid_site["data"] = load_data_dir(c, data, diagnostics);
  }
}

// A configuration key naming a time zone, and the zone when it names none.
struct ZoneSetting {
  const char* key;
  TimeZone fallback;
};

// The zone a site's dates are placed in: `setting.key` of its configuration, else the fallback.
void load_time_zone(SiteConfig& c, const json& j, const ZoneSetting& setting,
                    Diagnostics& diagnostics) {
  const char* key = setting.key;
  c.time_zone = setting.fallback;
  const std::string name = string_of(j, key, "");
  if (name.empty()) return;
  if (const auto zone = TimeZone::named(name)) {
    c.time_zone = *zone;
    return;
  }
  // Jekyll sets TZ to the name, and the C library reads a name it does not know as UTC.
  c.time_zone = TimeZone{};
  diagnostics.push_back({Severity::kWarning, c.config_file, 0, 0, key,
                         "unknown time zone '" + name + "'; dates are placed in UTC"});
}

TimeZone machine_zone(const SiteLoadOptions& options, Diagnostics& diagnostics) {
  const char* tz = options.machine_tz ? options.machine_tz->c_str() : nullptr;
  if (const auto zone = TimeZone::of_machine(tz)) return *zone;
  diagnostics.push_back({Severity::kWarning, "", 0, 0, "TZ",
                         "the machine's time zone (TZ=" + options.machine_tz.value_or("") +
                             ", /etc/localtime) is not a zone name; dates are placed in UTC"});
  return TimeZone{};
}

void load_hugo(SiteConfig& c, const json& j, Diagnostics& diagnostics) {
  load_search_settings(c, j);
  load_goldmark(c.anchors, j, c.config_file, diagnostics);
  c.yaml = YamlDialect::kGo;
  load_time_zone(c, j, {"timeZone", TimeZone{}}, diagnostics);
  const std::string base_url = string_of(j, "baseURL", string_of(j, "baseurl", ""));
  c.baseurl = url_path_of(base_url);
  c.site_url = site_url_of(base_url, "");
  c.content_dir = string_of(j, "contentDir", "content");
  c.output_dir = string_of(j, "publishDir", "public");
  c.default_lang = string_of(j, "defaultContentLanguage", string_of(j, "languageCode", "en"));
  const json* main_sections = hugo_key(j, {"params", "mainSections"});
  if (main_sections == nullptr) main_sections = hugo_key(j, {"mainSections"});
  if (main_sections != nullptr && main_sections->is_array()) {
    for (const auto& s : *main_sections) {
      if (s.is_string()) c.main_sections.push_back(s.get<std::string>());
    }
  } else if (main_sections != nullptr && main_sections->is_string()) {
    c.main_sections.push_back(main_sections->get<std::string>());
  }
  if (j.contains("permalinks") && j["permalinks"].is_object()) {
    for (const auto& [section, pattern] : j["permalinks"].items()) {
      if (pattern.is_string()) c.hugo_permalinks[section] = pattern.get<std::string>();
    }
  }
  if (const json* ugly = hugo_key(j, {"uglyURLs"}); ugly != nullptr && ugly->is_boolean()) {
    c.hugo_ugly_urls = ugly->get<bool>();
  } else if (ugly != nullptr && ugly->is_object()) {
    for (const auto& [section, on] : ugly->items()) {
      if (on.is_boolean()) c.hugo_ugly_sections[text::fold_case(section)] = on.get<bool>();
    }
  }
  if (j.contains("languages") && j["languages"].is_object()) {
    for (const auto& [lang, spec] : j["languages"].items()) {
      c.languages.push_back(lang);
      std::string dir = string_of(spec, "contentDir", "");
      if (dir.rfind("./", 0) == 0) dir.erase(0, 2);
      while (!dir.empty() && dir.back() == '/') dir.pop_back();
      if (!dir.empty()) c.language_dirs[lang] = dir;
    }
  }
}

const char* const kHugoConfigs[] = {"hugo.toml",   "hugo.yaml",   "hugo.yml",   "hugo.json",
                                    "config.toml", "config.yaml", "config.yml", "config.json"};

// Merges `from` into `into` as Hugo's configuration loader (Viper) merges files: objects key
// by key, keys matched in any letter case; any other value replaces the one there.
void merge_hugo_config(json& into, const json& from) {
  for (const auto& [key, value] : from.items()) {
    auto same = into.end();
    for (auto it = into.begin(); it != into.end(); ++it) {
      if (text::fold_case(it.key()) == text::fold_case(key)) same = it;
    }
    if (same == into.end()) {
      into[key] = value;
    } else if (same->is_object() && value.is_object()) {
      merge_hugo_config(*same, value);
    } else {
      *same = value;
    }
  }
}

// Where the content of a file of Hugo's configuration directory goes, by the file's name
// without its extension: "hugo" and "config" at the top, "markup" under markup,
// "languages.fr" under languages.fr, "params.fr" and "menus.fr" inside languages.fr.
json hugo_config_dir_entry(const std::string& stem, const json& content) {
  if (stem == "hugo" || stem == "config") return content;
  const std::size_t dot = stem.rfind('.');
  if (dot == std::string::npos) return json{{stem, content}};
  const std::string name = stem.substr(0, dot);
  const std::string lang = stem.substr(dot + 1);
  json entry = content;
  if (name == "menu" || name == "menus") entry = json{{"menus", content}};
  if (name == "params") entry = json{{"params", content}};
  return json{{"languages", json{{lang, entry}}}};
}

// Merges the files of Hugo's configuration directory into `j`: config/_default/, then
// config/production/ (the environment `hugo` builds), each in path order as Hugo walks
// them. Returns whether there was any; their bytes are appended to `c.config_bytes`.
bool merge_hugo_config_dir(SiteConfig& c, json& j, Diagnostics& diagnostics) {
  bool found = false;
  for (const char* env : {"config/_default", "config/production"}) {
    std::error_code ec;
    if (!fs::is_directory(c.root / env, ec) || fs::is_symlink(c.root / env, ec)) continue;
    std::vector<std::string> files;
    for (fs::recursive_directory_iterator it(c.root / env, ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string ext = it->path().extension().string();
      if (it->is_regular_file(ec) &&
          (ext == ".toml" || ext == ".yaml" || ext == ".yml" || ext == ".json")) {
        files.push_back(it->path().lexically_relative(c.root).generic_string());
      }
    }
    std::sort(files.begin(), files.end());
    for (const std::string& rel : files) {
      std::string bytes;
      const json content = parse_config(c, {rel, YamlDialect::kGo}, diagnostics, &bytes);
      merge_hugo_config(j, hugo_config_dir_entry(fs::path(rel).stem().string(), content));
      c.config_bytes += rel + '\n' + bytes;
      found = true;
    }
  }
  return found;
}

// Hugo's configuration: the first of kHugoConfigs in the site's root, with its
// configuration directory merged over it; nothing when the site has neither.
std::optional<json> read_hugo_config(SiteConfig& c, Diagnostics& diagnostics) {
  json j = json::object();
  for (const char* name : kHugoConfigs) {
    if (!fs::exists(c.root / name)) continue;
    c.config_file = name;
    j = parse_config(c, {name, YamlDialect::kGo}, diagnostics, &c.config_bytes);
    break;
  }
  if (merge_hugo_config_dir(c, j, diagnostics) && c.config_file.empty())
    c.config_file = "config/_default";
  if (c.config_file.empty()) return std::nullopt;
  return j;
}

}  // namespace

std::string_view generator_name(Generator generator) {
  switch (generator) {
    case Generator::kJekyll:
      return "jekyll";
    case Generator::kHugo:
      return "hugo";
    case Generator::kPlain:
      return "plain";
  }
  return "plain";
}

namespace {

// The extension of the path's last component as std::filesystem has it (".md"; none for
// ".hidden" or a name without a dot).
std::string_view extension(std::string_view path) {
  const std::string_view name = path.substr(path.rfind('/') + 1);
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || name == "..") return {};
  return name.substr(dot);
}

// Whether `ext` is one of `known` (lower case), in any case.
bool extension_in(std::string_view ext, std::initializer_list<std::string_view> known) {
  return std::any_of(known.begin(), known.end(), [&](std::string_view k) {
    return k.size() == ext.size() &&
           std::equal(k.begin(), k.end(), ext.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  });
}

}  // namespace

bool is_markdown_file(std::string_view path) {
  return extension_in(extension(path), {".md", ".markdown", ".mkd", ".mkdn", ".mdown", ".mkdown"});
}

bool is_html_file(std::string_view path) {
  return extension_in(extension(path), {".html", ".htm"});
}

std::optional<Generator> generator_by_name(std::string_view name) {
  for (const Generator g : {Generator::kJekyll, Generator::kHugo, Generator::kPlain}) {
    if (generator_name(g) == name) return g;
  }
  return std::nullopt;
}

SiteLoad load_site(const fs::path& root, const SiteLoadOptions& options) {
  const std::optional<Generator>& generator = options.generator;
  if (!fs::is_directory(root)) throw std::runtime_error(root.string() + ": not a directory");
  SiteLoad load;
  SiteConfig& c = load.config;
  c.root = fs::canonical(root);
  if (generator == Generator::kPlain) return load;
  for (const char* name : {"_config.yml", "_config.yaml", "_config.toml"}) {
    if (generator == Generator::kHugo || !fs::exists(c.root / name)) continue;
    c.generator = Generator::kJekyll;
    c.config_file = name;
    const json j = parse_config(c, {name, YamlDialect::kRuby}, load.diagnostics, &c.config_bytes);
    load_jekyll(c, j, load.diagnostics);
    load_time_zone(c, j, {"timezone", machine_zone(options, load.diagnostics)}, load.diagnostics);
    return load;
  }
  if (generator != Generator::kJekyll) {
    if (const std::optional<json> j = read_hugo_config(c, load.diagnostics)) {
      c.generator = Generator::kHugo;
      load_hugo(c, *j, load.diagnostics);
      return load;
    }
  }
  if (generator) {
    c.generator = *generator;
    if (c.generator == Generator::kHugo)
      load_goldmark(c.anchors, json::object(), "", load.diagnostics);
  } else if (fs::is_directory(c.root / "_posts")) {
    c.generator = Generator::kJekyll;
  }
  if (c.generator == Generator::kJekyll) {
    c.time_zone = machine_zone(options, load.diagnostics);
    c.output_dir = "_site";
  }
  if (c.generator == Generator::kHugo) {
    c.yaml = YamlDialect::kGo;
    c.output_dir = "public";
  }
  return load;
}

}  // namespace postsearch
