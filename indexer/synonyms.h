// A site's synonyms: groups of words that should find each other ("js", "javascript"),
// read from a YAML file and written into the index's synonym table, where the query
// parser expands a query word into its synonyms.
//
// The file: `--synonyms FILE`, else the first of _data/synonyms.yml (Jekyll),
// data/synonyms.yaml|yml (Hugo) and synonyms.yml|yaml at the site root. Either a list of
// groups (every member finds every other) or a map from a word to the words it also finds:
//   - [javascript, js, ecmascript]
//   k8s: [kubernetes]
// Members are single words; a multi-word member ("static site") is a key only: typing it
// finds its single-word synonyms. Errors: each bad entry is a diagnostic naming the file,
// line and entry, and is skipped; an unreadable file is an error diagnostic.
// Threads: plain functions.
#pragma once

#include <xapian.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "indexer/site.h"

namespace postsearch {

struct Synonyms {
  std::string file;                              // relative to the site root; empty: none
  std::string content;                           // the file's bytes, for the options hash
  std::vector<std::vector<std::string>> groups;  // folded words; first member -> the others
  std::vector<bool> two_way;                     // per group: every member finds every other
  Diagnostics diagnostics;
};

[[nodiscard]] Synonyms load_synonyms(const SiteConfig& site,
                                     const std::optional<std::filesystem::path>& file);

// Replaces the database's synonym table with `synonyms`, stemmed with `stemmer` (the
// index's default language) as the query parser looks them up.
void write_synonyms(Xapian::WritableDatabase& db, const Synonyms& synonyms,
                    const Xapian::Stem& stemmer);

}  // namespace postsearch
