#include "common/document.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "common/schema.h"
#include "common/stop_words.h"
#include "common/text.h"
#include "common/version.h"

namespace postsearch {
namespace {

using schema::TextSource;
constexpr Xapian::termpos kFieldGap = 100;  // keeps phrases from spanning fields

std::vector<std::string> texts_for(const Post& post, TextSource source) {
  switch (source) {
    case TextSource::kTitle:
      return {post.title};
    case TextSource::kAuthors:
      return post.authors;
    case TextSource::kTags: {
      std::vector<std::string> all = post.tags;
      all.insert(all.end(), post.categories.begin(), post.categories.end());
      return all;
    }
    case TextSource::kHeadings: {
      std::vector<std::string> headings;
      for (const auto& s : post.sections) {
        if (!s.heading.empty()) headings.push_back(s.heading);
      }
      return headings;
    }
    case TextSource::kDescription:
      return {post.description};
    case TextSource::kBody: {
      std::vector<std::string> bodies;
      for (const auto& s : post.sections) bodies.push_back(s.text);
      return bodies;
    }
    case TextSource::kCode:
      return {post.code};
    case TextSource::kAltText:
      return {post.alt_text};
  }
  return {};
}

std::string year_of(const Post& post) {
  return post.date_text.size() >= 4 ? post.date_text.substr(0, 4) : "";
}
std::string month_of(const Post& post) {
  return post.date_text.size() >= 7 ? post.date_text.substr(0, 7) : "";
}

// The version terms of `text` (schema.h): each dotted start and the canonical version with
// the field's weight, and for a title each dotted start once more under the title's prefix.
void add_version_terms(Xapian::Document& doc, const std::string& text, TextSource source,
                       Xapian::termcount weight) {
  for (const version::Version& v : version::find(text)) {
    for (const std::string& start : version::starts(v)) {
      doc.add_term(std::string(schema::kVersionPrefix) + start, weight);
      if (source == TextSource::kTitle)
        doc.add_term(std::string(schema::kTitleVersionPrefix) + start, 1);
    }
    doc.add_term(
        text::truncate_utf8(std::string(schema::kExactVersionPrefix) + version::canonical(v),
                            schema::kMaxTermBytes),
        weight);
  }
}

}  // namespace

// A stemmer that leaves words as they are: for languages without a Snowball stemmer, so
// that their words still get the Z-prefixed "stem" terms a stemmed query looks for.
class IdentityStem : public Xapian::StemImplementation {
 public:
  std::string operator()(const std::string& word) override { return word; }
  std::string get_description() const override { return "identity"; }
};

bool is_cjk_language(const std::string& lang) {
  const std::string base = text::fold_case(lang.substr(0, lang.find_first_of("-_")));
  return base == "zh" || base == "ja" || base == "ko";
}

Xapian::Stem stemmer_for(const std::string& lang) {
  const std::string base = text::fold_case(lang.substr(0, lang.find_first_of("-_")));
  if (!base.empty() && !is_cjk_language(base)) {
    try {
      return Xapian::Stem(base);
    } catch (const Xapian::InvalidArgumentError&) {
    }
  }
  return Xapian::Stem(new IdentityStem);  // Xapian owns it (reference counted)
}

const Xapian::Stopper* DocumentBuilder::stopper_for(const std::string& lang) {
  auto it = stoppers_.find(lang);
  if (it == stoppers_.end()) {
    std::unique_ptr<Xapian::SimpleStopper> stopper;
    if (const std::vector<std::string> words = stop_words(lang); !words.empty()) {
      stopper = std::make_unique<Xapian::SimpleStopper>(words.begin(), words.end());
    }
    it = stoppers_.emplace(lang, std::move(stopper)).first;
  }
  return it->second.get();
}

DocumentBuilder::DocumentBuilder(DocumentOptions options) : options_(options) {
  generator_.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  // Stop words keep their positions and exact terms (phrases need them) but get no stem.
  generator_.set_stopper_strategy(Xapian::TermGenerator::STOP_STEMMED);
}

void DocumentBuilder::index_text_fields(const Post& post, Xapian::Document& doc) {
  generator_.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  for (const auto& field : schema::kTextFields) {
    for (const auto& text : texts_for(post, field.source)) {
      if (text.empty()) continue;
      if (field.in_default) {
        generator_.index_text(text, field.weight);
        add_version_terms(doc, text, field.source, field.weight);
      }
      if (!field.prefix.empty()) {
        // With positions: field phrases (`title:"server maintenance"`).
        generator_.index_text(text, 1, std::string(field.prefix));
      }
      generator_.increase_termpos(kFieldGap);
    }
  }
}

void DocumentBuilder::add_filters_and_values(const Post& post, Xapian::Document& doc) const {
  for (const auto& field : schema::kFilterFields) {
    for (const auto& v : filter_values(post, field)) {
      doc.add_boolean_term(schema::filter_term(field.filter, v));
    }
  }
  for (const auto& field : schema::kFacetFields) {
    // An empty value is no value: Xapian removes the slot.
    doc.add_value(field.slot, facet_value(post, field));
  }
  doc.add_value(schema::kSlotFacets, encode_facets(post));
  // wdf 1, not a boolean term: it must add weight when it matches.
  if (!post.title.empty()) doc.add_term(schema::exact_title_term(post.title), 1);
  const std::optional<double> date =
      post.date ? std::optional<double>(static_cast<double>(*post.date)) : std::nullopt;
  if (date) doc.add_value(schema::kSlotDate, Xapian::sortable_serialise(*date));
  doc.add_value(schema::kSlotOrder,
                schema::order_key(schema::KeyOrder::kNewestFirst, date, post.id));
  doc.add_value(schema::kSlotOldestOrder,
                schema::order_key(schema::KeyOrder::kOldestFirst, date, post.id));
  if (post.boost != 0.0) doc.add_value(schema::kSlotBoost, Xapian::sortable_serialise(post.boost));
  if (!post.translation_key.empty()) {
    doc.add_value(schema::kSlotTranslation, post.translation_key);
    doc.add_boolean_term(std::string(schema::kTranslationPrefix) + post.translation_key);
  }
}

Xapian::Document DocumentBuilder::build(const Post& post) {
  Xapian::Document doc;
  generator_.set_document(doc);
  generator_.set_stemmer(stemmer_for(post.lang));
  generator_.set_stopper(stopper_for(post.lang));
  index_text_fields(post, doc);
  add_filters_and_values(post, doc);
  doc.set_data(encode_stored(post));
  if (options_.spelling_db != nullptr) {
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      const std::string term = *t;
      const std::string_view word = spelling_target(term);
      if (!word.empty()) options_.spelling_db->add_spelling(std::string(word));
    }
  }
  return doc;
}

namespace {

bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (static_cast<unsigned char>(c) & 0x80) != 0;
}

// A word of letters with inner apostrophes.
bool is_word(std::string_view w) {
  return is_letter(w.front()) && is_letter(w.back()) &&
         std::all_of(w.begin(), w.end(), [](char c) { return is_letter(c) || c == '\''; });
}

// An identifier of letters and underscores, with at least one of each.
bool is_identifier(std::string_view w) {
  return w.find('_') != std::string_view::npos && std::any_of(w.begin(), w.end(), is_letter) &&
         std::all_of(w.begin(), w.end(), [](char c) { return is_letter(c) || c == '_'; });
}

}  // namespace

std::string_view spelling_target(std::string_view term) {
  std::string_view word = term;
  bool named = false;  // a title or heading word
  for (const TextSource source : {TextSource::kTitle, TextSource::kHeadings}) {
    const std::string_view prefix = schema::text_field(source).prefix;
    if (term.substr(0, prefix.size()) == prefix) {
      word = term.substr(prefix.size());
      named = true;
    }
  }
  if (word.size() < 3 || word.size() > 32) return {};
  if (named) return is_identifier(word) ? word : std::string_view();
  return is_word(word) ? word : std::string_view();
}

void forget_spelling(Xapian::WritableDatabase& db, const std::string& idterm) {
  const Xapian::PostingIterator post = db.postlist_begin(idterm);
  if (post == db.postlist_end(idterm)) return;
  for (auto t = db.termlist_begin(*post); t != db.termlist_end(*post); ++t) {
    const std::string term = *t;
    const std::string_view word = spelling_target(term);
    if (!word.empty()) db.remove_spelling(std::string(word));
  }
}

std::string encode_facets(const Post& post) {
  std::string out;
  for (std::size_t i = 0; i < schema::kFacetFields.size(); ++i) {
    if (i > 0) out += schema::kFieldSeparator;
    out += facet_value(post, schema::kFacetFields[i]);
  }
  return out;
}

std::vector<std::string> filter_values(const Post& post, const schema::FilterField& field) {
  using schema::PostValues;
  switch (field.values) {
    case PostValues::kId:
      return {post.id};
    case PostValues::kUrls: {
      std::vector<std::string> urls{post.url};
      urls.insert(urls.end(), post.aliases.begin(), post.aliases.end());
      return urls;
    }
    case PostValues::kAuthors:
      return post.authors;
    case PostValues::kTags:
      return post.tags;
    case PostValues::kCategories:
      return post.categories;
    case PostValues::kLang:
      return {schema::normalise_filter_value(field.filter, post.lang)};
    case PostValues::kYear:
      return post.date ? std::vector<std::string>{year_of(post)} : std::vector<std::string>{};
    case PostValues::kMonth:
      return post.date ? std::vector<std::string>{month_of(post)} : std::vector<std::string>{};
    case PostValues::kType:
      return {post.type};
    case PostValues::kFrontMatter: {
      const auto it = post.front_matter_values.find(field.front_matter);
      return it == post.front_matter_values.end() ? std::vector<std::string>{} : it->second;
    }
  }
  return {};
}

std::string facet_value(const Post& post, const schema::FacetField& field) {
  const std::vector<std::string> values = filter_values(post, schema::filter_field(field.filter));
  if (field.multi_valued) return encode_list(values);
  return values.empty() ? std::string() : values.front();
}

std::string encode_list(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += schema::kListSeparator;
    out += values[i];
  }
  return out;
}

std::string encode_stored(const Post& post) {
  nlohmann::json sections = nlohmann::json::array();
  for (const auto& s : post.sections) {
    sections.push_back({s.heading, s.anchor, s.level, s.text});
  }
  nlohmann::json j = {
      {"i", post.id},          {"u", post.url},        {"t", post.title},     {"a", post.authors},
      {"k", post.tags},        {"c", post.categories}, {"d", post.date_text}, {"l", post.lang},
      {"e", post.description}, {"s", sections},        {"y", post.type},
  };
  // Passage maps (common/passage_map.h), one per section, only when the page was read.
  if (std::any_of(post.sections.begin(), post.sections.end(),
                  [](const Section& s) { return !s.passage_map.empty(); })) {
    nlohmann::json& maps = j["p"] = nlohmann::json::array();
    for (const auto& s : post.sections) maps.push_back(s.passage_map);
  }
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(j);
  return {bytes.begin(), bytes.end()};
}

namespace {

// Reads encode_stored()'s MessagePack straight into a StoredPost. A page of hits decodes
// ten posts with all their section text on every search; nlohmann's reader (which builds
// strings a byte at a time, and a JSON tree first) took more time than the rest of
// assembling the page. This reads the subset encode_stored() writes (maps, arrays,
// strings, integers, nil) with bounds checks, and refuses anything else.
class MsgpackReader {
 public:
  explicit MsgpackReader(std::string_view in) : in_(in) {}

  // A map or array header: its number of entries.
  std::size_t container(bool map) {
    const std::uint8_t b = byte();
    if (map && (b & 0xF0) == 0x80) return b & 0x0F;
    if (!map && (b & 0xF0) == 0x90) return b & 0x0F;
    if (b == (map ? 0xDE : 0xDC)) return big_endian(2);
    if (b == (map ? 0xDF : 0xDD)) return big_endian(4);
    throw bad();
  }
  std::string string() {
    const std::uint8_t b = byte();
    std::size_t n = 0;
    if ((b & 0xE0) == 0xA0) {
      n = b & 0x1F;
    } else if (b == 0xD9 || b == 0xDA || b == 0xDB) {
      n = big_endian(b == 0xD9 ? 1 : b == 0xDA ? 2 : 4);
    } else if (b == 0xC0) {
      return {};
    } else {
      throw bad();
    }
    if (n > in_.size() - at_) throw bad();
    std::string out(in_.substr(at_, n));
    at_ += n;
    return out;
  }
  long long integer() {
    const std::uint8_t b = byte();
    if (b <= 0x7F) return b;
    if (b >= 0xE0) return static_cast<std::int8_t>(b);
    if (b >= 0xCC && b <= 0xCF)
      return static_cast<long long>(big_endian(std::size_t{1} << (b - 0xCC)));
    if (b >= 0xD0 && b <= 0xD3) {
      const std::size_t bytes = std::size_t{1} << (b - 0xD0);
      const std::uint64_t v = big_endian(bytes);
      const std::uint64_t sign = std::uint64_t{1} << (8 * bytes - 1);
      return static_cast<long long>((v ^ sign) - sign);
    }
    throw bad();
  }
  std::vector<std::string> strings() {
    std::vector<std::string> out(container(false));
    for (auto& s : out) s = string();
    return out;
  }
  void skip() {  // one value of any kind encode_stored() writes
    const std::uint8_t b = peek();
    if ((b & 0xF0) == 0x80 || b == 0xDE || b == 0xDF) {
      for (std::size_t n = container(true) * 2; n > 0; --n) skip();
    } else if ((b & 0xF0) == 0x90 || b == 0xDC || b == 0xDD) {
      for (std::size_t n = container(false); n > 0; --n) skip();
    } else if ((b & 0xE0) == 0xA0 || b == 0xD9 || b == 0xDA || b == 0xDB || b == 0xC0) {
      (void)string();
    } else {
      (void)integer();
    }
  }
  [[nodiscard]] bool done() const { return at_ == in_.size(); }

 private:
  static std::runtime_error bad() {
    return std::runtime_error("document data is not a postsearch post; re-index");
  }
  std::uint8_t peek() const {
    if (at_ >= in_.size()) throw bad();
    return static_cast<std::uint8_t>(in_[at_]);
  }
  std::uint8_t byte() {
    const std::uint8_t b = peek();
    ++at_;
    return b;
  }
  std::uint64_t big_endian(std::size_t bytes) {
    if (bytes > in_.size() - at_) throw bad();
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v = v << 8 | static_cast<std::uint8_t>(in_[at_ + i]);
    at_ += bytes;
    return v;
  }

  std::string_view in_;
  std::size_t at_ = 0;
};

void read_sections(MsgpackReader& r, std::vector<Section>& out) {
  out.resize(r.container(false));
  for (auto& s : out) {
    const std::size_t fields = r.container(false);
    if (fields != 4) throw std::runtime_error("document data is not a postsearch post; re-index");
    s.heading = r.string();
    s.anchor = r.string();
    s.level = static_cast<int>(r.integer());
    s.text = r.string();
  }
}

}  // namespace

StoredPost decode_stored(const std::string& data) {
  MsgpackReader r(data);
  StoredPost p;
  std::vector<std::string> passage_maps;  // read before or after the sections
  bool has_id = false;
  for (std::size_t n = r.container(true); n > 0; --n) {
    const std::string key = r.string();
    const char k = key.size() == 1 ? key[0] : '\0';
    switch (k) {
      case 'i':
        p.id = r.string();
        has_id = true;
        break;
      case 'u':
        p.url = r.string();
        break;
      case 't':
        p.title = r.string();
        break;
      case 'd':
        p.date_text = r.string();
        break;
      case 'l':
        p.lang = r.string();
        break;
      case 'e':
        p.description = r.string();
        break;
      case 'a':
        p.authors = r.strings();
        break;
      case 'k':
        p.tags = r.strings();
        break;
      case 'c':
        p.categories = r.strings();
        break;
      case 's':
        read_sections(r, p.sections);
        break;
      case 'y':
        p.type = r.string();
        break;
      case 'p':
        passage_maps = r.strings();
        break;
      default:
        r.skip();
        break;
    }
  }
  if (!has_id || !r.done()) {
    throw std::runtime_error("document data is not a postsearch post; re-index");
  }
  for (std::size_t i = 0; i < passage_maps.size() && i < p.sections.size(); ++i) {
    p.sections[i].passage_map = std::move(passage_maps[i]);
  }
  return p;
}

std::string body_text(const StoredPost& post) {
  std::string body;
  for (const auto& s : post.sections) {
    if (s.text.empty()) continue;
    if (!body.empty()) body += ' ';
    body += s.text;
  }
  return body;
}

}  // namespace postsearch
