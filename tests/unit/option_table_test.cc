// The option tables (common/option_table.h) and the tools' tables built on them: a flag and
// its config key set the same field, --help shows the default from the field's initial
// value, a config file's mistakes name file, line and key, and a reload changes only the
// reloadable settings (indexer/config_file.h, query/http/serve_cli.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/option_table.h"
#include "indexer/config_file.h"
#include "query/http/serve_cli.h"
#include "tests/unit/test_support.h"

namespace postsearch {
namespace {

namespace fs = std::filesystem;

struct Inner {
  bool on = true;
};

struct Demo {
  unsigned threads = 256;
  double rate = 0.5;
  std::string title = "postsearch";
  std::vector<std::string> origins;
  fs::path dir;
  bool verbose = false;
  Inner inner;
  std::string config;
};

options::OptionTable<Demo> demo_table() {
  using options::member;
  options::OptionTable<Demo> t({.paths_relative_to_file = true});
  t.value({.flag = "--threads", .key = "threads", .help = "Threads"}, member(&Demo::threads));
  t.value({.flag = "--rate", .key = "rate", .help = "Rate", .reloadable = true},
          member(&Demo::rate));
  t.value({.flag = "--title", .key = "title", .help = "Title", .reloadable = true},
          member(&Demo::title),
          [](const std::string& v) { return v.empty() ? std::string("expected a title") : ""; });
  t.value({.flag = "--origin", .key = "origins", .help = "Origin", .separator = ','},
          member(&Demo::origins));
  t.value({.flag = "--dir", .key = "dir", .help = "Folder"}, member(&Demo::dir));
  t.flag({.flag = "-v,--verbose", .key = "verbose", .help = "More"}, member(&Demo::verbose));
  t.flag({.flag = "--off", .key = "on", .help = "Turn it off"}, member(&Demo::inner, &Inner::on),
         options::Flag::kClears);
  t.value({.flag = "--config", .help = "File"}, member(&Demo::config));
  return t;
}

Demo parsed(std::vector<std::string> args) {
  Demo d;
  CLI::App app{"demo"};
  demo_table().add_to(app, d);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return d;
}

// The folder of the config files these tests write.
const fs::path& dir() {
  static const testing::TempDir d;
  return d.path();
}

fs::path file_with(const std::string& name, const std::string& text) {
  const fs::path p = dir() / name;
  testing::write_file(p, text);
  return p;
}

std::string config_error(const options::OptionTable<Demo>& t, const fs::path& file) {
  Demo d;
  try {
    t.read_config(file, d);
  } catch (const options::ConfigFileError& e) {
    return e.what();
  }
  return "";
}

TEST_CASE("a flag and its config key set the same field") {
  const auto t = demo_table();
  const Demo by_flags = parsed({"--threads", "8", "--rate", "2.5", "--title", "Blog", "--origin",
                                "a,b", "--origin", "c", "-v", "--off", "--dir", "/srv/x"});
  Demo by_file;
  t.read_config(file_with("demo.yml",
                          "threads: 8\nrate: 2.5\ntitle: Blog\norigins: [a, b, c]\nverbose: true\n"
                          "on: false\ndir: /srv/x\n"),
                by_file);
  for (const Demo* d : {&by_flags, static_cast<const Demo*>(&by_file)}) {
    CHECK(d->threads == 8);
    CHECK(d->rate == 2.5);
    CHECK(d->title == "Blog");
    CHECK(d->origins == std::vector<std::string>{"a", "b", "c"});
    CHECK(d->verbose);
    CHECK_FALSE(d->inner.on);
    CHECK(d->dir == "/srv/x");
  }
  const Demo untouched = parsed({});
  CHECK(untouched.threads == 256);
  CHECK(untouched.inner.on);
}

TEST_CASE("a relative path in the file is relative to the file's folder") {
  Demo d;
  demo_table().read_config(file_with("paths.yml", "dir: sub/x\n"), d);
  CHECK(d.dir == dir() / "sub/x");
}

TEST_CASE("--help shows each default from the field's initial value") {
  Demo d;
  d.threads = 12;  // what the settings hold when the flags are added is the default shown
  CLI::App app{"demo"};
  demo_table().add_to(app, d);
  const std::string help = app.help();
  CHECK(help.find("--threads UINT=12") != std::string::npos);
  CHECK(help.find("--rate FLOAT=0.5") != std::string::npos);
  CHECK(help.find("--title TEXT=postsearch") != std::string::npos);
  CHECK(help.find("Rate (SIGHUP applies it)") != std::string::npos);
  CHECK(help.find("Threads (SIGHUP") == std::string::npos);
}

TEST_CASE("config file mistakes name the file, line and key") {
  const auto t = demo_table();
  const fs::path unknown = file_with("unknown.yml", "threads: 2\nthreds: 3\n");
  CHECK(config_error(t, unknown) == unknown.string() + ":2: threds: unknown setting");
  const fs::path bad = file_with("bad.yml", "title: x\n\nthreads: many\n");
  CHECK(config_error(t, bad) == bad.string() + ":3: threads: bad value");
  const fs::path refused = file_with("refused.yml", "title: ''\n");
  CHECK(config_error(t, refused) == refused.string() + ":1: title: expected a title");
  // A command-line-only option has no key.
  const fs::path flag_only = file_with("flag_only.yml", "config: other.yml\n");
  CHECK(config_error(t, flag_only) == flag_only.string() + ":1: config: unknown setting");
  const fs::path list = file_with("list.yml", "- threads\n");
  CHECK(config_error(t, list) == list.string() + ": expected a mapping of settings");
  CHECK(config_error(t, "/nonexistent/x.yml") == "/nonexistent/x.yml: cannot read the file");
  // The command line refuses what the check refuses, naming the flag.
  CHECK_THROWS_WITH(parsed({"--title", ""}), Catch::Contains("--title: expected a title"));
}

TEST_CASE("a reload copies only the reloadable settings") {
  Demo running;
  Demo fresh;
  fresh.threads = 1;
  fresh.rate = 9;
  fresh.title = "New";
  fresh.verbose = true;
  demo_table().copy_reloadable(fresh, running);
  CHECK(running.rate == 9);
  CHECK(running.title == "New");
  CHECK(running.threads == 256);
  CHECK_FALSE(running.verbose);
}

TEST_CASE("indexer: the config file's keys and the flags fill the same settings") {
  const fs::path file = file_with(
      "indexer.yml",
      "site: site\nindex: /var/idx\ndrafts: true\npages: false\nfuture: true\nthreads: 3\n"
      "shards: 4\nremote_shards: [a:1, b:2]\nremote_timeout_ms: 5000\ngenerator: hugo\n"
      "site_url: https://example.org/blog\nsynonyms: syn.yml\nsite_output: public\n");
  IndexerSettings s;
  apply_indexer_config(file, s);
  const IndexerOptions o = indexer_options(s);
  CHECK(o.site_dir == dir() / "site");
  CHECK(o.index_dir == "/var/idx");
  CHECK(o.site.drafts);
  CHECK(o.site.posts_only);
  CHECK(o.future);
  CHECK_FALSE(o.unpublished);
  CHECK(o.threads == 3);
  CHECK(o.shards == 4);
  CHECK(o.remote_shards == std::vector<std::string>{"a:1", "b:2"});
  CHECK(o.remote_timeout_ms == 5000);
  CHECK(o.generator == Generator::kHugo);
  CHECK(o.site_url == "https://example.org/blog");
  CHECK(o.synonyms == dir() / "syn.yml");
  CHECK(o.site_output == dir() / "public");

  IndexerSettings flags;
  CLI::App app{"indexer"};
  indexer_option_table().add_to(app, flags);
  std::vector<std::string> args{"site", "--index", "idx", "--drafts", "--threads", "1"};
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
  CHECK(flags.run.site_dir == "site");
  CHECK(flags.run.index_dir == "idx");
  CHECK(flags.run.threads == 1);
  CHECK(flags.run.site.drafts);
  CHECK_FALSE(indexer_options(flags).generator.has_value());  // auto
}

TEST_CASE("indexer: bad settings name the file, line and key") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"shards: 0\n", ":1: shards: expected a number from 1 to 1024"},
      {"site: x\ngenerator: gatsby\n", ":2: generator: expected auto, jekyll, hugo or plain"},
      {"site_url: example.org\n", ":1: site_url: expected an absolute URL"},
      {"remote_shards: [a:1, bad]\n",
       ":1: remote_shards: a remote shard is written HOST:PORT (`bad` is not)"},
      {"drafts: maybe\n", ":1: drafts: bad value"},
      {"json: true\n", ":1: json: unknown setting"},
  };
  for (const auto& [text, error] : cases) {
    const fs::path file = file_with("bad-indexer.yml", text);
    IndexerSettings s;
    CHECK_THROWS_WITH(apply_indexer_config(file, s), file.string() + error);
  }
}

TEST_CASE("query serve: a reload applies only the reloadable settings of the file") {
  http::ServeSettings running;
  running.server.threads = 7;
  running.server.site_title = "Old";
  const fs::path file = file_with(
      "serve.yml",
      "index: /elsewhere\nthreads: 3\nmax_body_bytes: 10\nsite_title: New\nrate_limit: 0\n"
      "cors_origins: [https://a.example]\ncache_max_age: 60\naccess_log: false\n"
      "stats_token: t\n");
  const http::ServeSettings next = http::reloaded(running, file);
  CHECK(next.server.site_title == "New");
  CHECK(next.server.rate_limit == 0);
  CHECK(next.server.cors_origins == std::vector<std::string>{"https://a.example"});
  CHECK(next.server.cache_max_age == 60);
  CHECK_FALSE(next.server.access_log);
  CHECK(next.server.stats_token == "t");
  CHECK(next.server.threads == 7);
  CHECK(next.server.max_body_bytes == running.server.max_body_bytes);
  CHECK(next.source.index.empty());
  // Each reloadable option is one the service reads per request (server_internal.h).
  std::vector<std::string> reloadable;
  for (const auto& e : http::serve_option_table().entries())
    if (e.info.reloadable) reloadable.emplace_back(e.info.key);
  CHECK(reloadable == std::vector<std::string>{"cors_origins", "rate_limit", "rate_burst",
                                               "cpu_limit", "cpu_burst", "stats_token",
                                               "trust_proxy", "site_title", "public_url",
                                               "cache_max_age", "access_log"});
}

TEST_CASE("query serve: --help lists the settings only the config file sets") {
  const http::ServeSettings defaults;
  const std::string help = http::serve_option_table().file_only_help(defaults);
  CHECK(help.find("Config file only:\n") == 0);
  CHECK(help.find("cache_max_age") != std::string::npos);
  CHECK(help.find("seconds (SIGHUP applies it) [10]") != std::string::npos);
  CHECK(help.find("stats_token") != std::string::npos);
  CHECK(help.find("rate_limit") == std::string::npos);  // it has a flag
}

TEST_CASE("query serve: the shared source options and a bad listen address") {
  const fs::path file =
      file_with("serve-bad.yml", "shards: [tcp://h:1]\non_shard_down: sometimes\n");
  http::ServeSettings s;
  CHECK_THROWS_WITH(http::serve_option_table().read_config(file, s),
                    file.string() + ":2: on_shard_down: expected fail or partial");
  const fs::path listen = file_with("serve-listen.yml", "listen: nowhere\n");
  CHECK_THROWS_WITH(http::serve_option_table().read_config(listen, s),
                    listen.string() + ":1: listen: expected HOST:PORT, got 'nowhere'");
}

}  // namespace
}  // namespace postsearch
