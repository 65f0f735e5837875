#include "query/http/federation_config.h"

#include <stdexcept>

#include "query/federation.h"

namespace postsearch::http {

std::vector<SiteIndex> sites_from_yaml(const YAML::Node& node) {
  if (!node.IsSequence())
    throw std::runtime_error("expected a list of sites ({name, index, url, boost})");
  std::vector<SiteIndex> sites;
  for (const YAML::Node& entry : node) {
    const std::string where = "line " + std::to_string(entry.Mark().line + 1);
    if (!entry.IsMap()) throw std::runtime_error(where + ": expected {name, index, url, boost}");
    SiteIndex site;
    for (const auto& kv : entry) {
      const std::string key = kv.first.as<std::string>();
      try {
        if (key == "name") {
          site.name = kv.second.as<std::string>();
        } else if (key == "index") {
          site.index = kv.second.as<std::string>();
        } else if (key == "url") {
          site.url = kv.second.as<std::string>();
        } else if (key == "boost") {
          site.boost = kv.second.as<double>();
        } else {
          throw std::runtime_error(where + ": " + key + ": unknown (name, index, url, boost)");
        }
      } catch (const YAML::Exception&) {
        throw std::runtime_error(where + ": " + key + ": bad value");
      }
    }
    sites.push_back(std::move(site));
  }
  check_sites(sites);
  return sites;
}

std::vector<SiteIndex> sites_from_flags(const std::vector<std::string>& flags) {
  std::vector<SiteIndex> sites;
  for (const std::string& flag : flags) sites.push_back(parse_site_flag(flag));
  check_sites(sites);
  return sites;
}

const char* site_flag_help() {
  return "Instead of --index: NAME=INDEX_DIR[,url=URL][,boost=X], one site of several searched "
         "as one (repeat it for each; hits carry the site's name and links absolute to URL, "
         "default the URL its index records; boost multiplies its scores, default 1; "
         "docs/federation.md)";
}

}  // namespace postsearch::http
