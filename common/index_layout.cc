#include "common/index_layout.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/schema.h"

namespace postsearch {
namespace {

constexpr std::string_view kGenPrefix = "gen-";

std::string errno_text() { return std::strerror(errno); }

std::vector<fs::path> generations(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kGenPrefix, 0) == 0 && entry.is_directory()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

IndexLayout::IndexLayout(fs::path dir) : dir_(std::move(dir)) {}

std::vector<StubEntry> parse_stub(const std::string& text) {
  std::vector<StubEntry> out;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t eol = std::min(text.find('\n', at), text.size());
    const std::string line = text.substr(at, eol - at);
    at = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.find(' ');
    out.push_back(
        {line.substr(0, space), space == std::string::npos ? "" : line.substr(space + 1)});
  }
  return out;
}

// The service reads the stub at every search (Searcher::refresh): plain reads, without the
// stream buffer and locale an ifstream allocates and sets up.
std::string read_stub_text(const fs::path& index_dir) {
  const int fd = ::open((index_dir / "XAPIANDB").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buf[512];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

std::vector<StubEntry> read_stub(const fs::path& index_dir) {
  return parse_stub(read_stub_text(index_dir));
}

std::optional<fs::path> IndexLayout::live_generation() const {
  const std::vector<StubEntry> stub = read_stub(dir_);
  if (stub.empty() || stub.front().type == "remote") return std::nullopt;
  // "gen-NNNNNN" or "gen-NNNNNN/shard-0": the generation is the first component.
  const std::string& name = stub.front().where;
  const fs::path gen = dir_ / name.substr(0, name.find('/'));
  if (!fs::is_directory(gen)) return std::nullopt;
  return gen;
}

std::vector<fs::path> IndexLayout::live_shards() const {
  std::vector<fs::path> out;
  for (const auto& e : read_stub(dir_)) out.push_back(dir_ / e.where);
  return out;
}

fs::path IndexLayout::next_generation() const {
  int next = 1;
  for (const auto& gen : generations(dir_)) {
    const std::string digits = gen.filename().string().substr(kGenPrefix.size());
    next = std::max(next, std::atoi(digits.c_str()) + 1);
  }
  char name[32];
  std::snprintf(name, sizeof name, "gen-%06d", next);
  return dir_ / name;
}

void IndexLayout::write_stub(const std::string& text) const {
  const fs::path tmp = dir_ / "XAPIANDB.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string() + ": " + errno_text());
  }
  fsync_path(tmp, O_RDONLY);
  if (::rename(tmp.c_str(), stub_path().c_str()) != 0) {
    throw std::runtime_error("cannot replace " + stub_path().string() + ": " + errno_text());
  }
  fsync_path(dir_, O_RDONLY | O_DIRECTORY);
}

void IndexLayout::publish_remote(const std::vector<std::string>& addresses) const {
  std::string text;
  for (const auto& a : addresses) text += "remote " + a + "\n";
  write_stub(text);
}

void IndexLayout::publish(const fs::path& generation, unsigned shards) const {
  std::ostringstream text;
  const std::string name = generation.filename().string();
  if (shards <= 1) text << "glass " << name << "\n";
  for (unsigned k = 0; shards > 1 && k < shards; ++k) {
    text << "glass " << name << "/" << shard_dir(name, k).filename().string() << "\n";
  }
  write_stub(text.str());
  // The stable name replication serves: a new link, renamed over the old one.
  const fs::path link_tmp = dir_ / "live.tmp";
  std::error_code ec;
  fs::remove(link_tmp, ec);
  fs::create_directory_symlink(generation.filename(), link_tmp);
  if (::rename(link_tmp.c_str(), (dir_ / "live").c_str()) != 0) {
    throw std::runtime_error("cannot replace " + (dir_ / "live").string() + ": " + errno_text());
  }
}

void IndexLayout::remove_stale_generations(const std::optional<fs::path>& keep) const {
  const auto live = live_generation();
  for (const auto& gen : generations(dir_)) {
    if ((live && gen == *live) || (keep && gen == *keep)) continue;
    std::error_code ec;
    fs::remove_all(gen, ec);
  }
}

std::optional<std::string> remote_address_problem(const std::string& where) {
  const std::size_t colon = where.rfind(':');
  const std::string port = colon == std::string::npos ? "" : where.substr(colon + 1);
  const bool digits =
      !port.empty() && port.size() <= 5 &&
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (colon == 0 || !digits || std::stoul(port) == 0 || std::stoul(port) > 65535)
    return "a remote shard is written HOST:PORT (`" + where + "` is not)";
  return std::nullopt;
}

RemoteAddress parse_remote_address(const std::string& where, const std::string& context) {
  if (const auto problem = remote_address_problem(where))
    throw std::runtime_error(context + ": " + *problem);
  const std::size_t colon = where.rfind(':');
  return {where.substr(0, colon), static_cast<unsigned>(std::stoul(where.substr(colon + 1)))};
}

fs::path shard_dir(const fs::path& generation, unsigned k) {
  return generation / ("shard-" + std::to_string(k));
}

unsigned shard_of(std::string_view post_id, unsigned shards) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : post_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return shards <= 1 ? 0 : static_cast<unsigned>(h % shards);
}

ShardList::ShardList(const std::vector<std::string>& shards) {
  std::string stub;
  for (const auto& shard : shards) {
    if (shard.rfind("tcp://", 0) == 0) {
      const std::string where = shard.substr(6);
      (void)parse_remote_address(where, "--shard " + shard);
      stub += "remote " + where + "\n";
    } else if (fs::exists(shard)) {
      stub += "auto " + fs::absolute(shard).lexically_normal().string() + "\n";
    } else {
      throw std::runtime_error("--shard " + shard +
                               ": neither tcp://HOST:PORT nor an existing database directory");
    }
  }
  std::string dir = (fs::temp_directory_path() / "postsearch-shards-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    throw std::runtime_error("cannot create a directory in " + fs::temp_directory_path().string() +
                             ": " + errno_text());
  }
  dir_ = dir;
  std::ofstream(dir_ / "XAPIANDB") << stub;
}

ShardList::~ShardList() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

WriterLock::WriterLock(const fs::path& index_dir) {
  fs::create_directories(index_dir);
  const fs::path path = index_dir / ".lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path.string() + ": " + errno_text());
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    const auto n = ::pread(fd_, buf, sizeof buf - 1, 0);
    ::close(fd_);
    fd_ = -1;
    const std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
    throw std::runtime_error("another indexer (pid " + pid + ") is writing " + index_dir.string() +
                             "; wait for it to finish");
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const auto w = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

WriterLock::~WriterLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::string schema_mismatch(const Xapian::Database& db, const fs::path& index_dir) {
  const std::string version = db.get_metadata(std::string(schema::kMetaSchemaVersion));
  if (version == std::to_string(schema::kSchemaVersion)) return "";
  const std::string found = version.empty() ? "none" : version;
  return "index " + index_dir.string() + " has schema version " + found + ", this build reads " +
         std::to_string(schema::kSchemaVersion) + ": re-index it with `indexer SITE_DIR --index " +
         index_dir.string() + "`";
}

namespace {

// Why the shard of stub line `line` could not be opened: a server that accepts connections
// but does not answer in time (hung, or too busy) is told apart from one that is down.
std::string unreachable(const std::string& line, const Xapian::Error& e,
                        const OpenOptions& options) {
  if (std::string_view(e.get_type()) == "NetworkTimeoutError") {
    return "shard `" + line + "` did not answer within " +
           std::to_string(options.remote_timeout_ms) + " ms (the remote timeout): " + e.get_msg();
  }
  return "shard `" + line + "` cannot be reached: " + e.get_msg();
}

// The shards of a stub that lists remote ones, opened one by one (Xapian's own stub reader
// has no timeouts and fails on the first unreachable shard).
OpenedIndex open_shards(const fs::path& index_dir, const std::vector<StubEntry>& stub,
                        const OpenOptions& options) {
  OpenedIndex out;
  out.remote = true;
  std::string last_error;
  for (const auto& [type, where] : stub) {
    const std::string line = type + " " + where;
    if (type != "remote") {
      const fs::path path = fs::path(where).is_absolute() ? fs::path(where) : index_dir / where;
      out.db.add_database(Xapian::Database(path.string()));
      continue;
    }
    const RemoteAddress address =
        parse_remote_address(where, index_dir.string() + "/XAPIANDB: `" + line + "`");
    try {
      out.db.add_database(Xapian::Remote::open(
          address.host, address.port, options.remote_timeout_ms, options.remote_timeout_ms));
    } catch (const Xapian::Error& e) {  // NetworkError, or the server's own error passed back
      if (!options.partial) throw Xapian::NetworkError(unreachable(line, e, options));
      out.missing.push_back(line);
      last_error = e.get_msg();
    }
  }
  if (out.db.size() == 0) {
    throw Xapian::NetworkError("no shard of " + index_dir.string() +
                               " can be reached: " + last_error);
  }
  return out;
}

}  // namespace

OpenedIndex open_index_for_reading(const fs::path& index_dir, const OpenOptions& options) {
  if (!fs::exists(index_dir / "XAPIANDB")) {
    throw std::runtime_error("no index at " + index_dir.string() +
                             ": build one with `indexer SITE_DIR --index " + index_dir.string() +
                             "`");
  }
  OpenedIndex out;
  const std::vector<StubEntry> stub = read_stub(index_dir);
  if (std::any_of(stub.begin(), stub.end(), [](const auto& e) { return e.type == "remote"; })) {
    out = open_shards(index_dir, stub, options);
  } else {
    out.db = Xapian::Database(index_dir.string());
  }
  if (const std::string why = schema_mismatch(out.db, index_dir); !why.empty()) {
    throw std::runtime_error(why);
  }
  return out;
}

}  // namespace postsearch
