#include "ui/core/waterfall_layout.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace perfloop::ui {

namespace {

// The spans of one trace as a tree of positions in trace.spans. A span is
// found by its local index; if that index appears twice (not something the
// engine records) the first one is the parent of both spans' children.
struct SpanTree {
  const Trace& trace;
  std::vector<std::vector<int>> children;  // by position, in start order
  std::vector<int> top;                    // the root, and any span whose parent is not in the trace
  std::vector<bool> critical;

  SimTime start(int pos) const { return trace.spans[static_cast<std::size_t>(pos)].start_offset; }
  SimTime duration(int pos) const { return trace.spans[static_cast<std::size_t>(pos)].duration; }
  SimTime end(int pos) const { return start(pos) + duration(pos); }

  explicit SpanTree(const Trace& t) : trace(t), children(t.spans.size()), critical(t.spans.size(), false) {
    const int count = static_cast<int>(t.spans.size());
    int largest_index = -1;
    for (const TraceSpan& s : t.spans) largest_index = std::max(largest_index, static_cast<int>(s.span));
    std::vector<int> position_of(static_cast<std::size_t>(largest_index + 1), -1);
    for (int pos = 0; pos < count; ++pos) {
      int& slot = position_of[static_cast<std::size_t>(t.spans[static_cast<std::size_t>(pos)].span)];
      if (slot < 0) slot = pos;
    }
    for (int pos = 0; pos < count; ++pos) {
      const int parent_index = t.spans[static_cast<std::size_t>(pos)].parent;
      const int parent = parent_index >= 0 && parent_index <= largest_index ? position_of[static_cast<std::size_t>(parent_index)] : -1;
      if (parent >= 0 && parent != pos)
        children[static_cast<std::size_t>(parent)].push_back(pos);
      else
        top.push_back(pos);
    }
    for (auto& kids : children) sort_by_start(kids);
    sort_by_start(top);
  }

  void sort_by_start(std::vector<int>& positions) const {
    std::sort(positions.begin(), positions.end(), [&](int a, int b) {
      if (start(a) != start(b)) return start(a) < start(b);
      const auto sa = trace.spans[static_cast<std::size_t>(a)].span, sb = trace.spans[static_cast<std::size_t>(b)].span;
      return sa != sb ? sa < sb : a < b;
    });
  }

  // The critical path is the chain of work that the request's end waited for:
  // shortening anything on it shortens the request, shortening anything off
  // it does not. Among a span's children, the one that ends last is critical
  // (the parent could not finish before it), and we recurse into it. Before
  // that child started, the parent was waiting for whichever child ended last
  // before that start, so that one is critical too, and so on backwards
  // through the sequential children. Children running in parallel with a
  // critical one (ending after it started) are not: finishing them sooner
  // changes nothing. The gaps between the chosen children are the parent's
  // own time, so a parent with no children, or whose children do not reach
  // its end, is still critical itself. Children of no duration are skipped:
  // they cannot bound anything. The top level is walked the same way against
  // the request's end, so the root span is always critical.
  void walk(const std::vector<int>& kids, bool skip_empty) {
    SimTime bound = std::numeric_limits<SimTime>::max();  // the first pick has no bound: it ends last
    for (;;) {
      int best = -1;
      for (int k : kids) {
        if (critical[static_cast<std::size_t>(k)] || end(k) > bound || (skip_empty && duration(k) <= 0)) continue;
        // Ends later wins; on a tie the longer one, which explains more of the wait.
        if (best < 0 || end(k) > end(best) || (end(k) == end(best) && start(k) < start(best))) best = k;
      }
      if (best < 0) return;
      mark(best);
      bound = start(best);
    }
  }

  void mark(int pos) {
    critical[static_cast<std::size_t>(pos)] = true;
    walk(children[static_cast<std::size_t>(pos)], true);
  }
};

void append_rows(const SpanTree& tree, const std::vector<SpanInfo>& spans, const std::vector<double>& baseline_ms, int pos,
                 int depth, std::vector<bool>& placed, WaterfallTrace& out) {
  if (placed[static_cast<std::size_t>(pos)]) return;  // guards against a parent loop in hand-made data
  placed[static_cast<std::size_t>(pos)] = true;
  const TraceSpan& s = tree.trace.spans[static_cast<std::size_t>(pos)];
  WaterfallRow row;
  const auto index = static_cast<std::size_t>(std::max<int>(0, s.span));
  row.name = s.span >= 0 && index < spans.size() ? spans[index].name : "span " + std::to_string(s.span);
  row.depth = depth;
  row.start_ms = ns_to_ms(static_cast<double>(s.start_offset));
  row.duration_ms = ns_to_ms(static_cast<double>(s.duration));
  row.baseline_ms = s.span >= 0 && index < baseline_ms.size() && baseline_ms[index] >= 0 ? baseline_ms[index] : -1.0;
  row.critical = tree.critical[static_cast<std::size_t>(pos)];
  out.rows.push_back(std::move(row));
  for (int child : tree.children[static_cast<std::size_t>(pos)])
    append_rows(tree, spans, baseline_ms, child, depth + 1, placed, out);
}

}  // namespace

WaterfallTrace build_waterfall(const Trace& trace, const std::vector<SpanInfo>& spans, const std::vector<double>& baseline_ms) {
  WaterfallTrace out;
  out.total_ms = ns_to_ms(static_cast<double>(trace.duration));
  out.queued_ms = ns_to_ms(static_cast<double>(trace.queued));
  char id[20];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(trace.trace_id));
  // "\xc2\xb7" is a middle dot in UTF-8; it is in the Latin-1 range every font of the app carries.
  out.title = std::string("trace ") + id + " \xc2\xb7 " + ms_label(out.total_ms);
  if (trace.error) out.title += " \xc2\xb7 error";

  SpanTree tree(trace);
  tree.walk(tree.top, false);
  out.rows.reserve(trace.spans.size());
  std::vector<bool> placed(trace.spans.size(), false);
  for (int pos : tree.top) append_rows(tree, spans, baseline_ms, pos, 0, placed, out);
  // Spans caught in a parent loop are reachable from no top-level span; show them rather than drop them.
  for (int pos = 0; pos < static_cast<int>(trace.spans.size()); ++pos)
    append_rows(tree, spans, baseline_ms, pos, 0, placed, out);
  return out;
}

std::vector<double> mean_span_ms(const std::vector<const Trace*>& traces, std::size_t span_count) {
  std::vector<double> sum_ns(span_count, 0.0);
  std::vector<int> seen(span_count, 0);
  for (const Trace* t : traces) {
    if (!t) continue;
    for (const TraceSpan& s : t->spans) {
      if (s.span < 0 || static_cast<std::size_t>(s.span) >= span_count) continue;
      sum_ns[static_cast<std::size_t>(s.span)] += static_cast<double>(s.duration);
      ++seen[static_cast<std::size_t>(s.span)];
    }
  }
  std::vector<double> mean(span_count, -1.0);
  for (std::size_t i = 0; i < span_count; ++i)
    if (seen[i] > 0) mean[i] = ns_to_ms(sum_ns[i] / seen[i]);
  return mean;
}

std::string ms_label(double ms) {
  if (!std::isfinite(ms)) return "? ms";
  const double size = std::fabs(ms);
  char buf[64];
  if (size >= 999.5) {
    // Group thousands with a space so that "1 420 ms" reads at a glance.
    const std::string digits = std::to_string(std::llround(size));
    std::string grouped;
    for (std::size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ' ';
      grouped += digits[i];
    }
    std::snprintf(buf, sizeof buf, "%s%s ms", ms < 0 ? "-" : "", grouped.c_str());
  } else if (size >= 99.95) {
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  } else if (size >= 9.995) {
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  } else {
    // No "-0.00 ms" for a value that rounds to nothing.
    std::snprintf(buf, sizeof buf, "%.2f ms", size < 0.005 ? 0.0 : ms);
  }
  return buf;
}

}  // namespace perfloop::ui
