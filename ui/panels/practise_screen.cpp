// Practise: a session of up to ten quiz cards (classify, predict, enforce),
// each a fresh case from the engine, drawn with the loop's own widgets. The
// next card is made in the background while the learner answers this one;
// the feedback says what the case did and why, and the learner's rating
// (suggested by the score) decides when the item comes back.
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <utility>

#include "sim/engine/model.h"
#include "sim/learn/data_folder.h"
#include "sim/loop/queueing_estimate.h"
#include "sim/loop/scoring.h"
#include "sim/scenarios/scenario_paths.h"
#include "ui/panels/app.h"
#include "ui/platform/control_map.h"
#include "ui/platform/theme.h"
#include "ui/widgets/widget_waterfall.h"

namespace perfloop::ui {

namespace {

UnixSeconds wall_now() { return static_cast<UnixSeconds>(std::time(nullptr)); }

ImVec4 rgba(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

// "in 1 min", "in 6 min", "in 2 d": when an item comes back.
std::string comes_back(UnixSeconds from, UnixSeconds due) {
  const double s = static_cast<double>(due - from);
  char buf[32];
  if (s < 3600) std::snprintf(buf, sizeof buf, "%.0f min", std::max(1.0, std::round(s / 60)));
  else if (s < 86400) std::snprintf(buf, sizeof buf, "%.0f h", std::round(s / 3600));
  else std::snprintf(buf, sizeof buf, "%.0f d", std::round(s / 86400));
  return buf;
}

const char* kind_title(QuizKind kind) {
  switch (kind) {
    case QuizKind::Classify: return "Classify";
    case QuizKind::Predict: return "Predict";
    case QuizKind::Enforce: return "Enforce";
  }
  return "";
}

void headline_chart(const QuizCard& card, ChartSelection& selection) {
  const HeadlineSeries& h = card.headline;
  ChartSpec spec;
  spec.title = h.endpoint + " " + h.metric;
  spec.unit = h.unit;
  spec.duration_s = h.duration_s;
  spec.threshold = h.target;
  char label[64];
  std::snprintf(label, sizeof label, "target %.0f %s", h.target, h.unit.c_str());
  spec.threshold_label = label;
  spec.height = 170.0f;
  ChartLine line;
  line.name = h.metric;
  line.colour = colour::kP99;
  line.t_s = h.t_s;
  line.values = h.values;
  std::vector<LogEvent> events;
  // Changes shipped, without their diff: the text would name the cause.
  for (double t : h.changes_s) events.push_back({s_to_ns(t), "deploy", "", "a change shipped"});
  draw_timeseries("practise.headline_chart", spec, {line}, events, selection);
}

void draw_classify_card(AppState& state, const PreparedCard& prepared, bool answering) {
  PractiseState& p = state.practise;
  const QuizCard& card = *prepared.card;
  const ClassifyEvidence& c = card.classify;
  // All three streams, CPU first, as the Profile step offers them: the one
  // the case shows in would name its family.
  char title[160];
  std::snprintf(title, sizeof title, "Profile of %s, %s to %s (diff against the time before)", card.headline.endpoint.c_str(),
                clock_text(c.capture.window.from_s).c_str(), clock_text(c.capture.window.to_s).c_str());
  section_title(title);
  std::size_t& chosen = p.draft.flame_stream;
  for (std::size_t i = 0; i < c.streams.size(); ++i) {
    if (i) ImGui::SameLine();
    const std::string& stream = c.streams[i].stream;
    const char* label = stream == "alloc" ? "Allocation" : stream == "offcpu" ? "Off-CPU" : "CPU";
    int selected = static_cast<int>(chosen);
    if (ImGui::RadioButton(label, &selected, static_cast<int>(i))) chosen = i;
    mark_control("practise.stream." + stream);
  }
  if (chosen < prepared.flames.size() && prepared.flames[chosen]) {
    PractiseView& view = state.practise_view;
    if (view.flame_tree != prepared.flames[chosen].get()) {
      view.flame = FlameWidgetState{};
      view.flame_tree = prepared.flames[chosen].get();
    }
    draw_flame_graph("practise.flame", *prepared.flames[chosen], view.flame, flame_unit(c.streams[chosen].stream), 230.0f);
    mark_control("practise.flame");
  }
  if (prepared.has_waterfall) {
    section_title("The slowest trace in that stretch (ghost bars: each span before the onset)");
    draw_waterfall("practise.trace", prepared.waterfall, nullptr);
  }
  section_title("Your answer: one family, or two");
  int n = 0;
  for (const char* family : kFamilies) {
    const auto it = std::find(p.draft.families.begin(), p.draft.families.end(), family);
    bool on = it != p.draft.families.end();
    if (n % 4) ImGui::SameLine(static_cast<float>(n % 4) * 260.0f * state.settings.ui_scale + ImGui::GetStyle().WindowPadding.x);
    ImGui::BeginDisabled(!answering);
    if (ImGui::Checkbox(family, &on)) {
      if (on) p.draft.families.push_back(family);
      else p.draft.families.erase(it);
    }
    ImGui::EndDisabled();
    mark_control(std::string("practise.family.") + family);
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", family_line(family));
    ++n;
  }
}

void draw_predict_card(AppState& state, const PreparedCard& prepared, bool answering) {
  PractiseState& p = state.practise;
  PractiseDraft& d = p.draft;
  const QuizCard& card = *prepared.card;
  const PredictEvidence& e = card.predict;
  const std::string& unit = card.headline.unit;
  const std::string& metric = card.headline.metric;
  section_title("What you know");
  ImGui::PushFont(mono_font());
  ImGui::Text("%-22s %.1f %s", (metric + " now").c_str(), e.current, unit.c_str());
  ImGui::Text("%-22s %.1f %s", "target", e.target, unit.c_str());
  ImGui::Text("%-22s %s: %.1f %% of the %s profile", "hot spot", e.hot_spot.c_str(), e.share_pct, e.stream.c_str());
  ImGui::Text("%-22s %s", "fix", e.fix_title.c_str());
  if (e.local_speedup >= 1.05)
    ImGui::Text("%-22s %.3gx faster, the hot spot's own code measured alone", "its benchmark", e.local_speedup);
  else
    ImGui::Text("%-22s %.3gx: the hot spot's own code is no faster with it", "its benchmark", e.local_speedup);
  ImGui::Text("%-22s %.0f req/s on %d cores, %.0f %% busy; the hot spot is %.1f %% of the service's CPU", "load",
              e.rps, e.cores, 100.0 * e.cpu_utilisation, e.service_cpu_share_pct);
  ImGui::PopFont();

  section_title("Calculator");
  ImGui::BeginDisabled(!answering);
  float share = static_cast<float>(d.share_pct);
  ImGui::SetNextItemWidth(300);
  if (ImGui::SliderFloat("p: share of the hot spot (%)", &share, 0.0f, 100.0f, "%.1f %%")) d.share_pct = share;
  float speed = static_cast<float>(d.speedup);
  ImGui::SetNextItemWidth(300);
  if (ImGui::SliderFloat("s: times faster", &speed, 1.0f, 1000.0f, "%.3gx", ImGuiSliderFlags_Logarithmic)) d.speedup = speed;
  float busy = static_cast<float>(100.0 * d.utilisation);
  ImGui::SetNextItemWidth(200);
  char busy_label[64];
  std::snprintf(busy_label, sizeof busy_label, "busy now (%% of %d cores)##busy", d.cores);
  if (ImGui::SliderFloat(busy_label, &busy, 0.0f, 100.0f, "%.0f %%")) d.utilisation = busy / 100.0;
  ImGui::SameLine();
  int cores = d.cores_after;
  ImGui::SetNextItemWidth(140);
  if (ImGui::InputInt("cores after the fix", &cores)) d.cores_after = std::clamp(cores, 1, 1024);
  mark_control("practise.cores_after");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("The same unless the fix changes them (its title says so)");
  ImGui::EndDisabled();
  const double amdahl = e.current / amdahl_speedup(d.share_pct / 100.0, d.speedup);
  const QueueingEstimate q = queueing_estimate(e.current, d.cores, d.utilisation, d.share_pct / 100.0, d.speedup,
                                               e.share_pct > 0 ? d.share_pct / 100.0 * e.service_cpu_share_pct / e.share_pct : 0.0,
                                               d.cores_after);
  ImGui::PushFont(mono_font());
  ImGui::Text("Amdahl       1 / ((1 - %.3f) + %.3f / %.3g) = %.2fx  ->  %.1f %s", d.share_pct / 100, d.share_pct / 100,
              d.speedup, amdahl_speedup(d.share_pct / 100.0, d.speedup), amdahl, unit.c_str());
  ImGui::Text("Queueing     cores %.0f %% -> %.0f %% busy, response x%.2f from the queue  ->  %.1f %s", 100 * q.utilisation_before,
              100 * q.utilisation_after, q.queue_relief, q.headline, unit.c_str());
  ImGui::PopFont();

  section_title("Your prediction");
  ImGui::BeginDisabled(!answering);
  if (ImGui::Button("Use Amdahl's")) d.headline = std::round(amdahl * 10.0) / 10.0;
  mark_control("practise.use_amdahl");
  ImGui::SameLine();
  if (ImGui::Button("Use the queueing estimate")) d.headline = std::round(q.headline * 10.0) / 10.0;
  mark_control("practise.use_queueing");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(140);
  char label[64];
  std::snprintf(label, sizeof label, "%s after the fix (%s)", metric.c_str(), unit.c_str());
  ImGui::InputDouble(label, &d.headline, 0.0, 0.0, "%.1f");
  mark_control("practise.headline");
  ImGui::RadioButton("Go: it meets the target", &d.go, 1);
  mark_control("practise.go");
  ImGui::SameLine();
  ImGui::RadioButton("No-go: not enough", &d.go, 0);
  mark_control("practise.nogo");
  ImGui::EndDisabled();
}

void draw_enforce_card(AppState& state, const PreparedCard& prepared, bool answering) {
  PractiseDraft& d = state.practise.draft;
  const QuizCard& card = *prepared.card;
  const EnforceEvidence& e = card.enforce;
  section_title("What happened");
  ImGui::TextWrapped("%s: %.1f -> %.1f %s. Fixed by: %s.", e.what_happened.c_str(), e.before, e.during,
                     card.headline.unit.c_str(), e.fix_title.c_str());
  section_title("Changes coming in the next months");
  for (const auto& c : e.changes) {
    ImGui::Text("day %3.0f  %s", c.day, c.title.c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", c.text.c_str());
  }
  section_title("Your gates, alerts and runbook entries");
  ImGui::BeginDisabled(!answering);
  for (const auto& gate : card.choices) {
    ImGui::PushID(gate.id.c_str());
    bool on = d.gates.count(gate.id) > 0;
    if (ImGui::Checkbox(gate.label.c_str(), &on)) {
      if (on) d.gates[gate.id] = gate.threshold;
      else d.gates.erase(gate.id);
    }
    mark_control("practise.gate." + gate.id);
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", gate.detail.c_str());
    if (on && gate.kind != "runbook") {
      ImGui::SameLine();
      ImGui::SetNextItemWidth(120);
      ImGui::InputDouble(gate.unit.c_str(), &d.gates[gate.id], 0.0, 0.0, "%.3g");
    }
    ImGui::PopID();
  }
  ImGui::EndDisabled();
}

void draw_feedback(AppState& state, const QuizCard& card) {
  PractiseState& p = state.practise;
  const QuizResult& r = *p.result;
  section_title("Feedback");
  ImGui::SetWindowFontScale(1.3f);
  ImGui::TextColored(rgba(r.score >= 85 ? colour::kGood : r.score >= 60 ? colour::kWarn : colour::kSlo), "%.0f of %.0f",
                     r.score, r.max);
  ImGui::SetWindowFontScale(1.0f);
  ImGui::SameLine();
  std::string families;
  for (const auto& f : r.families) families += (families.empty() ? "" : " and ") + f;
  ImGui::TextColored(rgba(colour::kMuted), "  the case: %s   item: %s", families.c_str(), card.item.c_str());
  ImGui::TextWrapped("%s", r.feedback.c_str());
  if (card.kind() == QuizKind::Predict && r.predict)
    ImGui::Text("The truth: %.1f %s, %s.", r.truth.headline, card.headline.unit.c_str(), r.truth.go ? "go" : "no-go");
  if (card.kind() == QuizKind::Enforce) {
    std::string set;
    for (const auto& g : r.truth.gates) set += (set.empty() ? "" : ", ") + g.id;
    ImGui::TextWrapped("The best set here: %s.", set.c_str());
    if (r.enforce)
      for (const auto& c : r.enforce->changes)
        ImGui::TextColored(rgba(c.harmful ? colour::kP99 : colour::kMuted), "day %3.0f  %-10s %s", c.day,
                           verdict_name(c.verdict), c.title.c_str());
  }
  // When the item comes back under each rating; the score suggests one.
  const UnixSeconds now = p.outcomes_at;
  const auto& outcomes = p.rating_outcomes;
  const Rating suggested = suggested_rating(r.score / r.max);
  ImGui::Spacing();
  ImGui::Text("How well did you know it? The score suggests %s.", rating_name(suggested));
  int i = 0;
  for (Rating rating : {Rating::Again, Rating::Hard, Rating::Good, Rating::Easy}) {
    if (i) ImGui::SameLine();
    char label[64];
    std::snprintf(label, sizeof label, "%c%s  (%s)", std::toupper(rating_name(rating)[0]), rating_name(rating) + 1,
                  outcomes.size() == 4 ? comes_back(now, outcomes[static_cast<std::size_t>(i)].due).c_str() : "");
    const bool highlight = rating == suggested;
    if (highlight) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.20f, 0.42f, 0.75f, 1.0f));
    // Applied at the start of the next frame: rating moves on to the next
    // card, and this frame is still drawing the one rated.
    if (ImGui::Button(label)) p.rating_request = rating;
    if (highlight) ImGui::PopStyleColor();
    mark_control(std::string("practise.rate.") + rating_name(rating));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Log this review as %s: the item comes back then", rating_name(rating));
    ++i;
  }
  ImGui::Spacing();
}

void draw_session_end(AppState& state) {
  PractiseState& p = state.practise;
  double sum = 0;
  for (double s : p.scores) sum += s;
  ImGui::Spacing();
  if (p.queue.empty())
    ImGui::TextWrapped("No cards: the catalogue makes none (see the messages above).");
  else
    ImGui::Text("Session done: %zu cards, mean score %.0f.", p.scores.size(), p.scores.empty() ? 0.0 : sum / p.scores.size());
  const QuizDeck& deck = practise_deck(p, wall_now());
  UnixSeconds next = 0;
  for (const auto& s : deck.items)
    if (s.reviews > 0 && (next == 0 || s.due < next)) next = s.due;
  if (next) ImGui::Text("The next card is due %s (UTC).", format_iso8601(next).c_str());
  if (ImGui::Button("Another session")) start_practise_session(p, wall_now());
  mark_control("practise.again_session");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The cards due now, then new ones; you may always practise ahead");
}

}  // namespace

void open_practise_screen(AppState& state) {
  state.screen = Screen::Practise;
  PractiseState& p = state.practise;
  // The folder gets its marker now, so a folder removed later is noticed, not made anew.
  if (state.data.writable() && !state.data.dir.empty() && !state.data_prepared) {
    try {
      prepare_data_folder(state.data);
      state.data_prepared = true;
    } catch (const std::exception& e) {
      report_error(state, e.what());
    }
  }
  if (!p.opened) open_practise(p, catalogue_dir(), state.data.dir);
  else if (p.ready && practise_session_done(p)) start_practise_session(p, wall_now());
}

void draw_practise_screen(AppState& state) {
  PractiseState& p = state.practise;
  if (const auto rating = std::exchange(p.rating_request, std::nullopt)) {
    try {
      // Where nothing can be saved the session goes on, the banner saying so.
      rate_practise_card(p, state.data.writable() && p.log_writable ? state.data.dir : std::string(), *rating, wall_now());
    } catch (const std::exception& e) {
      report_error(state, e.what());
    }
  }
  for (auto& message : poll_practise(p, wall_now())) report_error(state, std::move(message));
  ImGui::SetWindowFontScale(1.4f);
  ImGui::Text("Practise");
  ImGui::SetWindowFontScale(1.0f);
  ImGui::SameLine();
  const PreparedCard* shown = p.show_stats ? nullptr : shown_card(p);
  if (p.ready && !p.show_stats && !practise_session_done(p))
    ImGui::TextColored(rgba(colour::kMuted), "   card %zu of %zu%s%s", p.index + 1, p.queue.size(),
                       shown ? "  ·  " : "", shown ? kind_title(shown->card->kind()) : "");
  ImGui::SameLine(ImGui::GetContentRegionAvail().x + ImGui::GetCursorPosX() - 180.0f * state.settings.ui_scale);
  if (ImGui::Button(p.show_stats ? "Cards" : "Stats")) p.show_stats = !p.show_stats;
  mark_control("practise.stats");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Retention, stability and what is due, per item and family");
  ImGui::SameLine();
  if (ImGui::Button("Home")) {
    state.screen = Screen::Home;
    refresh_progress(state);
  }
  mark_control("practise.home");
  if (state.data.dir.empty() || !state.data.writable() || !p.log_writable)
    ImGui::TextColored(rgba(colour::kWarn), "%s%s",
                       state.data.dir.empty()   ? "No data folder (start with --data DIR)"
                       : !state.data.writable() ? state.data.problem.c_str()
                                                : "The review log was written by a newer perfloop",
                       ": practise goes on, but reviews are not saved.");
  if (!p.ready) {
    ImGui::TextColored(rgba(colour::kMuted), "Reading the catalogue's cards and your review log...");
    return;
  }
  if (p.show_stats) {
    draw_practise_stats(state);
    return;
  }
  if (practise_session_done(p)) {
    draw_session_end(state);
    return;
  }
  if (!shown) {
    ImGui::TextColored(rgba(colour::kMuted), "Making the card: a fresh case from the engine...");
    return;
  }
  const QuizCard& card = *shown->card;
  if (p.card_shown_at < 0) {
    reset_practise_draft(p, card);
    p.card_shown_at = state.now;
  }
  const bool answering = !p.result && !p.grading;
  ImGui::BeginChild("practise.card", ImVec2(0, 0), false);
  ImGui::TextWrapped("%s", card.prompt.c_str());
  if (p.result) draw_feedback(state, card);
  headline_chart(card, state.practise_view.selection);
  switch (card.kind()) {
    case QuizKind::Classify: draw_classify_card(state, *shown, answering); break;
    case QuizKind::Predict: draw_predict_card(state, *shown, answering); break;
    case QuizKind::Enforce: draw_enforce_card(state, *shown, answering); break;
  }
  if (answering) {
    const char* why_not = card.kind() == QuizKind::Classify && (p.draft.families.empty() || p.draft.families.size() > 2)
                              ? "Pick one family, or two"
                          : card.kind() == QuizKind::Predict && (p.draft.headline <= 0 || p.draft.go < 0)
                              ? "Give the headline you expect and go or no-go"
                              : nullptr;
    ImGui::Spacing();
    ImGui::BeginDisabled(why_not != nullptr);
    if (ImGui::Button("Check")) check_practise_answer(p, state.now);
    ImGui::EndDisabled();
    mark_control("practise.check");
    if (why_not && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) ImGui::SetTooltip("%s", why_not);
  } else if (p.grading) {
    ImGui::TextColored(rgba(colour::kMuted), card.kind() == QuizKind::Enforce ? "Replaying the months ahead against your set..."
                                                                              : "Grading against the case's outcome...");
  }
  ImGui::EndChild();
}

}  // namespace perfloop::ui
