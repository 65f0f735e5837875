// A few threads of low CPU priority that run work handed to them while the caller waits. The
// service sends there the requests of clients that spend their CPU budget fastest (costly
// searches, over and over): when the cores are busy the kernel then runs every other
// client's work first, and those clients together hold at most `threads` searchers, so the
// rest stay free for everyone else. Each thread lowers its own priority once, as it starts;
// that needs no privilege (raising it back would, which is why these threads serve nothing
// else).
//
// Threads: run() may be called from any thread, any number at once; jobs wait in arrival
// order for a free lane thread. The destructor runs the jobs already queued, then joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace postsearch::http {

// CPU seconds the calling thread has used (CLOCK_THREAD_CPUTIME_ID): what a job costs its
// client, on a lane thread or the caller's own.
[[nodiscard]] double thread_cpu_seconds();

struct LaneOptions {
  std::size_t threads = 1;  // jobs run at once (at least 1)
  int nice = 19;            // added to the niceness of the thread that creates the lane
};

class LowPriorityLane {
 public:
  explicit LowPriorityLane(LaneOptions options);
  ~LowPriorityLane();
  LowPriorityLane(const LowPriorityLane&) = delete;
  LowPriorityLane& operator=(const LowPriorityLane&) = delete;

  // Runs `job` on a lane thread and waits for it; returns the CPU seconds it used there (the
  // caller's own clock does not see them). What the job throws is thrown here.
  double run(const std::function<void()>& job);

  // Jobs finished so far (for metrics).
  [[nodiscard]] std::size_t jobs_run() const;

 private:
  struct Job {
    const std::function<void()>& work;
    std::exception_ptr error;
    double cpu_seconds = 0;
    bool done = false;
    std::condition_variable finished;
  };
  void serve(int nice);  // a lane thread's loop

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job*> queued_;  // oldest first; each lives on its caller's stack
  std::size_t jobs_run_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;  // last: started once everything above exists
};

}  // namespace postsearch::http
