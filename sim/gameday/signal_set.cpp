#include "sim/gameday/signal_set.h"

#include <stdexcept>

namespace perfloop {

bool& signal_flag(SignalSet& set, const std::string& name) {
  if (name == "metrics") return set.metrics;
  if (name == "logs") return set.logs;
  if (name == "traces") return set.traces;
  if (name == "profiles") return set.profiles;
  if (name == "rum") return set.rum;
  throw std::invalid_argument("'" + name.substr(0, 40) + "' is not a signal (signals: metrics, logs, traces, profiles, rum)");
}

SignalSet parse_signal_set(const std::string& list) {
  if (list == "all") return {};
  SignalSet set{false, false, false, false, false};
  std::size_t start = 0;
  bool any = false;
  while (start <= list.size()) {
    const std::size_t comma = list.find(',', start);
    const std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (item.empty()) throw std::invalid_argument("an empty item in the signal list '" + list.substr(0, 80) + "'");
    bool& flag = signal_flag(set, item);
    if (flag) throw std::invalid_argument("'" + item + "' is listed twice");
    flag = true;
    any = true;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (!any) throw std::invalid_argument("the signal list is empty");
  if (!set.metrics) throw std::invalid_argument("metrics cannot be hidden: the page and the dashboards are made of them");
  return set;
}

std::vector<std::string> signal_names(const SignalSet& set) {
  std::vector<std::string> names;
  SignalSet copy = set;
  for (const char* name : kSignalNames)
    if (signal_flag(copy, name)) names.emplace_back(name);
  return names;
}

std::string signal_list(const SignalSet& set) {
  std::string out;
  for (const auto& name : signal_names(set)) out += (out.empty() ? "" : ",") + name;
  return out;
}

std::string hidden_signals(const SignalSet& set) {
  std::string out;
  SignalSet copy = set;
  for (const char* name : kSignalNames)
    if (!signal_flag(copy, name)) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}

}  // namespace perfloop
