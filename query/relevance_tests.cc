#include "query/relevance_tests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>
#include <variant>

#include "common/text.h"
#include "query/http/params.h"
#include "query/searcher.h"

namespace postsearch {
namespace {

using nlohmann::json;

// How far a missing expected post is looked for, to say at which rank it came.
constexpr int kLookFurther = kMaxPerPage;
// Search parameters a case may not set as a filter: the case's own keys set them.
constexpr const char* kNotFilters[] = {"q", "page", "per_page", "facets", "facet_limit", "explain"};

class CaseReader {
 public:
  CaseReader(std::string path, Diagnostics& problems)
      : path_(std::move(path)), problems_(problems) {}

  // The case at `node`, or nothing (with a diagnostic) when it has a problem.
  std::optional<RelevanceCase> read(const YAML::Node& node, int default_top) {
    RelevanceCase c;
    c.line = node.Mark().line + 1;
    c.top = default_top;
    if (!node.IsMap()) return fail(c.line, "", "expected a mapping with query: and expect:");
    bool has_query = false;
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>();
      const int line = kv.first.Mark().line + 1;
      const YAML::Node& v = kv.second;
      if (key == "query") {
        if (!v.IsScalar()) return fail(line, key, "expected text");
        c.request.q = v.as<std::string>();
        has_query = true;
      } else if (key == "expect" || key == "must_not") {
        auto list = strings(v);
        if (!list) return fail(line, key, "expected a URL or id, or a list of them");
        (key == "expect" ? c.expect : c.must_not) = std::move(*list);
      } else if (key == "top") {
        const auto top = whole_number(v);
        if (!top || *top < 1 || *top > kMaxPerPage)
          return fail(line, key,
                      "expected a whole number from 1 to " + std::to_string(kMaxPerPage));
        c.top = *top;
      } else if (key == "filters") {
        if (!filters(v, line, c)) return std::nullopt;
      } else {
        return fail(line, key, "unknown key (expected query, expect, must_not, top, filters)");
      }
    }
    if (!has_query) return fail(c.line, "query", "missing: the words a reader types");
    if (c.expect.empty() && c.must_not.empty()) {
      problems_.push_back({Severity::kWarning, path_, c.line, 0, "expect",
                           "nothing expected yet: \"" + c.request.q + "\" is not tested"});
      return std::nullopt;
    }
    c.request.per_page = std::max(c.top, kNdcgDepth);
    c.request.facets = false;
    return c;
  }

  static std::optional<int> whole_number(const YAML::Node& v) {
    int n = 0;
    if (!v.IsScalar() || !YAML::convert<int>::decode(v, n)) return std::nullopt;
    return n;
  }

 private:
  // Records the problem; returns false.
  bool refuse(int line, const std::string& field, const std::string& message) {
    problems_.push_back({Severity::kError, path_, line, 0, field, message});
    return false;
  }
  std::nullopt_t fail(int line, const std::string& field, const std::string& message) {
    refuse(line, field, message);
    return std::nullopt;
  }

  static std::optional<std::vector<std::string>> strings(const YAML::Node& v) {
    if (v.IsScalar()) return std::vector<std::string>{v.as<std::string>()};
    if (!v.IsSequence()) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& item : v) {
      if (!item.IsScalar()) return std::nullopt;
      out.push_back(item.as<std::string>());
    }
    return out;
  }

  // The filters as the search API's JSON body, checked by the API's own parser.
  bool filters(const YAML::Node& v, int line, RelevanceCase& c) {
    if (!v.IsMap()) return refuse(line, "filters", "expected a mapping such as {tag: rust}");
    json body = json::object();
    for (const auto& kv : v) {
      const std::string name = kv.first.as<std::string>();
      const int at = kv.first.Mark().line + 1;
      if (std::find(std::begin(kNotFilters), std::end(kNotFilters), name) != std::end(kNotFilters))
        return refuse(at, "filters." + name, "not a filter (the case sets it)");
      const auto values = strings(kv.second);
      if (!values) return refuse(at, "filters." + name, "expected a value or a list");
      body[name] = kv.second.IsSequence() ? json(*values) : json(values->front());
      for (const auto& value : *values) c.filters.push_back(name + "=" + value);
    }
    body["q"] = c.request.q;
    const auto parsed = http::search_request_from_json(body.dump());
    if (const auto* e = std::get_if<http::ParamError>(&parsed))
      return refuse(line, "filters." + e->param, e->message);
    const std::string q = c.request.q;
    c.request = std::get<SearchRequest>(parsed);
    c.request.q = q;
    return true;
  }

  std::string path_;
  Diagnostics& problems_;
};

bool names(const Hit& h, const std::string& wanted) {
  return wanted == h.id || wanted == h.url || (!h.absolute_url.empty() && wanted == h.absolute_url);
}

// The 1-based rank of the hit `wanted` names; 0 when none.
int rank_of(const std::vector<Hit>& hits, const std::string& wanted) {
  for (const auto& h : hits) {
    if (names(h, wanted)) return h.rank;
  }
  return 0;
}

// Whether any post has `wanted` as its id or URL (a former URL counts: url: finds aliases).
bool post_exists(Searcher& searcher, const std::string& wanted) {
  if (searcher.post(wanted)) return true;
  if (wanted.find_first_of(" \t\"") != std::string::npos) return false;
  SearchRequest r;
  r.q = "url:" + wanted;
  r.values(schema::Filter::kLang) = {"*"};
  r.per_page = 1;
  r.facets = false;
  r.snippets = false;
  return !searcher.search(r).hits.empty();
}

std::string where_else(Searcher& searcher, const RelevanceCase& c, const std::string& wanted) {
  SearchRequest further = c.request;
  further.per_page = kLookFurther;
  further.snippets = false;
  if (const int rank = rank_of(searcher.search(further).hits, wanted); rank > 0)
    return "at rank " + std::to_string(rank);
  if (!post_exists(searcher, wanted)) return "no post has this URL or id";
  return "not in the first " + std::to_string(kLookFurther) + " results";
}

CaseOutcome run_case(Searcher& searcher, const RelevanceCase& c) {
  CaseOutcome o;
  o.test = &c;
  const SearchResponse r = searcher.search(c.request);
  for (const auto& h : r.hits) {
    if (h.rank <= c.top) o.got.push_back({h.rank, h.url, h.title});
  }
  std::vector<int> ranks;
  for (const auto& wanted : c.expect) {
    const int rank = rank_of(r.hits, wanted);
    if (rank > 0) ranks.push_back(rank);
    if (rank == 0 || rank > c.top)
      o.failures.push_back(
          "expected " + wanted + " in the top " + std::to_string(c.top) + ", " +
          (rank > 0 ? "at rank " + std::to_string(rank) : where_else(searcher, c, wanted)));
  }
  for (const auto& unwanted : c.must_not) {
    const int rank = rank_of(r.hits, unwanted);
    if (rank > 0 && rank <= c.top)
      o.failures.push_back("must not show " + unwanted + ", at rank " + std::to_string(rank));
  }
  o.scored = !c.expect.empty();
  o.ndcg = ndcg_at(ranks, c.expect.size(), kNdcgDepth);
  return o;
}

std::string describe(const RelevanceCase& c) {
  std::string s = "\"" + c.request.q + "\"";
  if (!c.filters.empty()) s += " (" + text::join(c.filters, ", ") + ")";
  return s;
}

std::string fixed3(double v) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(3);
  s << v;
  return s.str();
}

// A YAML double-quoted scalar.
std::string quoted(const std::string& s) {
  YAML::Emitter e;
  e << YAML::DoubleQuoted << s;
  return e.c_str();
}

}  // namespace

RelevanceSuite read_relevance_tests(const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::BadFile&) {
    throw std::runtime_error(file.string() + ": cannot be read");
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  RelevanceSuite suite;
  const std::string path = file.string();
  int top = kDefaultRelevanceTop;
  // Read through const nodes: yaml-cpp's non-const operator[] and assignment change the
  // document they reach into.
  const YAML::Node& doc = root;
  const YAML::Node list = doc.IsMap() ? doc["tests"] : doc;
  if (doc.IsMap()) {
    if (const YAML::Node t = doc["top"]; t) {
      const auto n = CaseReader::whole_number(t);
      if (!n || *n < 1 || *n > kMaxPerPage) {
        suite.problems.push_back(
            {Severity::kError, path, t.Mark().line + 1, 0, "top",
             "expected a whole number from 1 to " + std::to_string(kMaxPerPage)});
      } else {
        top = *n;
      }
    }
    for (const auto& kv : doc) {
      const std::string key = kv.first.as<std::string>();
      if (key != "tests" && key != "top")
        suite.problems.push_back({Severity::kError, path, kv.first.Mark().line + 1, 0, key,
                                  "unknown key (expected tests and top)"});
    }
  }
  if (!list || !list.IsSequence()) {
    suite.problems.push_back({Severity::kError, path, doc.Mark().line + 1, 0, "tests",
                              "expected a list of tests (query: and expect: each)"});
    return suite;
  }
  CaseReader reader(path, suite.problems);
  for (const auto& node : list) {
    if (auto c = reader.read(node, top)) suite.cases.push_back(std::move(*c));
  }
  return suite;
}

double ndcg_at(const std::vector<int>& ranks, std::size_t relevant, int depth) {
  if (relevant == 0) return 1;
  double dcg = 0;
  for (const int r : ranks) {
    if (r >= 1 && r <= depth) dcg += 1 / std::log2(r + 1.0);
  }
  double ideal = 0;
  for (int i = 1; i <= std::min<int>(depth, static_cast<int>(relevant)); ++i)
    ideal += 1 / std::log2(i + 1.0);
  return dcg / ideal;
}

SuiteOutcome run_relevance_tests(Searcher& searcher, const RelevanceSuite& suite) {
  SuiteOutcome out;
  double sum = 0;
  std::size_t scored = 0;
  for (const auto& c : suite.cases) {
    out.cases.push_back(run_case(searcher, c));
    const CaseOutcome& o = out.cases.back();
    if (!o.failures.empty()) ++out.failed;
    if (o.scored) {
      sum += o.ndcg;
      ++scored;
    }
  }
  out.ndcg = scored == 0 ? 0 : sum / static_cast<double>(scored);
  return out;
}

std::string relevance_text(const SuiteOutcome& outcome) {
  std::string out;
  for (const auto& o : outcome.cases) {
    const std::string where = "line " + std::to_string(o.test->line) + ": ";
    if (o.failures.empty()) {
      out += "ok    " + where + describe(*o.test) + "\n";
      continue;
    }
    out += "FAIL  " + where + describe(*o.test) + "\n";
    for (const auto& f : o.failures) out += "      " + f + "\n";
    out += o.got.empty() ? "      got no results\n" : "      got:\n";
    for (const auto& g : o.got)
      out += "        " + std::to_string(g.rank) + ". " + g.url + "  " + g.title + "\n";
  }
  out += std::to_string(outcome.cases.size()) + " tests, " + std::to_string(outcome.failed) +
         " failed; nDCG@" + std::to_string(kNdcgDepth) + " " + fixed3(outcome.ndcg) + "\n";
  return out;
}

json to_json(const SuiteOutcome& outcome) {
  json cases = json::array();
  for (const auto& o : outcome.cases) {
    json got = json::array();
    for (const auto& g : o.got)
      got.push_back({{"rank", g.rank}, {"url", g.url}, {"title", g.title}});
    cases.push_back({{"line", o.test->line},
                     {"query", o.test->request.q},
                     {"filters", o.test->filters},
                     {"passed", o.failures.empty()},
                     {"failures", o.failures},
                     {"got", got},
                     {"ndcg", o.scored ? json(o.ndcg) : json(nullptr)}});
  }
  return {{"tests", outcome.cases.size()},
          {"failed", outcome.failed},
          {"ndcg", outcome.ndcg},
          {"ndcg_depth", kNdcgDepth},
          {"cases", cases}};
}

std::string relevance_tests_yaml(const std::vector<TestStub>& stubs) {
  std::string out =
      "# Relevance tests for `query test FILE --index INDEX` (docs/relevance-tests.md).\n"
      "# Fill in `expect` with the URL (or id) of the post a reader wants for each query;\n"
      "# a test that expects nothing is skipped.\n"
      "top: " +
      std::to_string(kDefaultRelevanceTop) + "\ntests:\n";
  for (const auto& s : stubs) {
    out += "  # " + text::collapse_whitespace(text::strip_control(s.comment)) + "\n";
    out += "  - query: " + quoted(s.query) + "\n";
    if (!s.lang.empty()) out += "    filters: {lang: " + quoted(s.lang) + "}\n";
    out += "    expect: []\n";
  }
  return out;
}

}  // namespace postsearch
