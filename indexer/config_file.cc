#include "indexer/config_file.h"

#include "common/index_layout.h"

namespace postsearch {
namespace {

using options::Flag;
using options::member;
using options::OptionTable;

std::string generator_problem(const std::string& name) {
  return name == "auto" || generator_by_name(name) ? "" : "expected auto, jekyll, hugo or plain";
}

std::string url_problem(const std::string& url) {
  return url.find("://") == std::string::npos ? "expected an absolute URL" : "";
}

std::string shards_problem(const unsigned& n) {
  return n < 1 || n > 1024 ? "expected a number from 1 to 1024" : "";
}

std::string timeout_problem(const unsigned& ms) {
  return ms < 100 || ms > 86400000 ? "expected milliseconds from 100 to 86400000" : "";
}

std::string remote_shard_problem(const std::string& address) {
  return remote_address_problem(address).value_or("");
}

// A field of the indexer's run options (IndexerOptions), or of their site options.
template <typename T>
auto run(T IndexerOptions::*field) {
  return member(&IndexerSettings::run, field);
}
template <typename T>
auto site(T SiteOptions::*field) {
  return member(&IndexerSettings::run, &IndexerOptions::site, field);
}

// Where the site and the index are, and which posts go in.
void add_what_options(OptionTable<IndexerSettings>& t) {
  t.value({.flag = "SITE_DIR",
           .key = "site",
           .help = "Site root (_config.yml, hugo.toml, or a folder of Markdown)"},
          run(&IndexerOptions::site_dir));
  t.value({.flag = "--index", .key = "index", .help = "Index directory to create or update"},
          run(&IndexerOptions::index_dir));
  t.value({.flag = "--config",
           .help = "YAML file with these settings (site, index, drafts, ...); flags given win"},
          member(&IndexerSettings::config));
  t.value({.flag = "--generator",
           .key = "generator",
           .help = "jekyll, hugo, plain, or auto (detect from the config files)"},
          member(&IndexerSettings::generator), generator_problem);
  t.flag({.flag = "--drafts", .key = "drafts", .help = "Also index drafts (_drafts/, draft: true)"},
         site(&SiteOptions::drafts));
  t.flag({.flag = "--future", .key = "future", .help = "Also index posts dated in the future"},
         run(&IndexerOptions::future));
  t.flag({.flag = "--unpublished",
          .key = "unpublished",
          .help = "Also index posts marked published: false"},
         run(&IndexerOptions::unpublished));
  t.flag({.flag = "--posts-only",
          .key = "posts_only",
          .help = "Index posts only (and Jekyll's output collections), not the site's pages "
                  "(Hugo: only the main sections)"},
         site(&SiteOptions::posts_only));
  t.flag({.flag = "--pages",
          .key = "pages",
          .help = "Index pages too (the default; see --posts-only)"},
         site(&SiteOptions::posts_only), Flag::kNegates);
}

// How the run goes, and what it writes.
void add_how_options(OptionTable<IndexerSettings>& t) {
  t.flag({.flag = "--rebuild", .help = "Ignore recorded state and build a fresh index"},
         run(&IndexerOptions::rebuild));
  t.flag({.flag = "--dry-run", .help = "Show what would change; write nothing"},
         run(&IndexerOptions::dry_run));
  t.value({.flag = "--site-url",
           .key = "site_url",
           .help = "Where the site is published, e.g. https://example.org/blog: results, feeds "
                   "and the API link there (default: url + baseurl or baseURL of the site's "
                   "configuration)"},
          run(&IndexerOptions::site_url), url_problem);
  t.value({.flag = "--threads", .key = "threads", .help = "Worker threads; 0: one per core"},
          run(&IndexerOptions::threads));
  t.value({.flag = "--shards",
           .key = "shards",
           .help = "Write N shard databases, listed in one stub (default: as the index has it, "
                   "1 for a new index; a different N rebuilds)",
           .show_default = false},
          run(&IndexerOptions::shards), shards_problem);
  t.value({.flag = "--remote-shard",
           .key = "remote_shards",
           .help = "HOST:PORT of a `xapian-tcpsrv --writable` server holding a shard; repeat it "
                   "for each (default: as the index's stub lists them; another list rebuilds)",
           .separator = ','},
          run(&IndexerOptions::remote_shards), remote_shard_problem);
  t.value({.flag = "--remote-timeout",
           .key = "remote_timeout_ms",
           .help = "Milliseconds to wait for a remote shard to answer"},
          run(&IndexerOptions::remote_timeout_ms), timeout_problem);
  t.value({.flag = "--site-output",
           .key = "site_output",
           .help = "The generator's output folder: each post's URL is checked against the pages "
                   "there, and a wrong one is reported and replaced by the page written for the "
                   "post (default: _site or public in the site, when newer than the sources)"},
          run(&IndexerOptions::site_output));
  t.value({.flag = "--synonyms",
           .key = "synonyms",
           .help = "YAML file of synonym groups (default: _data/synonyms.yml, data/synonyms.yaml "
                   "or synonyms.yml in the site)"},
          run(&IndexerOptions::synonyms));
  t.flag({.flag = "--json", .help = "Print the summary as JSON on stdout"},
         member(&IndexerSettings::json));
  t.flag({.flag = "-q,--quiet", .help = "No progress output"}, member(&IndexerSettings::quiet));
}

OptionTable<IndexerSettings> make_table() {
  OptionTable<IndexerSettings> t({.paths_relative_to_file = true});
  add_what_options(t);
  add_how_options(t);
  return t;
}

}  // namespace

const options::OptionTable<IndexerSettings>& indexer_option_table() {
  static const OptionTable<IndexerSettings> table = make_table();
  return table;
}

void apply_indexer_config(const std::filesystem::path& file, IndexerSettings& settings) {
  indexer_option_table().read_config(file, settings);
}

IndexerOptions indexer_options(const IndexerSettings& settings) {
  IndexerOptions o = settings.run;
  if (settings.generator != "auto") o.generator = generator_by_name(settings.generator);
  return o;
}

}  // namespace postsearch
