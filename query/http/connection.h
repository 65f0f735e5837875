// What one connection may make the service hold or wait for. cpp-httplib 0.11 reads each
// request through a fresh stream (bytes a client pipelined behind a request are lost), bounds
// each header line but not the head, counts its read timeout between bytes (a client
// trickling a byte every few seconds holds a thread for ever) and has no notion of a client
// holding many connections. GuardedServer replaces only its per-connection loop
// (process_and_close_socket, which the library declares virtual for this) and hands each
// request to the library's own process_request through a GuardedStream that enforces:
//   - a whole-request deadline (head and body), answered 408;
//   - a head size bound, answered 431; a body byte bound after the head;
//   - bytes kept across requests, so pipelined requests are answered in order;
//   - per-address connection counts, answered 429 before anything is read.
// A request whose body was not read to its end (refused before routing) ends its connection,
// so that its body is never read as the next request.
//
// Threads: each connection runs on one worker thread; the per-address counts are shared and
// locked.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace postsearch::http {

struct ConnectionLimits {
  std::size_t max_head_bytes = 32 * 1024;  // request line and headers; over it: 431
  std::size_t max_body_bytes = 64 * 1024;  // bytes after the head that are read at all
  int request_timeout_ms = 10000;          // whole request, head and body, from its first byte
  int read_timeout_ms = 5000;              // between bytes
  int write_timeout_ms = 5000;
  int keep_alive_ms = 2000;               // wait for the next request on an idle connection
  std::size_t keep_alive_requests = 100;  // requests on one connection
  unsigned per_client = 16;               // open connections from one address; 0: no limit
};

// Raw answers written by the connection layer itself, before or instead of routing.
struct Refusal {
  std::string client;  // the peer address
  int status = 0;
};

class GuardedServer : public httplib::Server {
 public:
  explicit GuardedServer(ConnectionLimits limits) : limits_(limits) {}

  // Called for each request after its head is read, before routing (the library's
  // setup_request): may change the request, e.g. drop refused ranges. Set before run.
  std::function<void(httplib::Request&)> on_request;
  // Called for each raw refusal (408, 429, 431), for the log and metrics. Set before run.
  std::function<void(const Refusal&)> on_refusal;

 private:
  bool process_and_close_socket(socket_t sock) override;
  bool serve(socket_t sock, const std::string& client);
  bool enter(const std::string& client);  // false: the address is at its limit
  void leave(const std::string& client);

  const ConnectionLimits limits_;
  std::mutex mutex_;
  std::unordered_map<std::string, unsigned> open_;  // connections per address
};

}  // namespace postsearch::http
