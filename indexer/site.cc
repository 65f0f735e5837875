#include "indexer/site.h"

#include <fnmatch.h>
#include <yaml-cpp/yaml.h>

#include <toml++/toml.h>
#include <xapian.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

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
  const FrontMatterResult r =
      parse_front_matter(fence + "\n" + text + "\n" + fence + "\n", rel, {dialect});
  for (Diagnostic d : r.diagnostics) {
    d.line = d.line > 0 ? d.line - 1 : 0;
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
    const FrontMatterResult r = parse_front_matter(wrapped + "\n---\n", rel);
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
      if (name == "posts") continue;
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

bool is_excluded(const SiteConfig& c, const std::string& rel) {
  for (const auto& pattern : c.exclude) {
    std::string p = pattern;
    while (!p.empty() && p.back() == '/') p.pop_back();
    if (rel == p || rel.rfind(p + "/", 0) == 0) return true;
    // As Jekyll's File.fnmatch? without FNM_PATHNAME: "*" matches across folders too.
    if (fnmatch(p.c_str(), rel.c_str(), 0) == 0) return true;
  }
  return false;
}

bool hidden_or_special(const std::string& name) {
  return name.empty() || name[0] == '.' || name == "node_modules" || name == "vendor" ||
         name == "_site" || name == "public" || name == "resources";
}

// A site being listed: its configuration, and where the files and problems found go.
struct Lister {
  const SiteConfig& c;
  Diagnostics& diagnostics;
  SourceListing& listing;
};

// Walks `dir` recursively, calling visit(path, rel) for Markdown files. Does not follow
// directory symlinks (so loops cannot happen). A folder that cannot be listed is an error
// recorded in `listing.unreadable_dirs`; the walk goes on with its siblings.
template <typename Visit>
void walk_dir(const Lister& l, const fs::path& dir, const std::string& dir_rel, Visit& visit) {
  const SiteConfig& c = l.c;
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    entries.push_back(*it);
  }
  if (ec) {
    l.diagnostics.push_back(
        {Severity::kError, dir_rel, 0, 0, "",
         "cannot read the folder: " + ec.message() + "; the posts indexed from it are kept"});
    l.listing.unreadable_dirs.push_back(dir_rel);
    return;
  }
  for (const auto& entry : entries) {
    const std::string name = entry.path().filename().string();
    const std::string rel = dir_rel.empty() || dir_rel == "." ? name : dir_rel + "/" + name;
    std::error_code type_ec;
    // The type the listing read (d_type): no stat() per entry where the file system gives it.
    if (!entry.is_symlink(type_ec) && entry.is_directory(type_ec)) {
      if (!hidden_or_special(name) && !is_excluded(c, rel)) walk_dir(l, entry.path(), rel, visit);
      continue;
    }
    const bool html = c.generator == Generator::kJekyll && is_html_file(entry.path());
    if (name[0] == '.' || is_excluded(c, rel) || !(html || is_markdown_file(entry.path())))
      continue;
    visit(entry.path(), rel);
  }
}

template <typename Visit>
void walk(const Lister& l, const fs::path& dir, Visit visit) {
  std::error_code ec;
  if (!fs::exists(dir, ec) && !ec) return;  // a content folder the site does not have
  walk_dir(l, dir, dir.lexically_relative(l.c.root).generic_string(), visit);
}

// A folder name that is a language code: "de", "pt-br", "zh-Hans" whose base is a language
// with a Xapian stemmer, CJK, or one of the common languages written without one.
bool is_language_folder(const std::string& name) {
  static constexpr std::string_view kWithoutStemmer[] = {"bg", "cs", "el", "fa", "he", "hi", "hr",
                                                         "ko", "ja", "pl", "sk", "sl", "sr", "th",
                                                         "uk", "vi", "zh", "ms", "lv", "et"};
  const std::string base = text::fold_case(name.substr(0, name.find_first_of("-_")));
  if (base.size() != 2 || name.size() > 10) return false;
  if (std::find(std::begin(kWithoutStemmer), std::end(kWithoutStemmer), base) !=
      std::end(kWithoutStemmer)) {
    return true;
  }
  try {
    Xapian::Stem stem(base);
    return true;
  } catch (const Xapian::InvalidArgumentError&) {
    return false;
  }
}

// A site whose top level holds two or more language folders ("en/", "ja/") is laid out by
// language: each post takes its folder's language. Those folders, or none.
std::vector<std::string> language_folders_of(const fs::path& root) {
  std::vector<std::string> language_folders;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory(ec) && is_language_folder(name)) language_folders.push_back(name);
  }
  if (language_folders.size() < 2) language_folders.clear();
  return language_folders;
}

// Whether Jekyll leaves `parts` (a page's folders and file name) out of the site: a name
// starting with '_', '.' or '#' or ending with '~', unless the `include:` setting names it.
bool jekyll_hidden(const SiteConfig& c, const std::vector<std::string>& parts) {
  std::string path;
  for (const std::string& part : parts) {
    path += path.empty() ? part : "/" + part;
    const bool special =
        part.empty() || part[0] == '_' || part[0] == '.' || part[0] == '#' || part.back() == '~';
    if (!special) continue;
    const auto named = [&](std::string include) {
      while (!include.empty() && include.back() == '/') include.pop_back();
      return include == part || include == path;
    };
    if (std::none_of(c.include.begin(), c.include.end(), named)) return true;
  }
  return false;
}

void list_jekyll(const SiteConfig& c, const SiteOptions& o, Diagnostics& d,
                 SourceListing& listing) {
  std::vector<SourceFile>& out = listing.files;
  const std::vector<std::string> languages = language_folders_of(c.root);
  walk(Lister{c, d, listing}, c.root, [&](const fs::path& path, const std::string& rel) {
    const std::vector<std::string> parts = text::split(rel, '/');
    const auto posts = std::find(parts.begin(), parts.end(), "_posts");
    const auto drafts = std::find(parts.begin(), parts.end(), "_drafts");
    // "de/news/_posts/x.md": the German x.md, as the i18n plugins lay sites out.
    const bool by_folder = parts.size() > 1 && std::find(languages.begin(), languages.end(),
                                                         parts.front()) != languages.end();
    SourceFile f{path, rel,   SourceKind::kPost, "posts", {}, by_folder ? parts.front() : "",
                 "",   "post"};
    const bool markdown = is_markdown_file(path);
    const std::string label =
        parts.size() > 1 && parts[0].size() > 1 && parts[0][0] == '_' ? parts[0].substr(1) : "";
    if (posts != parts.end()) {
      if (!markdown) return;
      f.folder_categories.assign(parts.begin(), posts);
    } else if (drafts != parts.end()) {
      if (!o.drafts || !markdown) return;
      f.kind = SourceKind::kDraft;
      f.folder_categories.assign(parts.begin(), drafts);
    } else if (c.collections.count(label) != 0) {
      if (!markdown) return;
      f.kind = SourceKind::kDocument;
      f.collection = label;
      f.type = label;
    } else {
      // _layouts, _includes, non-output collections, and what Jekyll hides.
      if (o.posts_only || jekyll_hidden(c, parts)) return;
      f.kind = SourceKind::kPage;
      f.type = "page";
    }
    out.push_back(std::move(f));
  });
}

// One Hugo content folder; `lang` is its language when it is a language's contentDir.
void list_hugo_dir(const Lister& l, const SiteOptions& o, const std::string& dir,
                   const std::string& lang) {
  const SiteConfig& c = l.c;
  std::vector<SourceFile>& out = l.listing.files;
  walk(l, c.root / dir, [&](const fs::path& path, const std::string& rel) {
    const std::string name = path.filename().string();
    // The shared content folder leaves a language's own contentDir inside it to that language.
    for (const auto& [other, other_dir] : c.language_dirs) {
      if (other != lang && other_dir != dir && rel.rfind(other_dir + "/", 0) == 0) return;
    }
    SourceFile f{path, rel, SourceKind::kPost, "posts", {}, lang, dir, "post"};
    // Hugo's translation by file name: "post.de.md" is the German "post.md".
    const std::string stem = path.stem().string();
    if (const auto dot = stem.rfind('.'); dot != std::string::npos) {
      const std::string suffix = stem.substr(dot + 1);
      if (std::find(c.languages.begin(), c.languages.end(), suffix) != c.languages.end())
        f.lang = suffix;
    }
    if (name.rfind("_index.", 0) == 0) {
      if (o.posts_only) return;
      f.kind = SourceKind::kListing;
    }
    out.push_back(std::move(f));
  });
}

// Hugo's section of a page: the top folder of its content folder, unless the page is a leaf
// bundle there ("about/index.md" is the page "about", in no section).
std::string hugo_section(const SourceFile& f) {
  const std::vector<std::string> parts =
      text::split(fs::path(f.rel).lexically_relative(f.content_root).generic_string(), '/');
  if (parts.size() < 2) return "";
  if (parts.size() == 2 && parts[1].rfind("index.", 0) == 0) return "";
  return parts[0];
}

// Types Hugo's pages: those of the main sections are posts, the others are of their
// section's type ("page" outside any section). The main sections are the configured ones,
// else the section with the most pages, as Hugo chooses them.
void type_hugo_pages(const SiteConfig& c, const SiteOptions& o, std::vector<SourceFile>& files) {
  std::vector<std::string> main = c.main_sections;
  if (main.empty()) {
    std::map<std::string, std::size_t> pages;
    for (const auto& f : files) {
      if (f.kind != SourceKind::kListing) ++pages[hugo_section(f)];
    }
    std::size_t most = 0;
    for (const auto& [section, n] : pages) {
      if (!section.empty() && n > most) {
        most = n;
        main = {section};
      }
    }
  }
  for (auto& f : files) {
    const std::string section = hugo_section(f);
    const bool is_main = std::find(main.begin(), main.end(), section) != main.end();
    f.type = is_main ? "post" : section.empty() ? "page" : section;
  }
  if (!o.posts_only) return;
  files.erase(std::remove_if(files.begin(), files.end(),
                             [](const SourceFile& f) { return f.type != "post"; }),
              files.end());
}

void list_hugo(const SiteConfig& c, const SiteOptions& o, Diagnostics& d, SourceListing& listing) {
  const Lister l{c, d, listing};
  list_hugo_dir(l, o, c.content_dir, "");
  for (const auto& [lang, dir] : c.language_dirs) {
    if (dir != c.content_dir) list_hugo_dir(l, o, dir, lang);
  }
  type_hugo_pages(c, o, listing.files);
}

void list_plain(const SiteConfig& c, Diagnostics& d, SourceListing& listing) {
  std::vector<SourceFile>& out = listing.files;
  const std::vector<std::string> language_folders = language_folders_of(c.root);
  walk(Lister{c, d, listing}, c.root, [&](const fs::path& path, const std::string& rel) {
    const std::string top = rel.substr(0, rel.find('/'));
    const bool by_folder =
        top.size() < rel.size() &&
        std::find(language_folders.begin(), language_folders.end(), top) != language_folders.end();
    out.push_back({path, rel, SourceKind::kPost, "posts", {}, by_folder ? top : "", "", "post"});
  });
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

bool is_markdown_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return ext == ".md" || ext == ".markdown" || ext == ".mkd" || ext == ".mkdn" || ext == ".mdown" ||
         ext == ".mkdown";
}

bool is_html_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return ext == ".html" || ext == ".htm";
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
  for (const char* name : kHugoConfigs) {
    if (generator == Generator::kJekyll || !fs::exists(c.root / name)) continue;
    c.generator = Generator::kHugo;
    c.config_file = name;
    load_hugo(c, parse_config(c, {name, YamlDialect::kGo}, load.diagnostics, &c.config_bytes),
              load.diagnostics);
    return load;
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

SourceListing list_sources(const SiteConfig& config, const SiteOptions& options,
                           Diagnostics& diagnostics) {
  SourceListing listing;
  switch (config.generator) {
    case Generator::kJekyll:
      list_jekyll(config, options, diagnostics, listing);
      break;
    case Generator::kHugo:
      list_hugo(config, options, diagnostics, listing);
      break;
    case Generator::kPlain:
      list_plain(config, diagnostics, listing);
      break;
  }
  // Sorted through an index: a SourceFile is costly to move (a path and six strings).
  std::vector<std::size_t> order(listing.files.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return listing.files[a].rel < listing.files[b].rel;
  });
  std::vector<SourceFile> out;
  out.reserve(order.size());
  for (const std::size_t i : order) out.push_back(std::move(listing.files[i]));
  // One file is one post, however many content folders reach it.
  out.erase(std::unique(out.begin(), out.end(),
                        [](const SourceFile& a, const SourceFile& b) { return a.rel == b.rel; }),
            out.end());
  listing.files = std::move(out);
  return listing;
}

bool SourceListing::under_unreadable(const std::string& rel) const {
  return std::any_of(unreadable_dirs.begin(), unreadable_dirs.end(), [&](const std::string& dir) {
    return dir.empty() || dir == "." || rel.rfind(dir + "/", 0) == 0;
  });
}

}  // namespace postsearch
