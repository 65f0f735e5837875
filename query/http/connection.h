// What one connection may make the service hold or wait for. cpp-httplib 0.11 reads each
// request through a fresh stream (bytes a client pipelined behind a request are lost), bounds
// each header line but not the head, counts its read timeout between bytes (a client
// trickling a byte every few seconds holds a thread for ever) and has no notion of a client
// holding many connections. GuardedServer replaces only its per-connection loop
// (process_and_close_socket, which the library declares virtual for this) and hands each
// request to the library's own process_request through a GuardedStream that enforces:
//   - a whole-request deadline (head and body), answered 408;
//   - a least pace for sending each answer, below which the connection ends;
//   - a head size bound, answered 431; a body byte bound after the head;
//   - a Range header length bound, answered 416 before the library parses the header;
//   - bytes kept across requests, so pipelined requests are answered in order;
//   - per-address connection counts, answered 429 before anything is read.
// A request whose body was not read to its end (refused before routing) ends its connection,
// so that its body is never read as the next request.
//
// It also runs the accept loop (run() and stop() in place of the library's
// listen_after_bind() and stop(), whose loop hands every connection to a worker thread).
// A connection waits on the accepting thread, in a waiting room of at most kMaxWaiting,
// until its first bytes arrive; one silent for the keep-alive wait is closed there. So
// connections that send nothing (from any number of addresses) take no worker thread and
// queue no reader's request behind them. While connections queue for a thread, an idle
// keep-alive connection goes back there too, between requests. A connection the service refuses
// anyway (its address is at its connection limit, or `screen` says the address is over its budget)
// is answered 429 with a prepared answer and closed on the accepting thread, so that a flood of
// refused connections costs a few system calls each and never takes or starts a worker thread.
//
// Threads: run() accepts on the calling thread; each connection it admits runs on one worker
// thread; the per-address counts are shared and locked; stop() may be called from any thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace postsearch::http {

struct ConnectionLimits {
  std::size_t max_head_bytes = 32 * 1024;  // request line and headers; over it: 431
  std::size_t max_body_bytes = 64 * 1024;  // bytes after the head that are read at all
  std::size_t max_range_bytes = 256;       // one Range header line; over it: 416
  int request_timeout_ms = 10000;          // whole request, head and body, from its first byte
  int read_timeout_ms = 5000;              // between bytes
  int write_timeout_ms = 5000;             // a send that makes no progress
  // Each answer leaves at least this fast after a grace of write_timeout_ms: a client that
  // reads a byte now and then (or pipelines requests and reads slowly) no longer holds its
  // thread for as long as it likes. 0: no bound but the write timeout.
  std::size_t min_send_bytes_per_second = 8 * 1024;
  int keep_alive_ms = 2000;               // wait for the next request on an idle connection
  std::size_t keep_alive_requests = 100;  // requests on one connection
  unsigned per_client = 16;               // open connections from one address; 0: no limit
  // Worker threads. While more connections than this are being served (the rest queue for a
  // thread), a keep-alive connection with no request pending gives its thread back and waits
  // for its next request in the waiting room (run()). 0: never.
  unsigned threads = 0;
};

// What `screen` answers for an address over its budget: 429 with this Retry-After and this
// JSON body, prepared once by the caller (it must outlive the server).
struct Turnaway {
  int retry_after = 1;
  std::string_view body;
};

// Raw answers written by the connection layer itself, before or instead of routing.
struct Refusal {
  std::string client;  // the peer address
  int status = 0;
};

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(ConnectionLimits limits);

  // Accepts connections on the bound socket until stop(), then lets the connections in
  // flight finish. Returns false when accepting failed for another reason.
  bool run();
  // Closes the listening socket: run() returns once the connections in flight end.
  void stop();

  // Called for each request after its head is read, before routing (the library's
  // setup_request): may change the request, e.g. drop refused ranges. Set before run.
  std::function<void(httplib::Request&)> on_request;
  // Called on the accepting thread for each new connection's address, before anything is
  // read: the answer for an address over its budget, or nullopt to serve it. Must be cheap:
  // it runs for every connection. Set before run.
  std::function<std::optional<Turnaway>(const std::string& client)> screen;
  // Called for each raw refusal (408, 429, 431), for the log and metrics; for the refusals at
  // accept, from the accepting thread. Set before run.
  std::function<void(const Refusal&)> on_refusal;

 private:
  // Accepted (or idle between requests), waiting on the accepting thread for its next bytes
  // (run()), with the requests it may still make.
  struct Waiting {
    socket_t sock;
    std::string client;
    std::chrono::steady_clock::time_point since;
    std::size_t requests_left;
  };
  static constexpr std::size_t kMaxWaiting = 4096;  // over it, the one waiting longest goes
  static constexpr int kAcceptsPerRound = 64;       // connections accepted between polls
  // A connection's turn on a worker thread: the requests it may still make, and when the
  // first bytes of the next one were seen. That request's deadline counts from then, time
  // spent queued for a thread included, so that a queue of clients trickling their requests
  // drains at once instead of each holding the thread for the request timeout.
  struct Turn {
    std::size_t requests_left;
    std::chrono::steady_clock::time_point ready;
  };
  // How a connection's turn on a worker thread ended: `ok` as the library's
  // process_and_close_socket answers; `idle_left` > 0: it went idle while threads are scarce
  // and may make that many more requests.
  struct Served {
    bool ok = false;
    std::size_t idle_left = 0;
  };

  bool process_and_close_socket(socket_t sock) override;
  bool accept_ready(socket_t listening, std::vector<Waiting>& waiting);
  void close_waiting(const Waiting& w);
  Served serve(socket_t sock, const std::string& client, Turn turn);
  // After enter(): serves, then closes the connection or parks it.
  bool serve_and_close(socket_t sock, const std::string& client, Turn turn);
  // Hands an idle connection back to the waiting room; false when run() is not taking any.
  bool park(Waiting w);
  void take_parked(std::vector<Waiting>& waiting);
  [[nodiscard]] bool threads_scarce() const {
    return limits_.threads != 0 && serving_.load(std::memory_order_relaxed) > limits_.threads;
  }
  // Answers a connection that is not served, on the accepting thread: false when it is
  // served, counted in open_.
  bool refused_at_accept(socket_t sock, const std::string& client);
  bool enter(const std::string& client);  // false: the address is at its limit
  void leave(const std::string& client);

  const ConnectionLimits limits_;
  const std::string too_many_connections_;  // the prepared answer of refused_at_accept
  std::mutex mutex_;
  std::unordered_map<std::string, unsigned> open_;  // connections per address
  std::atomic<std::size_t> serving_{0};  // connections handed to worker threads, not back yet
  std::mutex parked_mutex_;
  std::vector<Waiting> parked_;  // under parked_mutex_: idle connections for run() to take
  bool room_open_ = false;       // under parked_mutex_: run() is taking parked connections
  int wake_fd_ = -1;             // an eventfd run() polls: a connection was parked
};

}  // namespace postsearch::http
