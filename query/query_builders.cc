#include "query/query_builders.h"

#include <utility>

#include "common/document.h"
#include "common/schema.h"
#include "common/stop_words.h"
#include "common/text.h"
#include "query/query_builder.h"

namespace postsearch {
namespace {

// The primary language of a tag, in lower case: what stemmers and stop words go by.
std::string primary_language(const std::string& lang) {
  return text::fold_case(lang.substr(0, lang.find_first_of("-_")));
}

}  // namespace

QueryBuilders::QueryBuilders() = default;
QueryBuilders::~QueryBuilders() = default;

void QueryBuilders::reset(const Xapian::Database& db, std::string default_lang,
                          std::shared_ptr<CompletionMemo> completions) {
  builders_.clear();
  db_ = db;
  default_lang_ = std::move(default_lang);
  completions_ = std::move(completions);
}

bool QueryBuilders::knows_language(const std::string& primary) const {
  if (is_cjk_language(primary) || !stop_words(primary).empty()) return true;
  try {
    (void)Xapian::Stem(primary);
    return true;
  } catch (const Xapian::InvalidArgumentError&) {
  }
  return db_.term_exists(schema::filter_term(schema::Filter::kLang, primary));
}

QueryBuilder& QueryBuilders::for_language(const std::string& asked,
                                          std::vector<std::string>& warnings) {
  std::string lang = primary_language(asked);
  auto it = builders_.find(lang);
  if (it != builders_.end()) return *it->second;
  if (asked != default_lang_ && !knows_language(lang)) {
    warnings.push_back("query_lang: no stemmer, stop words or posts for '" + asked +
                       "'; the index's language (" + default_lang_ + ") is used");
    lang = primary_language(default_lang_);
    it = builders_.find(lang);
    if (it != builders_.end()) return *it->second;
  }
  // A site with a language of every code could still name many: the map is emptied when full.
  if (builders_.size() >= kMaxQueryLanguages) builders_.clear();
  it = builders_.emplace(lang, std::make_unique<QueryBuilder>(db_, lang, completions_)).first;
  return *it->second;
}

}  // namespace postsearch
