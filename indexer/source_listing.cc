// The listing half of site.h: which files of a site are its sources, as the generator
// decides (Jekyll's _posts, collections and pages; Hugo's content folders, sections and
// languages; a plain folder of Markdown), in a stable order.
#include "indexer/site.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <numeric>
#include <set>
#include <string_view>
#include <system_error>

#include "common/text.h"

namespace postsearch {
namespace {

// Jekyll's `exclude:` entries, trailing slashes dropped once for the whole walk.
std::vector<std::string> exclude_patterns(const SiteConfig& c) {
  std::vector<std::string> patterns;
  for (std::string p : c.exclude) {
    while (!p.empty() && p.back() == '/') p.pop_back();
    patterns.push_back(std::move(p));
  }
  return patterns;
}

bool is_excluded(const std::vector<std::string>& patterns, const std::string& rel) {
  for (const auto& p : patterns) {
    if (rel.size() >= p.size() && rel.compare(0, p.size(), p) == 0 &&
        (rel.size() == p.size() || rel[p.size()] == '/')) {
      return true;
    }
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
  std::vector<std::string> exclude = exclude_patterns(c);
};

// One entry of a folder as readdir() gave it.
struct FolderEntry {
  std::string name;
  bool folder = false;  // a folder itself, not a symlink to one
};

// Whether the paths under `a` sort before those under `b`, as strings: a folder's name
// compares as if followed by '/'. Walking each folder in this order lists a tree sorted.
bool walks_before(const FolderEntry& a, const FolderEntry& b) {
  const std::size_t n = std::min(a.name.size(), b.name.size());
  if (const int c = a.name.compare(0, n, b.name, 0, n); c != 0) return c < 0;
  const auto next = [n](const FolderEntry& e) {
    if (e.name.size() > n) return static_cast<int>(static_cast<unsigned char>(e.name[n]));
    return e.folder ? static_cast<int>('/') : -1;
  };
  return next(a) < next(b);
}

// Whether an entry is a folder itself, not a symlink to one: from d_type, or an lstat()
// where the file system does not give it.
bool is_real_folder(DIR* dir, const dirent& e) {
  if (e.d_type != DT_UNKNOWN) return e.d_type == DT_DIR;
  struct stat st {};
  return ::fstatat(::dirfd(dir), e.d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

// The entries of the folder at `path` but "." and "..", in walks_before() order.
// `open_flags` adds O_NOFOLLOW for folders found by the walk, so that a folder swapped for a
// symlink meanwhile is not entered. False with errno set when the folder cannot be read.
bool read_folder(const std::string& path, int open_flags, std::vector<FolderEntry>& entries) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | open_flags);
  if (fd < 0) return false;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return false;
  }
  errno = 0;
  while (const dirent* e = ::readdir(dir)) {
    const std::string_view name(e->d_name);
    if (name != "." && name != "..")
      entries.push_back({std::string(name), is_real_folder(dir, *e)});
  }
  const int error = errno;
  ::closedir(dir);
  errno = error;
  std::sort(entries.begin(), entries.end(), walks_before);
  return error == 0;
}

// A folder to walk: its absolute path, its path relative to the site, and the flags it is
// opened with (O_NOFOLLOW for the folders the walk finds, so that a folder swapped for a
// symlink meanwhile is not entered).
struct Folder {
  std::string path;
  std::string rel;
  int open_flags = 0;
};

// Walks `dir` recursively, calling visit(path, rel) for Markdown files (and Jekyll's HTML).
// Does not follow directory symlinks (so loops cannot happen). A folder that cannot be
// listed is an error recorded in `listing.unreadable_dirs`; the walk goes on with its
// siblings. Names are plain strings: a std::filesystem::path per entry costs more than the
// system calls on a folder of ten thousand posts.
template <typename Visit>
void walk_dir(const Lister& l, const Folder& dir, Visit& visit) {
  const SiteConfig& c = l.c;
  const std::string& dir_rel = dir.rel;
  std::vector<FolderEntry> entries;
  if (!read_folder(dir.path, dir.open_flags, entries)) {
    const std::string reason = std::generic_category().message(errno);
    l.diagnostics.push_back(
        {Severity::kError, dir_rel, 0, 0, "",
         "cannot read the folder: " + reason + "; the posts indexed from it are kept"});
    l.listing.unreadable_dirs.push_back(dir_rel);
    return;
  }
  const std::string dir_slash = dir.path.back() == '/' ? dir.path : dir.path + "/";
  const bool at_top = dir_rel.empty() || dir_rel == ".";
  l.listing.files.reserve(l.listing.files.size() + entries.size());
  for (auto& entry : entries) {
    const std::string& name = entry.name;
    std::string rel = at_top ? name : dir_rel + "/" + name;
    std::string path = dir_slash + name;
    if (entry.folder) {
      if (!hidden_or_special(name) && !is_excluded(l.exclude, rel))
        walk_dir(l, Folder{std::move(path), std::move(rel), O_NOFOLLOW}, visit);
      continue;
    }
    const bool html = c.generator != Generator::kPlain && is_html_file(name);
    if (name[0] == '.' || !(html || is_markdown_file(name)) || is_excluded(l.exclude, rel))
      continue;
    visit(std::move(path), std::move(rel));
  }
}

template <typename Visit>
void walk(const Lister& l, const fs::path& dir, Visit visit) {
  std::error_code ec;
  if (!fs::exists(dir, ec) && !ec) return;  // a content folder the site does not have
  walk_dir(l, Folder{dir.string(), dir.lexically_relative(l.c.root).generic_string(), 0}, visit);
}

// `rel`'s folders and file name, viewing `rel`.
std::vector<std::string_view> components(std::string_view rel) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t slash = rel.find('/'); slash != std::string_view::npos;
       slash = rel.find('/', start)) {
    parts.push_back(rel.substr(start, slash - start));
    start = slash + 1;
  }
  parts.push_back(rel.substr(start));
  return parts;
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
bool jekyll_hidden(const SiteConfig& c, const std::vector<std::string_view>& parts) {
  std::string path;
  for (const std::string_view part : parts) {
    if (!path.empty()) path += '/';
    path += part;
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
  walk(Lister{c, d, listing}, c.root, [&](std::string path, std::string rel) {
    SourceFile f{std::move(path), std::move(rel), SourceKind::kPost, "posts", {}, "", "", "post"};
    const bool markdown = is_markdown_file(f.rel);
    const std::vector<std::string_view> parts = components(f.rel);  // used before f moves
    const auto posts = std::find(parts.begin(), parts.end(), "_posts");
    const auto drafts = std::find(parts.begin(), parts.end(), "_drafts");
    // "de/news/_posts/x.md": the German x.md, as the i18n plugins lay sites out.
    const bool by_folder = parts.size() > 1 && std::find(languages.begin(), languages.end(),
                                                         parts.front()) != languages.end();
    if (by_folder) f.lang = parts.front();
    const std::string label(
        parts.size() > 1 && parts[0].size() > 1 && parts[0][0] == '_' ? parts[0].substr(1) : "");
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
  walk(l, c.root / dir, [&](std::string path, std::string rel) {
    const std::string name = fs::path(path).filename().string();
    // The shared content folder leaves a language's own contentDir inside it to that language.
    for (const auto& [other, other_dir] : c.language_dirs) {
      if (other != lang && other_dir != dir && rel.rfind(other_dir + "/", 0) == 0) return;
    }
    // Hugo's translation by file name: "post.de.md" is the German "post.md".
    const std::string stem = fs::path(name).stem().string();
    SourceFile f{std::move(path), std::move(rel), SourceKind::kPost, "posts", {}, lang, dir,
                 "post"};
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

// Whether `f` is an HTML file that opens with no front matter: Hugo copies it as it is, and
// it is no page of its section.
bool hugo_copied_html(const SourceFile& f) {
  if (!is_html_file(f.rel)) return false;
  std::ifstream in(f.path, std::ios::binary);
  char head[3] = {};
  in.read(head, sizeof head);
  const std::string_view start(head, static_cast<std::size_t>(in.gcount()));
  return start != "---" && start != "+++" && start.substr(0, 1) != "{";
}

// Types Hugo's pages: those of the main sections are posts, the others are of their
// section's type ("page" outside any section). The main sections are the configured ones,
// else the section with the most pages, as Hugo chooses them.
void type_hugo_pages(const SiteConfig& c, const SiteOptions& o, std::vector<SourceFile>& files) {
  std::vector<std::string> main = c.main_sections;
  if (main.empty()) {
    std::map<std::string, std::size_t> pages;
    for (const auto& f : files) {
      if (f.kind != SourceKind::kListing && !hugo_copied_html(f)) ++pages[hugo_section(f)];
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

// Whether Hugo reads the site's contentDir: for the languages without one of their own (or
// a site of one language); not when every language names its own.
bool hugo_shared_content_read(const SiteConfig& c) {
  return std::any_of(c.languages.begin(), c.languages.end(),
                     [&](const std::string& lang) {
                       const auto own = c.language_dirs.find(lang);
                       return own == c.language_dirs.end() || own->second == c.content_dir;
                     }) ||
         c.languages.empty();
}

bool is_bundle_index(const std::string& rel) {
  return fs::path(rel).filename().string().rfind("index.", 0) == 0;
}

// Whether `rel` lies inside one of the `bundles` folders ("content/homepage/").
bool inside_bundle(const std::string& rel, const std::set<std::string>& bundles) {
  for (std::size_t slash = rel.find('/'); slash != std::string::npos;
       slash = rel.find('/', slash + 1)) {
    if (bundles.count(rel.substr(0, slash + 1)) != 0) return true;
  }
  return false;
}

// Drops the content files inside a leaf bundle (a folder with an index.md, index.fr.md,
// index.html, ...) other than its index: Hugo makes them the bundle's resources, not pages.
void drop_bundle_resources(std::vector<SourceFile>& files) {
  std::set<std::string> bundles;
  for (const auto& f : files) {
    const std::string folder = fs::path(f.rel).parent_path().generic_string();
    if (is_bundle_index(f.rel) && folder != f.content_root) bundles.insert(folder + "/");
  }
  files.erase(std::remove_if(files.begin(), files.end(),
                             [&](const SourceFile& f) {
                               return !is_bundle_index(f.rel) && inside_bundle(f.rel, bundles);
                             }),
              files.end());
}

void list_hugo(const SiteConfig& c, const SiteOptions& o, Diagnostics& d, SourceListing& listing) {
  const Lister l{c, d, listing};
  if (hugo_shared_content_read(c)) list_hugo_dir(l, o, c.content_dir, "");
  for (const auto& [lang, dir] : c.language_dirs) {
    if (dir != c.content_dir) list_hugo_dir(l, o, dir, lang);
  }
  drop_bundle_resources(listing.files);
  type_hugo_pages(c, o, listing.files);
}

void list_plain(const SiteConfig& c, Diagnostics& d, SourceListing& listing) {
  std::vector<SourceFile>& out = listing.files;
  const std::vector<std::string> language_folders = language_folders_of(c.root);
  walk(Lister{c, d, listing}, c.root, [&](std::string path, std::string rel) {
    const std::string top = rel.substr(0, rel.find('/'));
    const bool by_folder =
        top.size() < rel.size() &&
        std::find(language_folders.begin(), language_folders.end(), top) != language_folders.end();
    out.push_back({std::move(path),
                   std::move(rel),
                   SourceKind::kPost,
                   "posts",
                   {},
                   by_folder ? top : "",
                   "",
                   "post"});
  });
}

}  // namespace

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
  // A walk lists its tree sorted; several content folders (Hugo) need a sort.
  const auto by_rel = [](const SourceFile& a, const SourceFile& b) { return a.rel < b.rel; };
  if (!std::is_sorted(listing.files.begin(), listing.files.end(), by_rel)) {
    // Through an index: a SourceFile is costly to move (seven strings).
    std::vector<std::size_t> order(listing.files.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return listing.files[a].rel < listing.files[b].rel;
    });
    std::vector<SourceFile> sorted;
    sorted.reserve(order.size());
    for (const std::size_t i : order) sorted.push_back(std::move(listing.files[i]));
    listing.files = std::move(sorted);
  }
  // One file is one post, however many content folders reach it.
  std::vector<SourceFile>& files = listing.files;
  files.erase(std::unique(files.begin(), files.end(),
                          [](const SourceFile& a, const SourceFile& b) { return a.rel == b.rel; }),
              files.end());
  return listing;
}

bool SourceListing::under_unreadable(const std::string& rel) const {
  return std::any_of(unreadable_dirs.begin(), unreadable_dirs.end(), [&](const std::string& dir) {
    return dir.empty() || dir == "." || rel.rfind(dir + "/", 0) == 0;
  });
}

}  // namespace postsearch
