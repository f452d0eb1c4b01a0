#include "sim/interop/family_hints.h"

#include <algorithm>
#include <map>
#include <string_view>

namespace perfloop {

namespace {

enum class Match { Exact, Prefix, Contains };

struct FrameRule {
  const char* family;
  Match match;
  const char* text;
};

// Frame names that runtimes and kernels use for one kind of work, across Go,
// the JVM, glibc, the Linux kernel and V8. Written for the profiles learners
// bring (Go's pprof, perf's folded stacks, speedscope from a browser).
constexpr FrameRule kRules[] = {
    // Allocation and the collector it drives.
    {"allocation-bound", Match::Exact, "runtime.mallocgc"},
    {"allocation-bound", Match::Exact, "runtime.scanobject"},
    {"allocation-bound", Match::Exact, "runtime.gcDrain"},
    {"allocation-bound", Match::Exact, "runtime.gcBgMarkWorker"},
    {"allocation-bound", Match::Exact, "runtime.gcAssistAlloc"},
    {"allocation-bound", Match::Exact, "runtime.markroot"},
    {"allocation-bound", Match::Exact, "runtime.greyobject"},
    {"allocation-bound", Match::Exact, "runtime.newobject"},
    {"allocation-bound", Match::Exact, "runtime.growslice"},
    {"allocation-bound", Match::Exact, "runtime.makeslice"},
    {"allocation-bound", Match::Exact, "malloc"},
    {"allocation-bound", Match::Exact, "_int_malloc"},
    {"allocation-bound", Match::Prefix, "operator new"},
    {"allocation-bound", Match::Exact, "(garbage collector)"},
    {"allocation-bound", Match::Prefix, "G1"},
    {"allocation-bound", Match::Contains, "CollectedHeap"},
    // Waiting for a lock, a semaphore or a pool.
    {"lock-bound", Match::Exact, "sync.(*Mutex).Lock"},
    {"lock-bound", Match::Exact, "sync.(*Mutex).lockSlow"},
    {"lock-bound", Match::Exact, "sync.(*RWMutex).Lock"},
    {"lock-bound", Match::Exact, "sync.(*RWMutex).RLock"},
    {"lock-bound", Match::Exact, "sync.runtime_SemacquireMutex"},
    {"lock-bound", Match::Exact, "semaphore.(*Weighted).Acquire"},
    {"lock-bound", Match::Exact, "database/sql.(*DB).conn"},
    {"lock-bound", Match::Exact, "pthread_mutex_lock"},
    {"lock-bound", Match::Exact, "__lll_lock_wait"},
    {"lock-bound", Match::Exact, "futex_wait"},
    {"lock-bound", Match::Prefix, "std::mutex::lock"},
    {"lock-bound", Match::Exact, "jdk.internal.misc.Unsafe.park"},
    {"lock-bound", Match::Exact, "sun.misc.Unsafe.park"},
    // Crossing into the kernel.
    {"syscall-bound", Match::Exact, "syscall.Syscall"},
    {"syscall-bound", Match::Exact, "syscall.Syscall6"},
    {"syscall-bound", Match::Exact, "syscall.RawSyscall"},
    {"syscall-bound", Match::Exact, "runtime/internal/syscall.Syscall6"},
    {"syscall-bound", Match::Exact, "internal/poll.(*FD).Write"},
    {"syscall-bound", Match::Exact, "internal/poll.(*FD).Fsync"},
    {"syscall-bound", Match::Exact, "entry_SYSCALL_64"},
    {"syscall-bound", Match::Exact, "entry_SYSCALL_64_after_hwframe"},
    {"syscall-bound", Match::Exact, "do_syscall_64"},
    {"syscall-bound", Match::Prefix, "__x64_sys_"},
    {"syscall-bound", Match::Exact, "fsync"},
    {"syscall-bound", Match::Exact, "fdatasync"},
    // Round trips to a database or another service.
    {"io-n-plus-1", Match::Exact, "database/sql.(*DB).QueryContext"},
    {"io-n-plus-1", Match::Exact, "database/sql.(*DB).query"},
    {"io-n-plus-1", Match::Exact, "database/sql.(*Conn).QueryContext"},
    {"io-n-plus-1", Match::Exact, "database/sql.(*Rows).Next"},
    {"io-n-plus-1", Match::Exact, "net/http.(*Client).Do"},
    {"io-n-plus-1", Match::Prefix, "github.com/jackc/pgx"},
    {"io-n-plus-1", Match::Prefix, "github.com/lib/pq"},
    {"io-n-plus-1", Match::Prefix, "google.golang.org/grpc.(*ClientConn).Invoke"},
    // A JIT that gave up on optimised code.
    {"jit-deopt", Match::Contains, "Deoptimize"},
    {"jit-deopt", Match::Exact, "InterpreterEntryTrampoline"},
    {"jit-deopt", Match::Prefix, "Runtime_CompileLazy"},
    {"jit-deopt", Match::Contains, "Interpreter"},
    // The browser parsing and running a page's script.
    {"bundle-bound", Match::Exact, "(program)"},
    {"bundle-bound", Match::Exact, "Evaluate script"},
    {"bundle-bound", Match::Exact, "Compile script"},
    {"bundle-bound", Match::Exact, "Parse HTML"},
    {"bundle-bound", Match::Prefix, "v8.compile"},
};

constexpr std::pair<const char*, const char*> kWhy[] = {
    {"allocation-bound", "memory allocation and the garbage collector it drives: ask who allocates, not how to collect faster"},
    {"lock-bound", "waiting to take a lock, a semaphore or a pooled connection: ask what holds it and for how long"},
    {"syscall-bound", "crossing into the kernel: ask how many calls per request and whether they can be batched"},
    {"io-n-plus-1", "queries or calls to another service: ask how many round trips one request makes"},
    {"jit-deopt", "code running in the interpreter or being deoptimised: ask what changes the types a hot function sees"},
    {"bundle-bound", "the browser compiling and running script: ask how much JavaScript the page ships"},
};

bool matches(const FrameRule& rule, std::string_view name) {
  switch (rule.match) {
    case Match::Exact: return name == rule.text;
    case Match::Prefix: return name.substr(0, std::string_view(rule.text).size()) == rule.text;
    case Match::Contains: return name.find(rule.text) != std::string_view::npos;
  }
  return false;
}

const char* family_of(std::string_view frame) {
  for (const FrameRule& rule : kRules)
    if (matches(rule, frame)) return rule.family;
  return nullptr;
}

}  // namespace

std::vector<FamilyHint> family_hints(const StackProfile& profile, std::size_t type, double min_share) {
  const double all = profile.total(type);
  if (all <= 0) return {};
  // Which family each frame suggests, once per frame.
  std::vector<const char*> suggests(profile.symbols.frame_count(), nullptr);
  for (std::size_t f = 0; f < suggests.size(); ++f) suggests[f] = family_of(profile.symbols.frame_name(static_cast<std::uint32_t>(f)));
  // A stack counts once per family however many suggesting frames it holds.
  std::map<std::string, double> family_total;
  std::map<std::string, std::map<std::string, double>> frame_total;
  std::vector<const char*> counted;
  std::vector<std::uint32_t> frames_seen;
  for (std::uint32_t s : profile.stacks_with_value(type)) {
    const double v = profile.value(s, type);
    counted.clear();
    frames_seen.clear();
    for (auto at = s; at != kNoStack; at = profile.symbols.stack_node(at).parent) {
      const std::uint32_t f = profile.symbols.stack_node(at).frame;
      const char* family = suggests[f];
      if (!family) continue;
      if (std::find(frames_seen.begin(), frames_seen.end(), f) == frames_seen.end()) {
        frames_seen.push_back(f);
        frame_total[family][profile.symbols.frame_name(f)] += v;
      }
      if (std::find(counted.begin(), counted.end(), family) == counted.end()) {
        counted.push_back(family);
        family_total[family] += v;
      }
    }
  }
  std::vector<FamilyHint> out;
  for (const auto& [family, total] : family_total) {
    if (total / all < min_share) continue;
    FamilyHint hint;
    hint.family = family;
    hint.share = total / all;
    std::vector<std::pair<double, std::string>> widest;
    for (const auto& [frame, v] : frame_total[family]) widest.emplace_back(v, frame);
    std::sort(widest.begin(), widest.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    for (std::size_t i = 0; i < widest.size() && i < 5; ++i) hint.frames.push_back(widest[i].second);
    for (const auto& [f, why] : kWhy)
      if (family == f) hint.why = why;
    out.push_back(std::move(hint));
  }
  std::sort(out.begin(), out.end(), [](const FamilyHint& a, const FamilyHint& b) { return a.share != b.share ? a.share > b.share : a.family < b.family; });
  return out;
}

}  // namespace perfloop
