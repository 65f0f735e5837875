// Where an index's bytes go: each glass table's size on disk, then each field's share of
// the whole index (title, headings, the default field, filters, spelling, stored section
// text, value slots, recorded state...), summed by field and then in detail.
//   index_shares DATABASE_DIR
// Xapian's API does not expose the tables' encodings, so the shares of the postlist,
// termlist and position tables are estimates: each term's entries are costed as glass
// encodes them (key bytes, variable-length integers for document id gaps and wdfs, about
// log2(gap) bits a position) and the table's size is shared out in proportion. Value slots
// and metadata (the recorded state) sit in the postlist table uncompressed and are counted
// as their bytes; a stored field's share of the compressed document data is what zlib
// saves when the field is left out.
#include <xapian.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "common/schema.h"

namespace fs = std::filesystem;
namespace schema = postsearch::schema;

namespace {

double mib(double bytes) { return bytes / (1024.0 * 1024.0); }

// Bytes of Xapian's pack_uint for `v`.
double varint_bytes(std::uint64_t v) {
  double n = 1;
  while (v >= 128) {
    v >>= 7;
    ++n;
  }
  return n;
}

// The field a term belongs to, by the longest schema prefix it starts with ("Z" before a
// prefix: that field's stems).
class FieldNames {
 public:
  FieldNames() {
    for (const auto& f : schema::kTextFields) {
      if (!f.name.empty()) names_[std::string(f.prefix)] = std::string(f.name);
    }
    for (const auto& f : schema::kFilterFields)
      names_[std::string(f.prefix)] = "filter: " + std::string(f.name);
    names_[std::string(schema::kExactTitlePrefix)] = "title";
    names_[std::string(schema::kTitleVersionPrefix)] = "title";
    names_[std::string(schema::kVersionPrefix)] = "versions";
    names_[std::string(schema::kExactVersionPrefix)] = "versions";
    names_[std::string(schema::kTranslationPrefix)] = "filter: translations";
  }
  [[nodiscard]] std::string of(const std::string& term) const {
    const bool stem = !term.empty() && term[0] == 'Z';
    const std::string rest = stem ? term.substr(1) : term;
    std::size_t caps = 0;
    while (caps < rest.size() && rest[caps] >= 'A' && rest[caps] <= 'Z') ++caps;
    for (std::size_t n = caps; n > 0; --n) {
      const auto it = names_.find(rest.substr(0, n));
      if (it != names_.end()) return stem ? it->second + " (stems)" : it->second;
    }
    if (caps == 0) return stem ? "default field (stems)" : "default field";
    return "(unknown prefix)";
  }

 private:
  std::map<std::string, std::string> names_;
};

// Estimated encoded bytes of one field in each of the three tables.
struct Cost {
  double postlist = 0;
  double termlist = 0;
  double position = 0;
};

// Posting lists: the key (the term) and a chunk header once, then a docid gap and a wdf a
// posting. Position lists: a key (term + docid) an entry, then the last position, the
// count and about log2(span / count) + 1.5 bits a position (interpolative coding).
void cost_postings(const Xapian::Database& db, const FieldNames& fields,
                   std::map<std::string, Cost>& costs) {
  for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
    Cost& c = costs[fields.of(*t)];
    c.postlist += static_cast<double>((*t).size()) + 8;
    Xapian::docid last = 0;
    for (auto p = db.postlist_begin(*t); p != db.postlist_end(*t); ++p) {
      c.postlist += varint_bytes(*p - last - 1) + varint_bytes(p.get_wdf());
      last = *p;
      Xapian::termcount n = 0;
      Xapian::termpos first = 0;
      Xapian::termpos end = 0;
      for (auto q = p.positionlist_begin(); q != p.positionlist_end(); ++q, ++n) {
        if (n == 0) first = *q;
        end = *q;
      }
      if (n == 0) continue;
      c.position += static_cast<double>((*t).size()) + 8 + varint_bytes(end);
      if (n > 1) {
        const double span =
            std::max(1.0, static_cast<double>(end - first) / static_cast<double>(n));
        c.position += 1 + static_cast<double>(n) * (std::log2(span) + 1.5) / 8;
      }
    }
  }
}

// Term lists: a term shares its leading bytes with the one before; a byte for that, a byte
// for the length, the rest, and its wdf.
void cost_termlists(const Xapian::Database& db, const FieldNames& fields,
                    std::map<std::string, Cost>& costs) {
  for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
    std::string previous;
    for (auto t = db.termlist_begin(*d); t != db.termlist_end(*d); ++t) {
      const std::string& term = *t;
      std::size_t shared = 0;
      while (shared < term.size() && shared < previous.size() && term[shared] == previous[shared])
        ++shared;
      costs[fields.of(term)].termlist +=
          2 + static_cast<double>(term.size() - shared) + varint_bytes(t.get_wdf());
      previous = term;
    }
  }
}

// The MessagePack map's keys and the span of bytes each value takes (encode_stored()'s
// layout: a map of one-letter keys; values sized by walking them).
class Sizer {
 public:
  explicit Sizer(const std::string& in) : in_(in) {}
  // Each key with the byte offsets of its value; throws std::out_of_range on other data.
  std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> fields() {
    std::vector<std::pair<std::string, std::pair<std::size_t, std::size_t>>> out;
    const std::size_t n = container();
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t key_at = at_;
      skip();
      std::string key = in_.substr(key_at + 1, at_ - key_at - 1);
      skip();
      out.push_back({std::move(key), {key_at, at_}});
    }
    if (at_ > in_.size()) throw std::out_of_range("past the end");
    return out;
  }

 private:
  std::uint8_t byte() { return static_cast<std::uint8_t>(in_.at(at_++)); }
  std::uint64_t big(std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v << 8 | byte();
    return v;
  }
  std::size_t container() {
    const std::uint8_t b = byte();
    if ((b & 0xF0) == 0x80 || (b & 0xF0) == 0x90) return b & 0x0F;
    if (b == 0xDE || b == 0xDC) return big(2);
    return big(4);
  }
  void skip() {
    const std::uint8_t b = static_cast<std::uint8_t>(in_.at(at_));
    if ((b & 0xF0) == 0x80 || b == 0xDE || b == 0xDF) {
      for (std::size_t n = container() * 2; n > 0; --n) skip();
    } else if ((b & 0xF0) == 0x90 || b == 0xDC || b == 0xDD) {
      for (std::size_t n = container(); n > 0; --n) skip();
    } else if ((b & 0xE0) == 0xA0) {
      at_ += 1 + (b & 0x1F);
    } else if (b == 0xD9 || b == 0xDA || b == 0xDB) {
      ++at_;
      at_ += big(b == 0xD9 ? 1 : b == 0xDA ? 2 : 4);
    } else if (b >= 0xCC && b <= 0xD3) {
      at_ += 1 + (std::size_t{1} << ((b - 0xCC) % 4));
    } else {
      ++at_;
    }
  }
  const std::string& in_;
  std::size_t at_ = 0;
};

double deflated(const std::string& s) {
  uLongf n = compressBound(static_cast<uLong>(s.size()));
  std::vector<Bytef> out(n);
  compress2(out.data(), &n, reinterpret_cast<const Bytef*>(s.data()), static_cast<uLong>(s.size()),
            Z_DEFAULT_COMPRESSION);
  return static_cast<double>(std::min<std::size_t>(n, s.size()));
}

const std::map<std::string, std::string>& stored_names() {
  static const std::map<std::string, std::string> names{
      {"i", "id"},          {"u", "url"},          {"t", "title"}, {"a", "authors"},
      {"k", "tags"},        {"c", "categories"},   {"d", "date"},  {"l", "language"},
      {"e", "description"}, {"s", "section text"}, {"y", "type"},  {"p", "passage maps"}};
  return names;
}

// Each stored field's zlib-compressed weight in the document data: what compressing a
// post's data saves when the field is left out.
std::map<std::string, double> stored_costs(const Xapian::Database& db) {
  std::map<std::string, double> out;
  for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
    const std::string data = db.get_document(*d).get_data();
    const double whole = deflated(data);
    try {
      for (const auto& [key, span] : Sizer(data).fields()) {
        const std::string without = data.substr(0, span.first) + data.substr(span.second);
        const auto it = stored_names().find(key);
        out["stored " + (it == stored_names().end() ? key : it->second)] +=
            std::max(0.0, whole - deflated(without));
      }
    } catch (const std::out_of_range&) {
      out["stored (not a post)"] += whole;
    }
  }
  return out;
}

std::map<Xapian::valueno, double> value_bytes(const Xapian::Database& db) {
  std::map<Xapian::valueno, double> out;
  for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
    const Xapian::Document doc = db.get_document(*d);
    for (auto v = doc.values_begin(); v != doc.values_end(); ++v)
      out[v.get_valueno()] += static_cast<double>((*v).size()) + 1;
  }
  return out;
}

double metadata_bytes(const Xapian::Database& db, const std::string& key_prefix) {
  double n = 0;
  for (auto k = db.metadata_keys_begin(key_prefix); k != db.metadata_keys_end(key_prefix); ++k)
    n += static_cast<double>((*k).size() + db.get_metadata(*k).size());
  return n;
}

std::map<std::string, double> table_sizes(const fs::path& dir) {
  std::map<std::string, double> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".glass")
      out[e.path().stem().string()] = static_cast<double>(e.file_size());
  }
  return out;
}

void print_tables(const std::map<std::string, double>& tables, double total) {
  std::cout << "| table | MiB | share |\n|---|---:|---:|\n";
  for (const auto& [name, bytes] : tables)
    std::cout << "| " << name << " | " << mib(bytes) << " | " << 100.0 * bytes / total << " % |\n";
  std::cout << "| all | " << mib(total) << " | |\n\n";
}

// The fields' shares of the index: the three term tables shared out by cost, then the
// document data, the values and the metadata inside the postlist table.
std::map<std::string, double> field_shares(const Xapian::Database& db,
                                           std::map<std::string, double> tables) {
  const FieldNames fields;
  std::map<std::string, Cost> costs;
  cost_postings(db, fields, costs);
  cost_termlists(db, fields, costs);
  std::map<std::string, double> out;
  for (const auto& [slot, n] : value_bytes(db)) {
    out["value slot " + std::to_string(slot)] = n;
    tables["postlist"] -= n;
  }
  const double state = metadata_bytes(db, std::string(schema::kMetaSourceTable)) +
                       metadata_bytes(db, std::string(schema::kMetaSourcePrefix));
  const double metadata = metadata_bytes(db, "");
  out["recorded state (metadata)"] = state;
  out["other metadata"] = metadata - state;
  tables["postlist"] -= metadata;
  Cost all;
  for (const auto& [name, c] : costs) {
    all.postlist += c.postlist;
    all.termlist += c.termlist;
    all.position += c.position;
  }
  for (const auto& [name, c] : costs) {
    out[name] = tables["postlist"] * c.postlist / all.postlist +
                tables["termlist"] * c.termlist / all.termlist +
                (all.position > 0 ? tables["position"] * c.position / all.position : 0);
  }
  const std::map<std::string, double> stored = stored_costs(db);
  double stored_all = 0;
  for (const auto& [name, n] : stored) stored_all += n;
  for (const auto& [name, n] : stored)
    out[name] = stored_all > 0 ? tables["docdata"] * n / stored_all : 0;
  out["spelling"] = tables["spelling"];
  out["synonyms"] = tables["synonym"];
  return out;
}

// The summary's rows: a field's terms with its stems; the stored fields beside the
// section text together; the value slots by what reads them.
std::string group_of(const std::string& name) {
  static const std::map<std::string, std::string> groups{
      {"title", "title (S, ZS, XE, XVS)"},
      {"heading", "headings (XH, ZXH)"},
      {"description", "description (XD, ZXD)"},
      {"author", "authors (XA, ZXA)"},
      {"default field", "default field: body, code, tags, alt text, the fields' words"},
      {"versions", "version terms (XV, XVE)"},
      {"stored section text", "stored section text"},
      {"value slot 11", "value slots 11, 12: order keys"},
      {"value slot 12", "value slots 11, 12: order keys"},
      {"value slot 8", "value slot 8: facet table"},
  };
  const std::string base = name.substr(0, name.find(" (stems)"));
  if (const auto it = groups.find(base); it != groups.end()) return it->second;
  if (base.rfind("filter: ", 0) == 0) return "filter terms (Q, U, K, XC, XY, XM, L, T, XT)";
  if (base.rfind("stored ", 0) == 0) return "stored post fields beside the text";
  if (base.rfind("value slot ", 0) == 0) return "value slots 0-7, 9, 10: date, facets";
  return base;
}

void print_shares(const std::string& title, const std::map<std::string, double>& shares,
                  double total) {
  std::vector<std::pair<double, std::string>> rows;
  for (const auto& [name, bytes] : shares) {
    if (bytes > 0) rows.emplace_back(bytes, name);
  }
  std::sort(rows.rbegin(), rows.rend());
  std::cout << "| " << title << " | MiB (estimate) | share |\n|---|---:|---:|\n";
  for (const auto& [bytes, name] : rows)
    std::cout << "| " << name << " | " << mib(bytes) << " | " << 100.0 * bytes / total << " % |\n";
  std::cout << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: index_shares DATABASE_DIR (a glass database, not a stub)\n";
    return 2;
  }
  const fs::path dir = argv[1];
  const std::map<std::string, double> tables = table_sizes(dir);
  double total = 0;
  for (const auto& [name, bytes] : tables) total += bytes;
  std::cout << std::fixed << std::setprecision(2);
  print_tables(tables, total);
  const Xapian::Database db(dir.string());
  const std::map<std::string, double> shares = field_shares(db, tables);
  std::map<std::string, double> groups;
  for (const auto& [name, bytes] : shares) groups[group_of(name)] += bytes;
  print_shares("field", groups, total);
  print_shares("field, in detail", shares, total);
  return 0;
}
