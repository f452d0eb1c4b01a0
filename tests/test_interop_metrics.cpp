// The OpenMetrics export read back line by line (families in one block each,
// cumulative buckets, +Inf equal to _count, counters that only grow and add
// up to the engine's windows, a p99 from the buckets near the engine's own),
// then loaded by its real consumer, promtool.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include "cli_runner.h"
#include "interop_run.h"
#include "sim/interop/latency_buckets.h"
#include "sim/interop/metrics_export.h"

using namespace perfloop;

namespace {

const Simulation& sim() { return test::interop_run().sim; }

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0.0;
  std::string timestamp;  // as written, seconds with three decimals
  std::string series() const {
    std::string key = name;
    for (const auto& [k, v] : labels)
      if (k != "le") key += "|" + k + "=" + v;
    return key;
  }
};

struct Family {
  std::string name, type, unit, help;
  std::vector<Sample> samples;
};

struct Exposition {
  std::vector<Family> families;
  std::size_t sample_lines = 0;
};

// Reads `name{k="v",...} value timestamp`, undoing the label escapes.
Sample parse_sample(const std::string& line) {
  Sample s;
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') s.name += line[i++];
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      std::string key;
      while (i < line.size() && line[i] != '=') key += line[i++];
      REQUIRE(line.substr(i, 2) == "=\"");
      i += 2;
      std::string value;
      while (i < line.size() && line[i] != '"') {
        if (line[i] == '\\') {
          ++i;
          value += line[i] == 'n' ? '\n' : line[i];
        } else {
          value += line[i];
        }
        ++i;
      }
      ++i;  // closing quote
      s.labels[key] = value;
      if (i < line.size() && line[i] == ',') ++i;
    }
    ++i;  // closing brace
  }
  std::istringstream rest(line.substr(i));
  std::string value;
  rest >> value >> s.timestamp;
  REQUIRE_FALSE(s.timestamp.empty());
  s.value = std::stod(value);
  return s;
}

Exposition parse(const std::string& text) {
  REQUIRE(text.size() >= 6);
  REQUIRE(text.substr(text.size() - 6) == "# EOF\n");
  Exposition out;
  std::istringstream lines(text.substr(0, text.size() - 6));
  std::string line;
  std::set<std::string> seen;
  while (std::getline(lines, line)) {
    REQUIRE_FALSE(line.empty());
    if (line.rfind("# ", 0) == 0) {
      std::istringstream words(line.substr(2));
      std::string keyword, name;
      words >> keyword >> name;
      std::string rest;
      std::getline(words, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      if (keyword == "TYPE") {
        INFO(name);
        CHECK(seen.insert(name).second);  // each family in one block
        out.families.push_back({name, rest, "", "", {}});
      } else {
        REQUIRE_FALSE(out.families.empty());
        CHECK(out.families.back().name == name);
        CHECK(out.families.back().samples.empty());  // metadata before samples
        (keyword == "UNIT" ? out.families.back().unit : out.families.back().help) = rest;
        CHECK((keyword == "UNIT" || keyword == "HELP"));
      }
      continue;
    }
    REQUIRE_FALSE(out.families.empty());
    out.families.back().samples.push_back(parse_sample(line));
    ++out.sample_lines;
  }
  return out;
}

const Family& family(const Exposition& e, const std::string& name) {
  for (const auto& f : e.families)
    if (f.name == name) return f;
  FAIL("no family " << name);
  throw std::logic_error("unreachable");
}

// Cumulative bucket counts by le at one time of one endpoint's histogram.
std::map<double, double> buckets_at(const Family& histogram, const std::string& endpoint, const std::string& timestamp) {
  std::map<double, double> out;
  for (const auto& s : histogram.samples)
    if (s.name == histogram.name + "_bucket" && s.labels.at("endpoint") == endpoint && s.timestamp == timestamp)
      out[s.labels.at("le") == "+Inf" ? 1e300 : std::stod(s.labels.at("le"))] = s.value;
  return out;
}

// Prometheus' histogram_quantile: linear inside the bucket the rank falls in.
double quantile_from_buckets(double q, const std::map<double, double>& increase, double& bucket_width) {
  const double total = increase.rbegin()->second;
  const double rank = q * total;
  double lower = 0.0, below = 0.0;
  for (const auto& [le, count] : increase) {
    if (count >= rank) {
      if (le >= 1e300) {
        bucket_width = 0.0;
        return lower;  // in +Inf: the highest finite bound, as Prometheus answers
      }
      bucket_width = le - lower;
      return count == below ? lower : lower + (le - lower) * (rank - below) / (count - below);
    }
    lower = le;
    below = count;
  }
  return lower;
}

std::string timestamp_of(SimTime t) {
  char text[40];
  const std::int64_t ms = ExportClock{}.unix_ns(t) / 1'000'000;
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000));
  return text;
}

const Exposition& full_export() {
  static const Exposition e = parse(openmetrics_text(sim(), MetricsExportRequest{}));
  return e;
}

}  // namespace

TEST_CASE("openmetrics: families, units and series as the format has them", "[interop-metrics]") {
  const Exposition& e = full_export();
  std::map<std::string, std::string> types;
  for (const auto& f : e.families) {
    types[f.name] = f.type;
    CHECK_FALSE(f.help.empty());
    if (!f.unit.empty()) {
      INFO(f.name << " unit " << f.unit);
      CHECK(f.name.size() > f.unit.size());
      CHECK(f.name.substr(f.name.size() - f.unit.size() - 1) == "_" + f.unit);
    }
    // Sample names belong to their family, and each series moves forward in time.
    std::map<std::string, std::string> last_time;
    for (const auto& s : f.samples) {
      const std::string suffix = s.name.substr(std::min(f.name.size(), s.name.size()));
      INFO(s.name << " in " << f.name);
      CHECK(s.name.rfind(f.name, 0) == 0);
      if (f.type == "histogram") CHECK((suffix == "_bucket" || suffix == "_sum" || suffix == "_count"));
      if (f.type == "counter") CHECK(suffix == "_total");
      if (f.type == "gauge") CHECK(suffix.empty());
      const std::string key = s.series() + (s.labels.count("le") ? "|le=" + s.labels.at("le") : "");
      if (last_time.count(key)) CHECK(std::stod(s.timestamp) > std::stod(last_time[key]));
      last_time[key] = s.timestamp;
    }
  }
  CHECK(types["perfloop_http_request_duration_seconds"] == "histogram");
  CHECK(types["perfloop_http_requests"] == "counter");
  CHECK(types["perfloop_http_request_errors"] == "counter");
  CHECK(types["perfloop_cpu_utilisation_ratio"] == "gauge");
  CHECK(types["perfloop_gc_cpu_ratio"] == "gauge");
  CHECK(types["perfloop_allocation_bytes_per_second"] == "gauge");
  CHECK(types["perfloop_slo_burn_rate"] == "gauge");
  // The first window ends ten seconds after 2026-01-01T00:00:00Z.
  CHECK(family(e, "perfloop_cpu_utilisation_ratio").samples.front().timestamp == "1767225610.000");
  CHECK(family(e, "perfloop_cpu_utilisation_ratio").samples.size() == sim().windows().size());
  std::set<std::string> windows_seen;
  for (const auto& s : family(e, "perfloop_slo_burn_rate").samples) {
    CHECK(s.labels.at("endpoint") == "/checkout");
    windows_seen.insert(s.labels.at("window"));
  }
  CHECK(windows_seen == std::set<std::string>{"short", "long"});
}

TEST_CASE("openmetrics: buckets are cumulative in le, +Inf equals _count, counters add up the windows", "[interop-metrics]") {
  const Exposition& e = full_export();
  const Family& histogram = family(e, "perfloop_http_request_duration_seconds");
  std::map<std::pair<std::string, std::string>, double> counts;
  for (const auto& s : histogram.samples)
    if (s.name == histogram.name + "_count") counts[{s.labels.at("endpoint"), s.timestamp}] = s.value;
  REQUIRE(counts.size() == sim().windows().size() * sim().symbols().endpoints().size());
  for (const auto& [key, count] : counts) {
    const auto buckets = buckets_at(histogram, key.first, key.second);
    REQUIRE(buckets.size() == kLatencyBucketBoundsS.size() + 1);
    double previous = 0.0;
    for (const auto& [le, value] : buckets) {
      CHECK(value >= previous);
      previous = value;
    }
    CHECK(buckets.rbegin()->second == count);
  }

  const auto& infos = sim().symbols().endpoints();
  for (std::size_t ep = 0; ep < infos.size(); ++ep) {
    std::uint64_t completed = 0, errors = 0, served = 0;
    for (const auto& w : sim().windows()) {
      completed += w.endpoints[ep].completed;
      errors += w.endpoints[ep].errors;
      served += w.endpoints[ep].latency_ns.count();
    }
    for (const auto& [name, total] : std::map<std::string, std::uint64_t>{{"perfloop_http_requests", completed},
                                                                          {"perfloop_http_request_errors", errors}}) {
      double previous = -1.0, last = -1.0;
      for (const auto& s : family(e, name).samples) {
        if (s.labels.at("endpoint") != infos[ep].name) continue;
        CHECK(s.value >= previous);
        previous = last = s.value;
      }
      INFO(name << " " << infos[ep].name);
      CHECK(last == static_cast<double>(total));
    }
    CHECK(counts[{infos[ep].name, timestamp_of(sim().windows().back().end)}] == static_cast<double>(served));
    INFO(infos[ep].name << " requests " << completed);
    CHECK(completed > 10000);
  }
}

TEST_CASE("openmetrics: a slice carries the whole run's values at its times", "[interop-metrics]") {
  MetricsExportRequest request;
  request.from = s_to_ns(300);
  request.to = s_to_ns(900);
  request.endpoint = sim().symbols().find_endpoint("/checkout");
  const Exposition slice = parse(openmetrics_text(sim(), request));
  std::map<std::string, double> whole;
  for (const auto& f : full_export().families)
    for (const auto& s : f.samples) whole[s.series() + "|" + (s.labels.count("le") ? s.labels.at("le") : "") + "@" + s.timestamp] = s.value;
  std::size_t checked = 0;
  for (const auto& f : slice.families)
    for (const auto& s : f.samples) {
      if (s.labels.count("endpoint")) CHECK(s.labels.at("endpoint") == "/checkout");
      const double t = std::stod(s.timestamp) - 1767225600.0;
      CHECK(t > 300.0);
      CHECK(t <= 900.0);
      const std::string key = s.series() + "|" + (s.labels.count("le") ? s.labels.at("le") : "") + "@" + s.timestamp;
      REQUIRE(whole.count(key) == 1);
      CHECK(whole[key] == s.value);
      ++checked;
    }
  CHECK(family(slice, "perfloop_cpu_utilisation_ratio").samples.size() == 60);
  CHECK(checked > 60 * 25);
}

TEST_CASE("openmetrics: p99 from the exported buckets is within a bucket of the engine's", "[interop-metrics]") {
  const Family& histogram = family(full_export(), "perfloop_http_request_duration_seconds");
  const int checkout = sim().symbols().find_endpoint("/checkout");
  auto increase = [&](SimTime from, SimTime to) {
    auto before = buckets_at(histogram, "/checkout", timestamp_of(from));
    const auto after = buckets_at(histogram, "/checkout", timestamp_of(to));
    std::map<double, double> out;
    for (const auto& [le, count] : after) out[le] = count - (before.empty() ? 0.0 : before[le]);
    return out;
  };

  // One window of the incident, twenty minutes in, as a dashboard panel shows it.
  const WindowStats* window = nullptr;
  for (const auto& w : sim().windows())
    if (w.start == s_to_ns(1200)) window = &w;
  REQUIRE(window != nullptr);
  double width = 0.0;
  const double from_buckets = quantile_from_buckets(0.99, increase(window->start, window->end), width);
  const double engine = window->endpoints[static_cast<std::size_t>(checkout)].latency_ns.quantile(0.99) / 1e9;
  INFO("window p99: buckets " << from_buckets << " s, engine " << engine << " s, bucket width " << width);
  CHECK(width > 0.0);
  CHECK(std::abs(from_buckets - engine) <= width);

  // The whole incident phase, as increase() over its span would read it.
  const PhaseStats* incident = nullptr;
  for (const auto& p : sim().phases())
    if (p.name == "incident") incident = &p;
  REQUIRE(incident != nullptr);
  const double phase_from_buckets =
      quantile_from_buckets(0.99, increase(incident->start, sim().windows().back().end), width);
  const double phase_engine = incident->endpoints[static_cast<std::size_t>(checkout)].latency_ns.quantile(0.99) / 1e9;
  INFO("incident p99: buckets " << phase_from_buckets << " s, engine " << phase_engine << " s, bucket width " << width);
  CHECK(phase_engine > 0.5);  // the incident is visible: over the SLO's 500 ms
  CHECK(std::abs(phase_from_buckets - phase_engine) <= width);
}

TEST_CASE("latency buckets: the count at each le is exact within 0.4% of le", "[interop-metrics]") {
  RngStream rng(11, "latency-buckets");
  LogHistogram dense;
  std::vector<std::int64_t> values;
  std::vector<SimTime> bounds;
  for (double b : kLatencyBucketBoundsS) bounds.push_back(s_to_ns(b));
  for (std::uint64_t i = 0; i < 200000; ++i) {
    // Half spread over the range, half crowded right around the bounds, where the rounding bites.
    const auto v = i % 2 ? static_cast<std::int64_t>(rng.lognormal(3e8, 1.5, i))
                         : static_cast<std::int64_t>(static_cast<double>(bounds[i % bounds.size()]) * (0.99 + 0.02 * rng.uniform(i)));
    values.push_back(v);
    dense.add(v);
  }
  std::sort(values.begin(), values.end());
  const auto counts = counts_at_or_below(SparseHistogram(dense), bounds);
  auto below = [&](double limit) {
    return static_cast<std::uint64_t>(std::lower_bound(values.begin(), values.end(), limit) - values.begin());
  };
  double worst = 0.0;
  for (std::size_t b = 0; b < bounds.size(); ++b) {
    const double le = static_cast<double>(bounds[b]);
    INFO("le " << kLatencyBucketBoundsS[b]);
    CHECK(below(le * (1 - 1.0 / 256)) <= counts[b]);
    CHECK(counts[b] <= below(le * (1 + 1.0 / 256)));
    const auto exact = static_cast<double>(std::upper_bound(values.begin(), values.end(), bounds[b]) - values.begin());
    worst = std::max(worst, std::abs(static_cast<double>(counts[b]) - exact) / static_cast<double>(values.size()));
  }
  INFO("worst miscount, as a share of all values " << worst);
  CHECK(worst < 0.01);
}

TEST_CASE("openmetrics: label values are escaped", "[interop-metrics]") {
  CHECK(openmetrics_label_value("/a\"b\\c\nd") == "/a\\\"b\\\\c\\nd");
  CHECK(openmetrics_label_value("/checkout") == "/checkout");
}

TEST_CASE("openmetrics: promtool loads the export into Prometheus blocks", "[interop-metrics]") {
  const char* promtool = "/usr/bin/promtool";
  if (::access(promtool, X_OK) != 0) FAIL("prometheus (promtool) is missing: run scripts/deps");

  const std::string text = openmetrics_text(sim(), MetricsExportRequest{});
  const Exposition& e = full_export();
  char folder_template[] = "/tmp/perfloop-openmetrics-XXXXXX";
  REQUIRE(::mkdtemp(folder_template) != nullptr);
  const std::filesystem::path folder = folder_template;
  const std::filesystem::path file = folder / "run.om.txt";
  std::ofstream(file) << text;

  auto run = [](const std::string& command) {
    test::CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
    const int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  };
  const auto created = run(std::string(promtool) + " tsdb create-blocks-from openmetrics " + file.string() + " " +
                           (folder / "data").string());
  INFO(created.out);
  REQUIRE(created.status == 0);

  // `tsdb list`: one row per block; NUM SAMPLES and NUM SERIES are columns 5 and 7.
  const auto listed = run(std::string(promtool) + " tsdb list " + (folder / "data").string());
  INFO(listed.out);
  REQUIRE(listed.status == 0);
  std::istringstream rows(listed.out);
  std::string row;
  std::getline(rows, row);  // header
  std::uint64_t samples = 0, blocks = 0, max_series = 0;
  while (std::getline(rows, row)) {
    std::istringstream cells(row);
    std::string ulid, min_time, max_time, duration;
    std::uint64_t block_samples = 0, chunks = 0, series = 0;
    if (!(cells >> ulid >> min_time >> max_time >> duration >> block_samples >> chunks >> series)) continue;
    samples += block_samples;
    max_series = std::max(max_series, series);
    ++blocks;
  }
  std::set<std::string> series;
  for (const auto& f : e.families)
    for (const auto& s : f.samples) series.insert(s.series() + (s.labels.count("le") ? "|le=" + s.labels.at("le") : ""));
  INFO("blocks " << blocks << ", samples " << samples << " of " << e.sample_lines << " lines, series " << max_series
                 << " of " << series.size());
  CHECK(blocks >= 1);
  CHECK(samples == e.sample_lines);
  CHECK(max_series == series.size());
  std::filesystem::remove_all(folder);
}
