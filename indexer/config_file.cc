#include "indexer/config_file.h"

#include <yaml-cpp/yaml.h>

#include "common/index_layout.h"

namespace postsearch {
namespace {

std::string where(const std::filesystem::path& file, const YAML::Mark& mark) {
  return file.string() + ":" + std::to_string(mark.line + 1);
}

std::filesystem::path relative_to(const std::filesystem::path& file, const std::string& p) {
  const std::filesystem::path path(p);
  return path.is_absolute() ? path : file.parent_path() / path;
}

void apply_key(const std::filesystem::path& file, const std::string& key, const YAML::Node& v,
               IndexerOptions& o, IndexerConfigFile& paths) {
  if (key == "site")
    paths.site = relative_to(file, v.as<std::string>());
  else if (key == "index")
    paths.index = relative_to(file, v.as<std::string>());
  else if (key == "drafts")
    o.site.drafts = v.as<bool>();
  else if (key == "posts_only")
    o.site.posts_only = v.as<bool>();
  else if (key == "pages")  // the older spelling: pages: false is posts_only: true
    o.site.posts_only = !v.as<bool>();
  else if (key == "future")
    o.future = v.as<bool>();
  else if (key == "unpublished")
    o.unpublished = v.as<bool>();
  else if (key == "site_url") {
    o.site_url = v.as<std::string>();
    if (o.site_url.find("://") == std::string::npos)
      throw ConfigError(where(file, v.Mark()) + ": site_url: expected an absolute URL");
  } else if (key == "threads")
    o.threads = v.as<unsigned>();
  else if (key == "shards") {
    o.shards = v.as<unsigned>();
    if (o.shards < 1 || o.shards > 1024)
      throw ConfigError(where(file, v.Mark()) + ": shards: expected a number from 1 to 1024");
  } else if (key == "remote_shards") {
    o.remote_shards = v.as<std::vector<std::string>>();
    for (const auto& address : o.remote_shards) {
      try {
        (void)parse_remote_address(address, where(file, v.Mark()) + ": remote_shards");
      } catch (const std::runtime_error& e) {
        throw ConfigError(e.what());
      }
    }
  } else if (key == "synonyms")
    o.synonyms = relative_to(file, v.as<std::string>());
  else if (key == "site_output")
    o.site_output = relative_to(file, v.as<std::string>());
  else if (key == "generator") {
    const std::string g = v.as<std::string>();
    if (g != "auto") {
      o.generator = generator_by_name(g);
      if (!o.generator)
        throw ConfigError(where(file, v.Mark()) +
                          ": generator: expected auto, jekyll, hugo or plain");
    }
  } else {
    throw ConfigError(where(file, v.Mark()) + ": " + key + ": unknown setting");
  }
}

}  // namespace

IndexerConfigFile apply_indexer_config(const std::filesystem::path& file, IndexerOptions& options) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw ConfigError(file.string() + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw ConfigError(where(file, e.mark) + ": " + e.msg);
  }
  IndexerConfigFile paths;
  if (!root || root.IsNull()) return paths;
  if (!root.IsMap()) throw ConfigError(file.string() + ": expected a mapping of settings");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    try {
      apply_key(file, key, kv.second, options, paths);
    } catch (const YAML::Exception&) {
      throw ConfigError(where(file, kv.first.Mark()) + ": " + key + ": bad value");
    }
  }
  return paths;
}

}  // namespace postsearch
