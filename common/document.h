// Turns a Post into a Xapian::Document by executing the schema table (terms, positions,
// values, boolean filter terms, stored data), and stored data back into a StoredPost.
// A DocumentBuilder owns a TermGenerator and stemmers: one per thread, not shared.
#pragma once

#include <xapian.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/post.h"
#include "common/schema.h"

namespace postsearch {

struct DocumentOptions {
  // Adds spelling data ("did you mean") to this database: the spelling_target() of each of
  // the document's terms that has one, once. Null: no spelling data.
  Xapian::WritableDatabase* spelling_db = nullptr;
};

// The word a term offers as a spelling correction, or "" when it offers none:
// - an unprefixed word of letters (any non-ASCII byte counts as one) with inner
//   apostrophes: the words the query side corrects (query/query_text.h, correctable_words);
// - a title or heading word that is an identifier of letters and underscores (`_mbsinc`,
//   `string_view`): a page's name, which a reader types without its underscores.
// Both of 3 to 32 bytes. Other code identifiers (`size_t` in a body) and words with digits
// (`c4996`, `x86`) are no corrections of a word, and were half the spelling data of a
// documentation site.
[[nodiscard]] std::string_view spelling_target(std::string_view term);

// Takes back from `db`'s spelling data the words that the post indexed under `idterm` in
// `db` gave it (as DocumentOptions::spelling_db adds them), before the post is replaced or
// deleted: a word no post has any more is no correction. Does nothing when no post has it.
void forget_spelling(Xapian::WritableDatabase& db, const std::string& idterm);

class DocumentBuilder {
 public:
  explicit DocumentBuilder(DocumentOptions options = {});

  // Builds the document for `post`; the unique id term is "Q" + post.id.
  [[nodiscard]] Xapian::Document build(const Post& post);

 private:
  void index_text_fields(const Post& post, Xapian::Document& doc);
  void add_filters_and_values(const Post& post, Xapian::Document& doc) const;
  // The language's stop words (null when it has none), made once per builder.
  const Xapian::Stopper* stopper_for(const std::string& lang);

  DocumentOptions options_;
  std::map<std::string, std::unique_ptr<Xapian::SimpleStopper>> stoppers_;
  Xapian::TermGenerator generator_;  // after stoppers_: it points at them
};

// The stemmer for a language code ("en", "de", "pt-BR"); for languages Snowball lacks
// (Ukrainian, Polish, CJK...) an identity stemmer, so that their words are also indexed as
// the Z-prefixed terms a query parsed with another language's stemmer looks for (CJK text
// is n-grammed, and n-grams are never stemmed).
[[nodiscard]] Xapian::Stem stemmer_for(const std::string& lang);

// True for Chinese, Japanese and Korean codes.
[[nodiscard]] bool is_cjk_language(const std::string& lang);

// The stored data of a document, encoded compactly (MessagePack) and back.
[[nodiscard]] std::string encode_stored(const Post& post);
// Throws std::runtime_error when the data is not a stored post of this schema.
[[nodiscard]] StoredPost decode_stored(const std::string& data);

// A value-slot list ("a\x1fb").
[[nodiscard]] std::string encode_list(const std::vector<std::string>& values);

// All facet values of a post in one value (fields in kFacetFields order, separated by
// kFieldSeparator; a field's values by kListSeparator), so that counting facets reads one
// value per matching document instead of one per field.
[[nodiscard]] std::string encode_facets(const Post& post);

// The values the indexer gives `field` for `post` (schema::PostValues): each becomes a
// boolean term (schema::filter_term). Empty when the post has none.
[[nodiscard]] std::vector<std::string> filter_values(const Post& post,
                                                     const schema::FilterField& field);
// What a facet field's slot holds for `post`: its filter field's values, joined by
// kListSeparator when multi-valued, else the first; empty when none.
[[nodiscard]] std::string facet_value(const Post& post, const schema::FacetField& field);

// Joins the sections' text: the body as one string, for snippets.
[[nodiscard]] std::string body_text(const StoredPost& post);

}  // namespace postsearch
