// The query parsers of one searcher, one per primary language asked for: a bound no request
// can raise (the languages the stemmers, the stop-word lists or the index's posts know, and
// at most kMaxQueryLanguages of them). A language none of them knows is parsed as the
// index's default language, with a warning.
// Threads: the searcher's. Errors: Xapian exceptions from the database propagate.
#pragma once

#include <xapian.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace postsearch {

class CompletionMemo;
class QueryBuilder;

class QueryBuilders {
 public:
  static constexpr std::size_t kMaxQueryLanguages = 32;

  QueryBuilders();
  ~QueryBuilders();
  QueryBuilders(const QueryBuilders&) = delete;
  QueryBuilders& operator=(const QueryBuilders&) = delete;

  // What the builders read: the open database, its default language, and the revision's
  // shared completions (or null). The builders are dropped: they belong to the old revision.
  void reset(const Xapian::Database& db, std::string default_lang,
             std::shared_ptr<CompletionMemo> completions);

  // The builder for language `asked` ("pt-BR" uses "pt"); for a language nothing knows, the
  // default language's, with a warning added to `warnings`.
  QueryBuilder& for_language(const std::string& asked, std::vector<std::string>& warnings);

  [[nodiscard]] std::size_t size() const { return builders_.size(); }

 private:
  [[nodiscard]] bool knows_language(const std::string& primary) const;

  Xapian::Database db_;
  std::string default_lang_;
  std::shared_ptr<CompletionMemo> completions_;
  std::map<std::string, std::unique_ptr<QueryBuilder>> builders_;  // by primary language
};

}  // namespace postsearch
