// Which of the five signals a game day shows the team. A facilitator hides
// some (metrics and logs only, say) so a team feels how much longer a
// diagnosis takes without traces or profiles; the set is recorded with the
// attempt, and teams are only ranked against others who had the same one.
#pragma once

#include <string>
#include <vector>

namespace perfloop {

struct SignalSet {
  bool metrics = true;
  bool logs = true;
  bool traces = true;
  bool profiles = true;
  bool rum = true;

  bool all() const { return metrics && logs && traces && profiles && rum; }
  bool operator==(const SignalSet&) const = default;
};

// The names, in this order: what --signals takes and attempts record.
inline constexpr const char* kSignalNames[] = {"metrics", "logs", "traces", "profiles", "rum"};

// "metrics,logs" (or "all"). Throws std::invalid_argument naming the item
// that is not a signal, or saying the list is empty; metrics are always
// shown (there is no page without them), so a list without them is refused.
SignalSet parse_signal_set(const std::string& list);
// "metrics,logs,traces,profiles,rum": the shown ones, in kSignalNames order.
std::string signal_list(const SignalSet& set);
std::vector<std::string> signal_names(const SignalSet& set);
// "traces, profiles" for a summary line; empty when nothing is hidden.
std::string hidden_signals(const SignalSet& set);

bool& signal_flag(SignalSet& set, const std::string& name);

}  // namespace perfloop
