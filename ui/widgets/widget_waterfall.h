// A trace waterfall: one request's spans as bars on a ms axis, each beside
// a ghost bar of its typical duration before the regression, the critical
// path in the accent colour and the time spent queued before the first span.
#pragma once

#include "ui/core/waterfall_layout.h"

namespace perfloop::ui {

// Draws the trace as a waterfall at the cursor, full width: a name column on the left (indented by depth), bars on a
// ms time axis, each span's baseline drawn as a translucent ghost bar at the same start, critical-path spans in an
// accent colour (others muted), queued time as a hatched grey bar on the top row labelled "queued". Hover tooltip:
// name, start, duration, baseline and delta in ms and %. Click on a row sets *picked_row (if non-null) and returns true.
bool draw_waterfall(const char* id, const WaterfallTrace& trace, int* picked_row);

}  // namespace perfloop::ui
