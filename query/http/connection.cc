#include "query/http/connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "query/http/rate_limiter.h"
#include "query/json_io.h"

namespace postsearch::http {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kFramingBytes = 16 * 1024;
// Written bytes held back to leave with the next write: an answer's head, small answers whole.
constexpr std::size_t kHeldBytes = 4 * 1024;

// The numeric host of `sa` (as cpp-httplib writes a request's remote_addr, so that both key
// the same budgets), and its port when `port` is given.
std::string numeric_host(const sockaddr* sa, socklen_t len, int* port) {
  char host[NI_MAXHOST] = "";
  char serv[NI_MAXSERV] = "";
  if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return "";
  if (port != nullptr) *port = std::atoi(serv);
  return host;
}

std::string address_of(socket_t sock, bool peer, int* port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  const int got = peer ? ::getpeername(sock, sa, &len) : ::getsockname(sock, sa, &len);
  return got == 0 ? numeric_host(sa, len, port) : "";
}

// true when `sock` has bytes (or an end) to read within `ms`; false on timeout or error.
bool wait_readable(socket_t sock, int ms) {
  pollfd p{sock, POLLIN, 0};
  for (;;) {
    const int n = ::poll(&p, 1, std::max(0, ms));
    if (n >= 0) return n > 0;
    if (errno != EINTR) return false;
  }
}

// The statuses the connection layer answers itself, with their reason phrase and the JSON
// error's code.
struct RawStatus {
  int status;
  const char* reason;
  const char* code;
};
constexpr RawStatus kTimedOut{408, "Request Timeout", "request_timeout"};
constexpr RawStatus kTooManyConnections{429, "Too Many Requests", "too_many_connections"};
constexpr RawStatus kHeadTooLarge{431, "Request Header Fields Too Large", "header_too_large"};
constexpr RawStatus kOverBudget{429, "Too Many Requests", "rate_limited"};
constexpr RawStatus kTooManyRanges{416, "Range Not Satisfiable", "range_not_satisfiable"};
constexpr std::string_view kRangeName = "range:";

// A complete answer written by the connection layer, with a JSON body already serialised;
// the connection closes after it.
std::string raw_answer_with_body(const RawStatus& raw, std::string_view body, int retry_after) {
  std::string out =
      "HTTP/1.1 " + std::to_string(raw.status) + " " + raw.reason +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n";
  if (raw.status == 429) out += "Retry-After: " + std::to_string(retry_after) + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

// The same with the routes' JSON error shape around `message`.
std::string raw_answer(const RawStatus& raw, const std::string& message) {
  return raw_answer_with_body(raw, dump_json(error_json(raw.code, message, "")), 1);
}

// Sends a raw answer, then ends our side and takes what the client already sent, so that the
// close does not reset the connection before the client has read the answer.
void answer_and_drain(socket_t sock, const std::string& answer) {
  (void)::send(sock, answer.data(), answer.size(), MSG_NOSIGNAL);
  ::shutdown(sock, SHUT_WR);
  char sink[4096];
  for (int i = 0; i < 16 && ::recv(sock, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
  }
}

// The stream the library reads each request through; one per connection, so bytes received
// beyond a request stay for the next one. Small writes are held and leave with the next
// write, the next read or flush(), so that an answer's head and body go out in one send.
class GuardedStream : public httplib::Stream {
 public:
  GuardedStream(socket_t sock, const ConnectionLimits& limits, std::string client,
                const std::function<void(const Refusal&)>& on_refusal)
      : sock_(sock),
        limits_(limits),
        client_(std::move(client)),
        on_refusal_(on_refusal),
        buffer_(16 * 1024) {}

  bool is_readable() const override {
    return begin_ < end_ || wait_readable(sock_, limits_.read_timeout_ms);
  }
  bool is_writable() const override {
    pollfd p{sock_, POLLOUT, 0};
    return !refused_ && ::poll(&p, 1, limits_.write_timeout_ms) > 0;
  }
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  // The addresses are the connection's: looked up once, not for every request on it.
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address(remote_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address(local_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

  // What waiting for the next request came to.
  enum class Wait { kRequest, kGone, kYield };
  // Waits up to keep_alive_ms for the next request's first byte: kGone when the client
  // closed, went quiet, or the server stopped listening; kYield, with no byte here, as soon
  // as `yield` says the thread is wanted elsewhere (checked every 100 ms).
  Wait wait_for_request(const std::atomic<socket_t>& listening, const std::function<bool()>& yield);
  // Starts a request whose first bytes were seen at `ready`: its deadline and byte counts.
  void begin_request(Clock::time_point ready) {
    deadline_ = ready + std::chrono::milliseconds(limits_.request_timeout_ms);
    head_bytes_ = 0;
    body_bytes_ = 0;
    line_bytes_ = 0;
    range_line_ = false;
    in_head_ = true;
    answer_sent_ = 0;
  }
  // Sends the bytes held back; false when the peer left, stopped reading for the write
  // timeout (the socket's SO_SNDTIMEO), or reads the answer slower than its least pace.
  bool flush() { return send_all(nullptr, 0); }
  // Body bytes of the current request read so far.
  [[nodiscard]] std::size_t body_bytes() const { return body_bytes_; }
  // A limit answered the request itself: the connection ends.
  [[nodiscard]] bool refused() const { return refused_; }

 private:
  struct Address {
    bool known = false;
    std::string ip;
    int port = 0;
  };
  void address(Address& a, bool peer, std::string& ip, int& port) const {
    if (!a.known) {
      a.ip = address_of(sock_, peer, &a.port);
      a.known = true;
    }
    ip = a.ip;
    port = a.port;
  }
  ssize_t fill();
  bool send_all(const char* ptr, std::size_t size);
  [[nodiscard]] bool too_slow() const;
  void abandon();
  void refuse(const RawStatus& raw, const std::string& message);
  std::size_t take(char* ptr, std::size_t size);

  socket_t sock_;
  const ConnectionLimits& limits_;
  std::string client_;
  const std::function<void(const Refusal&)>& on_refusal_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
  std::size_t end_ = 0;
  std::string held_;                // written, not yet sent (at most kHeldBytes)
  std::size_t answer_sent_ = 0;     // bytes of the current answer sent; 0: none yet
  std::size_t answer_unpaced_ = 0;  // of those, the ones its first send took
  Clock::time_point answer_started_;
  mutable Address remote_;
  mutable Address local_;
  Clock::time_point deadline_;
  std::size_t head_bytes_ = 0;
  std::size_t body_bytes_ = 0;
  std::size_t line_bytes_ = 0;  // bytes of the head line being read
  bool range_line_ = false;     // that line is a Range header
  bool in_head_ = true;
  bool refused_ = false;
};

GuardedStream::Wait GuardedStream::wait_for_request(const std::atomic<socket_t>& listening,
                                                    const std::function<bool()>& yield) {
  if (begin_ < end_) return Wait::kRequest;
  const auto until = Clock::now() + std::chrono::milliseconds(limits_.keep_alive_ms);
  while (listening != INVALID_SOCKET) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return Wait::kGone;
    // Short slices, so that a stopping server is not kept waiting for idle connections, and
    // a thread others queue for is given back soon.
    const int slice = yield() ? 0 : static_cast<int>(std::min<long long>(left, 100));
    if (wait_readable(sock_, slice)) return Wait::kRequest;
    if (slice == 0) return Wait::kYield;
  }
  return Wait::kGone;
}

void GuardedStream::refuse(const RawStatus& raw, const std::string& message) {
  if (refused_) return;
  refused_ = true;
  // Counted before the answer goes out: a client that reconnects as soon as it reads the
  // answer must find the refusal already charged to it.
  if (on_refusal_) on_refusal_({client_, raw.status});
  answer_and_drain(sock_, raw_answer(raw, message));
}

ssize_t GuardedStream::fill() {
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
  };
  const auto timed_out = [&] {
    refuse(kTimedOut, "the request was not received within " +
                          std::to_string(limits_.request_timeout_ms) + " ms");
    return -1;
  };
  // Bytes already there (wait_for_request saw them arrive) are read without a poll, even
  // past the deadline: a request that arrived whole while it queued for a thread is served.
  ssize_t n = ::recv(sock_, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    if (left() <= 0) return timed_out();
    if (!wait_readable(sock_,
                       static_cast<int>(std::min<long long>(left(), limits_.read_timeout_ms)))) {
      if (left() <= 0) return timed_out();
      return -1;  // quiet for the read timeout between bytes: the library gives up
    }
    n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
  }
  if (n > 0) {
    begin_ = 0;
    end_ = static_cast<std::size_t>(n);
  }
  return n;
}

std::size_t GuardedStream::take(char* ptr, std::size_t size) {
  std::size_t n = std::min(size, end_ - begin_);
  std::size_t head = 0;
  while (in_head_ && head < n) {
    const char c = buffer_[begin_ + head++];
    ++head_bytes_;
    if (c != '\n') {
      if (line_bytes_ < kRangeName.size()) {
        range_line_ = (line_bytes_ == 0 || range_line_) &&
                      std::tolower(static_cast<unsigned char>(c)) == kRangeName[line_bytes_];
      }
      ++line_bytes_;
      continue;
    }
    // A line that is only CR LF, after the request line, ends the head.
    in_head_ = !(line_bytes_ == 1 && head_bytes_ > 2);
    line_bytes_ = 0;
    range_line_ = false;
  }
  body_bytes_ += n - head;
  std::memcpy(ptr, buffer_.data() + begin_, n);
  begin_ += n;
  return n;
}

ssize_t GuardedStream::write(const char* ptr, size_t size) {
  if (refused_) return -1;
  if (held_.size() + size <= kHeldBytes) {
    held_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  return send_all(ptr, size) ? static_cast<ssize_t>(size) : -1;
}

// Whether the current answer has fallen behind its least pace: write_timeout_ms of grace,
// then min_send_bytes_per_second for the bytes sent after those the socket took at once
// (its buffers, which a client that reads nothing fills as well).
bool GuardedStream::too_slow() const {
  if (limits_.min_send_bytes_per_second == 0) return false;
  const std::size_t paced = answer_sent_ - answer_unpaced_;
  const auto allowed = std::chrono::milliseconds(limits_.write_timeout_ms) +
                       std::chrono::milliseconds(paced * 1000 / limits_.min_send_bytes_per_second);
  return Clock::now() - answer_started_ > allowed;
}

// Gives up on the answer: the bytes held and those in the socket's send buffer are dropped
// (the close resets the connection), so that a client that stopped reading does not keep
// them in the kernel's memory while it takes them at its own pace.
void GuardedStream::abandon() {
  held_.clear();
  const linger reset{1, 0};
  ::setsockopt(sock_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
}

// The held bytes, then [ptr, ptr + size), in as few sends as the socket takes. A send that
// makes no progress for the write timeout fails (SO_SNDTIMEO, set on every connection); so
// does one that leaves the answer behind its least pace (too_slow), checked only when the
// socket did not take everything at once, so that the usual answer costs no clock read.
bool GuardedStream::send_all(const char* ptr, std::size_t size) {
  std::string_view held(held_);
  std::string_view rest(ptr, size);
  if (answer_sent_ == 0 && !(held.empty() && rest.empty())) answer_started_ = Clock::now();
  while (!held.empty() || !rest.empty()) {
    iovec parts[2]{};
    std::size_t count = 0;
    for (const std::string_view part : {held, rest}) {
      if (!part.empty()) parts[count++] = {const_cast<char*>(part.data()), part.size()};
    }
    msghdr msg{};
    msg.msg_iov = parts;
    msg.msg_iovlen = count;
    const ssize_t n = ::sendmsg(sock_, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    const auto done = static_cast<std::size_t>(std::max<ssize_t>(n, 0));
    if (answer_sent_ == 0) answer_unpaced_ = done;
    answer_sent_ += done;
    if (n <= 0 || (done < held.size() + rest.size() && too_slow())) {
      abandon();
      return false;
    }
    const std::size_t from_held = std::min(done, held.size());
    held.remove_prefix(from_held);
    rest.remove_prefix(done - from_held);
  }
  held_.clear();
  return true;
}

ssize_t GuardedStream::read(char* ptr, size_t size) {
  if (refused_) return -1;
  // A reply written before the rest of the request is read (100 Continue) goes out first.
  if (!held_.empty() && !flush()) return -1;
  if (begin_ == end_) {
    const ssize_t n = fill();
    if (n <= 0) return n;
  }
  const std::size_t n = take(ptr, size);
  if (head_bytes_ > limits_.max_head_bytes) {
    refuse(kHeadTooLarge,
           "the request head is longer than " + std::to_string(limits_.max_head_bytes) + " bytes");
    return -1;
  }
  // The library parses Range with a regular expression that recurses once per character: a
  // header of thousands of parts touches megabytes of the thread's stack, which stay
  // resident. One longer than the ranges allowed could need is refused before it is parsed.
  if (range_line_ && line_bytes_ > limits_.max_range_bytes) {
    refuse(kTooManyRanges, "the Range header is longer than " +
                               std::to_string(limits_.max_range_bytes) +
                               " bytes; ask for fewer ranges");
    return -1;
  }
  // Room for chunk framing; the library answers 413 for a body over the limit itself.
  if (body_bytes_ > limits_.max_body_bytes + kFramingBytes) return -1;
  return static_cast<ssize_t>(n);
}

// The body the request announces: its Content-Length, or "all of it" when chunked (a body
// of unknown length that was refused unread cannot be skipped).
std::uint64_t announced_body(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return UINT64_MAX;
  const std::string length = req.get_header_value("Content-Length");
  if (length.empty()) return 0;
  errno = 0;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(length.c_str(), &end, 10);
  return errno != 0 || *end != '\0' ? UINT64_MAX : n;
}

}  // namespace

GuardedServer::Served GuardedServer::serve(socket_t sock, const std::string& client, Turn turn) {
  GuardedStream strm(sock, limits_, client, on_refusal);
  Served served;
  for (std::size_t left = turn.requests_left; left > 0; --left) {
    // Threads are scarce: one idle between requests waits for the next in the waiting room.
    const auto wait = strm.wait_for_request(svr_sock_, [this] { return threads_scarce(); });
    if (wait == GuardedStream::Wait::kYield) return {served.ok, left};
    if (wait == GuardedStream::Wait::kGone) break;
    strm.begin_request(left == turn.requests_left ? turn.ready : Clock::now());
    std::uint64_t announced = 0;
    bool closed = false;
    served.ok = process_request(strm, left == 1, closed, [&](httplib::Request& req) {
      announced = announced_body(req);
      if (on_request) on_request(req);
    });
    if (!strm.flush()) served.ok = false;
    // A body left unread (the request was refused before routing) would be read as the
    // next request: end the connection instead.
    if (!served.ok || closed || strm.refused() || strm.body_bytes() < announced) break;
  }
  return served;
}

GuardedServer::GuardedServer(ConnectionLimits limits)
    : limits_(limits),
      too_many_connections_(
          raw_answer(kTooManyConnections, "too many connections from this address (at most " +
                                              std::to_string(limits.per_client) + ")")) {}

// Accepts what the listening socket holds now (it is non-blocking), into the waiting room.
// Returns false when accepting failed for another reason than stop().
bool GuardedServer::accept_ready(socket_t listening, std::vector<Waiting>& waiting) {
  for (int i = 0; i < kAcceptsPerRound; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const socket_t sock =
        ::accept4(listening, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
    if (sock == INVALID_SOCKET) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // until a file is closed
        return true;
      }
      return svr_sock_ == INVALID_SOCKET;  // closed by stop(): not a failure
    }
    std::string client = client_key(numeric_host(reinterpret_cast<sockaddr*>(&addr), len, nullptr));
    if (refused_at_accept(sock, client)) continue;
    if (waiting.size() >= kMaxWaiting) {  // the one waiting longest makes room
      close_waiting(waiting.front());
      waiting.erase(waiting.begin());
    }
    waiting.push_back({sock, std::move(client), Clock::now(), limits_.keep_alive_requests});
  }
  return true;
}

void GuardedServer::close_waiting(const Waiting& w) {
  leave(w.client);
  ::close(w.sock);
}

bool GuardedServer::run() {
  const std::unique_ptr<httplib::TaskQueue> queue(new_task_queue());
  const socket_t listening = svr_sock_;
  if (listening == INVALID_SOCKET) return true;
  ::fcntl(listening, F_SETFL, ::fcntl(listening, F_GETFL) | O_NONBLOCK);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  {
    const std::lock_guard<std::mutex> lock(parked_mutex_);
    room_open_ = wake_fd_ >= 0;
  }
  std::vector<Waiting> waiting;
  std::vector<pollfd> fds;
  bool ok = true;
  const auto patience = std::chrono::milliseconds(limits_.keep_alive_ms);
  while (ok && svr_sock_ != INVALID_SOCKET) {
    fds.assign({pollfd{listening, POLLIN, 0}, pollfd{wake_fd_, POLLIN, 0}});
    for (const Waiting& w : waiting) fds.push_back({w.sock, POLLIN, 0});
    // Short slices: stop() closes the listening socket, which poll() does not notice.
    if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) break;
    const auto now = Clock::now();
    std::size_t kept = 0;
    for (std::size_t i = 0; i < waiting.size(); ++i) {
      Waiting& w = waiting[i];
      if (fds[i + 2].revents != 0) {  // bytes, an end or an error: a thread's work
        serving_.fetch_add(1, std::memory_order_relaxed);
        queue->enqueue(
            [this, sock = w.sock, client = std::move(w.client), turn = Turn{w.requests_left, now}] {
              serve_and_close(sock, client, turn);
            });
      } else if (now - w.since > patience) {
        close_waiting(w);
      } else {
        if (kept != i) waiting[kept] = std::move(w);  // never onto itself: that empties it
        ++kept;
      }
    }
    waiting.resize(kept);
    if ((fds[1].revents & POLLIN) != 0) take_parked(waiting);
    if ((fds[0].revents & POLLIN) != 0) ok = accept_ready(listening, waiting);
  }
  {
    const std::lock_guard<std::mutex> lock(parked_mutex_);
    room_open_ = false;
  }
  queue->shutdown();  // the connections in flight end, or find the room closed
  for (Waiting& w : parked_) waiting.push_back(std::move(w));
  parked_.clear();
  for (const Waiting& w : waiting) close_waiting(w);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  return ok;
}

void GuardedServer::stop() {
  const socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
  if (sock == INVALID_SOCKET) return;
  ::shutdown(sock, SHUT_RDWR);  // wakes the accept() in run()
  ::close(sock);
}

bool GuardedServer::refused_at_accept(socket_t sock, const std::string& client) {
  std::string answer;
  if (screen) {
    if (const auto turned = screen(client))
      answer = raw_answer_with_body(kOverBudget, turned->body, turned->retry_after);
  }
  if (answer.empty() && enter(client)) return false;
  if (on_refusal) on_refusal({client, kOverBudget.status});
  answer_and_drain(sock, answer.empty() ? too_many_connections_ : answer);
  ::close(sock);
  return true;
}

bool GuardedServer::enter(const std::string& client) {
  if (limits_.per_client == 0) return true;
  const std::lock_guard<std::mutex> lock(mutex_);
  unsigned& open = open_[client];
  if (open >= limits_.per_client) return false;
  ++open;
  return true;
}

void GuardedServer::leave(const std::string& client) {
  if (limits_.per_client == 0) return;
  const std::lock_guard<std::mutex> lock(mutex_);
  const auto it = open_.find(client);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

bool GuardedServer::serve_and_close(socket_t sock, const std::string& client, Turn turn) {
  // A send that blocks (a client that stopped reading a large answer) gives up after the
  // write timeout; reads wait in poll() with their own timeouts (GuardedStream).
  const auto timeval_of = [](int ms) { return timeval{ms / 1000, (ms % 1000) * 1000}; };
  const timeval rcv = timeval_of(limits_.read_timeout_ms);
  const timeval snd = timeval_of(limits_.write_timeout_ms);
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof rcv);
  ::setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof snd);
  const Served served = serve(sock, client, turn);
  serving_.fetch_sub(1, std::memory_order_relaxed);
  if (served.idle_left > 0 && park({sock, client, Clock::now(), served.idle_left})) return true;
  leave(client);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served.ok;
}

bool GuardedServer::park(Waiting w) {
  {
    const std::lock_guard<std::mutex> lock(parked_mutex_);
    if (!room_open_) return false;
    parked_.push_back(std::move(w));
  }
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  return true;
}

void GuardedServer::take_parked(std::vector<Waiting>& waiting) {
  std::uint64_t count = 0;
  (void)!::read(wake_fd_, &count, sizeof count);
  const std::lock_guard<std::mutex> lock(parked_mutex_);
  for (Waiting& w : parked_) waiting.push_back(std::move(w));
  parked_.clear();
}

// The library's entry for a connection (its own accept loop, which run() replaces): the
// same screening and limits.
bool GuardedServer::process_and_close_socket(socket_t sock) {
  const std::string client = client_key(address_of(sock, true, nullptr));
  if (refused_at_accept(sock, client)) return false;
  serving_.fetch_add(1, std::memory_order_relaxed);
  return serve_and_close(sock, client, {limits_.keep_alive_requests, Clock::now()});
}

}  // namespace postsearch::http
