#include "query/query_builder.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <iterator>
#include <sstream>

#include "common/document.h"
#include "common/schema.h"
#include "common/stop_words.h"
#include "common/text.h"

namespace postsearch {
namespace {

// tag:, category:, lang:, id: values normalised exactly as the indexer stores them.
class FilterProcessor : public Xapian::FieldProcessor {
 public:
  explicit FilterProcessor(schema::Filter filter) : filter_(filter) {}
  Xapian::Query operator()(const std::string& value) override {
    return Xapian::Query(schema::filter_term(filter_, value));
  }

 private:
  schema::Filter filter_;
};

// Removes control characters and repairs UTF-8; caps the length.
std::string sanitise(std::string_view input, std::vector<std::string>& warnings) {
  std::string s = text::repair_utf8(input).text;
  if (s.size() > kMaxQueryBytes) {
    s = text::truncate_utf8(s, kMaxQueryBytes);
    warnings.push_back("query cut to " + std::to_string(kMaxQueryBytes) + " bytes");
  }
  std::string out;
  for (const char c : s) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  return out;
}

// Splits on spaces outside quotes.
std::vector<std::string> tokens_of(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (const char c : s) {
    if (c == '"') quoted = !quoted;
    if (c == ' ' && !quoted) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

// Takes after:, before: and year: out of the text into `parsed`; returns the rest.
std::string extract_dates(const std::string& s, ParsedQuery& parsed) {
  std::string rest;
  for (const auto& tok : tokens_of(s)) {
    bool taken = false;
    if (starts_with(tok, "after:") || starts_with(tok, "before:")) {
      const bool after = starts_with(tok, "after:");
      const std::string v = tok.substr(after ? 6 : 7);
      const auto bound = parse_date_bound(v, false);  // before: is exclusive of its period
      if (bound) {
        (after ? parsed.dates.from : parsed.dates.to) = bound;
      } else {
        parsed.warnings.push_back("ignored " + tok +
                                  ": expected a date such as 2023, 2023-04 or 2023-04-05");
      }
      taken = true;
    } else if (starts_with(tok, "year:")) {
      const std::string v = tok.substr(5);
      const auto dots = v.find("..");
      if (dots != std::string::npos) {
        const auto from = parse_date_bound(v.substr(0, dots), false);
        const auto to = parse_date_bound(v.substr(dots + 2), true);
        if ((from || dots == 0) && (to || dots + 2 == v.size())) {
          if (from) parsed.dates.from = from;
          if (to) parsed.dates.to = to;
        } else {
          parsed.warnings.push_back("ignored " + tok + ": expected year:2020..2022");
        }
      } else if (v.size() == 4 && std::all_of(v.begin(), v.end(), ::isdigit)) {
        parsed.years.push_back(v);
      } else {
        parsed.warnings.push_back("ignored " + tok + ": expected a year such as year:2022");
      }
      taken = true;
    }
    if (!taken) rest += (rest.empty() ? "" : " ") + tok;
  }
  return rest;
}

// Closes an unbalanced quote and drops unbalanced parentheses.
std::string balance(const std::string& s, std::vector<std::string>& warnings) {
  std::string out = s;
  if (std::count(out.begin(), out.end(), '"') % 2 == 1) {
    out += '"';
    warnings.push_back("closed an unbalanced quote");
  }
  int depth = 0;
  std::string fixed;
  bool in_quote = false;
  for (const char c : out) {
    if (c == '"') in_quote = !in_quote;
    if (!in_quote && c == '(') ++depth;
    if (!in_quote && c == ')') {
      if (depth == 0) continue;
      --depth;
    }
    fixed += c;
  }
  if (depth > 0) {
    fixed.append(static_cast<std::size_t>(depth), ')');
  }
  if (fixed != out) warnings.push_back("balanced the parentheses");
  return fixed;
}

bool is_cjk(utf8proc_int32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0x1100 && c <= 0x11FF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFF66 && c <= 0xFF9F) || (c >= 0x20000 && c <= 0x2FA1F);
}

// Puts each run of CJK characters outside quotes in parentheses. Xapian 1.4.22's parser
// rejects "a 京都 b" with FLAG_CJK_NGRAM but accepts "a (京都) b", which means the same.
std::string wrap_cjk_runs(const std::string& s) {
  std::string out;
  bool in_run = false;
  bool quoted = false;
  std::size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t c = 0;
    auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + i),
                              static_cast<utf8proc_ssize_t>(s.size() - i), &c);
    if (n <= 0) n = 1;
    if (c == '"') quoted = !quoted;
    const bool cjk = !quoted && is_cjk(c);
    if (cjk && !in_run) out += '(';
    if (!cjk && in_run) out += ')';
    in_run = cjk;
    out.append(s, i, static_cast<std::size_t>(n));
    i += static_cast<std::size_t>(n);
  }
  if (in_run) out += ')';
  return out;
}

std::string words_only(const std::string& s) {
  std::string out;
  for (const char c : s) {
    out += std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                   (static_cast<unsigned char>(c) & 0x80) != 0
               ? c
               : ' ';
  }
  return out;
}

int days_in_month(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::size_t count_words(const Xapian::Query& q) {
  std::size_t n = 0;
  for (auto it = q.get_unique_terms_begin(); it != q.get_unique_terms_end(); ++it) ++n;
  return n;
}

// Languages that write every noun with a capital: there a capital does not mark a name,
// and Xapian's STEM_SOME (which leaves capitalised words unstemmed) would stem no noun.
bool capitalises_nouns(const std::string& lang) {
  const std::string base = text::fold_case(lang.substr(0, lang.find_first_of("-_")));
  return base == "de" || base == "lb";
}

// The query with its words in lower case, but for the operator words (AND, OR, NEAR/3...).
std::string lower_words(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    const bool op = word == "AND" || word == "OR" || word == "NOT" || word == "XOR" ||
                    word == "NEAR" || word == "ADJ" || word.rfind("NEAR/", 0) == 0 ||
                    word.rfind("ADJ/", 0) == 0;
    out += op ? word : text::fold_case(word);
    if (end < text.size()) out += ' ';
    start = end + 1;
  }
  return out;
}

}  // namespace

std::optional<double> parse_date_bound(std::string_view v, bool end_of) {
  int y = 0;
  int m = 0;
  int d = 0;
  const std::string s(v);
  int fields = 0;
  char tail = 0;
  if (s.size() == 4) fields = std::sscanf(s.c_str(), "%4d%c", &y, &tail) == 1 ? 1 : 0;
  if (s.size() == 7) fields = std::sscanf(s.c_str(), "%4d-%2d%c", &y, &m, &tail) == 2 ? 2 : 0;
  if (s.size() == 10)
    fields = std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 ? 3 : 0;
  if (fields == 0 || y < 1 || (fields >= 2 && (m < 1 || m > 12)) ||
      (fields == 3 && (d < 1 || d > days_in_month(y, m)))) {
    return std::nullopt;  // 2023-02-30 is no date, not 2023-03-02
  }
  std::tm t{};
  t.tm_year = y - 1900 + (end_of && fields == 1 ? 1 : 0);
  t.tm_mon = fields >= 2 ? m - 1 + (end_of && fields == 2 ? 1 : 0) : 0;
  t.tm_mday = fields == 3 ? d + (end_of ? 1 : 0) : 1;
  return static_cast<double>(timegm(&t));
}

CompletionMemo::Terms CompletionMemo::find(const std::string& prefix) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  const Terms* found = known_.find(prefix);
  return found == nullptr ? nullptr : *found;
}

void CompletionMemo::insert(const std::string& prefix, Terms terms) {
  if (prefix.empty()) return;  // a DirectMap holds no empty key
  const std::lock_guard<std::mutex> lock(mutex_);
  if (known_.put(prefix, std::move(terms))) ++used_;
}

std::size_t CompletionMemo::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return used_;
}

QueryBuilder::QueryBuilder(const Xapian::Database& db, const std::string& lang,
                           std::shared_ptr<CompletionMemo> completions)
    : db_(db),
      stemmer_(stemmer_for(lang)),
      lang_(lang),
      shared_completions_(std::move(completions)) {
  parser_.set_database(db);
  has_synonyms_ = db.synonym_keys_begin() != db.synonym_keys_end();
  parser_.set_stemmer(stemmer_);
  parser_.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  if (const std::vector<std::string> words = stop_words(lang); !words.empty()) {
    stop_words_.insert(words.begin(), words.end());
    parser_.set_stopper((new Xapian::SimpleStopper(words.begin(), words.end()))->release());
  }
  parser_.set_max_expansion(kMaxWildcardExpansion, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                            Xapian::QueryParser::FLAG_WILDCARD | Xapian::QueryParser::FLAG_PARTIAL);
  for (const auto& f : schema::kTextFields) {
    if (!f.name.empty()) parser_.add_prefix(std::string(f.name), std::string(f.prefix));
  }
  for (const auto& f : schema::kFilterFields) {
    if (f.filter == schema::Filter::kAuthor || f.filter == schema::Filter::kYear) continue;
    parser_.add_boolean_prefix(std::string(f.name), (new FilterProcessor(f.filter))->release());
  }
}

ParsedQuery QueryBuilder::parse(std::string_view input, const ParseOptions& options) {
  ParsedQuery parsed;
  const std::string clean = sanitise(input, parsed.warnings);
  const bool typing = !clean.empty() && clean.back() != ' ';
  std::string text = extract_dates(clean, parsed);
  text = balance(text, parsed.warnings);
  if (capitalises_nouns(lang_)) text = lower_words(text);
  if (text::trim(text).empty()) {
    parsed.query = Xapian::Query::MatchAll;
    return parsed;
  }
  parser_.set_default_op(options.op == DefaultOperator::kAnd ? Xapian::Query::OP_AND
                                                             : Xapian::Query::OP_OR);
  unsigned flags = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                   Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_PURE_NOT |
                   Xapian::QueryParser::FLAG_WILDCARD | Xapian::QueryParser::FLAG_CJK_NGRAM;
  // The site's synonyms (indexer/synonyms.h): each word also finds its synonyms.
  if (has_synonyms_) {
    flags |= Xapian::QueryParser::FLAG_AUTO_MULTIWORD_SYNONYMS | Xapian::QueryParser::FLAG_SYNONYM;
  }
  // Xapian expands no synonyms for a word taken as a prefix: a last word that has some is
  // taken as typed in full.
  if (options.partial && typing && text.back() != '"' && text.back() != ')' &&
      !last_word_has_synonyms(text)) {
    const auto op =
        options.op == DefaultOperator::kAnd ? Xapian::Query::OP_AND : Xapian::Query::OP_OR;
    if (auto typed = parse_typing(text, flags, op, parsed.warnings)) {
      typed->dates = parsed.dates;
      typed->years = parsed.years;
      return *typed;
    }
    flags |= Xapian::QueryParser::FLAG_PARTIAL;
  }
  const auto query = parse_with_fallbacks(text, flags, parsed.warnings);
  if (!query) {
    parsed.query = Xapian::Query::MatchNothing;
    parsed.has_words = true;  // something was typed: never all posts
    return parsed;
  }
  parsed.query = *query;
  parsed.word_count = count_words(parsed.query);
  parsed.has_words = !parsed.query.empty();
  if (!parsed.has_words) parsed.query = Xapian::Query::MatchAll;
  return parsed;
}

// The word being typed is expanded here rather than by Xapian's FLAG_PARTIAL, with the same
// rule (the kMaxWildcardExpansion most frequent completions, or the word's stem): Xapian 1.4
// expands a wildcard in each shard of a sharded index on its own, with that shard's
// statistics, so a sharded index would rank differently from one database; an explicit
// OP_SYNONYM of terms ranks the same both ways (tests/blackbox/shards_test.py).
std::optional<ParsedQuery> QueryBuilder::parse_typing(const std::string& text, unsigned flags,
                                                      Xapian::Query::op op,
                                                      const std::vector<std::string>& warnings) {
  const std::size_t space = text.find_last_of(' ');
  const std::string last = space == std::string::npos ? text : text.substr(space + 1);
  const std::string rest = space == std::string::npos ? "" : text.substr(0, space);
  const auto plain = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (last.empty() || !std::all_of(last.begin(), last.end(), plain)) return std::nullopt;
  std::vector<std::string> before;  // the words before it
  std::istringstream words(rest);
  for (std::string w; words >> w;) before.push_back(w);
  // After an operator word the last word binds to it ("tea OR cof"): left to Xapian.
  const std::string prev = before.empty() ? "" : before.back();
  static const std::set<std::string> kOperators = {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"};
  if (kOperators.count(prev) != 0 || prev.rfind("NEAR/", 0) == 0 || prev.rfind("ADJ/", 0) == 0)
    return std::nullopt;
  const std::string word = text::fold_case(last);
  // Its position in the query, as the parser would number it (stop words count).
  const auto position = static_cast<Xapian::termpos>(before.size() + 1);
  const Xapian::Query stem("Z" + stemmer_(word), 1, position);
  ParsedQuery out;
  out.warnings = warnings;  // the caller's, kept only when this parse is used
  Xapian::Query head;
  if (!before.empty()) {
    const auto parsed_rest = parse_with_fallbacks(rest, flags, out.warnings);
    if (!parsed_rest) return std::nullopt;
    head = *parsed_rest;
  }
  const Xapian::Query typed(Xapian::Query::OP_OR, completions(word), stem);
  out.query = head.empty() ? typed : Xapian::Query(op, head, typed);
  // Completions are one word being typed, not many: count it once.
  out.word_count = count_words(head.empty() ? stem : Xapian::Query(op, head, stem));
  out.has_words = true;
  return out;
}

Xapian::Query QueryBuilder::completions(const std::string& prefix) {
  if (const Xapian::Query* known = completions_.find(prefix)) return *known;
  Xapian::Query found = find_completions(prefix);
  if (!prefix.empty()) completions_.put(prefix, found);
  return found;
}

Xapian::Query QueryBuilder::find_completions(const std::string& prefix) const {
  CompletionMemo::Terms terms = shared_completions_ ? shared_completions_->find(prefix) : nullptr;
  if (!terms) {
    terms = std::make_shared<const std::vector<std::string>>(walk_completions(prefix));
    if (shared_completions_) shared_completions_->insert(prefix, terms);
  }
  return {Xapian::Query::OP_SYNONYM, terms->begin(), terms->end()};
}

std::vector<std::string> QueryBuilder::walk_completions(const std::string& prefix) const {
  std::vector<std::pair<Xapian::doccount, std::string>> found;
  for (auto t = db_.allterms_begin(prefix); t != db_.allterms_end(prefix); ++t) {
    found.emplace_back(t.get_termfreq(), *t);
  }
  const std::size_t keep = std::min<std::size_t>(found.size(), kMaxWildcardExpansion);
  // Most frequent first; among equals, alphabetical, so that every shard layout agrees.
  std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(keep), found.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  std::vector<std::string> terms;
  terms.reserve(keep);
  for (std::size_t i = 0; i < keep; ++i) terms.push_back(std::move(found[i].second));
  return terms;
}

std::string QueryBuilder::correction(std::string_view input) {
  ParsedQuery scratch;
  const std::string text =
      balance(extract_dates(sanitise(input, scratch.warnings), scratch), scratch.warnings);
  if (text::trim(text).empty() || !has_unknown_word(text)) return "";
  try {
    (void)parser_.parse_query(text, Xapian::QueryParser::FLAG_PHRASE |
                                        Xapian::QueryParser::FLAG_BOOLEAN |
                                        Xapian::QueryParser::FLAG_LOVEHATE |
                                        Xapian::QueryParser::FLAG_SPELLING_CORRECTION);
    return keep_known_words(text, parser_.get_corrected_query_string());
  } catch (const Xapian::QueryParserError&) {
    return "";
  }
}

namespace {

// A query token without the operators and brackets around it: `(+"word*` -> `word`.
std::string bare_word(std::string w) {
  while (!w.empty() && std::strchr("\"()+-~*", w.front()) != nullptr) w.erase(0, 1);
  while (!w.empty() && std::strchr("\"()*", w.back()) != nullptr) w.pop_back();
  return w;
}

}  // namespace

// Whether `word` (folded) is a synonym key, as such or as its stem.
bool QueryBuilder::has_synonyms(const std::string& word) const {
  if (!has_synonyms_ || word.empty()) return false;
  const std::string stem = "Z" + stemmer_(word);
  return db_.synonyms_begin(word) != db_.synonyms_end(word) ||
         db_.synonyms_begin(stem) != db_.synonyms_end(stem);
}

bool QueryBuilder::last_word_has_synonyms(const std::string& text) const {
  const std::size_t space = text.find_last_of(' ');
  return has_synonyms(
      text::fold_case(bare_word(space == std::string::npos ? text : text.substr(space + 1))));
}

// Whether any plain word of the query is missing from the index: only then can a spelling
// correction help, and Xapian's search for one costs milliseconds per word. The last word,
// being typed, counts as known when some indexed word starts with it.
bool QueryBuilder::has_unknown_word(const std::string& text) const {
  const std::vector<std::string> words = text::split(text::collapse_whitespace(text), ' ');
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string w = bare_word(words[i]);
    if (w.empty() || w == "OR" || w == "AND" || w == "NOT" || w.find(':') != std::string::npos) {
      continue;
    }
    w = text::fold_case(w);
    if (w.size() < 2 || stop_words_.count(w) != 0 || db_.term_exists(w)) continue;
    if (has_synonyms(w)) continue;
    if (i + 1 == words.size() && db_.allterms_begin(w) != db_.allterms_end(w)) continue;
    return true;
  }
  return false;
}

// Xapian suggests a more frequent neighbour even for a word the posts use ("bread" ->
// "read"); a word that is in the index is never corrected.
std::string QueryBuilder::keep_known_words(const std::string& typed,
                                           const std::string& corrected) const {
  if (corrected.empty()) return "";
  const std::vector<std::string> a = text::split(typed, ' ');
  std::vector<std::string> b = text::split(corrected, ' ');
  if (a.size() != b.size()) return corrected;
  bool changed = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (db_.term_exists(text::fold_case(a[i]))) {
      b[i] = a[i];
    } else {
      changed = true;
    }
  }
  return changed ? text::join(b, " ") : "";
}

std::string QueryBuilder::stem(const std::string& word) {
  if (const std::string* known = stems_.find(word)) return *known;
  std::string stem = stemmer_(word);
  if (!word.empty()) stems_.put(word, stem);
  return stem;
}

Xapian::Query QueryBuilder::title_query(std::string_view input) {
  std::vector<std::string> ignored;
  const std::string text = words_only(sanitise(input, ignored));
  if (text::trim(text).empty()) return {};
  std::optional<Xapian::Query> words;
  parser_.set_default_op(Xapian::Query::OP_AND);
  try {
    words = parser_.parse_query(wrap_cjk_runs(text), Xapian::QueryParser::FLAG_CJK_NGRAM,
                                std::string(schema::text_field(schema::TextSource::kTitle).prefix));
  } catch (const Xapian::QueryParserError&) {
    return {};
  }
  const Xapian::Query exact(schema::exact_title_term(input));
  return {Xapian::Query::OP_OR, *words, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, exact, 2.0)};
}

// Tries the text as typed, then with CJK runs grouped, then its bare words; a query that
// none of these parse searches nothing and says why.
std::optional<Xapian::Query> QueryBuilder::parse_with_fallbacks(
    const std::string& text, unsigned flags, std::vector<std::string>& warnings) {
  const unsigned cjk = Xapian::QueryParser::FLAG_CJK_NGRAM;
  const std::pair<std::string, unsigned> attempts[] = {
      {text, flags},
      {wrap_cjk_runs(text), flags},
      {wrap_cjk_runs(words_only(text)), cjk},
      {words_only(text), 0},
  };
  std::string error;
  for (std::size_t i = 0; i < std::size(attempts); ++i) {
    try {
      Xapian::Query q = parser_.parse_query(attempts[i].first, attempts[i].second);
      if (i >= 2)
        warnings.push_back("could not parse the query (" + error + "); searched its words instead");
      return q;
    } catch (const Xapian::QueryParserError& e) {
      if (error.empty()) error = e.get_msg();
    }
  }
  warnings.push_back("could not parse the query (" + error + ")");
  return std::nullopt;
}

}  // namespace postsearch
