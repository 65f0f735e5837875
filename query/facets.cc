#include "query/facets.h"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/document.h"
#include "common/schema.h"
#include "query/facet_table.h"
#include "query/filters.h"
#include "query/match_set.h"

namespace postsearch {
using schema::FacetField;
using schema::Filter;

// Each value (display form) once, with its count; in no order. The names are views, into
// the facet table (which outlives the search) or into `storage`: a field can have thousands
// of values, and only the few shown are copied (make_facet).
struct Counts {
  std::vector<std::pair<std::string_view, std::size_t>> values;
  std::shared_ptr<const std::vector<std::string>> storage;
};

template <typename Map>
Counts owned(const Map& counted) {
  auto names = std::make_shared<std::vector<std::string>>();
  names->reserve(counted.size());
  Counts out;
  out.values.reserve(counted.size());
  for (const auto& [name, n] : counted) {
    names->push_back(name);
    out.values.emplace_back(names->back(), n);
  }
  out.storage = std::move(names);
  return out;
}

// Transparent hashing, so that counting a value already seen allocates nothing.
struct Hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using FastCounts = std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>>;

// Counts every wanted field from the one facets value of each match.
class FacetSpy : public Xapian::MatchSpy {
 public:
  FacetSpy(std::vector<const FacetField*> fields, const FacetTable* table)
      : fields_(std::move(fields)), counts_(fields_.size()), table_(table) {
    for (std::size_t i = 0; i < fields_.size(); ++i) {
      const auto field = static_cast<std::size_t>(fields_[i] - schema::kFacetFields.data());
      index_of_[field] = static_cast<int>(i);
    }
    if (table_ != nullptr) flat_.assign(table_->total_values(), 0);
  }
  void operator()(const Xapian::Document& doc, double) override {
    if (table_ != nullptr) {
      count(doc.get_docid());
      return;
    }
    const std::string v = doc.get_value(schema::kSlotFacets);
    std::string_view rest(v);
    for (std::size_t field = 0; field < schema::kFacetFields.size() && !rest.empty(); ++field) {
      const std::size_t end = rest.find(schema::kFieldSeparator);
      const std::string_view values = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (index_of_[field] >= 0 && !values.empty())
        add(counts_[static_cast<std::size_t>(index_of_[field])], values);
    }
  }
  // With a table: counts document `docid`'s values.
  void count(Xapian::docid docid) { table_->count(docid, flat_.data()); }
  // With a table: counts every document of the index but those `absent` visits.
  template <typename Absent>
  void count_all_but(Absent&& absent) {
    flat_ = table_->every_document();
    absent([&](Xapian::docid d) { table_->uncount(d, flat_.data()); });
  }
  [[nodiscard]] Counts counts(std::size_t i) const {
    if (table_ == nullptr) return owned(counts_[i]);
    Counts out;
    const auto field = static_cast<std::size_t>(fields_[i] - schema::kFacetFields.data());
    const std::uint32_t* n = flat_.data() + table_->base(field);
    for (std::uint32_t id = 0; id < table_->value_count(field); ++id) {
      if (n[id] != 0) out.values.emplace_back(table_->name(field, id), n[id]);
    }
    return out;
  }

 private:
  static void add(FastCounts& counts, std::string_view values) {
    for (;;) {
      const std::size_t end = values.find(schema::kListSeparator);
      const std::string_view one = values.substr(0, end);
      const auto it = counts.find(one);
      if (it != counts.end()) {
        ++it->second;
      } else {
        counts.emplace(std::string(one), 1);
      }
      if (end == std::string_view::npos) break;
      values.remove_prefix(end + 1);
    }
  }

  std::vector<const FacetField*> fields_;
  std::vector<FastCounts> counts_;
  const FacetTable* table_;          // null: read each match's facets value
  std::vector<std::uint32_t> flat_;  // with a table: counts of every field's values (base())
  std::array<int, schema::kFacetFields.size()> index_of_ = none();

  static std::array<int, schema::kFacetFields.size()> none() {
    std::array<int, schema::kFacetFields.size()> out{};
    out.fill(-1);
    return out;
  }
};

// The spies of one matcher run, and the counts they saw per field.
class SpyRun {
 public:
  virtual ~SpyRun() = default;
  [[nodiscard]] virtual std::vector<Xapian::MatchSpy*> spies() = 0;
  [[nodiscard]] virtual Counts counts(std::size_t i) const = 0;
};

namespace {

class LocalRun : public SpyRun {
 public:
  LocalRun(std::vector<const FacetField*> fields, const FacetTable* table)
      : spy_(std::move(fields), table) {}
  std::vector<Xapian::MatchSpy*> spies() override { return {&spy_}; }
  Counts counts(std::size_t i) const override { return spy_.counts(i); }

 private:
  FacetSpy spy_;
};

// Xapian's ValueCountMatchSpy, which a remote shard can run: one per field, over the
// field's own slot; a list ("a\x1fb") counts once per value in it.
class SerialisableRun : public SpyRun {
 public:
  explicit SerialisableRun(const std::vector<const FacetField*>& fields) : fields_(fields) {
    for (const FacetField* f : fields_) {
      spies_.push_back(std::make_unique<Xapian::ValueCountMatchSpy>(f->slot));
    }
  }
  std::vector<Xapian::MatchSpy*> spies() override {
    std::vector<Xapian::MatchSpy*> out;
    for (auto& s : spies_) out.push_back(s.get());
    return out;
  }
  Counts counts(std::size_t i) const override {
    FastCounts out;
    for (auto it = spies_[i]->values_begin(); it != spies_[i]->values_end(); ++it) {
      const std::string value = *it;
      std::string_view rest(value);
      for (;;) {
        const std::size_t end =
            fields_[i]->multi_valued ? rest.find(schema::kListSeparator) : std::string_view::npos;
        const std::string_view one = rest.substr(0, end);
        if (!one.empty()) out[std::string(one)] += it.get_termfreq();
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 1);
      }
    }
    return owned(out);
  }

 private:
  std::vector<const FacetField*> fields_;
  std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies_;
};

std::unique_ptr<SpyRun> make_run(const std::vector<const FacetField*>& fields,
                                 const FacetOptions& options) {
  if (options.serialisable) return std::make_unique<SerialisableRun>(fields);
  return std::make_unique<LocalRun>(fields, options.spies_use_table ? options.table : nullptr);
}

bool wanted(const FacetField& f, const SearchRequest& r, const ParsedQuery& parsed) {
  // Months are the breakdown of a chosen year.
  return f.filter != Filter::kMonth || !selected_values(r, parsed, Filter::kYear).empty();
}

bool direct(const FacetOptions& options, const Xapian::Query& query) {
  return options.table != nullptr && !options.serialisable && match_set_supported(query);
}

// Counts from the facet table over a set of matches.
std::vector<Counts> count_set(const DocSet& matches, const std::vector<const FacetField*>& fields,
                              const FacetTable& table) {
  FacetSpy spy(fields, &table);
  // The same counts from whichever side of the set is smaller: a common word matches most
  // of the index, and its facets are then every document's less the few it lacks.
  const Xapian::docid last = table.last_docid();
  if (matches.count() * 2 > last) {
    spy.count_all_but([&](auto&& f) { matches.for_each_absent(last, f); });
  } else {
    matches.for_each([&](Xapian::docid d) { spy.count(d); });
  }
  std::vector<Counts> out;
  for (std::size_t i = 0; i < fields.size(); ++i) out.push_back(spy.counts(i));
  return out;
}

// Counts for each field, and the number of matches when they were counted from the posting
// lists (none after a matcher pass).
struct FieldCounts {
  std::vector<Counts> counts;
  std::optional<Xapian::doccount> matches;
};

// Counts for `fields` over the matches of `query`: from the posting lists and the facet
// table when they can, else in one unweighted matcher pass.
FieldCounts count(const Xapian::Database& db, const Xapian::Query& query,
                  const std::vector<const FacetField*>& fields, const FacetOptions& options) {
  if (direct(options, query)) {
    const std::optional<DocSet> set = match_set(db, query, options.postings);
    return {count_set(*set, fields, *options.table), static_cast<Xapian::doccount>(set->count())};
  }
  FieldCounts result{std::vector<Counts>(fields.size()), std::nullopt};
  std::vector<Counts>& out = result.counts;
  if (fields.empty()) return result;
  const std::unique_ptr<SpyRun> run = make_run(fields, options);
  Xapian::Enquire e(db);
  e.set_query(query);
  e.set_weighting_scheme(Xapian::BoolWeight());
  for (Xapian::MatchSpy* spy : run->spies()) e.add_matchspy(spy);
  (void)e.get_mset(0, 0, db.get_doccount());
  for (std::size_t i = 0; i < fields.size(); ++i) out[i] = run->counts(i);
  return result;
}

Facet make_facet(const FacetField& f, const Counts& counts, const SearchRequest& r,
                 const ParsedQuery& parsed) {
  Facet facet;
  facet.name = std::string(f.name);
  std::vector<std::string> chosen;
  for (const auto& v : selected_values(r, parsed, f.filter)) {
    chosen.push_back(schema::normalise_filter_value(f.filter, v));
  }
  // Ordered as views; only the values shown are copied.
  struct Candidate {
    std::string_view value;
    std::size_t count;
    bool selected;
  };
  std::vector<Candidate> all;
  all.reserve(counts.values.size());
  for (const auto& [value, n] : counts.values) {
    // Normalising (Unicode case folding) only when something is selected: a field can
    // have thousands of values.
    const bool selected =
        !chosen.empty() &&
        std::find(chosen.begin(), chosen.end(), schema::normalise_filter_value(f.filter, value)) !=
            chosen.end();
    all.push_back({value, n, selected});
  }
  const bool by_value = f.filter == Filter::kYear || f.filter == Filter::kMonth;
  const auto order = [&](const Candidate& a, const Candidate& b) {
    if (a.selected != b.selected) return a.selected;
    if (by_value) return a.value > b.value;
    if (a.count != b.count) return a.count > b.count;
    return a.value < b.value;
  };
  const auto limit = std::min(static_cast<std::size_t>(std::max(r.facet_limit, 0)), all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(limit), all.end(),
                    order);
  facet.values.reserve(limit);
  for (std::size_t i = 0; i < limit; ++i) {
    facet.values.push_back({std::string(all[i].value), all[i].count, all[i].selected});
  }
  facet.other_values = all.size() - limit;
  return facet;
}

}  // namespace

FacetCounter::FacetCounter(const SearchRequest& request, const ParsedQuery& parsed,
                           FacetOptions options)
    : request_(request), parsed_(parsed), options_(options) {
  for (const auto& f : schema::kFacetFields) {
    if (!wanted(f, request, parsed)) continue;
    (selected_values(request, parsed, f.filter).empty() ? shared_ : selected_).push_back(&f);
  }
}

FacetCounter::~FacetCounter() = default;

bool FacetCounter::counts_directly(const Xapian::Query& query) const {
  return direct(options_, query);
}

std::pair<std::vector<Xapian::MatchSpy*>, int> FacetCounter::shared_spy() {
  if (shared_.empty()) return {{}, -1};
  spies_.push_back(make_run(shared_, options_));
  return {spies_.back()->spies(), static_cast<int>(spies_.size()) - 1};
}

std::vector<Facet> FacetCounter::finish(const Xapian::Database& db, const Xapian::Query& text_query,
                                        int used) {
  std::map<const FacetField*, Counts> counts;
  for (const FacetField* f : selected_) {
    const Xapian::Query q = with_filters(text_query, filter_query(request_, parsed_, f->filter));
    counts[f] = std::move(count(db, q, {f}, options_).counts.front());
  }
  std::vector<Counts> shared_counts;
  if (used >= 0 && used < static_cast<int>(spies_.size())) {
    for (std::size_t i = 0; i < shared_.size(); ++i)
      shared_counts.push_back(spies_[static_cast<std::size_t>(used)]->counts(i));
  } else {
    FieldCounts all =
        count(db, with_filters(text_query, filter_query(request_, parsed_, std::nullopt)), shared_,
              options_);
    shared_counts = std::move(all.counts);
    if (all.matches) matches_ = all.matches;
  }
  for (std::size_t i = 0; i < shared_.size(); ++i) counts[shared_[i]] = std::move(shared_counts[i]);
  std::vector<Facet> out;
  for (const auto& f : schema::kFacetFields) {
    if (counts.count(&f) != 0) out.push_back(make_facet(f, counts[&f], request_, parsed_));
  }
  return out;
}

}  // namespace postsearch
