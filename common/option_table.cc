#include "common/option_table.h"

#include <xapian.h>

namespace postsearch::options {

void ConfigSource::fail(const YAML::Node& key, const std::string& what) const {
  const std::string name = key.IsScalar() ? key.Scalar() + ": " : "";
  throw ConfigFileError(file.string() + ":" + std::to_string(key.Mark().line + 1) + ": " + name +
                        what);
}

std::filesystem::path ConfigSource::path(const std::string& value) const {
  const std::filesystem::path p(value);
  return paths_relative_to_file && p.is_relative() ? file.parent_path() / p : p;
}

YAML::Node load_config_file(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw ConfigFileError(file.string() + ": cannot read the file");
  } catch (const YAML::Exception& e) {
    throw ConfigFileError(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root || root.IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw ConfigFileError(file.string() + ": expected a mapping of settings");
  return root;
}

void add_version_flag(CLI::App& app, std::string_view program) {
  app.set_version_flag("--version", std::string(program) + " " + POSTSEARCH_VERSION + " (Xapian " +
                                        Xapian::version_string() + ")");
}

}  // namespace postsearch::options
