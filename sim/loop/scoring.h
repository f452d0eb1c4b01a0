// The grading curves, kept apart from the simulation so they can be checked
// on their own.
#pragma once

#include <string>
#include <vector>

namespace perfloop {

// Amdahl's law: the whole speeds up 1 / ((1 - p) + p / s) when a part with
// share p (0..1) speeds up s times.
double amdahl_speedup(double share, double speedup);

// |predicted - actual| / |actual| in percent (100 when actual is 0 and predicted is not).
double relative_error_pct(double predicted, double actual);

// Full marks within `full_pct`, none beyond `zero_pct`, linear between.
double error_score(double error_pct, double full_pct = 10.0, double zero_pct = 50.0);

// Onset read from a chart: full marks within `tolerance_s`, none at five times it.
double onset_score(double answered_s, double truth_s, double tolerance_s);

// How close to the truth an onset must be for full marks at Observe: a
// minute, or 1% of a longer run. `check --simulate` holds the truth's own
// onset to the same precision.
double onset_tolerance_s(double duration_s);

// |A ∩ B| / |A ∪ B|: one family of two scores a half, an extra wrong one costs.
double overlap_score(const std::vector<std::string>& answered, const std::vector<std::string>& truth);

// Yes/no readings graded together: all right is full marks, one wrong a
// third, more wrong nothing; a verdict half right by chance earns little.
double readings_score(int right, int total);

// The share of a step's points kept after using the coach's hints: a nudge
// costs a tenth, a pointer three tenths in all, the worked answer seven
// tenths, so a learner who reveals every step stays below "solid" (75).
double hint_keep(int hints_used);

}  // namespace perfloop
