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

#include "query/query_text.h"

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

}  // namespace

using query_text::balance;
using query_text::capitalises_nouns;
using query_text::correctable_words;
using query_text::extract_dates;
using query_text::lower_words;
using query_text::mark_versions;
using query_text::sanitise;
using query_text::warn_about_fields;
using query_text::words_only;
using query_text::WordSpan;
using query_text::wrap_cjk_runs;

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

namespace {

// Whether the words before the one being typed mean something only with it, so that the
// query is left to Xapian whole: after an operator word the last word binds to it ("tea OR
// cof"), and words that are all excluded ("-sourdough brea") exclude from what the last word
// finds (parsed alone, they would be searched as plain words).
bool needs_whole_parse(const std::vector<std::string>& before) {
  const std::string prev = before.empty() ? "" : before.back();
  static const std::set<std::string> kOperators = {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"};
  if (kOperators.count(prev) != 0 || prev.rfind("NEAR/", 0) == 0 || prev.rfind("ADJ/", 0) == 0)
    return true;
  return !before.empty() && std::all_of(before.begin(), before.end(), [](const std::string& w) {
    return w.size() > 1 && w[0] == '-';
  });
}

}  // namespace

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
  if (needs_whole_parse(before)) return std::nullopt;
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
