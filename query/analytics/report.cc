#include "query/analytics/report.h"

#include <cctype>
#include <set>
#include <sstream>

#include "common/schema.h"
#include "common/text.h"
#include "query/searcher.h"

namespace postsearch::analytics {
namespace {

using nlohmann::json;

// The search a query's row stands for: its words, languages and filters.
SearchRequest request_of(const QueryTotals& q) {
  SearchRequest r;
  r.q = q.query;
  if (!q.langs.empty()) r.values(schema::Filter::kLang) = text::split(q.langs, ',');
  for (const auto& part : text::split(q.filters, ' ')) {
    const auto eq = part.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = part.substr(0, eq);
    const std::string value = part.substr(eq + 1);
    for (const auto& f : schema::kFilterFields) {
      if (f.requested && f.name == name) r.values(f.filter).push_back(value);
    }
    if (name == "after") r.after = value;
    if (name == "before") r.before = value;
  }
  r.facets = false;
  r.snippets = false;
  r.partial = false;  // the reader had finished the word
  return r;
}

std::string quote(const std::string& s) { return "\"" + s + "\""; }

// Whether `word` reads as a short form of `term`: the same first letter, and every letter
// of it in `term`, in order ("mtn" of "mountains", "js" of "javascript").
bool abbreviates(const std::string& word, const std::string& term) {
  if (word.size() < 2 || term.size() <= word.size() || word[0] != term[0]) return false;
  std::size_t at = 0;
  for (const char c : word) {
    at = term.find(c, at);
    if (at == std::string::npos) return false;
    ++at;
  }
  return true;
}

// A word of the post `hit` (its title, tags, description) that `word` is a short form of.
std::optional<std::string> longer_form(const Hit& hit, const std::string& word) {
  std::string words = hit.title + " " + hit.description;
  for (const auto& t : hit.tags) words += " " + t;
  std::string current;
  for (const char c : text::fold_case(words) + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || (c & 0x80) != 0) {
      current += c;
      continue;
    }
    if (abbreviates(word, current)) return current;
    current.clear();
  }
  return std::nullopt;
}

// The first query with one word dropped that some post has every word of: a synonym when
// that post has a longer form of the dropped word, else the word to add to the post.
std::optional<Fix> dropped_word_fix(Searcher& searcher, const SearchRequest& request) {
  const std::vector<std::string> words = text::split(request.q, ' ');
  if (words.size() < 2) return std::nullopt;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::vector<std::string> rest = words;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
    SearchRequest r = request;
    r.q = text::join(rest, " ");
    r.per_page = 1;
    const SearchResponse answer = searcher.search(r);
    if (answer.hits.empty() || !answer.every_word || answer.corrected) continue;
    const Hit& h = answer.hits.front();
    if (const auto term = longer_form(h, words[i]))
      return Fix{"synonym",
                 "no post has " + quote(words[i]) + "; " + quote(h.title) + " (" + h.url +
                     ") has " + quote(*term) + ": add [" + words[i] + ", " + *term +
                     "] to _data/synonyms.yml",
                 h.url};
    return Fix{"dropped_word",
               "no post has " + quote(words[i]) + " with the other words; " + quote(r.q) +
                   " finds " + quote(h.title) + " (" + h.url + "): add " + quote(words[i]) +
                   " to it, or to a synonym group (_data/synonyms.yml) with a word it has",
               h.url};
  }
  return std::nullopt;
}

std::vector<ProblemQuery> problems(Searcher* searcher, const std::vector<QueryTotals>& rows,
                                   std::size_t limit, bool (*is_problem)(const QueryTotals&)) {
  std::vector<ProblemQuery> out;
  for (const auto& q : rows) {
    if (out.size() >= limit) break;
    if (!is_problem(q)) continue;
    out.push_back({q, searcher != nullptr ? propose_fix(*searcher, q) : Fix{}});
  }
  return out;
}

// For a terminal: without control characters, which a store written before queries were
// stripped of them may hold.
std::string described(const QueryTotals& q) {
  std::string s = quote(q.query);
  if (!q.langs.empty()) s += " lang=" + q.langs;
  if (!q.filters.empty()) s += " " + q.filters;
  return text::strip_control(s);
}

json totals_json(const QueryTotals& q) {
  return {{"query", q.query},
          {"langs", q.langs},
          {"filters", q.filters},
          {"searches", q.counts.count},
          {"zero", q.counts.zero},
          {"partial", q.counts.partial},
          {"corrected", q.counts.corrected},
          {"hits", q.counts.hits},
          {"days", q.days},
          {"opens", q.opens}};
}

json problems_json(const std::vector<ProblemQuery>& list) {
  json out = json::array();
  for (const auto& p : list) {
    json j = totals_json(p.totals);
    j["fix"] = p.fix.kind.empty()
                   ? json(nullptr)
                   : json{{"kind", p.fix.kind}, {"text", p.fix.text}, {"url", p.fix.url}};
    out.push_back(std::move(j));
  }
  return out;
}

void print_problems(std::ostringstream& out, const char* heading,
                    const std::vector<ProblemQuery>& list) {
  out << "\n" << heading << "\n";
  if (list.empty()) out << "  none\n";
  for (const auto& p : list) {
    out << "  " << described(p.totals) << "  " << p.totals.counts.count << " searches\n";
    if (!p.fix.text.empty()) out << "      fix: " << text::strip_control(p.fix.text) << "\n";
  }
}

std::string percent(long long part, long long whole) {
  if (whole <= 0) return "-";
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(1);
  s << 100.0 * static_cast<double>(part) / static_cast<double>(whole) << "%";
  return s.str();
}

}  // namespace

Fix propose_fix(Searcher& searcher, const QueryTotals& query) {
  const SearchRequest request = request_of(query);
  SearchRequest first = request;
  first.per_page = 1;
  const SearchResponse answer = searcher.search(first);
  if (!answer.did_you_mean.empty() && (answer.corrected || !answer.every_word))
    return {"spelling",
            "the index has a close spelling: " + quote(answer.did_you_mean) +
                "; if readers mean it, add " + quote(query.query) +
                " to a synonym group with it (_data/synonyms.yml), or correct the posts",
            answer.hits.empty() ? "" : answer.hits.front().url};
  if (!answer.every_word) {
    if (auto fix = dropped_word_fix(searcher, request)) return *fix;
  }
  if (answer.hits.empty()) return {"uncovered", "no post covers this: a topic to write about", ""};
  if (!answer.every_word)
    return {"uncovered",
            "no post has all of these words: a topic to write about, or a post to extend", ""};
  const Hit& h = answer.hits.front();
  return {"review",
          "results shown but none opened: does the first, " + quote(h.title) + " (" + h.url +
              "), answer it in its title or description?",
          h.url};
}

Report build_report(Store& store, Searcher* searcher, const ReportOptions& options, Day today) {
  Report r;
  r.period = {today - options.days + 1, today};
  r.k = std::max(options.k, kLeastMinCount);
  r.queries = store.queries(r.period, r.k);
  r.opens_by_rank = store.opens_by_rank(r.period);
  const auto& rows = r.queries.shown;
  for (const auto& q : rows) {
    if (r.top.size() >= options.limit) break;
    r.top.push_back(q);
  }
  r.zero_result = problems(searcher, rows, options.limit,
                           [](const QueryTotals& q) { return q.counts.zero > 0; });
  r.partial = problems(searcher, rows, options.limit, [](const QueryTotals& q) {
    return q.counts.partial > 0 && q.counts.zero == 0;
  });
  r.corrected = problems(searcher, rows, options.limit,
                         [](const QueryTotals& q) { return q.counts.corrected > 0; });
  if (!r.opens_by_rank.empty())
    r.never_opened = problems(searcher, rows, options.limit, [](const QueryTotals& q) {
      return q.opens == 0 && q.counts.count > q.counts.zero;
    });
  return r;
}

std::string report_text(const Report& r) {
  std::ostringstream out;
  out << "Searches " << day_text(r.period.first) << " to " << day_text(r.period.last) << ": "
      << r.queries.searches << " searches; " << r.queries.shown.size() << " queries seen on " << r.k
      << " days or in " << r.k << " searches, " << r.queries.hidden << " others not shown\n";
  out << "\nTop queries\n";
  if (r.top.empty()) out << "  none\n";
  for (const auto& q : r.top)
    out << "  " << q.counts.count << "\t" << described(q) << "  (results: " << q.counts.hits
        << ", opened: " << q.opens << ")\n";
  print_problems(out, "No results", r.zero_result);
  print_problems(out, "No post has every word (partial matches shown)", r.partial);
  print_problems(out, "Answered for a corrected spelling", r.corrected);
  if (!r.opens_by_rank.empty()) print_problems(out, "Results never opened", r.never_opened);
  out << "\nOpened results by rank (share of all searches)\n";
  if (r.opens_by_rank.empty()) out << "  none reported (the search box's beacons)\n";
  for (const auto& [rank, n] : r.opens_by_rank)
    out << "  " << rank << ": " << n << " (" << percent(n, r.queries.searches) << ")\n";
  return out.str();
}

json to_json(const Report& r) {
  json top = json::array();
  for (const auto& q : r.top) top.push_back(totals_json(q));
  json ranks = json::array();
  for (const auto& [rank, n] : r.opens_by_rank)
    ranks.push_back({{"rank", rank},
                     {"opens", n},
                     {"rate", r.queries.searches > 0
                                  ? static_cast<double>(n) / static_cast<double>(r.queries.searches)
                                  : 0.0}});
  return {{"from", day_text(r.period.first)},
          {"to", day_text(r.period.last)},
          {"k", r.k},
          {"searches", r.queries.searches},
          {"queries_shown", r.queries.shown.size()},
          {"queries_hidden", r.queries.hidden},
          {"top", top},
          {"zero_result", problems_json(r.zero_result)},
          {"partial", problems_json(r.partial)},
          {"corrected", problems_json(r.corrected)},
          {"never_opened", problems_json(r.never_opened)},
          {"opens_by_rank", ranks}};
}

std::vector<TestStub> test_stubs(const Report& r, std::size_t limit) {
  std::vector<TestStub> out;
  std::set<std::pair<std::string, std::string>> seen;
  const auto add = [&](const QueryTotals& q, const std::string& why) {
    if (out.size() >= limit || !seen.emplace(q.query, q.langs).second) return;
    const std::string lang = q.langs.find(',') == std::string::npos ? q.langs : "";
    out.push_back({q.query, lang, why + " (" + std::to_string(q.counts.count) + " searches)"});
  };
  for (const auto& p : r.zero_result) add(p.totals, "no results; " + p.fix.text);
  for (const auto& p : r.partial) add(p.totals, "no post with every word; " + p.fix.text);
  for (const auto& p : r.corrected) add(p.totals, "corrected; " + p.fix.text);
  for (const auto& p : r.never_opened) add(p.totals, "never opened");
  for (const auto& q : r.top) add(q, "a top query");
  return out;
}

}  // namespace postsearch::analytics
