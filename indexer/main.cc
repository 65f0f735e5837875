// indexer: turns a Jekyll, Hugo or plain Markdown site into a postsearch index.
#include <unistd.h>
#include <xapian.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "indexer/config_file.h"
#include "indexer/indexer.h"
#include "indexer/report.h"

namespace {
constexpr const char* kUnchanged =
    "; the published index is unchanged, and the next run redoes this work\n";
}  // namespace

int main(int argc, char** argv) {
  postsearch::IndexerOptions options;
  bool json = false;
  bool quiet = false;
  std::string site_dir;
  std::string index_dir;
  CLI::App app{
      "Indexes a Jekyll, Hugo or plain Markdown site for postsearch.\n"
      "Re-runs are incremental; readers see the old index or the new one, never a mix.\n"
      "Exit status: 0 all posts indexed, 1 some posts failed (the rest are committed), 2 usage or "
      "fatal error.",
      "indexer"};
  std::string config;
  app.add_option("SITE_DIR", site_dir,
                 "Site root (_config.yml, hugo.toml, or a folder of Markdown)");
  app.add_option("--index", index_dir, "Index directory to create or update");
  app.add_option("--config", config,
                 "YAML file with these settings (site, index, drafts, ...); flags given win");
  std::string generator = "auto";
  app.add_option("--generator", generator,
                 "jekyll, hugo, plain, or auto (default: detect from the config files)")
      ->check(CLI::IsMember({"auto", "jekyll", "hugo", "plain"}));
  app.add_flag("--drafts", options.site.drafts, "Also index drafts (_drafts/, draft: true)");
  app.add_flag("--future", options.future, "Also index posts dated in the future");
  app.add_flag("--unpublished", options.unpublished, "Also index posts marked published: false");
  app.add_flag("--posts-only", options.site.posts_only,
               "Index posts only (and Jekyll's output collections), not the site's pages "
               "(Hugo: only the main sections)");
  bool pages = false;  // pages are indexed by default; the flag is accepted for old scripts
  app.add_flag("--pages", pages, "Index pages too (the default; see --posts-only)")
      ->excludes("--posts-only");
  app.add_flag("--rebuild", options.rebuild, "Ignore recorded state and build a fresh index");
  app.add_flag("--dry-run", options.dry_run, "Show what would change; write nothing");
  app.add_option("--site-url", options.site_url,
                 "Where the site is published, e.g. https://example.org/blog: results, feeds "
                 "and the API link there (default: url + baseurl or baseURL of the site's "
                 "configuration)")
      ->check([](const std::string& v) {
        return v.find("://") == std::string::npos ? std::string("expected an absolute URL") : "";
      });
  app.add_option("--threads", options.threads, "Worker threads (default: one per core)");
  app.add_option("--shards", options.shards,
                 "Write N shard databases, listed in one stub (default: as the index has it, 1 "
                 "for a new index; a different N rebuilds)")
      ->check(CLI::Range(1U, 1024U));
  app.add_option("--remote-shard", options.remote_shards,
                 "HOST:PORT of a `xapian-tcpsrv --writable` server holding a shard; repeat it "
                 "for each (default: as the index's stub lists them; another list rebuilds)")
      ->delimiter(',');
  app.add_option("--remote-timeout", options.remote_timeout_ms,
                 "Milliseconds to wait for a remote shard to answer (default: 300000)")
      ->check(CLI::Range(100U, 86400000U));
  std::string site_output;
  app.add_option("--site-output", site_output,
                 "The generator's output folder: each post's URL is checked against the pages "
                 "there, and a wrong one is reported and replaced by the page written for the "
                 "post (default: _site or public in the site, when newer than the sources)");
  std::string synonyms;
  app.add_option("--synonyms", synonyms,
                 "YAML file of synonym groups (default: _data/synonyms.yml, data/synonyms.yaml "
                 "or synonyms.yml in the site)");
  app.add_flag("--json", json, "Print the summary as JSON on stdout");
  app.add_flag("-q,--quiet", quiet, "No progress output");
  app.set_version_flag("--version",
                       "indexer 0.1.0 (Xapian " + std::string(Xapian::version_string()) + ")");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (!config.empty()) {
    try {
      // The file first; then the flags given on the command line, which win.
      postsearch::IndexerOptions from_file;
      const auto paths = postsearch::apply_indexer_config(config, from_file);
      if (site_dir.empty()) site_dir = paths.site.string();
      if (index_dir.empty()) index_dir = paths.index.string();
      options.site.drafts = options.site.drafts || from_file.site.drafts;
      if (!pages) options.site.posts_only = options.site.posts_only || from_file.site.posts_only;
      options.future = options.future || from_file.future;
      options.unpublished = options.unpublished || from_file.unpublished;
      if (options.threads == 0) options.threads = from_file.threads;
      if (options.site_url.empty()) options.site_url = from_file.site_url;
      if (options.shards == 0) options.shards = from_file.shards;
      if (options.remote_shards.empty()) options.remote_shards = from_file.remote_shards;
      if (generator == "auto") options.generator = from_file.generator;
      if (synonyms.empty() && from_file.synonyms) synonyms = from_file.synonyms->string();
      if (site_output.empty() && from_file.site_output) {
        site_output = from_file.site_output->string();
      }
    } catch (const std::exception& e) {
      std::cerr << "indexer: " << e.what() << "\n";
      return 2;
    }
  }
  if (site_dir.empty() || index_dir.empty()) {
    std::cerr << "indexer: SITE_DIR and --index are required (or site: and index: in --config)\n"
              << "Run with --help for more information.\n";
    return 2;
  }
  options.site_dir = site_dir;
  if (const char* tz = std::getenv("TZ")) options.machine_tz = tz;
  if (generator != "auto") options.generator = postsearch::generator_by_name(generator);
  options.index_dir = index_dir;
  if (!synonyms.empty()) options.synonyms = synonyms;
  if (!site_output.empty()) options.site_output = site_output;
  postsearch::ProgressReporter reporter(std::cerr, {isatty(STDERR_FILENO) == 1, quiet});
  options.on_progress = [&](const postsearch::IndexProgress& p) { reporter.progress(p); };
  options.on_diagnostic = [&](const postsearch::Diagnostic& d) { reporter.diagnostic(d); };
  try {
    const postsearch::IndexSummary summary = postsearch::run_indexer(options);
    reporter.finish();
    if (json) {
      // A file name that is not UTF-8 is shown with U+FFFD rather than failing the dump.
      std::cout << postsearch::summary_json(summary).dump(2, ' ', false,
                                                          nlohmann::json::error_handler_t::replace)
                << "\n";
    } else {
      postsearch::print_summary(std::cout, summary);
    }
    return postsearch::exit_status(summary);
  } catch (const postsearch::RemoteShardError& e) {
    reporter.finish();
    std::cerr << "indexer: error: " << e.what()
              << "; shards committed before it keep this run's changes, and the next run redoes "
                 "the rest\n";
  } catch (const Xapian::Error& e) {
    reporter.finish();
    std::cerr << "indexer: error: writing the index failed: " << e.get_description() << kUnchanged;
  } catch (const std::filesystem::filesystem_error& e) {
    reporter.finish();
    std::cerr << "indexer: error: writing the index failed: " << e.what() << kUnchanged;
  } catch (const std::exception& e) {
    reporter.finish();
    std::cerr << "indexer: " << e.what() << "\n";
  }
  return 2;
}
