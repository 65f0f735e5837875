#include "indexer/cli.h"

#include <xapian.h>
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "indexer/config_file.h"
#include "indexer/indexer.h"
#include "indexer/report.h"

namespace postsearch {
namespace {

constexpr const char* kUnchanged =
    "; the published index is unchanged, and the next run redoes this work\n";

constexpr const char* kAbout =
    "Indexes a Jekyll, Hugo or plain Markdown site for postsearch.\n"
    "Re-runs are incremental; readers see the old index or the new one, never a mix.\n"
    "Exit status: 0 all posts indexed, 1 some posts failed (the rest are committed), 2 usage or "
    "fatal error.";

// Defaults, then the config file, then the flags given (which win). Returns the exit status
// when there is nothing to run (--help, --version, a usage error).
std::optional<int> parse(const std::vector<std::string>& args, IndexerSettings& s,
                         IndexerStreams io) {
  CLI::App app{kAbout, "indexer"};
  indexer_option_table().add_to(app, s);
  app.get_option("--pages")->excludes("--posts-only");
  options::add_version_flag(app, "indexer");
  const std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(std::vector<std::string>(reversed));
    if (!s.config.empty()) {
      apply_indexer_config(s.config, s);
      app.parse(std::vector<std::string>(reversed));
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e, io.out, io.err) == 0 ? 0 : 2;
  } catch (const options::ConfigFileError& e) {
    io.err << "indexer: " << e.what() << "\n";
    return 2;
  }
  if (s.run.site_dir.empty() || s.run.index_dir.empty()) {
    io.err << "indexer: SITE_DIR and --index are required (or site: and index: in --config)\n"
           << "Run with --help for more information.\n";
    return 2;
  }
  return std::nullopt;
}

void print(const IndexSummary& summary, const IndexerSettings& s, IndexerStreams io) {
  if (s.json) {
    // A file name that is not UTF-8 is shown with U+FFFD rather than failing the dump.
    io.out << summary_json(summary).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
           << "\n";
  } else {
    print_summary(io.out, summary);
  }
}

}  // namespace

int run_indexer_cli(const std::vector<std::string>& args, IndexerStreams io) {
  IndexerSettings s;
  if (const auto done = parse(args, s, io)) return *done;
  IndexerOptions options = indexer_options(s);
  if (const char* tz = std::getenv("TZ")) options.machine_tz = tz;
  ProgressReporter reporter(io.err, {io.err_is_terminal, s.quiet});
  options.on_progress = [&](const IndexProgress& p) { reporter.progress(p); };
  options.on_diagnostic = [&](const Diagnostic& d) { reporter.diagnostic(d); };
  try {
    const IndexSummary summary = run_indexer(options);
    reporter.finish();
    print(summary, s, io);
    return exit_status(summary);
  } catch (const RemoteShardError& e) {
    reporter.finish();
    io.err << "indexer: error: " << e.what()
           << "; shards committed before it keep this run's changes, and the next run redoes "
              "the rest\n";
  } catch (const Xapian::Error& e) {
    reporter.finish();
    io.err << "indexer: error: writing the index failed: " << e.get_description() << kUnchanged;
  } catch (const std::filesystem::filesystem_error& e) {
    reporter.finish();
    io.err << "indexer: error: writing the index failed: " << e.what() << kUnchanged;
  } catch (const std::exception& e) {
    reporter.finish();
    io.err << "indexer: " << e.what() << "\n";
  }
  return 2;
}

}  // namespace postsearch
