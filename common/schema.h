// The index schema: the one table of fields, term prefixes, value slots and weights.
// The indexer (document.cc) and the searcher (query/query_builder.cc) both loop over
// these tables; nothing else in the project spells a prefix or a slot number.
// Prefixes follow Xapian Omega's conventions (S title, A author, K tag, Q unique id,
// L language, X... our own). Changing anything here changes the index format: bump
// kSchemaVersion, and readers will ask for a re-index. A new filter field is a change of
// this file alone (docs/ARCHITECTURE.md, "The schema: adding a filter field").
#pragma once

#include <xapian.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace postsearch::schema {

inline constexpr int kSchemaVersion = 6;  // 2: url terms (U); 3: translation groups (XT),
                                          // version terms, positions in field copies;
                                          // 4: document types (T, slot 10);
                                          // 5: the order keys (slots 11, 12);
                                          // 6: no tag copy (XK)

// Index metadata keys.
inline constexpr std::string_view kMetaSchemaVersion = "postsearch.schema_version";
inline constexpr std::string_view kMetaOptionsHash = "postsearch.options_hash";
inline constexpr std::string_view kMetaDefaultLang = "postsearch.default_lang";
inline constexpr std::string_view kMetaIndexedAt = "postsearch.indexed_at";
// The language searched for a language the index has no posts or no stemmer for (the
// site's search.fallback); empty: none.
inline constexpr std::string_view kMetaFallbackLang = "postsearch.fallback_lang";
// A random id of the run that wrote the index (every shard it wrote, and always shard 0):
// names a publish of a sharded index, whose shards have no one revision.
inline constexpr std::string_view kMetaPublishId = "postsearch.publish_id";
// Where the site is published ("https://example.org/blog", empty when unknown) and the URL
// path prefix that post URLs carry ("/blog"): a post's absolute URL is the first followed by
// its URL without the second.
inline constexpr std::string_view kMetaSiteUrl = "postsearch.site_url";
inline constexpr std::string_view kMetaBaseurl = "postsearch.baseurl";
// The recorded state of the database's sources, one table (indexer/recorded_state.h).
inline constexpr std::string_view kMetaSourceTable = "postsearch.sources";
// Before the table, one value a source: this + its relative path (read, then deleted).
inline constexpr std::string_view kMetaSourcePrefix = "postsearch.src:";

// Where a Post's text comes from, for the free-text fields.
enum class TextSource { kTitle, kAuthors, kTags, kHeadings, kDescription, kBody, kCode, kAltText };

// A free-text field: its terms go in with `prefix` (for field searches such as
// `title:word` and `title:"a phrase"`, so with positions) and, when `in_default` is set,
// also unprefixed so plain words find it.
// `weight` is the within-document frequency each word adds: the field's weight in BM25.
struct TextField {
  std::string_view name;    // field name in the query language; empty: not searchable alone
  std::string_view prefix;  // term prefix; empty for the default (unprefixed) field
  TextSource source;
  Xapian::termcount weight;
  bool in_default;
};

inline constexpr std::array<TextField, 8> kTextFields{{
    {"title", "S", TextSource::kTitle, 8, true},
    {"author", "XA", TextSource::kAuthors, 2, true},
    {"", "", TextSource::kTags, 4, true},  // no field copy: no field of the query language
    {"heading", "XH", TextSource::kHeadings, 4, true},
    {"description", "XD", TextSource::kDescription, 3, true},
    {"", "", TextSource::kBody, 2, true},
    {"", "", TextSource::kCode, 1, true},  // no field copy: it would double the biggest text
    {"", "", TextSource::kAltText, 2, true},
}};

// BM25's k1 per occurrence of a word in the body: 1.8, at the top of the usual 1.2 to 2.0,
// so that a word repeated through a post counts for more before it saturates. On the judged
// collections of bench/README.md (Cranfield, MEDLINE, LISA) 1.8 raised nDCG@10 on the two
// whose long questions have many relevant abstracts and left Cranfield as it was; 1.2 lost
// to the plain BM25 of SQLite FTS5 and Sphinx on questions of many words.
inline constexpr double kBm25K1PerBodyWord = 1.8;
// k1 as Xapian's BM25Weight takes it: every wdf is multiplied by its field's weight, so k1
// is multiplied by the body's weight for term frequency to saturate as usual.
[[nodiscard]] double bm25_k1();

// One term per post for its whole title, normalised (case-folded words joined by spaces):
// a query that is a post's title finds that post first.
inline constexpr std::string_view kExactTitlePrefix = "XE";
[[nodiscard]] std::string exact_title_term(std::string_view title);

// Version numbers (common/version.h) in the text of every field that is `in_default`, each
// occurrence with its field's weight:
// - kVersionPrefix + each dotted start ("3.3.0" -> XV3.3, XV3.3.0): `3.3` finds 3.3.0, 3.3.11;
// - kExactVersionPrefix + the canonical version ("3.3.0" -> XVE3.3, "3.4.0 rc1" ->
//   XVE3.4-rc1): a query's version also matches this, so that 3.4.0 outranks 3.4.0-rc1;
// - kTitleVersionPrefix + each dotted start, from the title alone (wdf 1): the title lift.
// The exact title term (kExactTitlePrefix) holds its versions canonically, so that the title
// "Ruby 3.3 Released" is the title "Ruby 3.3.0 Released".
inline constexpr std::string_view kVersionPrefix = "XV";
inline constexpr std::string_view kExactVersionPrefix = "XVE";
inline constexpr std::string_view kTitleVersionPrefix = "XVS";
// The query language's field for a version (`version:3.3`); plain words that are versions
// are searched as if written so.
inline constexpr std::string_view kVersionField = "version";

// Exact-match filter fields, stored as boolean terms prefix + normalised value.
enum class Filter { kAuthor, kTag, kCategory, kLang, kYear, kMonth, kId, kUrl, kType };

// What a value must look like for a request to select it (checked before a search).
enum class ValueCheck { kAny, kYear, kMonth };

// Where the indexer takes a filter field's values from, in the post it read (common/post.h).
// kFrontMatter: the values of the field's front-matter key (FilterField::front_matter), a
// text or a list of texts, which the reader keeps in Post::front_matter_values. A new field
// read from front matter (a Hugo taxonomy such as `series`) needs nothing but its row here.
enum class PostValues {
  kId,          // Post::id
  kUrls,        // Post::url and Post::aliases
  kAuthors,     // Post::authors
  kTags,        // Post::tags
  kCategories,  // Post::categories
  kLang,        // Post::lang, normalised (normalise_filter_value)
  kYear,        // "2024" of Post::date_text, when the post has a date
  kMonth,       // "2024-03" of Post::date_text, when the post has a date
  kType,        // Post::type
  kFrontMatter,
};

// A filter field drives every place that selects by it: the HTTP parameter and the query
// language's field (`name`: tag=x, tag:x), the command line's flag (--name, `help`), the
// Xapian filter (prefix + normalised value), the facet of the same filter (kFacetFields) and
// the check of a requested value. A field that is not `requested` is only a query-language
// field (id:, url:).
struct FilterField {
  Filter filter;
  std::string_view name;    // parameter and query-language field name ("tag", "author", ...)
  std::string_view prefix;  // boolean term prefix
  bool requested;           // a search request selects values of it (parameter and flag)
  ValueCheck check;
  std::string_view help;            // the command line flag's help
  PostValues values;                // where the indexer takes the values from
  std::string_view front_matter{};  // kFrontMatter: the front-matter key ("series")
};

// `url` holds a post's URL path and its former ones (Hugo aliases, Jekyll redirect_from),
// so that `url:/2019/old-name/` finds the post an old link points to. `type` is what a
// document is: "post", "page", or the name of the collection (Jekyll) or type (Hugo) it is in.
// The requested fields are listed in the order the command line's help shows them.
inline constexpr std::array<FilterField, 9> kFilterFields{{
    {Filter::kTag, "tag", "K", true, ValueCheck::kAny,
     "Only posts with this tag (repeat for any of several)", PostValues::kTags},
    {Filter::kAuthor, "author", "A", true, ValueCheck::kAny,
     "Only posts by this author (repeatable)", PostValues::kAuthors},
    {Filter::kCategory, "category", "XC", true, ValueCheck::kAny,
     "Only posts in this category (repeatable)", PostValues::kCategories},
    {Filter::kYear, "year", "XY", true, ValueCheck::kYear, "Only posts from this year (repeatable)",
     PostValues::kYear},
    {Filter::kMonth, "month", "XM", true, ValueCheck::kMonth,
     "Only posts from this month, YYYY-MM (repeatable)", PostValues::kMonth},
    {Filter::kLang, "lang", "L", true, ValueCheck::kAny,
     "Only posts in this language (repeatable; * for all; --related: default the post's own)",
     PostValues::kLang},
    {Filter::kType, "type", "T", true, ValueCheck::kAny,
     "Only documents of this type: post, page, or a collection's name (repeatable)",
     PostValues::kType},
    {Filter::kId, "id", "Q", false, ValueCheck::kAny, "", PostValues::kId},
    {Filter::kUrl, "url", "U", false, ValueCheck::kAny, "", PostValues::kUrls},
}};

// Value slots. The facet slots (kFacetFields) are read by facet counts over remote shards
// (Xapian's ValueCountMatchSpy, one per slot); a local search counts kSlotFacets alone.
enum Slot : Xapian::valueno {
  kSlotDate = 0,          // Xapian::sortable_serialise(seconds since epoch, UTC)
  kSlotYear = 1,          // "2024"
  kSlotMonth = 2,         // "2024-03"
  kSlotLang = 3,          // "en"
  kSlotTags = 4,          // display values joined by kListSeparator
  kSlotAuthors = 5,       // display values joined by kListSeparator
  kSlotCategories = 6,    // display values joined by kListSeparator
  kSlotBoost = 7,         // Xapian::sortable_serialise(boost) when the post has one
  kSlotFacets = 8,        // every facet field's values in one value: see encode_facets()
  kSlotTranslation = 9,   // the post's translation group key; the search's collapse key
  kSlotType = 10,         // "post", "page", a collection's name: Post::type as written
  kSlotOrder = 11,        // order_key(kNewestFirst): equal weights newest first, then by id
  kSlotOldestOrder = 12,  // order_key(kOldestFirst)
};

// A post's place in a date order, as one value (Xapian's remote shards sort by one value at
// most): by date, posts without a date after those with one, and among equal dates by id,
// ascending. kNewestFirst's key is read in descending order (it also orders posts of equal
// weight), kOldestFirst's in ascending order. Neither depends on document ids, which differ
// between one database and any sharded layout of the same posts.
// `date`: seconds since the epoch, or none.
enum class KeyOrder { kNewestFirst, kOldestFirst };
[[nodiscard]] std::string order_key(KeyOrder order, std::optional<double> date,
                                    std::string_view id);

// One boolean term per post in a translation group (posts that translate one another):
// prefix + the group key, so that a hit finds its translations.
inline constexpr std::string_view kTranslationPrefix = "XT";

inline constexpr char kListSeparator = '\x1f';
inline constexpr char kFieldSeparator = '\x1e';
inline constexpr std::size_t kMaxTermBytes = 240;

// The facet fields: the slot each is counted from (the indexer writes the values of its
// filter field there, see PostValues), and how the search box and the API's `filters`
// list name it. The order is the order the box shows them in.
struct FacetField {
  std::string_view name;  // "tags", "authors", ...: the key in the JSON response
  Filter filter;          // the filter a selected facet value becomes
  Slot slot;
  bool multi_valued;       // slot holds a kListSeparator-joined list
  std::string_view label;  // the heading the search box gives it ("Tags")
};

inline constexpr std::array<FacetField, 7> kFacetFields{{
    {"tags", Filter::kTag, kSlotTags, true, "Tags"},
    {"authors", Filter::kAuthor, kSlotAuthors, true, "Authors"},
    {"categories", Filter::kCategory, kSlotCategories, true, "Categories"},
    {"years", Filter::kYear, kSlotYear, false, "Years"},
    {"months", Filter::kMonth, kSlotMonth, false, "Months"},
    {"langs", Filter::kLang, kSlotLang, false, "Languages"},
    {"types", Filter::kType, kSlotType, false, "Type"},
}};

[[nodiscard]] const FilterField& filter_field(Filter filter);
[[nodiscard]] const TextField& text_field(TextSource source);

// The boolean term for a filter value. Values are normalised the same way on both
// sides (case-folded, white space collapsed), so "C++ " and "c++" are one tag.
[[nodiscard]] std::string filter_term(Filter filter, std::string_view value);

// Normalises a filter value: lower case (ASCII and Unicode), trimmed, inner white space
// collapsed to one space. Month values accept "2024-03" and "202403". URL values are
// paths: scheme and host dropped, a trailing "/" or "/index.html" ignored.
[[nodiscard]] std::string normalise_filter_value(Filter filter, std::string_view value);

}  // namespace postsearch::schema
