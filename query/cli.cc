#include "query/cli.h"

#include <xapian.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iostream>
#include <optional>

#include "common/index_layout.h"
#include "common/option_table.h"
#include "common/schema.h"
#include "common/text.h"
#include "query/json_io.h"
#include "query/searcher.h"
#include "query/source_options.h"

namespace postsearch {
namespace {

constexpr const char* kQueryLanguage = R"(Query language:
  climbing gear            every word required (the last also as a prefix while typing);
                           when fewer than ten posts have them all, the best partial
                           matches follow them; a word the index lacks is corrected
                           when nothing matches
  3.3                      a version finds longer ones (3.3.0, 3.3.11), itself first
  "exact phrase"           words next to each other, in this order
  rust OR go               either word
  rust -unsafe             without a word (also: rust NOT unsafe)
  (rust OR go) async       grouping
  title:release            a word in the title (also author:, heading:, description:);
                           title:"a phrase" those words next to each other in the title
  tag:cpp                  posts with a tag (exact, any case); also category:news, lang:de,
                           tag:"static sites", author:"Shugo Maeda" (the whole name)
  type:page                pages only (type:post posts; a collection's name its documents)
  after:2023-01            posts dated from January 2023 on; before:2024 before 2024
  year:2022                posts from 2022; a range: year:2020..2022
  url:/2019/old-name/      the post at a URL, or that a former URL (alias) redirects to
  deploy*                  words starting with "deploy"
  js                       also finds its synonyms from the site's synonyms file (javascript)

Examples:
  query --index idx static site --tag jekyll --sort -date   newest first, tagged jekyll
  query --index idx --json 'title:release after:2023'       the HTTP API's JSON
  query --index idx --suggest mark                          completions, as while typing
  query --index idx --related ID                            posts related to a post (its id)
  query serve --index idx --listen 127.0.0.1:8080           the HTTP service (query serve --help)
  query test FILE --index idx                               a site's relevance tests (query test --help)
  query report --index idx                                  what readers searched for and did not
                                                            find (query report --help)
)";

struct CliOptions {
  IndexSource source;
  std::vector<std::string> words;
  SearchRequest request;
  std::string sort = "relevance";
  bool json = false;
  std::string related;
  std::string suggest;
  std::string post;
  bool info = false;
};

void print_hit(std::ostream& out, const Hit& h, bool terminal) {
  const char* b = terminal ? "\033[1m" : "";
  const char* e = terminal ? "\033[0m" : "";
  const char* dim = terminal ? "\033[2m" : "";
  out << h.rank << ". " << b << html_to_terminal(h.title_html, terminal) << e << "\n";
  out << "   " << dim << (h.site.empty() ? "" : h.site + "  ") << h.url
      << (h.date.empty() ? "" : "  " + h.date.substr(0, 10));
  if (!h.authors.empty()) out << "  " << text::join(h.authors, ", ");
  out << e << "\n";
  if (!h.snippet_html.empty()) out << "   " << html_to_terminal(h.snippet_html, terminal) << "\n";
  for (const auto& s : h.sections) out << "   § " << s.heading << "  " << dim << s.url << e << "\n";
  for (const auto& t : h.translations)
    out << "   also in " << t.lang << ": " << t.title << "  " << dim << t.url << e << "\n";
}

void print_search(std::ostream& out, const SearchResponse& r, bool terminal) {
  if (r.corrected)
    out << "No posts match \"" << r.query << "\"; showing results for \"" << r.did_you_mean
        << "\".\n";
  else if (!r.did_you_mean.empty())
    out << "Did you mean: " << r.did_you_mean << "\n";
  if (r.relaxed) out << "Few posts have every word; after them, posts with some of the words.\n";
  for (const auto& w : r.warnings) out << "note: " << w << "\n";
  out << (r.total.exact ? "" : "about ") << r.total.estimate
      << (r.total.estimate == 1 ? " post (" : " posts (")
      << static_cast<int>(r.took_ms * 1000) / 1000.0 << " ms)\n\n";
  for (const auto& h : r.hits) {
    print_hit(out, h, terminal);
    out << "\n";
  }
  for (const auto& f : r.facets) {
    if (f.values.empty()) continue;
    out << f.name << ":";
    for (const auto& v : f.values)
      out << "  " << (v.selected ? "[" : "") << v.value << (v.selected ? "]" : "") << " ("
          << v.count << ")";
    if (f.other_values > 0) out << "  +" << f.other_values << " more";
    out << "\n";
  }
}

template <typename T>
auto request(T SearchRequest::*field) {
  return options::member(&CliOptions::request, field);
}

// What to search for, and how the results are shown.
void add_search_options(options::OptionTable<CliOptions>& t) {
  using options::member;
  t.value({.flag = "WORDS", .help = "The query (see the query language below)"},
          member(&CliOptions::words));
  t.value({.flag = "--only-site", .help = "With --site: only this site's posts (repeatable)"},
          request(&SearchRequest::sites));
  t.value({.flag = "--after", .help = "Posts dated on or after: 2023, 2023-04, 2023-04-05"},
          request(&SearchRequest::after));
  t.value({.flag = "--before", .help = "Posts dated before: 2024, 2024-01, 2024-01-31"},
          request(&SearchRequest::before));
  t.value({.flag = "--sort", .help = "relevance, date (oldest first) or -date (newest first)"},
          member(&CliOptions::sort));
  t.value({.flag = "--page", .help = "Result page, from 1"}, request(&SearchRequest::page));
  t.value({.flag = "--per-page", .help = "Hits per page (1 to 100)"},
          request(&SearchRequest::per_page));
  t.value({.flag = "--facet-limit", .help = "Values per facet"},
          request(&SearchRequest::facet_limit));
  t.flag({.flag = "--no-facets", .help = "Do not count facets"}, request(&SearchRequest::facets),
         options::Flag::kClears);
  t.flag({.flag = "--explain", .help = "Show the parts of each hit's score"},
         request(&SearchRequest::explain));
  t.value({.flag = "--recency", .help = "Boost recent posts: half-life in days; 0: no boost"},
          request(&SearchRequest::recency_half_life_days));
  t.value({.flag = "--query-lang",
           .help = "The reader's language: the query's stemmer, the translation shown (default: "
                   "--lang when one, else the index's)"},
          request(&SearchRequest::lang));
  t.flag({.flag = "--no-collapse", .help = "Show every translation of a post, not one hit"},
         request(&SearchRequest::collapse), options::Flag::kClears);
}

// The other questions: a post, its related posts, completions, the index.
void add_lookup_options(options::OptionTable<CliOptions>& t) {
  using options::member;
  t.value({.flag = "--related", .help = "Posts related to the post with this id"},
          member(&CliOptions::related));
  t.value({.flag = "--suggest",
           .help = "Completions for a prefix, as the search box asks while typing"},
          member(&CliOptions::suggest));
  t.value({.flag = "--post", .help = "Show the stored post with this id"},
          member(&CliOptions::post));
  t.flag({.flag = "--info", .help = "Show facts about the index"}, member(&CliOptions::info));
  t.flag({.flag = "--json", .help = "Print the HTTP API's JSON"}, member(&CliOptions::json));
}

const options::OptionTable<CliOptions>& query_option_table() {
  static const options::OptionTable<CliOptions> table = [] {
    options::OptionTable<CliOptions> t;
    add_source_options(t, options::member(&CliOptions::source));
    add_search_options(t);
    add_lookup_options(t);
    return t;
  }();
  return table;
}

void add_flags(CLI::App& app, CliOptions& o) {
  query_option_table().add_to(app, o);
  for (const auto& f : schema::kFilterFields) {  // --tag, --author, ...: repeatable
    if (f.requested)
      app.add_option("--" + std::string(f.name), o.request.values(f.filter), std::string(f.help))
          ->allow_extra_args(false);
  }
}

int run_search(Searcher& s, CliOptions& o, CliStreams io) {
  o.request.q = text::join(o.words, " ");
  const auto sort = sort_by_name(o.sort);
  if (!sort) {
    io.err << "query: --sort: expected relevance, date or -date, got '" << o.sort << "'\n";
    return 2;
  }
  o.request.sort = *sort;
  const Diagnostics problems = validate_request(o.request);
  if (!problems.empty()) {
    for (const auto& p : problems) io.err << "query: --" << p.field << ": " << p.message << "\n";
    return 2;
  }
  const SearchResponse r = s.search(o.request);
  if (o.json) {
    io.out << search_json(r, 2) << "\n";
  } else {
    print_search(io.out, r, io.out_is_terminal);
  }
  return r.hits.empty() ? 1 : 0;
}

int run_other(Searcher& s, const CliOptions& o, CliStreams io) {
  if (o.info) {
    io.out << dump_json(to_json(s.info()), 2) << "\n";
    return 0;
  }
  if (!o.post.empty()) {
    const auto p = s.post(o.post);
    if (!p) {
      io.err << "query: no post with id '" << o.post << "'\n";
      return 1;
    }
    io.out << dump_json(to_json(*p), 2) << "\n";
    return 0;
  }
  if (!o.related.empty()) {
    const auto hits = s.related(o.related, o.request.per_page, o.request.langs());
    if (!hits) {
      io.err << "query: no post with id '" << o.related << "'\n";
      return 2;
    }
    if (o.json) {
      io.out << related_json(o.related, *hits, 2) << "\n";
    } else {
      for (const auto& h : *hits) print_hit(io.out, h, io.out_is_terminal);
    }
    return hits->empty() ? 1 : 0;
  }
  const SuggestResponse r = s.suggest(o.suggest, 8, o.request.langs());
  if (o.json) {
    io.out << dump_json(to_json(r), 2) << "\n";
  } else {
    for (const auto& c : r.completions) io.out << c.text << "\t" << c.posts << "\n";
    for (const auto& t : r.titles) io.out << "→ " << t.title << "  " << t.url << "\n";
  }
  return r.completions.empty() && r.titles.empty() ? 1 : 0;
}

// The command line split into flags and the query's words, each in their order.
struct SplitArgs {
  std::vector<std::string> flags;
  std::vector<std::string> words;
};

// Splits the arguments so that a word that starts with a dash (`-unsafe`, the query
// language's "without") is a word and not a flag CLI11 does not know. An argument is a
// flag when `app` knows its name, or when it starts with `--` (an unknown one stays a flag,
// for CLI11 to refuse); the argument after a flag that takes a value, given without `=`, is
// that value. Every argument after a `--` is a word.
SplitArgs split_words(const CLI::App& app, const std::vector<std::string>& args) {
  SplitArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      out.words.insert(out.words.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                       args.end());
      break;
    }
    const std::size_t eq = a.find('=');
    const CLI::Option* opt =
        a.size() > 1 && a[0] == '-' ? app.get_option_no_throw(a.substr(0, eq)) : nullptr;
    if (opt == nullptr && (a.size() < 3 || a.compare(0, 2, "--") != 0)) {
      out.words.push_back(a);
      continue;
    }
    out.flags.push_back(a);
    if (opt != nullptr && opt->get_items_expected_max() > 0 && eq == std::string::npos &&
        i + 1 < args.size())
      out.flags.push_back(args[++i]);
  }
  return out;
}

}  // namespace

std::string html_to_terminal(const std::string& html, bool bold) {
  std::string out;
  std::size_t i = 0;
  while (i < html.size()) {
    if (html.compare(i, 6, "<mark>") == 0) {
      out += bold ? "\033[1m" : "";
      i += 6;
    } else if (html.compare(i, 7, "</mark>") == 0) {
      out += bold ? "\033[0m" : "";
      i += 7;
    } else if (html[i] == '&') {
      static const std::pair<const char*, const char*> kEntities[] = {
          {"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
          {"&quot;", "\""}, {"&#39;", "'"}, {"&#x27;", "'"}};
      bool matched = false;
      for (const auto& [entity, ch] : kEntities) {
        const std::size_t n = std::char_traits<char>::length(entity);
        if (html.compare(i, n, entity) == 0) {
          out += ch;
          i += n;
          matched = true;
          break;
        }
      }
      if (!matched) out += html[i++];
    } else {
      out += html[i++];
    }
  }
  return out;
}

int run_query_cli(const std::vector<std::string>& args, CliStreams io) {
  CliOptions o;
  CLI::App app{"Searches a postsearch index. Exit status: 0 with hits, 1 with none, 2 on errors.",
               "query"};
  app.footer(kQueryLanguage);
  add_flags(app, o);
  options::add_version_flag(app, "query");
  try {
    SplitArgs split = split_words(app, args);
    std::vector<std::string> reversed(split.flags.rbegin(), split.flags.rend());
    app.parse(reversed);
    o.words = std::move(split.words);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e, io.out, io.err);
    return rc == 0 ? 0 : 2;
  }
  if (const auto problem = source_problem(o.source)) {
    io.err << "query: " << *problem << "\n"
           << "Run with --help for more information.\n";
    return 2;
  }
  try {
    std::optional<ShardList> listed;
    Searcher searcher(index_dir(o.source, listed), nullptr, open_options(o.source));
    if (o.info || !o.post.empty() || !o.related.empty() || !o.suggest.empty())
      return run_other(searcher, o, io);
    return run_search(searcher, o, io);
  } catch (const Xapian::Error& e) {
    io.err << "query: " << e.get_description() << "\n";
  } catch (const std::exception& e) {
    io.err << "query: " << e.what() << "\n";
  }
  return 2;
}

}  // namespace postsearch
