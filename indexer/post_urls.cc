#include <xxhash.h>

#include <algorithm>

#include "common/text.h"
#include "indexer/permalink.h"
#include "indexer/post_context.h"

namespace postsearch::reading {

std::string titleize(const std::string& slug) {
  std::string out;
  bool start = true;
  for (const char ch : slug) {
    const char c = ch == '-' || ch == '_' ? ' ' : ch;
    out += start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    start = c == ' ';
  }
  return out;
}

namespace {

std::string hugo_urlize(const std::string& s) {
  std::string out;
  for (const char ch : text::fold_case(text::trim(s))) out += ch == ' ' ? '-' : ch;
  return out;
}

}  // namespace

std::string jekyll_url_of(Context& c, const Post& post) {
  JekyllUrlInput in;
  in.basename = c.basename;
  in.slug = text_field(c, {"slug"});
  in.categories = c.file.folder_categories;
  for (const auto& cat : list_field(c, "categories", true)) in.categories.push_back(cat);
  for (const auto& cat : list_field(c, "category", false)) in.categories.push_back(cat);
  if (c.date) in.date = c.date->local;
  in.collection = c.file.collection;
  if (c.file.kind == SourceKind::kPage) {
    JekyllPageUrlInput page;
    page.permalink = text_field(c, {"permalink"});
    page.style = c.site.permalink;
    page.dir = fs::path(c.file.rel).parent_path().generic_string();
    page.basename = c.basename;
    page.output_ext =
        is_html_file(c.file.path) ? fs::path(c.file.path).extension().string() : ".html";
    return join_url(c.site.baseurl, jekyll_page_url(page));
  }
  std::string rel_in_collection = c.file.rel;
  const std::string marker = "_" + c.file.collection + "/";
  if (const auto p = rel_in_collection.find(marker); p != std::string::npos) {
    rel_in_collection = rel_in_collection.substr(p + marker.size());
  }
  in.path = fs::path(rel_in_collection).replace_extension().generic_string();
  const std::string own = text_field(c, {"permalink"});
  if (!own.empty()) {
    in.pattern = own;
  } else if (c.file.kind == SourceKind::kDocument) {
    in.pattern = c.site.collections.at(c.file.collection);
    // Collection#url_template's default.
    if (in.pattern.empty())
      in.pattern = jekyll_permalink_suffix("/:collection/:path", c.site.permalink);
  } else {
    in.pattern = c.site.posts_permalink.empty() ? c.site.permalink : c.site.posts_permalink;
  }
  (void)post;
  return join_url(c.site.baseurl, jekyll_url(in));
}

namespace {

// Where a post lies in Hugo's content tree: its section ("notes"), its file name without
// the extension (a bundle's directory name) and its front-matter slug (empty: none).
struct HugoPlace {
  const std::string& section;
  const std::string& leaf;
  const std::string& slug;
};

// Hugo's permalink placeholders for a section pattern ("/notes/:year/:slug/").
std::string expand_hugo_permalink(const Context& c, const Post& post, std::string pattern,
                                  const HugoPlace& place) {
  const auto& [section, leaf, slug] = place;
  const LocalDate d = c.date ? c.date->local : LocalDate{};
  char y[8];
  char m[4];
  char dd[4];
  std::snprintf(y, sizeof y, "%04d", d.year);
  std::snprintf(m, sizeof m, "%02d", d.month);
  std::snprintf(dd, sizeof dd, "%02d", d.day);
  const std::pair<std::string, std::string> values[] = {
      {":year", y},
      {":month", m},
      {":day", dd},
      {":slug", slug.empty() ? hugo_urlize(post.title) : slug},
      {":title", hugo_urlize(post.title)},
      {":filename", leaf},
      {":section", section},
  };
  for (const auto& [key, value] : values) {
    for (std::size_t at = pattern.find(key); at != std::string::npos;
         at = pattern.find(key, at + value.size())) {
      pattern.replace(at, key.size(), value);
    }
  }
  if (pattern.empty() || pattern.front() != '/') pattern.insert(pattern.begin(), '/');
  return pattern;
}

// Whether Hugo writes the pages of `section` as name.html (uglyURLs).
bool hugo_ugly(const SiteConfig& site, const std::string& section) {
  const auto own = site.hugo_ugly_sections.find(text::fold_case(section));
  return own != site.hugo_ugly_sections.end() ? own->second : site.hugo_ugly_urls;
}

}  // namespace

std::string hugo_url_of(Context& c, const Post& post) {
  const std::string own = text_field(c, {"url"});
  const bool default_lang = post.lang == c.site.default_lang;
  const std::string lang_prefix = default_lang || c.site.languages.empty() ? "" : "/" + post.lang;
  if (!own.empty()) {
    return join_url(c.site.baseurl, lang_prefix + (own.front() == '/' ? own : "/" + own));
  }
  const std::string root = c.file.content_root.empty() ? c.site.content_dir : c.file.content_root;
  fs::path rel = fs::path(c.file.rel).lexically_relative(root);
  std::vector<std::string> parts = text::split(rel.generic_string(), '/');
  if (!parts.empty() && !c.site.languages.empty() &&
      std::find(c.site.languages.begin(), c.site.languages.end(), parts.front()) !=
          c.site.languages.end()) {
    parts.erase(parts.begin());
  }
  std::string leaf = parts.empty() ? c.basename : parts.back();
  leaf = fs::path(leaf).stem().string();
  if (const auto dot = leaf.find('.'); dot != std::string::npos)
    leaf = leaf.substr(0, dot);  // post.de
  if (!parts.empty()) parts.pop_back();
  const bool bundle = leaf == "index" || leaf == "_index";
  if (bundle && !parts.empty()) {
    leaf = parts.back();
    parts.pop_back();
  }
  const std::string section = parts.empty() ? "" : parts.front();
  const auto permalink = c.site.hugo_permalinks.find(section);
  const std::string slug = text_field(c, {"slug"});
  std::string path;
  if (permalink != c.site.hugo_permalinks.end() && leaf != "_index") {
    path = expand_hugo_permalink(c, post, permalink->second, {section, leaf, slug});
  } else {
    for (const auto& p : parts) path += "/" + p;
    path += leaf == "_index" ? "/" : "/" + (slug.empty() ? leaf : slug) + "/";
  }
  if (leaf != "_index" && hugo_ugly(c.site, section) && path.size() > 1 && path.back() == '/') {
    path.back() = '.';
    path += "html";
  }
  return join_url(c.site.baseurl, escape_url_path(hugo_urlize(lang_prefix + path)));
}

namespace {

// The post's path with its language taken out, extension dropped: Hugo's translations by
// file name (posts/x.de.md) and by folder (a language's contentDir, or content/de/), and a
// Jekyll or plain site's language folders (de/news/_posts/x.md). Empty when the site is
// not laid out by language.
std::string language_free_path(const Context& c) {
  const bool hugo = c.site.generator == Generator::kHugo;
  if (hugo ? c.site.languages.size() < 2 : c.file.lang.empty()) return "";
  std::string rel = c.file.rel;
  if (hugo) {
    const std::string root = c.file.content_root.empty() ? c.site.content_dir : c.file.content_root;
    rel = fs::path(rel).lexically_relative(root).generic_string();
  }
  std::vector<std::string> parts = text::split(rel, '/');
  const std::vector<std::string> languages = hugo ? c.site.languages : std::vector{c.file.lang};
  auto is_language = [&](const std::string& s) {
    return std::find(languages.begin(), languages.end(), s) != languages.end();
  };
  if (parts.size() > 1 && is_language(parts.front())) parts.erase(parts.begin());
  if (parts.empty()) return "";
  std::string leaf = fs::path(parts.back()).stem().string();
  if (const auto dot = leaf.rfind('.');
      hugo && dot != std::string::npos && is_language(leaf.substr(dot + 1)))
    leaf.erase(dot);  // post.de
  parts.back() = leaf;
  return text::join(parts, "/");
}

}  // namespace

// The key shared by a post and its translations: front matter's translationKey (Hugo) or
// ref (the Jekyll i18n plugins), else the path without its language. Long keys are hashed
// (a term holds 240 bytes at most).
std::string translation_key_of(Context& c) {
  std::string key = text_field(c, {"translationKey", "ref"});
  if (!key.empty()) {
    key = "key:" + key;
  } else if (const std::string path = language_free_path(c); !path.empty()) {
    key = "path:" + path;
  }
  if (key.size() <= 200) return key;
  char hex[24];
  std::snprintf(hex, sizeof hex, "hash:%016llx",
                static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
  return hex;
}

std::string plain_url_of(const Context& c) {
  return "/" + escape_url_path(fs::path(c.file.rel).replace_extension().generic_string()) + "/";
}

// Former URLs that redirect to this post: Hugo `aliases` (a relative one is relative to
// the folder of the page's URL, as Hugo resolves it) and jekyll-redirect-from's
// `redirect_from` (site paths).
std::vector<std::string> aliases_of(Context& c, const Post& post) {
  const bool hugo = c.site.generator == Generator::kHugo;
  std::vector<std::string> out;
  for (std::string a : list_field(c, hugo ? "aliases" : "redirect_from", false)) {
    if (a.find("://") != std::string::npos) {
      out.push_back(a);
      continue;
    }
    if (a.front() != '/') {
      const std::string own = post.url.substr(c.site.baseurl.size());
      std::string base = own.substr(0, own.find_last_of('/', own.size() - 2) + 1);
      a = (hugo ? base : std::string("/")) + a;
      out.push_back(join_url(c.site.baseurl, a));
      continue;
    }
    out.push_back(join_url(c.site.baseurl, a));
  }
  return out;
}

}  // namespace postsearch::reading
