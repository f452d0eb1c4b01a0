// [SECTION] ScenarioError
// [SECTION] Prelude and seeds
// [SECTION] Script header: id, title, params, catalogue card
// [SECTION] ScenarioScript
//
// A scenario file: its header read once, then build(p) called for every
// configuration a run needs, each result read by BuildReader
// (scenario_build_reader.h). Conversion works on a LuaValue copy of what
// the script returned, so no script code can run while it is checked and
// any C++ exception is safe.
#include "sim/scenarios/scenario_loader.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "sim/engine/rng.h"
#include "sim/io/bounded_file.h"
#include "sim/io/safe_text.h"
#include "sim/scenarios/scenario_build_reader.h"
#include "sim/scenarios/script_runner.h"

namespace perfloop {

using namespace scenario_fields;

// ============================================================================
// [SECTION] ScenarioError
// ============================================================================

namespace {

// Everything in an error may come from the script (its path, a key, a
// message it raised): each part is made printable and capped, so the error
// stays one line a terminal shows as it is. Values the loader quotes are
// escaped already (quote()); terminal_line leaves those as they are.
std::string compose_error(const std::string& file, int line, const std::string& field, const std::string& message) {
  std::string text = terminal_line(file, 300);
  if (line > 0) text += ":" + std::to_string(line);
  if (!text.empty()) text += ": ";
  if (!field.empty()) text += terminal_line(field, 300) + ": ";
  return text + terminal_line(message, 600);
}

// A Lua traceback keeps its lines; each is made printable, and there are at most 40.
std::string printable_lines(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  for (int lines = 0; start <= text.size() && lines < 40; ++lines) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    out += (out.empty() ? "" : "\n") + terminal_line(std::string_view(text).substr(start, end - start), 300);
    start = end + 1;
  }
  return out;
}

}  // namespace

ScenarioError::ScenarioError(std::string file, int line, std::string field, const std::string& message)
    : std::runtime_error(compose_error(file, line, field, message)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)),
      message_(terminal_line(message, 600)) {}

ScenarioError& ScenarioError::with_traceback(const std::string& traceback) {
  traceback_ = printable_lines(traceback);
  return *this;
}

namespace {

// ============================================================================
// [SECTION] Prelude and seeds
// ============================================================================

// Step constructors. Each tags its table with the kind; mark() remembers the
// line of the call so validation errors can point at it. The standard
// functions are captured as locals because the script may reassign globals.
constexpr std::string_view kPrelude = R"lua(
local mark = ...
local error, rawset, type = error, rawset, type

local function constructor(kind)
  return function(t)
    if type(t) ~= "table" then
      error(kind .. "{...} expects a table, got " .. type(t), 2)
    end
    rawset(t, "kind", kind)
    mark(t)
    return t
  end
end

span = constructor("span")
cpu = constructor("cpu")
wait = constructor("wait")
queries = constructor("queries")
lock = constructor("lock")
syscalls = constructor("syscalls")
downstream = constructor("downstream")
)lua";

// math.random is deterministic. While the file itself runs the id is not yet
// known, so that run uses a constant seed; every build(p) call starts again
// from FNV-1a-64 of the scenario id, so a build depends only on p.
const std::uint64_t kFileRunSeed = hash_name("perfloop scenario file");
std::uint64_t build_seed(const std::string& id) { return hash_name(id); }

// ============================================================================
// [SECTION] Script header: id, title, params, catalogue card
// ============================================================================

std::vector<ParamSpec> read_params(const Reader& reader, const Record& script) {
  std::vector<ParamSpec> params;
  const LuaValue* table = script.find("params");
  if (!table) return params;
  for (const LuaField& entry : reader.named(*table, script.at("params"))) {
    const Place place = child_place(script.at("params"), field_path(script.at("params").path, entry.key), &entry.value);
    if (!is_identifier(entry.key)) reader.fail(place, "param names must be identifiers ([A-Za-z_][A-Za-z0-9_]*)");
    const Record spec(reader, entry.value, place, {"default", "min", "max", "unit", "description"});
    ParamSpec param;
    param.name = entry.key;
    param.min = spec.number_or("min", param.min, any_finite());
    param.max = spec.number_or("max", param.max, any_finite());
    if (param.min > param.max)
      spec.fail("min", "must be <= max (" + format_number(param.max) + "), got " + format_number(param.min));
    param.default_value = spec.number("default", param_bounds(param));
    param.unit = spec.text_or("unit", "");
    param.description = spec.text_or("description", "");
    params.push_back(std::move(param));
  }
  return params;
}

// The catalogue card is optional, field by field: reference and test
// scenarios have none, and each field present is checked on its own.
ScenarioMeta read_meta(const Reader& reader, const Record& script) {
  ScenarioMeta meta;
  if (script.find("level")) meta.level = read_choice(script, "level", nullptr, {"junior", "middle", "senior"});
  if (const LuaValue* families = script.find("families"))
    meta.families = read_families(reader, *families, script.at("families"), std::size(kFamilies));
  meta.minutes = script.number_or("minutes", 0.0, Bounds{0.0, 600.0, true, false, false});
  if (const LuaValue* goals = script.find("goals")) {
    meta.goals = read_texts(reader, *goals, script.at("goals"));
    if (meta.goals.empty()) script.fail("goals", "must list at least one goal");
  }
  meta.pager = script.text_or("pager", "", false);
  if (script.find("pager") && meta.pager.size() > kMaxPagerBytes)
    script.fail("pager", "must be at most " + std::to_string(kMaxPagerBytes) + " bytes, a pager's one line");
  if (const LuaValue* guide = script.find("guide")) {
    const Record steps(reader, *guide, script.at("guide"),
                       {"observe", "profile", "classify", "predict", "fix", "verify", "enforce", "move_on"});
    for (const LuaField& field : guide->fields) meta.guide[field.key] = steps.text(field.key);
  }
  return meta;
}

// ============================================================================
// [SECTION] ScenarioScript helpers
// ============================================================================

std::string read_script_file(const std::string& path) {
  FileRead file = read_bounded_file(path, kMaxFileBytes, "a scenario");
  if (file.status == FileRead::Status::Missing) throw ScenarioError(path, 0, "", "cannot open file: no such file");
  if (!file.ok()) throw ScenarioError(path, 0, "", "cannot read: " + file.problem);
  if (file.text.rfind("\xEF\xBB\xBF", 0) == 0) file.text.erase(0, 3);  // editors add a UTF-8 BOM Lua would not parse
  return std::move(file.text);
}

ScenarioError error_from(const std::string& file, const SandboxFailure& failure) {
  ScenarioError error(file, failure.line, "", failure.message);
  error.with_traceback(failure.traceback);
  return error;
}

}  // namespace

// ============================================================================
// [SECTION] ScenarioScript
// ============================================================================

ScenarioScript::~ScenarioScript() = default;
ScenarioScript::ScenarioScript(ScenarioScript&&) noexcept = default;
ScenarioScript& ScenarioScript::operator=(ScenarioScript&&) noexcept = default;

ScenarioScript ScenarioScript::load(const std::string& path, const ScriptOptions& options) {
  return from_text(read_script_file(path), path, options);
}

ScenarioScript ScenarioScript::from_text(const std::string& text, const std::string& path, const ScriptOptions& options) {
  ScenarioScript script;
  script.file_ = path;
  LuaValue header;
  try {
    script.runner_ = make_script_runner(options);
    if (auto failure = script.runner_->open(kPrelude, text, path, kFileRunSeed, "build", header))
      throw error_from(path, *failure);
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const ScenarioError*>(&e)) throw;
    throw ScenarioError(path, 0, "", e.what());
  }

  const Reader reader(path);
  if (!header.is_table()) reader.fail({}, "the script must return a table, got " + describe_value(header));
  const Record record(reader, header, {},
                      {"id", "title", "params", "build", "level", "families", "minutes", "goals", "pager", "guide"});
  script.id_ = record.text("id");
  if (!is_slug(script.id_)) record.fail("id", "must match [a-z0-9-]+, got " + in_quotes(script.id_));
  script.title_ = record.text("title");
  if (record.require("build").type != LuaValue::Type::Function)
    record.fail("build", "must be a function, got " + describe_value(*record.find("build")));
  script.params_ = read_params(reader, record);
  script.meta_ = read_meta(reader, record);
  return script;
}

ParamValues ScenarioScript::resolve(const ParamValues& overrides) const {
  ParamValues values;
  for (const auto& param : params_) values[param.name] = param.default_value;
  for (const auto& [name, value] : overrides) {
    const ParamSpec* param = find_param(params_, name);
    if (!param)
      throw ScenarioError(file_, 0, "",
                          "unknown param " + in_quotes(name) + " (known params: " + param_names(params_) + ")");
    if (auto complaint = bounds_violation(value, param_bounds(*param)))
      throw ScenarioError(file_, 0, "params." + name, *complaint);
    values[name] = value;
  }
  return values;
}

ScenarioBuild ScenarioScript::build(const ParamValues& values) {
  if (!runner_) throw ScenarioError(file_, 0, "", "scenario was moved away");
  const ParamValues resolved = resolve(values);
  auto build_with = [this](const ParamValues& params) {
    LuaValue value;
    if (auto failure = runner_->call(build_seed(id_), params, value)) throw error_from(file_, *failure);
    return BuildReader(file_, params_, meta_.families).read(value);
  };

  ScenarioBuild result = build_with(resolved);
  if (result.bottlenecks.empty()) return result;

  // A learner meets a bottleneck in the service as it ships and as the
  // timeline changes it, never in a build that only a fix or a param override
  // produces: the hot spots must show in the default build or after one of
  // its timeline changes. Those builds are made only as far as needed (each
  // reseeds, so they change no other build).
  const ParamValues defaults = resolve({});
  std::optional<ScenarioBuild> default_build;
  if (resolved != defaults) default_build = build_with(defaults);
  const ScenarioBuild& shipped = default_build ? *default_build : result;
  Observable seen;
  seen.add(shipped.model);
  auto problem = find_hot_spot_problem(result.bottlenecks, seen);
  ParamValues state = defaults;
  for (const TimelineEvent& event : shipped.timeline) {
    if (!problem || event.at_s >= shipped.duration_s) break;
    if (event.set.empty()) continue;
    for (const auto& [name, value] : event.set) state[name] = value;
    seen.add(build_with(state).model);
    problem = find_hot_spot_problem(result.bottlenecks, seen);
  }
  if (problem) Reader(file_).fail({problem.path, 0}, problem.message);
  return result;
}

}  // namespace perfloop

