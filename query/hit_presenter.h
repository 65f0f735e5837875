// Turns one matching document into the Hit a reader sees, one call per hit: the post
// (decoded once per revision through the service's post memo), the translation shown
// (the reader's language when it matches too), its title and excerpts with the query's words
// marked, its sections as deep links, and the score's explanation when asked for.
// Owns the search's highlighter, so excerpts and highlighting live in one room
// (query/excerpts.h does the excerpting).
//
// Errors: Xapian exceptions propagate (the searcher retries). Threads: one per search, on
// the searcher's thread; the database and the builder outlive it.
#pragma once

#include <xapian.h>

#include <memory>
#include <string>
#include <vector>

#include "common/post.h"
#include "query/highlight.h"
#include "query/match_plan.h"
#include "query/search_types.h"

namespace postsearch {

class PostCache;
class QueryBuilder;

// The fields of a hit that come straight from its post (the title escaped, nothing marked).
[[nodiscard]] Hit hit_of(const StoredPost& post);

struct PresentOptions {
  bool snippets = true;     // mark the title, excerpt the text, find the sections
  bool explain = false;     // each term's share of the score
  int first_rank = 1;       // the rank of the first hit presented
  std::string reader_lang;  // the translation shown when it has every word too
  std::string site_lang;    // else this one
  // The query every word of which a translation shown instead must have; empty: a hit is
  // shown in the language it matched in.
  Xapian::Query translations_matching;
  PostCache* posts = nullptr;  // the revision's decoded posts, or null
};

class HitPresenter {
 public:
  // `matches`: the run whose words are marked (its snippets source and text query).
  // `builder`: the query's language's, whose stemmer the highlighter uses.
  HitPresenter(const Xapian::Database& db, const Matches& matches, QueryBuilder& builder,
               PresentOptions options);
  ~HitPresenter();
  HitPresenter(const HitPresenter&) = delete;
  HitPresenter& operator=(const HitPresenter&) = delete;

  // The hit of `post`, the next in rank, with its weight as the score.
  [[nodiscard]] Hit present(const Ranked& post);

 private:
  struct Shown;
  [[nodiscard]] Shown shown_post(const Ranked& post) const;
  [[nodiscard]] std::shared_ptr<const StoredPost> stored(const Xapian::Document& doc,
                                                         Xapian::docid docid) const;

  const Xapian::Database& db_;
  Xapian::Query text_query_;
  PresentOptions options_;
  std::vector<std::string> needles_;
  std::unique_ptr<Highlighter> highlighter_;
  int rank_;
};

}  // namespace postsearch
