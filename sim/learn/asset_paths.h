// Where the app's data that is not code lives (assets/: the track, the
// coach's texts, the glossary), found the way scenarios are.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace perfloop {

// An asset is a few kilobytes of JSON; anything past this is not one.
inline constexpr std::size_t kMaxAssetBytes = std::size_t{1} << 20;

// Folders searched: $PERFLOOP_ASSETS, ./assets, and the source tree's
// assets/ the binary was built from.
std::vector<std::string> asset_dirs();

// The first <dir>/<name> that is a file, else "".
std::string find_asset(const std::string& name);

// The text of asset `name`, bounded; throws std::runtime_error naming the
// file (or the folders searched) and what is wrong.
std::string read_asset(const std::string& name);

}  // namespace perfloop
