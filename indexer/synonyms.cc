#include "indexer/synonyms.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "common/contained_file.h"
#include "common/text.h"

namespace postsearch {
namespace {

namespace fs = std::filesystem;

std::optional<fs::path> find_file(const SiteConfig& site) {
  for (const char* rel : {"_data/synonyms.yml", "_data/synonyms.yaml", "data/synonyms.yaml",
                          "data/synonyms.yml", "synonyms.yml", "synonyms.yaml"}) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(site.root / rel, ec))) return site.root / rel;
  }
  return std::nullopt;
}

// The members of one entry, folded; problems are reported against `node`'s line.
std::vector<std::string> members(const YAML::Node& node, const std::string& file, Diagnostics& d) {
  std::vector<std::string> out;
  auto add = [&](const YAML::Node& n) {
    if (!n.IsScalar()) {
      d.push_back({Severity::kWarning, file, n.Mark().line + 1, n.Mark().column + 1, "synonyms",
                   "expected a word; ignored"});
      return;
    }
    const std::string w = text::collapse_whitespace(text::fold_case(n.as<std::string>()));
    if (w.size() > 120) {
      d.push_back({Severity::kWarning, file, n.Mark().line + 1, n.Mark().column + 1, "synonyms",
                   "longer than 120 bytes; ignored"});
      return;
    }
    if (!w.empty() && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  };
  if (node.IsSequence()) {
    for (const auto& n : node) add(n);
  } else {
    add(node);
  }
  return out;
}

}  // namespace

Synonyms load_synonyms(const SiteConfig& site, const std::optional<fs::path>& file) {
  Synonyms s;
  const std::optional<fs::path> path = file ? file : find_file(site);
  if (!path) return s;
  s.file = path->lexically_proximate(site.root).generic_string();
  // The file the operator names may be anywhere; the one found in the site stays in it.
  ContainedRead read =
      read_contained_file(file ? fs::path("/") : site.root, *path, kMaxSiteDataBytes);
  if (!read.bytes) {
    s.diagnostics.push_back({Severity::kError, s.file, 0, 0, "synonyms", read.error});
    return s;
  }
  s.content = std::move(*read.bytes);
  YAML::Node root;
  try {
    root = YAML::Load(s.content);
  } catch (const YAML::Exception& e) {
    s.diagnostics.push_back({Severity::kError, s.file, e.mark.line + 1, e.mark.column + 1,
                             "synonyms", "invalid YAML: " + e.msg});
    return s;
  }
  auto keep = [&](std::vector<std::string> group, bool two_way, const YAML::Mark& at) {
    if (group.size() < 2) {
      s.diagnostics.push_back({Severity::kWarning, s.file, at.line + 1, at.column + 1, "synonyms",
                               "a group needs two or more words; ignored"});
      return;
    }
    s.groups.push_back(std::move(group));
    s.two_way.push_back(two_way);
  };
  if (root.IsSequence()) {
    for (const auto& entry : root) keep(members(entry, s.file, s.diagnostics), true, entry.Mark());
  } else if (root.IsMap()) {
    for (const auto& kv : root) {
      std::vector<std::string> group = members(kv.first, s.file, s.diagnostics);
      for (auto& w : members(kv.second, s.file, s.diagnostics)) group.push_back(std::move(w));
      keep(std::move(group), false, kv.first.Mark());
    }
  } else if (!root.IsNull()) {
    s.diagnostics.push_back({Severity::kError, s.file, 1, 1, "synonyms",
                             "expected a list of groups or a map of words to words"});
  }
  return s;
}

void write_synonyms(Xapian::WritableDatabase& db, const Synonyms& synonyms,
                    const Xapian::Stem& stemmer) {
  std::vector<std::string> old(db.synonym_keys_begin(), db.synonym_keys_end());
  for (const auto& key : old) db.clear_synonyms(key);
  auto stemmed = [&](const std::string& w) { return "Z" + stemmer(w); };
  auto link = [&](const std::string& from, const std::string& to) {
    if (to.find(' ') != std::string::npos) return;  // a phrase is never a value
    db.add_synonym(from, stemmed(to));
    if (from.find(' ') == std::string::npos) db.add_synonym(stemmed(from), stemmed(to));
  };
  for (std::size_t g = 0; g < synonyms.groups.size(); ++g) {
    const auto& group = synonyms.groups[g];
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (!synonyms.two_way[g] && i > 0) break;  // map form: only the key finds the others
      for (std::size_t j = 0; j < group.size(); ++j) {
        if (i != j) link(group[i], group[j]);
      }
    }
  }
}

}  // namespace postsearch
