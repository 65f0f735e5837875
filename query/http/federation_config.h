// The `sites:` setting of `query serve`'s config file and its --site flags: several sites'
// indexes searched as one (query/federation.h, docs/federation.md).
//
// Errors: throw std::runtime_error naming the entry (its line in the file, or the flag) and
// the key that is wrong.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "common/index_layout.h"

namespace postsearch::http {

// `node`: a list of mappings with keys name, index, url (optional) and boost (optional).
[[nodiscard]] std::vector<SiteIndex> sites_from_yaml(const YAML::Node& node);

// Each "NAME=INDEX_DIR[,url=URL][,boost=X]" flag, checked together (check_sites).
[[nodiscard]] std::vector<SiteIndex> sites_from_flags(const std::vector<std::string>& flags);

// The help of the --site flag, shared by `query` and `query serve`.
[[nodiscard]] const char* site_flag_help();

}  // namespace postsearch::http
