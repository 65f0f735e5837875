#include "common/document.h"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "common/schema.h"
#include "common/stop_words.h"
#include "common/text.h"

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

// Spelling data from prose only: identifiers in code would be suggested as corrections.
bool wants_spelling(TextSource source) {
  return source == TextSource::kTitle || source == TextSource::kHeadings ||
         source == TextSource::kBody || source == TextSource::kTags;
}

std::string year_of(const Post& post) {
  return post.date_text.size() >= 4 ? post.date_text.substr(0, 4) : "";
}
std::string month_of(const Post& post) {
  return post.date_text.size() >= 7 ? post.date_text.substr(0, 7) : "";
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
    if (const std::string_view words = stop_word_list(text::fold_case(lang)); !words.empty()) {
      stopper = std::make_unique<Xapian::SimpleStopper>();
      for (const auto& w : text::split(std::string(words), ' ')) stopper->add(w);
    }
    it = stoppers_.emplace(lang, std::move(stopper)).first;
  }
  return it->second.get();
}

DocumentBuilder::DocumentBuilder(DocumentOptions options) : options_(options) {
  generator_.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  // Stop words keep their positions and exact terms (phrases need them) but get no stem.
  generator_.set_stopper_strategy(Xapian::TermGenerator::STOP_STEMMED);
  if (options_.spelling_db != nullptr) generator_.set_database(*options_.spelling_db);
}

void DocumentBuilder::index_text_fields(const Post& post) {
  const Xapian::TermGenerator::flags base_flags = Xapian::TermGenerator::FLAG_CJK_NGRAM;
  for (const auto& field : schema::kTextFields) {
    const bool spelling = options_.spelling_db != nullptr && wants_spelling(field.source);
    generator_.set_flags(base_flags | (spelling ? Xapian::TermGenerator::FLAG_SPELLING : 0));
    for (const auto& text : texts_for(post, field.source)) {
      if (text.empty()) continue;
      if (field.in_default) generator_.index_text(text, field.weight);
      if (!field.prefix.empty()) {
        generator_.index_text_without_positions(text, 1, std::string(field.prefix));
      }
      generator_.increase_termpos(kFieldGap);
    }
  }
}

void DocumentBuilder::add_filters_and_values(const Post& post, Xapian::Document& doc) const {
  using schema::Filter;
  doc.add_boolean_term(schema::filter_term(Filter::kId, post.id));
  doc.add_boolean_term(schema::filter_term(Filter::kUrl, post.url));
  for (const auto& a : post.aliases) doc.add_boolean_term(schema::filter_term(Filter::kUrl, a));
  // wdf 1, not a boolean term: it must add weight when it matches.
  if (!post.title.empty()) doc.add_term(schema::exact_title_term(post.title), 1);
  for (const auto& a : post.authors) doc.add_boolean_term(schema::filter_term(Filter::kAuthor, a));
  for (const auto& t : post.tags) doc.add_boolean_term(schema::filter_term(Filter::kTag, t));
  for (const auto& c : post.categories) {
    doc.add_boolean_term(schema::filter_term(Filter::kCategory, c));
  }
  doc.add_boolean_term(schema::filter_term(Filter::kLang, post.lang));
  doc.add_value(schema::kSlotLang, schema::normalise_filter_value(Filter::kLang, post.lang));
  if (post.date) {
    doc.add_value(schema::kSlotDate, Xapian::sortable_serialise(static_cast<double>(*post.date)));
    doc.add_boolean_term(schema::filter_term(Filter::kYear, year_of(post)));
    doc.add_boolean_term(schema::filter_term(Filter::kMonth, month_of(post)));
    doc.add_value(schema::kSlotYear, year_of(post));
    doc.add_value(schema::kSlotMonth, month_of(post));
  }
  if (!post.tags.empty()) doc.add_value(schema::kSlotTags, encode_list(post.tags));
  if (!post.authors.empty()) doc.add_value(schema::kSlotAuthors, encode_list(post.authors));
  if (!post.categories.empty()) {
    doc.add_value(schema::kSlotCategories, encode_list(post.categories));
  }
  doc.add_value(schema::kSlotFacets, encode_facets(post));
  if (post.boost != 0.0) doc.add_value(schema::kSlotBoost, Xapian::sortable_serialise(post.boost));
}

Xapian::Document DocumentBuilder::build(const Post& post) {
  Xapian::Document doc;
  generator_.set_document(doc);
  generator_.set_stemmer(stemmer_for(post.lang));
  generator_.set_stopper(stopper_for(post.lang));
  index_text_fields(post);
  add_filters_and_values(post, doc);
  doc.set_data(encode_stored(post));
  return doc;
}

std::string encode_facets(const Post& post) {
  std::string out;
  for (std::size_t i = 0; i < schema::kFacetFields.size(); ++i) {
    if (i > 0) out += schema::kFieldSeparator;
    switch (schema::kFacetFields[i].filter) {
      case schema::Filter::kTag:
        out += encode_list(post.tags);
        break;
      case schema::Filter::kAuthor:
        out += encode_list(post.authors);
        break;
      case schema::Filter::kCategory:
        out += encode_list(post.categories);
        break;
      case schema::Filter::kYear:
        out += year_of(post);
        break;
      case schema::Filter::kMonth:
        out += month_of(post);
        break;
      case schema::Filter::kLang:
        out += schema::normalise_filter_value(schema::Filter::kLang, post.lang);
        break;
      case schema::Filter::kId:
      case schema::Filter::kUrl:
        break;
    }
  }
  return out;
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
  const nlohmann::json j = {
      {"i", post.id},          {"u", post.url},        {"t", post.title},     {"a", post.authors},
      {"k", post.tags},        {"c", post.categories}, {"d", post.date_text}, {"l", post.lang},
      {"e", post.description}, {"s", sections},
  };
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(j);
  return {bytes.begin(), bytes.end()};
}

StoredPost decode_stored(const std::string& data) {
  const nlohmann::json j = nlohmann::json::from_msgpack(data, true, false);
  if (!j.is_object() || !j.contains("i")) {
    throw std::runtime_error("document data is not a postsearch post; re-index");
  }
  StoredPost p;
  p.id = j.value("i", "");
  p.url = j.value("u", "");
  p.title = j.value("t", "");
  p.authors = j.value("a", std::vector<std::string>{});
  p.tags = j.value("k", std::vector<std::string>{});
  p.categories = j.value("c", std::vector<std::string>{});
  p.date_text = j.value("d", "");
  p.lang = j.value("l", "");
  p.description = j.value("e", "");
  for (const auto& s : j.value("s", nlohmann::json::array())) {
    p.sections.push_back({s.at(0).get<std::string>(), s.at(1).get<std::string>(),
                          s.at(2).get<int>(), s.at(3).get<std::string>()});
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
