// A large, deterministic flame tree for the frame-time benchmark: the
// catalogue's services have tens of frames, while the panel must stay fast
// on the thousands a real service's profile holds.
#pragma once

#include <cstdint>

#include "ui/core/flame_layout.h"

namespace perfloop::ui {

// At least `nodes` nodes (root included), about 30 levels deep, names drawn
// from a pool so searches match many frames; same seed, same tree.
FlameTree synthetic_flame_tree(int nodes, std::uint64_t seed);

}  // namespace perfloop::ui
