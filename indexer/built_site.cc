#include "indexer/built_site.h"

#include <gumbo.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/text.h"

namespace postsearch {
namespace {

namespace fs = std::filesystem;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// "https://example.org/blog/x/?a#b" -> "/blog/x/"; a path stays a path.
std::string path_of_url(std::string_view url) {
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos) {
    const auto slash = url.find('/', scheme + 3);
    url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  } else if (url.substr(0, 2) == "//") {
    const auto slash = url.find('/', 2);
    url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  }
  url = url.substr(0, url.find_first_of("?#"));
  return percent_decode(url);
}

std::string last_segment(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string seg(path.substr(path.find_last_of('/') + 1));
  if (const auto dot = seg.rfind(".html"); dot != std::string::npos && dot + 5 == seg.size()) {
    seg.resize(dot);
  }
  return seg;
}

void element_text(const GumboNode* node, std::string& out) {
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE) {
    out += node->v.text.text;
    out += ' ';
    return;
  }
  if (node->type != GUMBO_NODE_ELEMENT) return;
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    element_text(static_cast<const GumboNode*>(children.data[i]), out);
  }
}

// Walks the tree without recursion (a hostile page may nest deeply).
void read_page(const GumboNode* root, BuiltPage& page) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type != GUMBO_NODE_ELEMENT) continue;
    const GumboElement& e = node->v.element;
    if (const GumboAttribute* id = gumbo_get_attribute(&e.attributes, "id")) {
      page.ids.insert(id->value);
    }
    if (e.tag == GUMBO_TAG_TITLE || e.tag == GUMBO_TAG_H1) {
      std::string text;
      element_text(node, text);
      text = text::collapse_whitespace(text);
      if (!text.empty()) page.titles.push_back(std::move(text));
    }
    if (e.tag == GUMBO_TAG_LINK) {
      const GumboAttribute* rel = gumbo_get_attribute(&e.attributes, "rel");
      const GumboAttribute* href = gumbo_get_attribute(&e.attributes, "href");
      if (rel != nullptr && href != nullptr && text::fold_case(rel->value) == "canonical") {
        page.canonical = path_of_url(href->value);
      }
    }
    for (unsigned i = e.children.length; i > 0; --i) {
      stack.push_back(static_cast<const GumboNode*>(e.children.data[i - 1]));
    }
  }
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::int64_t mtime_ns(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

}  // namespace

BuiltSite BuiltSite::load(const fs::path& dir, const BuiltSiteOptions& options,
                          Diagnostics& diagnostics) {
  BuiltSite site;
  site.dir_ = dir;
  site.baseurl_ = options.baseurl;
  while (!site.baseurl_.empty() && site.baseurl_.back() == '/') site.baseurl_.pop_back();
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    // Links are not followed: what is read stays inside the folder.
    if (it->path().extension() != ".html" || it->is_symlink(ec) || !it->is_regular_file(ec)) {
      continue;
    }
    const std::string rel = it->path().lexically_relative(dir).generic_string();
    if (site.pages_.size() >= options.max_pages) {
      diagnostics.push_back(
          {Severity::kWarning, dir.string(), 0, 0, "",
           "more than " + std::to_string(options.max_pages) + " pages; the rest are not read"});
      break;
    }
    BuiltPage page;
    page.path = "/" + rel;
    if (it->path().filename() == "index.html") page.path.resize(page.path.size() - 10);
    const std::int64_t mtime = mtime_ns(it->path());
    site.newest_mtime_ns_ = std::max(site.newest_mtime_ns_, mtime);
    if (it->file_size(ec) <= options.max_page_bytes) {
      if (const auto html = read_file(it->path())) {
        GumboOutput* out =
            gumbo_parse_with_options(&kGumboDefaultOptions, html->data(), html->size());
        read_page(out->root, page);
        gumbo_destroy_output(&kGumboDefaultOptions, out);
        page.file = rel;
      } else {
        diagnostics.push_back({Severity::kWarning, rel, 0, 0, "", "cannot read this built page"});
      }
    }
    site.pages_.emplace("/" + rel, std::move(page));
  }
  for (const auto& [file, page] : site.pages_) {
    for (const auto& title : page.titles) site.titles_.emplace(title, &page);
    if (!page.canonical.empty()) site.canonical_.emplace(page.canonical, &page);
  }
  return site;
}

std::optional<std::string> BuiltSite::site_path(std::string_view url) const {
  return path_in_site(baseurl_, url);
}

std::optional<std::string> BuiltSite::path_in_site(std::string_view baseurl, std::string_view url) {
  while (!baseurl.empty() && baseurl.back() == '/') baseurl.remove_suffix(1);
  std::string path = path_of_url(url);
  if (!baseurl.empty()) {
    if (path.rfind(baseurl, 0) != 0) return std::nullopt;
    path.erase(0, baseurl.size());
  }
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  return path;
}

std::vector<std::string> BuiltSite::page_files(const std::string& path) {
  if (path.back() == '/') return {path + "index.html"};
  return {path, path + ".html", path + "/index.html"};
}

const BuiltPage* BuiltSite::find(std::string_view url) const {
  const auto path = site_path(url);
  if (!path) return nullptr;
  for (const auto& c : page_files(*path)) {
    if (const auto it = pages_.find(c); it != pages_.end()) return &it->second;
  }
  return nullptr;
}

std::optional<fs::path> BuiltSite::page_file(const fs::path& dir, std::string_view baseurl,
                                             std::string_view url) {
  const auto path = path_in_site(baseurl, url);
  if (!path) return std::nullopt;
  for (const auto& c : page_files(*path)) {
    // load() keys pages by their path inside `dir`: never "." or ".." or an empty segment.
    const std::vector<std::string> parts = text::split(c.substr(1), '/');
    const bool plain = std::none_of(parts.begin(), parts.end(), [](const std::string& part) {
      return part.empty() || part == "." || part == "..";
    });
    if (!plain || c.size() < 5 || c.compare(c.size() - 5, 5, ".html") != 0) continue;
    std::error_code ec;
    const fs::path file = dir / c.substr(1);
    if (fs::is_regular_file(fs::symlink_status(file, ec))) return file;
  }
  return std::nullopt;
}

bool BuiltSite::has_page(const fs::path& dir, std::string_view baseurl, std::string_view url) {
  return page_file(dir, baseurl, url).has_value();
}

const BuiltPage* BuiltSite::by_canonical(std::string_view url) const {
  const auto path = site_path(url);
  if (!path) return nullptr;
  const std::string full = baseurl_ + *path;
  return canonical_.count(full) == 1 ? canonical_.find(full)->second : nullptr;
}

const BuiltPage* BuiltSite::by_title(std::string_view title) const {
  const std::string key = text::collapse_whitespace(title);
  const auto [first, last] = titles_.equal_range(key);
  const BuiltPage* found = nullptr;
  for (auto it = first; it != last; ++it) {
    if (found != nullptr && found != it->second) return nullptr;  // two pages: ambiguous
    found = it->second;
  }
  return found;
}

const BuiltPage* BuiltSite::nearest(std::string_view url) const {
  const std::string path = site_path(url).value_or(path_of_url(url));
  const std::string segment = last_segment(path);
  const BuiltPage* best = nullptr;
  std::size_t best_prefix = 0;
  bool best_same_segment = false;
  for (const auto& [file, page] : pages_) {
    const bool same_segment = !segment.empty() && last_segment(page.path) == segment;
    std::size_t prefix = 0;
    while (prefix < path.size() && prefix < page.path.size() && path[prefix] == page.path[prefix]) {
      ++prefix;
    }
    if (best == nullptr || (same_segment && !best_same_segment) ||
        (same_segment == best_same_segment && prefix > best_prefix)) {
      best = &page;
      best_prefix = prefix;
      best_same_segment = same_segment;
    }
  }
  return best;
}

std::string BuiltSite::url_of(const BuiltPage& page) const { return baseurl_ + page.path; }

}  // namespace postsearch
