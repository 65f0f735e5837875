// Which index `query` and `query serve` read, declared once for both tools' option tables:
// --index or a --shard for each shard, and how remote shards are treated.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/index_layout.h"
#include "common/option_table.h"
#include "query/http/federation_config.h"

namespace postsearch {

struct IndexSource {
  std::filesystem::path index;          // an index directory (built by indexer)
  std::vector<std::string> shards;      // instead: tcp://HOST:PORT or a database path, one a shard
  std::vector<std::string> site_flags;  // instead: several sites, NAME=INDEX[,url=URL][,boost=X]
  std::vector<SiteIndex> sites;         // or the config file's sites: (federation_config.h)
  std::string on_shard_down = "fail";   // fail, or partial: leave out unreachable remote shards
  unsigned remote_timeout_ms = OpenOptions{}.remote_timeout_ms;
};

inline std::string shard_down_problem(const std::string& mode) {
  return mode == "fail" || mode == "partial" ? "" : "expected fail or partial";
}

// The config file's `sites:`, each index read as the file's other paths are.
inline std::vector<SiteIndex> sites_from_config(const YAML::Node& node,
                                                const options::ConfigSource& src) {
  std::vector<SiteIndex> sites = http::sites_from_yaml(node);
  for (SiteIndex& site : sites) site.index = src.path(site.index.string());
  return sites;
}

// Adds the IndexSource options to a tool's table; `source` gives the settings' IndexSource.
template <typename Settings, typename At>
void add_source_options(options::OptionTable<Settings>& t, At source) {
  auto field = [source](auto IndexSource::*f) {
    return [ source, f ](auto& s) -> auto& { return source(s).*f; };
  };
  t.value({.flag = "--index", .key = "index", .help = "Index directory (built by indexer)"},
          field(&IndexSource::index));
  t.value({.flag = "--shard",
           .key = "shards",
           .help = "Instead of --index: a shard, tcp://HOST:PORT (xapian-tcpsrv) or a database "
                   "directory; repeat it for each (docs/SCALING.md)"},
          field(&IndexSource::shards));
  t.value({.flag = "--site", .help = http::site_flag_help()}, field(&IndexSource::site_flags));
  t.structured({.key = "sites",
                .help = "Instead of index: several sites searched as one, a list of {name, index, "
                        "url, boost} (docs/federation.md)"},
               field(&IndexSource::sites), sites_from_config);
  t.value({.flag = "--on-shard-down",
           .key = "on_shard_down",
           .help = "Remote shards (docs/SCALING.md): fail (a search fails; the service answers "
                   "503) or partial (answer from the others, with a warning naming the missing "
                   "ones)"},
          field(&IndexSource::on_shard_down), shard_down_problem);
  t.value({.flag = "--remote-timeout",
           .key = "remote_timeout_ms",
           .help = "Remote shards: milliseconds to connect and per request"},
          field(&IndexSource::remote_timeout_ms));
}

// What is wrong with the source as given, or nullopt.
// Reads the --site flags into `source.sites` first.
inline std::optional<std::string> source_problem(IndexSource& source) {
  try {
    if (!source.site_flags.empty()) source.sites = http::sites_from_flags(source.site_flags);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  const int given = static_cast<int>(!source.index.empty()) +
                    static_cast<int>(!source.shards.empty()) +
                    static_cast<int>(!source.sites.empty());
  if (given != 1)
    return "give --index INDEX_DIR, --shard for each shard or --site for each site (one of "
           "them); in a config file, index:, shards: or sites:";
  return std::nullopt;
}

inline OpenOptions open_options(const IndexSource& source) {
  OpenOptions open;
  open.partial = source.on_shard_down == "partial";
  open.remote_timeout_ms = source.remote_timeout_ms;
  open.sites = source.sites;
  return open;
}

// The index directory to open: --index, or the stub of a ShardList made in `listed` from the
// shards. Throws std::runtime_error naming a shard that is neither kind.
inline std::filesystem::path index_dir(const IndexSource& source,
                                       std::optional<ShardList>& listed) {
  if (source.shards.empty()) return source.index;
  listed.emplace(source.shards);
  return listed->dir();
}

}  // namespace postsearch
