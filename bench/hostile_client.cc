// The request loops of bench/hostile_soak.py's hostile clients, compiled: on one machine an
// attacker's own CPU is taken from the service it attacks, which a remote attacker's is not,
// and the Python loops cost about a core at the rates they reach. Each worker thread opens a
// connection from --source, writes one request blob (a request, or many pipelined), reads the
// answers the blob asks for, closes, and starts again, at most --rate connections a second
// in all (0: as fast as the service answers).
//
//     hostile_client --port P --source ADDR [--workers N] [--rate R] REQUESTS_FILE
//
// REQUESTS_FILE holds blobs, each after a line "LENGTH ANSWERS\n"; workers take them in
// turn. Every 0.5 s it prints the answers so far on stdout as "2xx 4xx 429 5xx failed bytes";
// it stops when its standard input ends (the soak script closes it).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Blob {
  std::string bytes;
  int answers = 1;
};

struct Options {
  int port = 0;
  std::string source = "127.0.0.1";
  int workers = 4;
  double rate = 0;
  std::string file;
};

struct Counts {
  std::atomic<long> ok{0}, client_error{0}, too_many{0}, server_error{0}, failed{0}, bytes{0};
};

std::atomic<bool> stopping{false};

// Connection slots handed out at --rate a second, shared by the workers.
class Pacer {
 public:
  explicit Pacer(double rate) : rate_(rate), next_(std::chrono::steady_clock::now()) {}
  void wait() {
    if (rate_ <= 0) return;
    std::chrono::steady_clock::time_point at;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      const auto now = std::chrono::steady_clock::now();
      if (next_ < now - std::chrono::milliseconds(100)) next_ = now;  // no catching up
      at = next_;
      next_ += std::chrono::nanoseconds(static_cast<long>(1e9 / rate_));
    }
    std::this_thread::sleep_until(at);
  }

 private:
  double rate_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point next_;
};

std::vector<Blob> load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<Blob> blobs;
  std::size_t length = 0;
  Blob b;
  while (in >> length >> b.answers) {
    in.get();  // the newline
    b.bytes.resize(length);
    in.read(b.bytes.data(), static_cast<std::streamsize>(length));
    blobs.push_back(b);
  }
  return blobs;
}

int open_connection(const Options& o) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, o.source.c_str(), &a.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(o.port));
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  timeval timeout{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

void count_status(Counts& c, int status) {
  if (status == 429) {
    ++c.too_many;
  } else if (status / 100 == 2) {
    ++c.ok;
  } else if (status / 100 == 4) {
    ++c.client_error;
  } else if (status / 100 == 5) {
    ++c.server_error;
  } else {
    ++c.failed;
  }
}

// Reads `answers` answers with Content-Length bodies; false when the connection ended first.
bool read_answers(int fd, int answers, Counts& c) {
  std::string data;
  char buf[65536];
  for (int k = 0; k < answers; ++k) {
    std::size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      data.append(buf, static_cast<std::size_t>(n));
    }
    if (data.compare(0, 7, "HTTP/1.") != 0) return false;
    const int status = std::atoi(data.c_str() + 9);
    std::size_t length = 0;
    for (const char* name : {"\r\nContent-Length:", "\r\ncontent-length:"}) {
      const auto at = data.find(name);
      if (at != std::string::npos && at < head_end)
        length = std::strtoul(data.c_str() + at + 17, nullptr, 10);
    }
    const std::size_t total = head_end + 4 + length;
    while (data.size() < total) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      data.append(buf, static_cast<std::size_t>(n));
    }
    data.erase(0, total);
    count_status(c, status);
    c.bytes += static_cast<long>(total);
  }
  return true;
}

void work(const Options& o, const std::vector<Blob>& blobs, std::size_t first, Pacer& pacer,
          Counts& c) {
  for (std::size_t i = first; !stopping; i += static_cast<std::size_t>(o.workers)) {
    pacer.wait();
    const Blob& b = blobs[i % blobs.size()];
    const int fd = open_connection(o);
    if (fd < 0 || !send_all(fd, b.bytes) || !read_answers(fd, b.answers, c)) {
      ++c.failed;
      if (fd >= 0) close(fd);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    close(fd);
  }
}

void report(const Counts& c) {
  std::printf("%ld %ld %ld %ld %ld %ld\n", c.ok.load(), c.client_error.load(), c.too_many.load(),
              c.server_error.load(), c.failed.load(), c.bytes.load());
  std::fflush(stdout);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--port" && has_value) {
      o.port = std::atoi(argv[++i]);
    } else if (a == "--source" && has_value) {
      o.source = argv[++i];
    } else if (a == "--workers" && has_value) {
      o.workers = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--rate" && has_value) {
      o.rate = std::atof(argv[++i]);
    } else if (a.rfind("--", 0) != 0) {
      o.file = a;
    } else {
      std::cerr << "hostile_client: unknown argument " << a << "\n";
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const std::vector<Blob> blobs = load(o.file);
  if (o.port <= 0 || blobs.empty()) {
    std::cerr << "usage: hostile_client --port P --source ADDR [--workers N] [--rate R] FILE\n";
    return 2;
  }
  Counts counts;
  Pacer pacer(o.rate);
  std::vector<std::thread> threads;
  for (int w = 0; w < o.workers; ++w) {
    threads.emplace_back([&, w] { work(o, blobs, static_cast<std::size_t>(w), pacer, counts); });
  }
  std::thread watch([] {
    char c;
    while (read(0, &c, 1) > 0) {
    }
    stopping = true;
  });
  while (!stopping) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    report(counts);
  }
  for (auto& t : threads) t.join();
  report(counts);
  watch.join();
  return 0;
}
