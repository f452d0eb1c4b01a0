#include "sim/interop/profile_import.h"

#include <algorithm>
#include <cstdio>

#include "sim/interop/family_hints.h"
#include "sim/interop/folded_format.h"
#include "sim/interop/gzip_codec.h"
#include "sim/interop/import_error.h"
#include "sim/interop/pprof_format.h"
#include "sim/interop/speedscope_format.h"
#include "sim/io/bounded_file.h"
#include "sim/io/safe_text.h"

namespace perfloop {

using nlohmann::json;

const char* format_name(ProfileFormat format) {
  switch (format) {
    case ProfileFormat::Folded: return "folded";
    case ProfileFormat::Speedscope: return "speedscope";
    case ProfileFormat::Pprof: return "pprof";
  }
  return "?";
}

ProfileFormat detect_profile_format(std::string_view bytes) {
  if (is_gzip(bytes)) return ProfileFormat::Pprof;
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && bytes[first] == '{') return ProfileFormat::Speedscope;
  // A pprof message starts with field 1 (sample_type, length-delimited: 0x0a)
  // or another low field, and holds bytes no text file has.
  if (!bytes.empty() && (bytes[0] == 0x0a || bytes[0] == 0x12) &&
      std::any_of(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(bytes.size(), 64)),
                  [](char c) { return static_cast<unsigned char>(c) < 0x09; }))
    return ProfileFormat::Pprof;
  return ProfileFormat::Folded;
}

StackProfile import_profile(std::string_view bytes, ProfileFormat format) {
  switch (format) {
    case ProfileFormat::Folded: return read_folded(bytes);
    case ProfileFormat::Speedscope: return read_speedscope(bytes);
    case ProfileFormat::Pprof: return read_pprof(bytes);
  }
  throw ImportError("unknown format");
}

ImportedProfile import_profile_file(const std::string& path) {
  const FileRead read = read_bounded_file(path, kMaxImportBytes, "a profile");
  if (!read.ok()) throw ImportError(path + ": " + read.problem);
  ImportedProfile out;
  out.path = path;
  out.format = detect_profile_format(read.text);
  try {
    out.profile = import_profile(read.text, out.format);
  } catch (const ImportError& e) {
    throw ImportError(path + " (" + format_name(out.format) + "): " + e.what());
  }
  if (out.profile.name.empty()) out.profile.name = path;
  bool any = false;
  for (std::size_t t = 0; t < out.profile.types.size(); ++t) any = any || out.profile.total(t) > 0;
  if (!any) throw ImportError(path + " (" + std::string(format_name(out.format)) + "): no samples with a value");
  return out;
}

namespace {

std::vector<FrameWeight> top_by(std::vector<FrameWeight> shares, double FrameWeight::*key, std::size_t top) {
  std::sort(shares.begin(), shares.end(), [&](const FrameWeight& a, const FrameWeight& b) {
    return a.*key != b.*key ? a.*key > b.*key : a.frame < b.frame;
  });
  if (shares.size() > top) shares.resize(top);
  return shares;
}

json shares_json(const std::vector<FrameWeight>& shares) {
  json out = json::array();
  for (const FrameWeight& s : shares) out.push_back({{"frame", s.frame}, {"self_pct", 100.0 * s.self}, {"total_pct", 100.0 * s.total}});
  return out;
}

}  // namespace

json import_summary_json(const ImportedProfile& imported, std::size_t top) {
  const StackProfile& p = imported.profile;
  json columns = json::array();
  for (std::size_t t = 0; t < p.types.size(); ++t) {
    const auto shares = frame_weights(p, t);
    columns.push_back({{"type", p.types[t].type},
                       {"unit", p.types[t].unit},
                       {"total", p.total(t)},
                       {"stacks", p.stacks_with_value(t).size()},
                       {"top_self", shares_json(top_by(shares, &FrameWeight::self, top))},
                       {"top_total", shares_json(top_by(shares, &FrameWeight::total, top))}});
  }
  json hints = json::array();
  for (const FamilyHint& h : family_hints(p, p.default_type))
    hints.push_back({{"family", h.family}, {"share_pct", 100.0 * h.share}, {"frames", h.frames}, {"why", h.why}});
  return {{"file", imported.path},
          {"format", format_name(imported.format)},
          {"name", p.name},
          {"frames", p.symbols.frame_count()},
          {"default_type", p.types.empty() ? "" : p.types[p.default_type].type},
          {"types", std::move(columns)},
          {"hints", std::move(hints)},
          {"hints_note", "frame names suggest where the time went, not why: read each hint as a question, not a verdict"}};
}

std::string import_summary_text(const ImportedProfile& imported, std::size_t top) {
  const StackProfile& p = imported.profile;
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%s: %s, %zu frames\n", printable(imported.path).c_str(), format_name(imported.format),
                p.symbols.frame_count());
  out += line;
  const std::size_t t = p.default_type;
  if (t < p.types.size()) {
    std::snprintf(line, sizeof line, "%s (%s), total %.0f; other columns: %zu\n", printable(p.types[t].type, 60).c_str(),
                  printable(p.types[t].unit, 30).c_str(), p.total(t), p.types.size() - 1);
    out += line;
    const auto shares = frame_weights(p, t);
    out += "  self%   total%  frame (top by self)\n";
    for (const FrameWeight& s : top_by(shares, &FrameWeight::self, top)) {
      std::snprintf(line, sizeof line, "  %5.1f%%  %5.1f%%  %s\n", 100.0 * s.self, 100.0 * s.total, printable(s.frame, 160).c_str());
      out += line;
    }
    const auto hints = family_hints(p, t);
    out += hints.empty() ? "Hints: no frame name here suggests a family.\n"
                         : "Hints (what the frame names suggest; a question to ask, not a verdict):\n";
    for (const FamilyHint& h : hints) {
      std::snprintf(line, sizeof line, "  %-16s %5.1f%% under %s: %s\n", h.family.c_str(), 100.0 * h.share,
                    h.frames.empty() ? "" : printable(h.frames.front(), 100).c_str(), h.why.c_str());
      out += line;
    }
  }
  return out;
}

}  // namespace perfloop
