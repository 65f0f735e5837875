#include "indexer/recorded_state.h"

#include <algorithm>
#include <charconv>

namespace postsearch {
namespace {

// Starts every table; the last byte is the table format's version.
constexpr std::string_view kTableMagic("PSRS\x01", 5);

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_fixed64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Reads a table's bytes front to back; every read fails (false) past the end.
class TableReader {
 public:
  explicit TableReader(std::string_view bytes) : bytes_(bytes) {}

  bool varint(std::uint64_t& v) {
    v = 0;
    for (unsigned shift = 0; shift < 64 && at_ < bytes_.size(); shift += 7) {
      const auto byte = static_cast<unsigned char>(bytes_[at_++]);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool fixed64(std::uint64_t& v) {
    if (bytes_.size() - at_ < 8) return false;
    v = 0;
    for (std::size_t i = 0; i < 8; ++i)
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[at_ + i])) << (8 * i);
    at_ += 8;
    return true;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (bytes_.size() - at_ < n) return false;
    out = bytes_.substr(at_, n);
    at_ += n;
    return true;
  }
  [[nodiscard]] bool at_end() const { return at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::size_t at_ = 0;
};

// One entry of a table: its path as the length shared with the previous path and the rest.
struct TableEntry {
  std::uint64_t shared = 0;
  std::string_view suffix;
  FileState state;
};

bool read_entry(TableReader& in, TableEntry& e) {
  std::uint64_t suffix_size = 0;
  std::uint64_t mtime = 0;
  std::string_view status;
  if (!in.varint(e.shared) || !in.varint(suffix_size) || !in.bytes(suffix_size, e.suffix) ||
      !in.varint(e.state.size) || !in.fixed64(mtime) || !in.fixed64(e.state.hash) ||
      !in.bytes(1, status) || !in.varint(e.state.inode)) {
    return false;
  }
  e.state.mtime_ns = static_cast<std::int64_t>(mtime);
  e.state.status = status[0];
  return e.state.status == 'i' || e.state.status == 's';
}

// The total length of the table's paths, checking that each entry reads, shares no more than
// the previous path has, and sorts after it; nullopt when one does not.
std::optional<std::size_t> paths_size(std::string_view table, std::uint64_t& count) {
  TableReader in(table);
  std::string_view magic;
  if (!in.bytes(kTableMagic.size(), magic) || magic != kTableMagic || !in.varint(count))
    return std::nullopt;
  std::size_t total = 0;
  std::size_t previous = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    TableEntry e;
    if (!read_entry(in, e) || e.shared > previous || (i > 0 && e.suffix.empty()))
      return std::nullopt;
    previous = e.shared + e.suffix.size();
    total += previous;
  }
  if (!in.at_end()) return std::nullopt;
  return total;
}

template <typename T>
bool read_number(std::string_view text, std::size_t& at, T& out) {
  while (at < text.size() && text[at] == ' ') ++at;
  const auto [end, ec] = std::from_chars(text.data() + at, text.data() + text.size(), out);
  if (ec != std::errc()) return false;
  at = static_cast<std::size_t>(end - text.data());
  return true;
}

}  // namespace

std::string encode_state_table(const std::vector<RecordedFile>& files) {
  std::string out(kTableMagic);
  put_varint(out, files.size());
  std::string_view previous;
  for (const RecordedFile& f : files) {
    const auto differ = std::mismatch(previous.begin(), previous.end(), f.rel.begin(), f.rel.end());
    const auto shared = static_cast<std::size_t>(differ.first - previous.begin());
    put_varint(out, shared);
    put_varint(out, f.rel.size() - shared);
    out.append(f.rel.substr(shared));
    put_varint(out, f.state.size);
    put_fixed64(out, static_cast<std::uint64_t>(f.state.mtime_ns));
    put_fixed64(out, f.state.hash);
    out.push_back(f.state.status);
    put_varint(out, f.state.inode);
    previous = f.rel;
  }
  return out;
}

std::optional<FileState> decode_legacy_state(std::string_view text) {
  FileState s;
  std::size_t at = 0;
  if (!read_number(text, at, s.size) || !read_number(text, at, s.mtime_ns) ||
      !read_number(text, at, s.hash)) {
    return std::nullopt;
  }
  while (at < text.size() && text[at] == ' ') ++at;
  if (at >= text.size()) return std::nullopt;
  s.status = text[at++];
  if (at < text.size() && !read_number(text, at, s.inode)) return std::nullopt;
  return s;
}

bool RecordedStates::add_table(std::string_view table,
                               const std::function<bool(std::string_view rel)>& accept) {
  std::uint64_t count = 0;
  const std::optional<std::size_t> total = paths_size(table, count);
  if (!total) return false;
  // The paths, whole, one after another; the views below point into it, so it is filled in
  // place and never grows past its reservation.
  std::string& paths = bytes_.emplace_back();
  paths.reserve(*total);
  const std::size_t from = files_.size();
  files_.reserve(from + count);
  TableReader in(table);
  std::string_view skip;
  std::uint64_t ignored = 0;
  (void)in.bytes(kTableMagic.size(), skip);
  (void)in.varint(ignored);
  std::string_view previous;
  for (std::uint64_t i = 0; i < count; ++i) {
    TableEntry e;
    (void)read_entry(in, e);
    const std::size_t start = paths.size();
    paths.append(previous.substr(0, e.shared));
    paths.append(e.suffix);
    const std::string_view rel(paths.data() + start, paths.size() - start);
    if ((i > 0 && rel <= previous) || (accept && !accept(rel))) {  // the whole table is refused
      files_.resize(from);
      bytes_.pop_back();
      return false;
    }
    files_.push_back({rel, e.state});
    previous = rel;
  }
  merge_from(from);
  return true;
}

bool RecordedStates::add_legacy(std::string_view rel, std::string_view text) {
  const std::optional<FileState> state = decode_legacy_state(text);
  if (!state) return false;
  if (!adding_legacy_) {
    adding_legacy_ = true;
    legacy_from_ = files_.size();
  }
  const std::string& kept = bytes_.emplace_back(rel);
  files_.push_back({kept, *state});
  return true;
}

void RecordedStates::finish_legacy() {
  if (!adding_legacy_) return;
  adding_legacy_ = false;
  const auto by_rel = [](const RecordedFile& a, const RecordedFile& b) { return a.rel < b.rel; };
  std::stable_sort(files_.begin() + static_cast<std::ptrdiff_t>(legacy_from_), files_.end(),
                   by_rel);
  merge_from(legacy_from_);
}

void RecordedStates::merge_from(std::size_t from) {
  const auto by_rel = [](const RecordedFile& a, const RecordedFile& b) { return a.rel < b.rel; };
  std::inplace_merge(files_.begin(), files_.begin() + static_cast<std::ptrdiff_t>(from),
                     files_.end(), by_rel);
  // Equal rels are now adjacent, the one added last after the others: keep that one.
  std::size_t out = 0;
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (i + 1 < files_.size() && files_[i + 1].rel == files_[i].rel) continue;
    files_[out++] = files_[i];
  }
  files_.resize(out);
}

const FileState* RecordedStates::find(std::string_view rel) const {
  const auto it =
      std::lower_bound(files_.begin(), files_.end(), rel,
                       [](const RecordedFile& f, std::string_view key) { return f.rel < key; });
  return it != files_.end() && it->rel == rel ? &it->state : nullptr;
}

void RecordedStates::clear() {
  files_.clear();
  bytes_.clear();
  adding_legacy_ = false;
}

}  // namespace postsearch
