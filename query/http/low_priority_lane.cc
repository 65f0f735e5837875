#include "query/http/low_priority_lane.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace postsearch::http {
namespace {

// Linux keeps a niceness per thread: PRIO_PROCESS with a thread id sets this thread's only.
void lower_own_priority(int by) {
  const auto tid = static_cast<id_t>(gettid());
  errno = 0;
  const int now = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) setpriority(PRIO_PROCESS, tid, std::min(19, now + by));
}

}  // namespace

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

LowPriorityLane::LowPriorityLane(LaneOptions options) {
  const std::size_t n = std::max<std::size_t>(1, options.threads);
  threads_.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    threads_.emplace_back([this, options] { serve(options.nice); });
}

LowPriorityLane::~LowPriorityLane() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

double LowPriorityLane::run(const std::function<void()>& job) {
  Job mine{job, nullptr, 0, false, {}};
  std::unique_lock<std::mutex> lock(mutex_);
  queued_.push_back(&mine);
  wake_.notify_one();
  mine.finished.wait(lock, [&] { return mine.done; });
  if (mine.error) std::rethrow_exception(mine.error);
  return mine.cpu_seconds;
}

std::size_t LowPriorityLane::jobs_run() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return jobs_run_;
}

void LowPriorityLane::serve(int nice) {
  lower_own_priority(nice);
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
    if (queued_.empty()) return;  // stopping, and nothing left to run
    Job* job = queued_.front();
    queued_.pop_front();
    lock.unlock();
    const double start = thread_cpu_seconds();
    try {
      job->work();
    } catch (...) {  // Xapian::Error is not a std::exception
      job->error = std::current_exception();
    }
    job->cpu_seconds = thread_cpu_seconds() - start;
    lock.lock();
    ++jobs_run_;
    job->done = true;
    job->finished.notify_one();  // under the lock: `job` lives on its caller's stack
  }
}

}  // namespace postsearch::http
