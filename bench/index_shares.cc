// Where an index's bytes go: each glass table's size on disk, and the postlist, position
// and termlist tables shared out among the term prefixes by their counts (postings for the
// postlist and termlist tables, positions for the position table; the tables' own encodings
// are not exposed by Xapian's API, so these shares are estimates), the document data by
// stored field (MessagePack key, uncompressed bytes) and the values by slot.
//   index_shares DATABASE_DIR
#include <xapian.h>

#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <string>

namespace fs = std::filesystem;

namespace {

struct PrefixCounts {
  std::uint64_t terms = 0;
  std::uint64_t postings = 0;
  std::uint64_t positions = 0;
};

// Omega's convention: a term's prefix is its leading capitals; "Z" (stemmed) stays with the
// prefix that follows it ("ZS" for stemmed title words).
std::string prefix_of(const std::string& term) {
  std::size_t n = 0;
  while (n < term.size() && term[n] >= 'A' && term[n] <= 'Z') ++n;
  const std::string p = term.substr(0, n);
  if (p.empty()) return "(none)";
  return p;
}

// The MessagePack map's keys and the bytes each value takes (encode_stored()'s layout:
// a map of one-letter keys; values sized by walking them).
class Sizer {
 public:
  explicit Sizer(const std::string& in) : in_(in) {}
  void fields(std::map<std::string, std::uint64_t>& out) {
    const std::size_t n = container();
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t key_at = at_;
      skip();
      const std::string key = in_.substr(key_at + 1, at_ - key_at - 1);
      const std::size_t value_at = at_;
      skip();
      out[key] += at_ - value_at;
    }
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

double mib(double bytes) { return bytes / (1024.0 * 1024.0); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: index_shares DATABASE_DIR (a glass database, not a stub)\n";
    return 2;
  }
  const fs::path dir = argv[1];
  std::map<std::string, std::uint64_t> table_bytes;
  std::uint64_t total = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".glass") continue;
    table_bytes[e.path().stem().string()] = e.file_size();
    total += e.file_size();
  }
  std::cout << std::fixed << std::setprecision(2);
  std::cout << "| table | MiB | share |\n|---|---:|---:|\n";
  for (const auto& [name, bytes] : table_bytes) {
    std::cout << "| " << name << " | " << mib(static_cast<double>(bytes)) << " | "
              << 100.0 * static_cast<double>(bytes) / static_cast<double>(total) << " % |\n";
  }
  std::cout << "| all | " << mib(static_cast<double>(total)) << " | |\n\n";

  const Xapian::Database db(dir.string());
  std::map<std::string, PrefixCounts> by_prefix;
  PrefixCounts all;
  for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
    PrefixCounts& c = by_prefix[prefix_of(*t)];
    ++c.terms;
    c.postings += t.get_termfreq();
  }
  for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
    for (auto t = db.termlist_begin(*d); t != db.termlist_end(*d); ++t)
      by_prefix[prefix_of(*t)].positions += t.positionlist_count();
  }
  for (const auto& [p, c] : by_prefix) {
    all.terms += c.terms;
    all.postings += c.postings;
    all.positions += c.positions;
  }
  const auto share = [](std::uint64_t part, std::uint64_t whole, std::uint64_t bytes) {
    return whole == 0 ? 0.0
                      : mib(static_cast<double>(bytes) * static_cast<double>(part) /
                            static_cast<double>(whole));
  };
  std::cout << "| prefix | terms | postings | positions | postlist MiB | termlist MiB | position "
               "MiB |\n|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [p, c] : by_prefix) {
    std::cout << "| " << p << " | " << c.terms << " | " << c.postings << " | " << c.positions
              << " | " << share(c.postings, all.postings, table_bytes["postlist"]) << " | "
              << share(c.postings, all.postings, table_bytes["termlist"]) << " | "
              << share(c.positions, all.positions, table_bytes["position"]) << " |\n";
  }
  std::cout << "\n";

  std::map<std::string, std::uint64_t> data_fields;
  std::uint64_t data_bytes = 0;
  std::map<Xapian::valueno, std::uint64_t> value_bytes;
  for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
    const Xapian::Document doc = db.get_document(*d);
    const std::string data = doc.get_data();
    data_bytes += data.size();
    try {
      Sizer(data).fields(data_fields);
    } catch (const std::out_of_range&) {
      data_fields["(not a stored post)"] += data.size();
    }
    for (auto v = doc.values_begin(); v != doc.values_end(); ++v)
      value_bytes[v.get_valueno()] += (*v).size();
  }
  std::cout << "| document data field | MiB uncompressed |\n|---|---:|\n";
  for (const auto& [k, n] : data_fields)
    std::cout << "| " << k << " | " << mib(static_cast<double>(n)) << " |\n";
  std::cout << "| all (docdata table " << mib(static_cast<double>(table_bytes["docdata"]))
            << " MiB on disk) | " << mib(static_cast<double>(data_bytes)) << " |\n\n";
  std::cout << "| value slot | MiB |\n|---|---:|\n";
  for (const auto& [slot, n] : value_bytes)
    std::cout << "| " << slot << " | " << mib(static_cast<double>(n)) << " |\n";
  return 0;
}
