// The child-process runner. The child is a fork() of perfloop that serves
// requests on a socket with an in-process runner: OPEN once, then CALLs.
//
// The child of a program with threads may only rely on what fork() keeps
// working: it uses the allocator (glibc makes it safe after fork), the
// socket, and the Lua sandbox, never a lock another thread could have held,
// never stdio, and ends with _exit. (One residual risk: a C++ exception in
// the child unwinds through the loader's lock; if another thread held it at
// fork time the child hangs, and the parent's deadline kills it.) Before
// serving it closes every other descriptor it inherited, so it cannot keep
// a sibling's socket open, and caps its address space and its CPU time:
// kScriptCpuSeconds over its whole life (the hard limit, which it can never
// raise again), and per request one second past the sandbox's clock (the
// soft limit, moved before each request). The parent waits for an answer
// until that clock plus kChildGrace and then kills it.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "sim/scenarios/script_runner.h"
#include "sim/scenarios/script_wire.h"

namespace perfloop {

namespace {

using Clock = std::chrono::steady_clock;

// CPU seconds one script may use over all its calls: well past the total
// instruction budget of a script in Lua (about 10 s), so only work the
// sandbox cannot count reaches it.
constexpr rlim_t kScriptCpuSeconds = 60;

rlim_t cpu_seconds_per_call(const SandboxLimits& limits) {
  return static_cast<rlim_t>((limits.wall_time.count() + 999) / 1000 + 1);
}

// --- The child ---------------------------------------------------------------

void close_other_descriptors(int keep) {
  for (int fd = 3; fd < keep; ++fd) ::close(fd);
  long failed = -1;
#ifdef SYS_close_range  // Linux 5.9 on; older kernels get the loop
  failed = ::syscall(SYS_close_range, static_cast<unsigned>(keep) + 1, ~0U, 0);
#endif
  if (failed != 0) {
    const long most = ::sysconf(_SC_OPEN_MAX);
    for (long fd = keep + 1; fd < (most > 0 ? most : 1024); ++fd) ::close(static_cast<int>(fd));
  }
}

// The address space this process has now, plus room for the sandbox's
// memory, its copy of a result and the message that carries it.
void cap_address_space(const SandboxLimits& limits) {
  char text[64] = {};
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);  // not stdio: no lock from before fork
  if (fd < 0) return;
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  const long pages = n > 0 ? std::strtol(text, nullptr, 10) : 0;
  if (pages <= 0) return;
  const auto now = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE));
  const rlim_t room = static_cast<rlim_t>(limits.memory_bytes) * 6 + (rlim_t{512} << 20);
  const rlimit cap{now + room, now + room};
  ::setrlimit(RLIMIT_AS, &cap);
}

// The kernel sends SIGXCPU at the soft limit and SIGKILL at the hard one.
void cap_cpu_for_script() {
  rlimit cap{};
  ::getrlimit(RLIMIT_CPU, &cap);
  cap.rlim_max = std::min<rlim_t>(cap.rlim_max, kScriptCpuSeconds);
  cap.rlim_cur = cap.rlim_max;
  ::setrlimit(RLIMIT_CPU, &cap);
}

// The soft limit for the next request: what the child used so far plus the
// per-call allowance, never past the hard limit.
void cap_cpu_for_next_request(const SandboxLimits& limits) {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  rlimit cap{};
  ::getrlimit(RLIMIT_CPU, &cap);  // the hard limit as it is: perfloop's own may be lower than ours
  const auto used = static_cast<rlim_t>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec);
  cap.rlim_cur = std::min<rlim_t>(used + cpu_seconds_per_call(limits), cap.rlim_max);
  ::setrlimit(RLIMIT_CPU, &cap);
}

std::string reply(const std::optional<SandboxFailure>& failure, const LuaValue& value) {
  if (failure) {
    wire::Writer out(wire::kFailure);
    out.failure(*failure);
    return out.bytes();
  }
  wire::Writer out(wire::kValue);
  out.value(value);
  return out.bytes();
}

std::string malformed_request() {
  SandboxFailure failure;
  failure.message = "the script host received a malformed request";
  return reply(failure, {});
}

[[noreturn]] void serve(int fd) {
  std::unique_ptr<ScriptRunner> runner;
  SandboxLimits limits;
  std::string request;
  for (;;) {
    if (wire::receive_frame(fd, std::nullopt, request) != wire::Received::Frame) ::_exit(0);
    wire::Reader in(request);
    std::uint8_t kind = 0;
    in.u8(kind);
    std::string answer;
    LuaValue value;
    if (kind == wire::kOpen && !runner) {
      std::uint64_t seed = 0;
      std::string prelude, path, text, callable;
      if (in.limits(limits) && in.u64(seed) && in.text(prelude) && in.text(path) && in.text(text) && in.text(callable) &&
          in.done()) {
        cap_address_space(limits);
        cap_cpu_for_next_request(limits);
        runner = make_in_process_runner(limits);
        answer = reply(runner->open(prelude, text, path, seed, callable, value), value);
      } else {
        answer = malformed_request();
      }
    } else if (kind == wire::kCall && runner) {
      std::uint64_t seed = 0;
      ParamValues params;
      if (in.u64(seed) && in.params(params) && in.done()) {
        cap_cpu_for_next_request(limits);
        answer = reply(runner->call(seed, params, value), value);
      } else {
        answer = malformed_request();
      }
    } else {
      answer = malformed_request();
    }
    if (wire::send_frame(fd, answer) != wire::Sent::Done) ::_exit(0);
  }
}

[[noreturn]] void child_main(int fd) {
  // The parent's handlers and blocked signals mean nothing here: a test
  // framework's crash handler, say, must not report the child's end as its own.
  for (int signal = 1; signal < NSIG; ++signal)
    if (signal != SIGKILL && signal != SIGSTOP) ::signal(signal, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  const rlimit no_core{0, 0};  // SIGXCPU would otherwise leave a core file behind
  ::setrlimit(RLIMIT_CORE, &no_core);
  cap_cpu_for_script();
  close_other_descriptors(fd);
  try {
    serve(fd);
  } catch (...) {
    ::_exit(3);  // out of memory while answering: the parent sees the end of the stream
  }
}

// --- The parent ----------------------------------------------------------------

std::string seconds_text(std::chrono::milliseconds ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", static_cast<double>(ms.count()) / 1000.0);
  return text;
}

class ChildProcessRunner final : public ScriptRunner {
 public:
  explicit ChildProcessRunner(const SandboxLimits& limits) : limits_(limits) {
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
      throw std::runtime_error(std::string("cannot start the script host: socketpair: ") + std::strerror(errno));
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(sockets[0]);
      child_main(sockets[1]);
    }
    const int error = errno;
    ::close(sockets[1]);
    if (pid_ < 0) {
      ::close(sockets[0]);
      throw std::runtime_error(std::string("cannot start the script host: fork: ") + std::strerror(error));
    }
    fd_ = sockets[0];
  }

  ~ChildProcessRunner() override { stop(); }

  std::optional<SandboxFailure> open(std::string_view prelude, std::string_view text, const std::string& path,
                                     std::uint64_t seed, const std::string& callable, LuaValue& result) override {
    wire::Writer out(wire::kOpen);
    out.limits(limits_);
    out.u64(seed);
    out.text(prelude);
    out.text(path);
    out.text(text);
    out.text(callable);
    return exchange(out.bytes(), result);
  }

  std::optional<SandboxFailure> call(std::uint64_t seed, const ParamValues& params, LuaValue& result) override {
    wire::Writer out(wire::kCall);
    out.u64(seed);
    out.params(params);
    return exchange(out.bytes(), result);
  }

 private:
  std::optional<SandboxFailure> exchange(const std::string& request, LuaValue& result) {
    if (spent_) {
      SandboxFailure again = *spent_;
      again.message += " (in an earlier call)";
      again.traceback.clear();
      return again;
    }
    const auto deadline = Clock::now() + limits_.wall_time + kChildGrace;
    std::string answer;
    wire::Received got = wire::Received::Broken;
    const wire::Sent sent = wire::send_frame(fd_, request, deadline);
    if (sent == wire::Sent::Done) got = wire::receive_frame(fd_, deadline, answer);
    else if (sent == wire::Sent::TimedOut) got = wire::Received::TimedOut;
    if (got == wire::Received::Frame) {
      wire::Reader in(answer);
      std::uint8_t kind = 0;
      in.u8(kind);
      if (kind == wire::kValue && in.value(result) && in.done()) return std::nullopt;
      SandboxFailure failure;
      if (kind == wire::kFailure && in.failure(failure) && in.done()) {
        if (failure.limit_exceeded) spent_ = failure;
        return failure;
      }
      got = wire::Received::Broken;
    }
    return end(got);
  }

  // The child did not answer: say why, and keep saying it.
  SandboxFailure end(wire::Received got) {
    SandboxFailure failure;
    failure.limit_exceeded = true;
    Ended ended;
    // A child that closed its end is on its way out; one that timed out or
    // sent nonsense is stopped.
    const bool gone = got != wire::Received::TimedOut && exited_soon(ended);
    if (!gone) {
      ::kill(pid_, SIGKILL);
      ended = reap();
    }
    const bool killed_by_kernel = gone && WIFSIGNALED(ended.status) &&
                                  (WTERMSIG(ended.status) == SIGXCPU || WTERMSIG(ended.status) == SIGKILL);
    if (got == wire::Received::TimedOut)
      failure.message = "time limit (" + seconds_text(limits_.wall_time) +
                        " s) exceeded; the script was stopped inside a library call";
    else if (killed_by_kernel && ended.cpu_seconds + 1.0 >= static_cast<double>(kScriptCpuSeconds))
      failure.message = "CPU time limit for the whole script (" + std::to_string(kScriptCpuSeconds) +
                        " s over all its calls) exceeded";
    else if (killed_by_kernel)
      failure.message = "CPU time limit (" + std::to_string(cpu_seconds_per_call(limits_)) + " s per call) exceeded";
    else if (gone && WIFSIGNALED(ended.status))
      failure.message = "the script host stopped on signal " + std::to_string(WTERMSIG(ended.status)) +
                        " (out of memory, or a crash)";
    else
      failure.message = "the script host stopped unexpectedly";
    spent_ = failure;
    return failure;
  }

  struct Ended {
    int status = 0;
    double cpu_seconds = 0.0;  // what the child used over its life
  };

  static double cpu_seconds(const rusage& usage) {
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  }

  // Waits up to 200 ms for the child to exit by itself.
  bool exited_soon(Ended& ended) {
    for (int i = 0; i < 200 && pid_ > 0; ++i) {
      rusage usage{};
      const pid_t done = ::wait4(pid_, &ended.status, WNOHANG, &usage);
      if (done == pid_ || (done < 0 && errno != EINTR)) {
        ended.cpu_seconds = cpu_seconds(usage);
        pid_ = -1;
        reap();
        return true;
      }
      const timespec pause{0, 1'000'000};
      ::nanosleep(&pause, nullptr);
    }
    return false;
  }

  // Waits for the child to be gone and closes the socket.
  Ended reap() {
    Ended ended;
    if (pid_ > 0) {
      rusage usage{};
      while (::wait4(pid_, &ended.status, 0, &usage) < 0 && errno == EINTR) {
      }
      ended.cpu_seconds = cpu_seconds(usage);
      pid_ = -1;
    }
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    return ended;
  }

  void stop() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    reap();
  }

  SandboxLimits limits_;
  pid_t pid_ = -1;
  int fd_ = -1;
  std::optional<SandboxFailure> spent_;
};

}  // namespace

std::unique_ptr<ScriptRunner> make_child_process_runner(const SandboxLimits& limits) {
  return std::make_unique<ChildProcessRunner>(limits);
}

}  // namespace perfloop
