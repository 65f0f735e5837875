#include "common/contained_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace postsearch {
namespace {

namespace fs = std::filesystem;

// Closes the descriptor when the read is over, however it ends.
struct Fd {
  explicit Fd(int descriptor) : fd(descriptor) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

bool is_under(const std::string& resolved, const std::string& root) {
  return resolved.size() > root.size() && resolved.compare(0, root.size(), root) == 0 &&
         (root.back() == '/' || resolved[root.size()] == '/');
}

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

ContainedRead refuse(std::string why) { return {std::nullopt, std::move(why)}; }

}  // namespace

ContainedRead read_contained_file(const fs::path& root, const fs::path& path,
                                  std::uint64_t max_bytes) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    const int err = errno;
    return refuse(std::string("cannot read: ") + std::strerror(err) +
                  (err == ELOOP ? " (a symlink loop?)" : ""));
  }
  if (!is_under(resolved, root.string())) {
    return refuse(std::string("a symlink to ") + resolved + ", outside " + root.string() +
                  "; not read");
  }
  // O_NOFOLLOW: the resolved path has no symlink left, so one appearing now is refused;
  // O_NONBLOCK: opening a FIFO does not wait for a writer.
  Fd fd{::open(resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)};
  if (fd.fd < 0) return refuse(std::string("cannot read: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) return refuse(std::string("cannot read: ") + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return refuse(kind_of(st.st_mode) + "; not read");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes) {
    return refuse(std::to_string(size) + " bytes, over the limit of " + std::to_string(max_bytes));
  }
  std::string bytes(size, '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd.fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return refuse(std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;  // the file shrank meanwhile
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return {std::move(bytes), ""};
}

}  // namespace postsearch
