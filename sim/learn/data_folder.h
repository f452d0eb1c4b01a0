// The learner's data folder (--data DIR, by default ~/.local/share/perfloop):
// attempts/ holds the saved attempts, and the modes add their own files
// beside it. A marker file says which version of the layout the folder
// has; a folder marked by a newer perfloop, or with a marker this one
// cannot read, is reported and read only as far as it can be, never
// written to.
#pragma once

#include <string>

namespace perfloop {

inline constexpr int kDataFolderVersion = 1;
inline constexpr const char* kDataMarkerName = "perfloop-data.json";

struct DataFolder {
  std::string dir;
  // Empty when this perfloop may write here; otherwise why not, one line
  // naming the file: "DIR/perfloop-data.json: written by a newer perfloop ...".
  std::string problem;

  bool writable() const { return problem.empty(); }
  std::string attempts_dir() const { return dir + "/attempts"; }
  std::string marker_path() const { return dir + "/" + kDataMarkerName; }
};

// $XDG_DATA_HOME/perfloop, else $HOME/.local/share/perfloop; "" when neither is set.
std::string default_data_dir();

// Looks at DIR without changing it: a missing folder or marker is a new
// folder (writable).
DataFolder open_data_folder(const std::string& dir);

// Creates the folder and its marker if missing, before the first write.
// Throws std::runtime_error (the problem, or why the folder cannot be made).
void prepare_data_folder(const DataFolder& folder);

}  // namespace perfloop
