// One table per tool of its options. Each option is declared once: its flag, its key in the
// YAML config file, its help line, and whether a running service may change it (reload); the
// field of the tool's settings struct it is bound to gives its type and, by its initial
// value, its default. From the table come the CLI11 flags, the config file reader, the
// defaults shown by --help and the reload. Adding an option is adding one entry.
//
//   OptionTable<Settings> t;
//   t.value({.flag = "--threads", .key = "threads", .help = "Worker threads"},
//           member(&Settings::threads));
//   t.flag({.flag = "--no-warm", .key = "warm", .help = "..."}, member(&Settings::warm),
//          Flag::kClears);
//
// Errors: a bad value on the command line is a CLI::ValidationError naming the flag; in the
// config file, ConfigFileError "FILE:LINE: KEY: what" (an unknown key, a value of the wrong
// type, a value the option's check refuses). Tables are built once and then only read.
#pragma once

#include <yaml-cpp/yaml.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace postsearch::options {

class ConfigFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionInfo {
  std::string_view flag{};  // CLI11 names ("--threads", "-q,--quiet", "SITE_DIR"); empty: file only
  std::string_view key{};   // the config file's key; empty: command line only
  std::string_view help{};  // one line; the default is added from the field's initial value
  bool reloadable = false;  // a running service applies a new value when it re-reads the file
  bool show_default = true;  // false: the help says how the default is decided at run time
  char separator = '\0';     // lists: one flag may also give several values, split at this
};

// What giving a boolean flag does to its field, and what its config key means.
enum class Flag {
  kSets,     // --drafts sets drafts; drafts: true sets it
  kClears,   // --no-warm clears warm; the key names the field itself (warm: false)
  kNegates,  // --pages clears posts_only; pages: false sets it (flag and key name the opposite)
};

// The field an option is stored in: a member of the settings, or a member of a member
// (member(&Settings::run, &RunOptions::site, &SiteOptions::drafts)). Returns a callable that
// gives that field of a settings object, const or not.
template <typename... Path>
auto member(Path... path) {
  return [path...](auto& s) -> auto& { return (s.*....*path); };
}

// How a config file's values are read.
struct TableOptions {
  bool paths_relative_to_file = false;  // relative paths are relative to the file's folder
};

// The text a value shows as its default in --help; empty shows none.
template <typename T>
std::string default_text(const T& value) {
  if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    std::string out;
    for (const auto& v : value) out += (out.empty() ? "" : ",") + v;
    return out;
  } else if constexpr (std::is_same_v<T, std::optional<std::filesystem::path>>) {
    return value ? value->string() : "";
  } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
    return value.string();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return value;
  } else {
    std::ostringstream out;
    out << value;
    return out.str();
  }
}

// Reads one config file, with the position of each key for error messages.
struct ConfigSource {
  std::filesystem::path file;
  bool paths_relative_to_file = false;
  // "FILE:LINE: KEY: what", as a ConfigFileError; `key` is the mapping's key node.
  [[noreturn]] void fail(const YAML::Node& key, const std::string& what) const;
  // A path read from the file: relative ones relative to its folder when the table says so.
  [[nodiscard]] std::filesystem::path path(const std::string& value) const;
};

// Loads FILE as a mapping of settings; throws ConfigFileError naming the file (and line).
// An empty file is an empty mapping.
[[nodiscard]] YAML::Node load_config_file(const std::filesystem::path& file);

// Adds --version to a tool's command line (and to its subcommands': `query serve --version`):
// "PROGRAM VERSION (Xapian VERSION)", the version being the CMake project's.
void add_version_flag(CLI::App& app, std::string_view program);

template <typename T>
struct ItemOf {
  using type = T;
};
template <typename T>
struct ItemOf<std::vector<T>> {
  using type = T;
};
template <typename T>
struct ItemOf<std::optional<T>> {
  using type = T;
};
// The type an option's check looks at: a list's items, an optional's value, else the value.
template <typename T>
using Item = typename ItemOf<T>::type;

template <typename Settings>
class OptionTable {
 public:
  // One option, type-erased: what the table does with it.
  struct Entry {
    OptionInfo info;
    std::function<void(CLI::App&, Settings&)> add_flag;
    std::function<void(const YAML::Node&, const ConfigSource&, Settings&)> read_value;
    std::function<void(const Settings& from, Settings& to)> copy;
    std::function<std::string(const Settings&)> shown_default;  // " [default]", or ""
  };

  explicit OptionTable(TableOptions options = {}) : options_(options) {}

  // An option that takes a value: a number, a string, a path, or a list of strings (repeat
  // the flag; in the file, a YAML list). `check` says what is wrong with a value ("" when
  // nothing is); lists are checked one item at a time.
  template <typename At, typename T = std::remove_cvref_t<std::invoke_result_t<At, Settings&>>>
  OptionTable& value(OptionInfo info, At at,
                     std::function<std::string(const Item<T>&)> check = nullptr) {
    Entry e{info, nullptr, nullptr, copier(at), [info, at](const Settings& s) {
              const std::string text = info.show_default ? default_text(at(s)) : "";
              return text.empty() ? text : " [" + text + "]";
            }};
    if (!info.flag.empty()) {
      e.add_flag = [info, at, check](CLI::App& app, Settings& s) {
        add_value_flag<T>(app, info, at(s), check);
      };
    }
    if (!info.key.empty()) {
      e.read_value = [at, check](const YAML::Node& v, const ConfigSource& src, Settings& s) {
        at(s) = read_yaml<T>(v, src, check);
      };
    }
    entries_.push_back(std::move(e));
    return *this;
  }

  // A boolean flag (it takes no value on the command line; the file gives true or false).
  template <typename At>
  OptionTable& flag(OptionInfo info, At at, Flag kind = Flag::kSets) {
    Entry e{info, nullptr, nullptr, copier(at), [](const Settings&) { return std::string(); }};
    if (!info.flag.empty()) {
      e.add_flag = [info, at, kind](CLI::App& app, Settings& s) {
        bool& field = at(s);
        app.add_flag_callback(
            std::string(info.flag), [&field, kind] { field = kind == Flag::kSets; },
            std::string(info.help) + reload_note(info));
      };
    }
    if (!info.key.empty()) {
      e.read_value = [at, kind](const YAML::Node& v, const ConfigSource&, Settings& s) {
        at(s) = kind == Flag::kNegates ? !v.as<bool>() : v.as<bool>();
      };
    }
    entries_.push_back(std::move(e));
    return *this;
  }

  // An option only the config file sets whose value is a structure (a list of mappings):
  // `read(node, source)` makes the field's value (paths in it through `source.path()`),
  // throwing std::runtime_error naming what is wrong.
  template <typename At, typename Read>
  OptionTable& structured(OptionInfo info, At at, Read read) {
    Entry e{info, nullptr, nullptr, copier(at), [](const Settings&) { return std::string(); }};
    e.read_value = [at, read](const YAML::Node& v, const ConfigSource& src, Settings& s) {
      try {
        at(s) = read(v, src);
      } catch (const YAML::Exception&) {
        throw;
      } catch (const std::runtime_error& wrong) {
        throw CheckFailed(wrong.what());
      }
    };
    entries_.push_back(std::move(e));
    return *this;
  }

  // Adds every option that has a flag to `app`, bound to `settings` (which must outlive the
  // app's parsing); the defaults shown are the values `settings` holds now.
  void add_to(CLI::App& app, Settings& settings) const {
    for (const auto& e : entries_) {
      if (e.add_flag) e.add_flag(app, settings);
    }
  }

  // The options only the config file sets, one line each with its default, for --help:
  // "Config file only:\n  key  help [default]\n"; empty when there are none.
  [[nodiscard]] std::string file_only_help(const Settings& defaults) const {
    std::string out;
    for (const auto& e : entries_) {
      if (!e.info.flag.empty() || e.info.key.empty()) continue;
      std::string line = "  " + std::string(e.info.key);
      line.resize(std::max<std::size_t>(line.size() + 1, 30), ' ');
      out +=
          line + std::string(e.info.help) + reload_note(e.info) + e.shown_default(defaults) + "\n";
    }
    return out.empty() ? out : "Config file only:\n" + out;
  }

  // Applies the config file's keys to `settings`; throws ConfigFileError.
  void read_config(const std::filesystem::path& file, Settings& settings) const {
    const YAML::Node root = load_config_file(file);
    const ConfigSource src{file, options_.paths_relative_to_file};
    for (const auto& kv : root) {
      if (!kv.first.IsScalar()) src.fail(kv.first, "expected the name of a setting");
      const Entry* e = find_key(kv.first.Scalar());
      if (e == nullptr) src.fail(kv.first, "unknown setting");
      try {
        e->read_value(kv.second, src, settings);
      } catch (const YAML::Exception&) {
        src.fail(kv.first, "bad value");
      } catch (const CheckFailed& failed) {
        src.fail(kv.first, failed.what());
      }
    }
  }

  // Copies the reloadable options from `from` to `to`; the others keep `to`'s values.
  void copy_reloadable(const Settings& from, Settings& to) const {
    for (const auto& e : entries_) {
      if (e.info.reloadable) e.copy(from, to);
    }
  }

  [[nodiscard]] const std::vector<Entry>& entries() const { return entries_; }

 private:
  // A value's check failed; read_config adds the file, line and key.
  class CheckFailed : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
  };

 private:
  static std::string reload_note(const OptionInfo& info) {
    return info.reloadable ? " (SIGHUP applies it)" : "";
  }

  template <typename At>
  static auto copier(At at) {
    return [at](const Settings& from, Settings& to) { at(to) = at(from); };
  }

  const Entry* find_key(const std::string& key) const {
    for (const auto& e : entries_) {
      if (e.read_value && e.info.key == key) return &e;
    }
    return nullptr;
  }

  template <typename T>
  static void check_items(const T& value, const std::function<std::string(const Item<T>&)>& check,
                          const std::function<void(const std::string&)>& fail) {
    if (!check) return;
    if constexpr (std::is_same_v<T, std::vector<Item<T>>>) {
      for (const auto& item : value) {
        if (const std::string problem = check(item); !problem.empty()) fail(problem);
      }
    } else if constexpr (std::is_same_v<T, std::optional<Item<T>>>) {
      if (value) check_items<Item<T>>(*value, check, fail);
    } else {
      if (const std::string problem = check(value); !problem.empty()) fail(problem);
    }
  }

  // The value a YAML node gives, checked. Paths are read as strings (relative to the file
  // when the table says so).
  template <typename T>
  static T read_yaml(const YAML::Node& v, const ConfigSource& src,
                     const std::function<std::string(const Item<T>&)>& check) {
    T out;
    if constexpr (std::is_same_v<Item<T>, std::filesystem::path>) {
      out = src.path(v.as<std::string>());
    } else {
      out = v.as<T>();
    }
    check_items<T>(out, check, [](const std::string& problem) { throw CheckFailed(problem); });
    return out;
  }

  // CLI11 reads the value as text (paths) or as T; the check runs on what it read.
  template <typename T>
  static void add_value_flag(CLI::App& app, const OptionInfo& info, T& field,
                             const std::function<std::string(const Item<T>&)>& check) {
    using Parsed =
        std::conditional_t<std::is_same_v<Item<T>, std::filesystem::path>, std::string, T>;
    const std::string name(info.flag);
    CLI::Option* opt = app.add_option_function<Parsed>(
        name,
        [&field, check, name](const Parsed& given) {
          T value(given);
          check_items<T>(value, check, [&name](const std::string& problem) {
            throw CLI::ValidationError(name, problem);
          });
          field = std::move(value);
        },
        std::string(info.help) + reload_note(info));
    if (info.show_default) opt->default_str(default_text(field));
    if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      // A repeatable flag takes one value each time it is given (`--tag a b`: b is not a
      // tag); a positional list (a query's WORDS) takes every argument left.
      if (!name.empty() && name[0] == '-') opt->allow_extra_args(false);
      if (info.separator != '\0') opt->delimiter(info.separator);
    }
  }

  TableOptions options_;
  std::vector<Entry> entries_;
};

}  // namespace postsearch::options
