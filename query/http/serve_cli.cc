#include "query/http/serve_cli.h"

#include <malloc.h>
#include <pthread.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <variant>

#include "common/index_layout.h"
#include "common/text.h"
#include "query/http/federation_config.h"
#include "query/http/memory_trim.h"
#include "query/http/server.h"

namespace postsearch::http {
namespace {

struct ServeFlags {
  ServerOptions options;
  std::string listen = "127.0.0.1:8080";
  std::string config;
  bool quiet = false;
  bool no_warm = false;
  bool no_analytics = false;
  std::string on_shard_down = "fail";
  std::vector<std::string> shards;  // instead of an index directory (ShardList)
  std::vector<std::string> sites;   // --site: several sites instead (federation_config.h)
};

// glibc gives each thread that allocates an arena of its own, up to eight per core; with
// hundreds of connection threads the heap fragments and the service grows for as long as it
// runs (bench/README.md: +29 MiB in 30 minutes). As many arenas as searches run at once keeps
// it flat. MALLOC_ARENA_MAX in the environment, if set, wins.
void bound_malloc_arenas(const ServerOptions& o) {
#ifdef __GLIBC__
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, static_cast<int>(searchers_or_default(o)));
#else
  (void)o;
#endif
}

}  // namespace

void bound_thread_caches(char** argv) {
#ifdef __GLIBC__
  const char* set = std::getenv("GLIBC_TUNABLES");
  const bool had = set != nullptr;
  const std::string before = had ? set : "";
  if (before.find("glibc.malloc.tcache_count") != std::string::npos) return;
  const std::string tunables = before + (before.empty() ? "" : ":") + "glibc.malloc.tcache_count=1";
  if (setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Not restarted (no /proc?): go on with glibc's default, and the environment as it was.
  if (had) {
    setenv("GLIBC_TUNABLES", before.c_str(), 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
#else
  (void)argv;
#endif
}

namespace {

// The limits on what one client may make the service hold or do: each declared once, as a
// flag, a config key and a help line; the default is the ServerOptions field's initial value.
struct LimitOption {
  const char* flag;
  const char* key;
  const char* help;
  std::variant<std::size_t ServerOptions::*, unsigned ServerOptions::*, int ServerOptions::*,
               double ServerOptions::*>
      field;
};
constexpr LimitOption kLimits[] = {
    {"--rate-limit", "rate_limit",
     "Requests per second per client; 0 turns off both per-client budgets (requests and CPU)",
     &ServerOptions::rate_limit},
    {"--rate-burst", "rate_burst", "Requests a client may send at once",
     &ServerOptions::rate_burst},
    {"--cpu-limit", "cpu_limit",
     "CPU seconds of searching per second per client; over its budget a client gets 429",
     &ServerOptions::cpu_limit},
    {"--cpu-burst", "cpu_burst", "CPU seconds of searching a client may spend at once",
     &ServerOptions::cpu_burst},
    {"--max-connections-per-client", "max_connections_per_client",
     "Open connections from one address (more get 429); 0: any. Not applied with --trust-proxy",
     &ServerOptions::max_connections_per_client},
    {"--request-timeout-ms", "request_timeout_ms",
     "Milliseconds for a whole request (head and body) to arrive, else 408",
     &ServerOptions::request_timeout_ms},
    {"--timeout", "timeout", "Seconds of silence while reading or writing a request",
     &ServerOptions::timeout_seconds},
    {"--keep-alive-ms", "keep_alive_ms", "Milliseconds an idle keep-alive connection is kept open",
     &ServerOptions::keep_alive_ms},
    {"--max-head-bytes", "max_head_bytes", "Bytes of request line and headers, else 431",
     &ServerOptions::max_head_bytes},
    {"--max-body-bytes", "max_body_bytes", "Bytes of request body, else 413 (compressed: 415)",
     &ServerOptions::max_body_bytes},
    {"--max-ranges", "max_ranges", "Byte ranges in one request, not overlapping, else 416",
     &ServerOptions::max_ranges},
};

// Search analytics' numbers (docs/analytics.md), declared as the limits are.
constexpr LimitOption kAnalyticsNumbers[] = {
    {"--analytics-retention-days", "analytics_retention_days",
     "Days of search analytics kept (docs/analytics.md)", &ServerOptions::analytics_retention_days},
    {"--analytics-flush-ms", "analytics_flush_ms",
     "Milliseconds between writes of search analytics to their store",
     &ServerOptions::analytics_flush_ms},
    {"--analytics-max-queries", "analytics_max_queries",
     "Distinct queries counted per day; more are not kept", &ServerOptions::analytics_max_queries},
    {"--analytics-min-count", "analytics_min_count",
     "/api/stats shows a query once seen on this many days or in this many searches",
     &ServerOptions::analytics_min_count},
};

// Every option declared in such a table: each is a flag and a config key alike.
constexpr std::span<const LimitOption> kNumberOptions[] = {kLimits, kAnalyticsNumbers};

// Sets the limit or analytics number named `key` from a YAML value; false when none has it.
bool apply_limit(const std::string& key, const YAML::Node& v, ServerOptions& o) {
  for (const auto table : kNumberOptions) {
    for (const auto& limit : table) {
      if (key != limit.key) continue;
      std::visit(
          [&](auto member) { o.*member = v.as<std::remove_reference_t<decltype(o.*member)>>(); },
          limit.field);
      return true;
    }
  }
  return false;
}

// Splits "HOST:PORT" ("[::1]:8080" for IPv6). Returns false when malformed.
bool parse_listen(const std::string& listen, ServerOptions& o) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) return false;
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    std::size_t used = 0;
    const int port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port < 0 || port > 65535) return false;
    o.port = port;
  } catch (const std::exception&) {
    return false;
  }
  o.host = host.empty() ? "127.0.0.1" : host;
  return true;
}

// Applies a YAML config file's keys on top of `o`. Throws std::runtime_error naming the
// file, line and key on a bad value.
void apply_config(const std::string& path, ServeFlags& f) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!root.IsMap()) throw std::runtime_error(path + ": expected a mapping of settings");
  ServerOptions& o = f.options;
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    try {
      if (key == "index")
        o.index_dir = v.as<std::string>();
      else if (key == "listen")
        f.listen = v.as<std::string>();
      else if (key == "web_dir")
        o.web_dir = v.as<std::string>();
      else if (key == "cors_origins")
        o.cors_origins = v.as<std::vector<std::string>>();
      else if (key == "threads")
        o.threads = v.as<unsigned>();
      else if (key == "searchers")
        o.searchers = v.as<unsigned>();
      else if (key == "post_cache_mb")
        o.post_cache_mb = v.as<unsigned>();
      else if (key == "warm")
        o.warm = v.as<bool>();
      else if (key == "trust_proxy")
        o.trust_proxy = v.as<bool>();
      else if (key == "site_title")
        o.site_title = v.as<std::string>();
      else if (key == "public_url")
        o.public_url = v.as<std::string>();
      else if (key == "access_log")
        o.access_log = v.as<bool>();
      else if (key == "cache_max_age")
        o.cache_max_age = v.as<int>();
      else if (key == "shards")
        f.shards = v.as<std::vector<std::string>>();
      else if (key == "sites")
        o.open.sites = sites_from_yaml(v);
      else if (key == "on_shard_down")
        f.on_shard_down = v.as<std::string>();
      else if (key == "remote_timeout_ms")
        o.open.remote_timeout_ms = v.as<unsigned>();
      else if (key == "analytics")
        o.analytics = v.as<bool>();
      else if (key == "state_dir")
        o.state_dir = v.as<std::string>();
      else if (key == "stats_token")
        o.stats_token = v.as<std::string>();
      else if (!apply_limit(key, v, o))
        throw std::runtime_error("unknown setting");
    } catch (const YAML::Exception&) {
      throw std::runtime_error(path + ":" + std::to_string(kv.first.Mark().line + 1) + ": " + key +
                               ": bad value");
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(path + ":" + std::to_string(kv.first.Mark().line + 1) + ": " + key +
                               ": " + e.what());
    }
  }
}

void add_flags(CLI::App& app, ServeFlags& f) {
  ServerOptions& o = f.options;
  app.add_option("--index", o.index_dir, "Index directory (built by indexer)");
  app.add_option("--shard", f.shards,
                 "Instead of --index: a shard, tcp://HOST:PORT (xapian-tcpsrv) or a database "
                 "directory; repeat it for each (docs/SCALING.md)")
      ->allow_extra_args(false);
  app.add_option("--site", f.sites, site_flag_help())->allow_extra_args(false);
  app.add_option("--listen", f.listen,
                 "HOST:PORT to listen on (default 127.0.0.1:8080; port 0 picks one)");
  app.add_option("--config", f.config, "YAML file with the same settings (re-read on SIGHUP)");
  app.add_option("--web-dir", o.web_dir,
                 "Serve the search page and assets from this folder (while editing web/)");
  app.add_option("--cors-origin", o.cors_origins,
                 "Origin allowed to call the API, e.g. https://blog.example (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--threads", o.threads,
                 "Connection threads: connections served at once (default 256)");
  app.add_option("--on-shard-down", f.on_shard_down,
                 "Remote shards (docs/SCALING.md): fail (503, the default) or partial (answer "
                 "from the others, with a warning naming the missing ones)")
      ->check(CLI::IsMember({"fail", "partial"}));
  app.add_option("--remote-timeout", o.open.remote_timeout_ms,
                 "Remote shards: milliseconds to connect and per request (default 10000)");
  app.add_option("--searchers", o.searchers,
                 "Searches run at once; more wait their turn (default: two per core)");
  app.add_option("--post-cache-mb", o.post_cache_mb,
                 "MiB of decoded posts kept for the searches that show them again (default " +
                     std::to_string(PostCache::kDefaultBytes >> 20) + "; 0 keeps none)");
  app.add_flag("--no-warm", f.no_warm,
               "Do not fill each index revision's caches (common terms' postings, posts) when "
               "it opens; searches fill them as they go");
  for (const auto table : kNumberOptions) {
    for (const auto& limit : table) {
      std::visit(
          [&](auto member) {
            app.add_option(limit.flag, o.*member, limit.help)->capture_default_str();
          },
          limit.field);
    }
  }
  app.add_flag("--no-analytics", f.no_analytics,
               "Do not count searches and opened results (docs/analytics.md)");
  app.add_option("--state-dir", o.state_dir,
                 "Folder for the service's own files, analytics.sqlite (default: the index "
                 "directory; with --shard, none: give one for analytics)");
  app.add_flag("--trust-proxy", o.trust_proxy,
               "Behind a reverse proxy: client address from X-Forwarded-For");
  app.add_option("--site-title", o.site_title,
                 "Site name for the search page, OpenSearch and feeds");
  app.add_option(
      "--public-url", o.public_url,
      "URL of the service as readers reach it, for OpenSearch and feed self links (default: the "
      "--listen address; never the request's Host header)");
  app.add_flag("-q,--quiet", f.quiet, "No access log");
}

}  // namespace

int run_serve_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ServeFlags f;
  CLI::App app{"Serves search over HTTP: the JSON API, the search page and its assets.",
               "query serve"};
  add_flags(app, f);
  app.footer("\n" + endpoint_help());
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
    if (!f.config.empty()) {
      apply_config(f.config, f);
      app.parse(std::vector<std::string>(args.rbegin(), args.rend()));  // flags win over the file
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err) == 0 ? 0 : 2;
  } catch (const std::runtime_error& e) {
    err << "query serve: " << e.what() << "\n";
    return 2;
  }
  std::optional<ShardList> listed;
  try {
    if (!f.sites.empty()) f.options.open.sites = sites_from_flags(f.sites);
    const bool federated = !f.options.open.sites.empty();
    if (static_cast<int>(!f.options.index_dir.empty()) + static_cast<int>(!f.shards.empty()) +
            static_cast<int>(federated) !=
        1) {
      err << "query serve: give --index (or index: in the config file), the shards (--shard, "
             "shards:) or the sites (--site, sites:): one of them\n";
      return 2;
    }
    if (!f.shards.empty()) listed.emplace(f.shards);
  } catch (const std::runtime_error& e) {
    err << "query serve: " << e.what() << "\n";
    return 2;
  }
  std::string serving = listed ? text::join(f.shards, " + ") : f.options.index_dir.string();
  for (const SiteIndex& s : f.options.open.sites)
    serving += (serving.empty() ? "" : " + ") + s.name + " (" + s.index.string() + ")";
  if (listed) f.options.index_dir = listed->dir();
  if (!parse_listen(f.listen, f.options)) {
    err << "query serve: --listen: expected HOST:PORT, got '" << f.listen << "'\n";
    return 2;
  }
  f.options.access_log = f.options.access_log && !f.quiet;
  f.options.warm = f.options.warm && !f.no_warm;
  f.options.analytics = f.options.analytics && !f.no_analytics;
  if ((listed || !f.options.open.sites.empty()) && f.options.state_dir.empty() &&
      f.options.analytics) {
    err << "query serve: search analytics off: shards and sites have no index directory to keep "
           "them in; give --state-dir\n";
    f.options.analytics = false;
  }
  if (f.options.analytics_retention_days < 1 || f.options.analytics_flush_ms < 1 ||
      f.options.analytics_min_count < 2) {
    err << "query serve: analytics_retention_days and analytics_flush_ms must be at least 1, "
           "analytics_min_count at least 2\n";
    return 2;
  }
  if (f.on_shard_down != "fail" && f.on_shard_down != "partial") {
    err << "query serve: on_shard_down: expected fail or partial, got '" << f.on_shard_down
        << "'\n";
    return 2;
  }
  f.options.open.partial = f.on_shard_down == "partial";
  bound_malloc_arenas(f.options);

  // Signals go to one thread that waits for them; the workers never see them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  try {
    Server server(f.options, err);
    const int port = server.bind();
    out << "postsearch: serving " << serving << " on http://"
        << (f.options.host.find(':') != std::string::npos ? "[" + f.options.host + "]"
                                                          : f.options.host)
        << ":" << port << "/" << std::endl;
    // The allocator's free pages go back every 10 s (memory_trim.h).
    const PeriodicTask trim(std::chrono::seconds(10), trim_free_memory);
    std::atomic<bool> finished{false};
    std::thread waiter([&] {
      for (;;) {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig == SIGHUP && !f.config.empty()) {
          ServeFlags fresh = f;
          try {
            apply_config(f.config, fresh);
            server.update(fresh.options);
            err << "query serve: reloaded " << f.config << std::endl;
          } catch (const std::exception& e) {
            err << "query serve: reload failed, keeping the old settings: " << e.what()
                << std::endl;
          }
          continue;
        }
        if (sig == SIGHUP) continue;
        if (finished) return;
        err << "query serve: shutting down" << std::endl;
        // stop() before run() has started listening does nothing: repeat until it ends.
        while (!finished) {
          server.stop();
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return;
      }
    });
    server.run();
    finished = true;
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  } catch (const std::exception& e) {
    err << "query serve: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace postsearch::http
