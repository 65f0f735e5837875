#include "query/query_builder.h"

#include <utf8proc.h>
#include <cmath>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <iterator>
#include <sstream>

#include "common/document.h"
#include "common/schema.h"
#include "common/stop_words.h"
#include "common/text.h"
#include "common/version.h"

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

// version:3.3, and every plain word that is a version (mark_versions): the posts with a
// version that starts so, and those with that very version once more (schema.h), so that
// 3.4.0 outranks 3.4.0-rc1 and 3.3 finds 3.3.0 first. A suffix ("3.4.0_rc1") asks for that
// version alone.
class VersionProcessor : public Xapian::FieldProcessor {
 public:
  Xapian::Query operator()(const std::string& value) override {
    const std::optional<version::Version> v = version::parse_word(value);
    if (!v) return {text::fold_case(value)};
    Xapian::Query exact(text::truncate_utf8(
        std::string(schema::kExactVersionPrefix) + version::canonical(*v), schema::kMaxTermBytes));
    if (!v->suffix.empty()) return exact;
    return {Xapian::Query::OP_OR, Xapian::Query(std::string(schema::kVersionPrefix) + v->number),
            exact};
  }
};

// author:word finds the word in the posts' author names; author:"Shugo Maeda" the whole
// name, as the --author filter does (or those words as a phrase in the names).
class AuthorProcessor : public Xapian::FieldProcessor {
 public:
  explicit AuthorProcessor(const Xapian::Stem& stemmer) {
    words_.set_stemmer(stemmer);
    words_.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  }
  Xapian::Query operator()(const std::string& value) override {
    const std::string prefix(schema::text_field(schema::TextSource::kAuthors).prefix);
    const bool several = value.find(' ') != std::string::npos;
    try {
      Xapian::Query words = words_.parse_query(several ? "\"" + value + "\"" : value,
                                               Xapian::QueryParser::FLAG_PHRASE, prefix);
      if (!several) return words;
      return {Xapian::Query::OP_OR,
              Xapian::Query(schema::filter_term(schema::Filter::kAuthor, value)), words};
    } catch (const Xapian::QueryParserError&) {
      return {schema::filter_term(schema::Filter::kAuthor, value)};
    }
  }

 private:
  Xapian::QueryParser words_;
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

// The token without the operators and brackets around it: `+(3.3)` -> `3.3`; `at` and
// `end` delimit it in the token.
std::string_view token_core(std::string_view token, std::size_t& at, std::size_t& end) {
  at = 0;
  while (at < token.size() && std::strchr("+-(", token[at]) != nullptr) ++at;
  end = token.size();
  while (end > at && std::strchr("),;!?", token[end - 1]) != nullptr) --end;
  return token.substr(at, end - at);
}

// Calls f(token, quoted) for each space-separated token, `quoted` when it begins inside a
// phrase.
template <typename F>
void for_each_token(const std::string& s, F f) {
  bool quoted = false;
  for (const std::string& token : text::split(s, ' ')) {
    f(token, quoted);
    quoted ^= std::count(token.begin(), token.end(), '"') % 2 == 1;
  }
}

// Writes each plain word of `s` that is a version (outside quotes, not a field's value), and
// each version:VALUE, as version:NUMBER or version:NUMBER_SUFFIX, the form the
// VersionProcessor is given whole (Xapian drops "version:3.4.0-rc1").
// `last_is_version`: the text ends with one (Xapian drops a field's value that it takes as
// a prefix being typed, so that word must be taken as typed in full).
std::string mark_versions(const std::string& s, bool& last_is_version) {
  std::vector<std::string> out;
  for_each_token(s, [&](const std::string& token, bool quoted) {
    last_is_version = false;
    std::size_t at = 0;
    std::size_t end = 0;
    std::string_view word = token_core(token, at, end);
    const std::string field = std::string(schema::kVersionField) + ":";
    const bool named = word.rfind(field, 0) == 0;  // typed as version:3.3
    if (named) word.remove_prefix(field.size());
    const auto v =
        quoted || token.find('"') != std::string::npos || word.find(':') != std::string_view::npos
            ? std::nullopt
            : version::parse_word(word);
    if (!v) {
      out.push_back(token);
      last_is_version = named && !quoted;
      return;
    }
    out.push_back(
        token.substr(0, at) + std::string(schema::kVersionField) + ":" + v->number +
        (v->suffix.empty() ? "" : "_" + v->suffix) +
        std::string(static_cast<std::size_t>(std::count(
                        token.begin() + static_cast<std::ptrdiff_t>(end), token.end(), ')')),
                    ')'));
    last_is_version = true;
  });
  return text::join(out, " ");
}

bool is_field_name(std::string_view name) {
  if (name == schema::kVersionField) return true;
  for (const auto& f : schema::kTextFields) {
    if (!f.name.empty() && f.name == name) return true;
  }
  for (const auto& f : schema::kFilterFields) {
    if (f.name == name) return true;
  }
  return false;
}

// A field the query names that cannot be searched (unknown, or without a value) is searched
// as words: says so, rather than answer with a silent zero.
void warn_about_fields(const std::string& s, std::vector<std::string>& warnings) {
  for_each_token(s, [&](const std::string& token, bool quoted) {
    std::size_t at = 0;
    std::size_t end = 0;
    const std::string_view core = token_core(token, at, end);
    const std::size_t colon = core.find(':');
    if (quoted || colon == std::string_view::npos || colon == 0) return;
    const std::string_view name = core.substr(0, colon);
    const std::string_view value = core.substr(colon + 1);
    const bool word = std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    });
    if (!word || value.rfind("//", 0) == 0) return;  // not a field; a URL
    if (!is_field_name(name)) {
      warnings.push_back("`" + std::string(name) +
                         ":` is not a field (title, heading, description, author, tag, "
                         "category, lang, type, id, url, version); searched as words");
    } else if (value.empty() || value == "\"\"") {
      warnings.push_back("`" + std::string(name) + ":` has no value; searched as a word");
    }
  });
}

bool is_cjk(utf8proc_int32_t c) {
  return (c >= 0x3040 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0x1100 && c <= 0x11FF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFF66 && c <= 0xFF9F) || (c >= 0x20000 && c <= 0x2FA1F);
}

bool is_word_byte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (static_cast<unsigned char>(c) & 0x80) != 0;
}

bool has_cjk(std::string_view word) {
  for (std::size_t i = 0; i < word.size();) {
    utf8proc_int32_t c = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(word.data() + i),
                                    static_cast<utf8proc_ssize_t>(word.size() - i), &c);
    if (n > 0 && is_cjk(c)) return true;
    i += n > 0 ? static_cast<std::size_t>(n) : 1;
  }
  return false;
}

bool is_operator(std::string_view token) {
  return token == "AND" || token == "OR" || token == "NOT" || token == "XOR" ||
         token.rfind("NEAR", 0) == 0 || token.rfind("ADJ", 0) == 0;
}

// A word of the query text, by its byte offsets.
struct WordSpan {
  std::size_t at;
  std::size_t end;
};

// The words of a query that a spelling correction may replace: runs of letters (an
// apostrophe inside one, as in "don't", belongs to it) as Xapian splits them
// ("strings.Contains" is two words), outside field values and operators; not runs next to
// digits (versions, "p429", "utf8"), nor CJK text.
std::vector<WordSpan> correctable_words(const std::string& s) {
  std::vector<WordSpan> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = s.find(' ', i);
    if (end == std::string::npos) end = s.size();
    const std::string_view token(s.data() + i, end - i);
    if (token.find(':') == std::string_view::npos && !is_operator(token)) {
      for (std::size_t a = i; a < end;) {
        std::size_t b = a;
        while (b < end &&
               (std::isalnum(static_cast<unsigned char>(s[b])) != 0 || is_word_byte(s[b]) ||
                (s[b] == '\'' && b > a && b + 1 < end && is_word_byte(s[b + 1])))) {
          ++b;
        }
        const std::string_view word(s.data() + a, b - a);
        const bool digits =
            std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (b > a && !digits && !has_cjk(word)) out.push_back({a, b});
        a = b == a ? a + 1 : b;
      }
    }
    i = end + 1;
  }
  return out;
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

// The words of the query: its terms, but not a filter's (tag:x, author:"A B"), and a
// version once, though it searches two terms.
void collect_words(const Xapian::Query& q, std::set<std::string>& words) {
  const std::size_t parts = q.get_num_subqueries();
  if (parts == 0) {
    for (auto it = q.get_unique_terms_begin(); it != q.get_unique_terms_end(); ++it) {
      const std::string& term = *it;
      const bool family = term.rfind(schema::kVersionPrefix, 0) == 0 &&
                          term.rfind(schema::kExactVersionPrefix, 0) != 0;
      if (!family) words.insert(term);
    }
    return;
  }
  const bool filter = q.get_type() == Xapian::Query::OP_FILTER;
  for (std::size_t i = 0; i < (filter ? 1 : parts); ++i) collect_words(q.get_subquery(i), words);
}

std::size_t count_words(const Xapian::Query& q) {
  std::set<std::string> words;
  collect_words(q, words);
  return words.size();
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
    if (f.name.empty()) continue;
    if (f.source == schema::TextSource::kAuthors) {
      // A filter (so that a quoted name reaches it whole); two authors: posts by both.
      parser_.add_boolean_prefix(std::string(f.name), (new AuthorProcessor(stemmer_))->release(),
                                 false);
    } else {
      parser_.add_prefix(std::string(f.name), std::string(f.prefix));
    }
  }
  parser_.add_prefix(std::string(schema::kVersionField), (new VersionProcessor)->release());
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
  warn_about_fields(text, parsed.warnings);
  bool last_is_version = false;
  text = mark_versions(text, last_is_version);
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
  if (options.partial && typing && !last_is_version && text.back() != '"' && text.back() != ')' &&
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
// synonym group of terms (completion_group) ranks the same both ways
// (tests/blackbox/shards_test.py).
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

std::string QueryBuilder::correction(std::string_view input) {
  ParsedQuery scratch;
  const std::string text =
      balance(extract_dates(sanitise(input, scratch.warnings), scratch), scratch.warnings);
  const std::vector<WordSpan> words = correctable_words(text);
  std::string out;
  std::size_t copied = 0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto [at, end] = words[i];
    const std::string better =
        correct_word(text::fold_case(text.substr(at, end - at)), i + 1 == words.size());
    if (better.empty()) continue;
    out.append(text, copied, at - copied);
    out += better;
    copied = end;
  }
  if (copied == 0) return "";
  out.append(text, copied);
  return out;
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

// A word the index lacks (not as such, not as its stem, not as a stop word or synonym key;
// the last word, being typed, counts as known when an indexed word starts with it) becomes
// the index's closest spelling of it: at most one edit away for a word of four letters or
// fewer, two for longer words; among the closest, the most frequent (Xapian's choice).
std::string QueryBuilder::correct_word(const std::string& word, bool last) const {
  if (word.size() < 3 || stop_words_.count(word) != 0 || db_.term_exists(word) ||
      db_.term_exists("Z" + stemmer_(word)) || has_synonyms(word)) {
    return "";
  }
  if (last && db_.allterms_begin(word) != db_.allterms_end(word)) return "";
  const auto edits = static_cast<unsigned>(word.size() <= 4 ? 1 : 2);
  const std::string better = db_.get_spelling_suggestion(word, edits);
  return better == word ? "" : better;
}

std::string QueryBuilder::stem(const std::string& word) {
  if (const std::string* known = stems_.find(word)) return *known;
  std::string stem = stemmer_(word);
  if (!word.empty()) stems_.put(word, stem);
  return stem;
}

Xapian::Query QueryBuilder::title_query(std::string_view input) {
  std::vector<std::string> ignored;
  std::string text = sanitise(input, ignored);
  // Versions are matched by their own title terms ("3.3" finds the title's 3.3.0); the
  // words around them, a suffix ("rc1") included, as title words.
  std::vector<Xapian::Query> all;
  for (const version::Version& v : version::find(text)) {
    all.emplace_back(std::string(schema::kTitleVersionPrefix) + v.number);
    const std::size_t number_end = text.find(v.number, v.begin) + v.number.size();
    std::fill(text.begin() + static_cast<std::ptrdiff_t>(v.begin),
              text.begin() + static_cast<std::ptrdiff_t>(number_end), ' ');
  }
  text = words_only(text);
  if (!text::trim(text).empty()) {
    parser_.set_default_op(Xapian::Query::OP_AND);
    try {
      all.push_back(
          parser_.parse_query(wrap_cjk_runs(text), Xapian::QueryParser::FLAG_CJK_NGRAM,
                              std::string(schema::text_field(schema::TextSource::kTitle).prefix)));
    } catch (const Xapian::QueryParserError&) {
      return {};
    }
  }
  if (all.empty()) return {};
  const Xapian::Query words(Xapian::Query::OP_AND, all.begin(), all.end());
  return {Xapian::Query::OP_OR, words, exact_title_lift(schema::exact_title_term(input))};
}

// The whole title outweighs a long post that repeats the title's words (BM25's k1 lets
// repetition count): "February Project Goals Update" is that post, not a report that names
// February, projects and updates throughout. The lift weighs the same on every post whose
// title it is: kExactTitleScale times the most BM25 gives one term in any post (its idf,
// with Xapian's floor for common terms, times k1 + 1). Under BM25 itself the term was scaled
// down by the post's length, and a long reference page whose title is the query ("MFC
// Classes", a list of hundreds of classes) fell below short posts that merely name its words
// in their titles. The statistics are the whole index's, so shards agree.
Xapian::Query QueryBuilder::exact_title_lift(const std::string& term) const {
  constexpr double kExactTitleScale = 4.0;
  const double n = db_.get_doccount();
  const double tf = db_.get_termfreq(term);
  if (tf == 0) return Xapian::Query(term);  // no post has this title: nothing to lift
  double ratio = (n - tf + 0.5) / (tf + 0.5);
  if (ratio < 2) ratio = ratio * 0.5 + 1;  // Xapian's BM25 keeps a common term's idf positive
  const double most = std::log(ratio) * (schema::bm25_k1() + 1);
  auto* lift = new Xapian::FixedWeightPostingSource(kExactTitleScale * most);
  return {Xapian::Query::OP_FILTER, Xapian::Query(lift->release()), Xapian::Query(term)};
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
