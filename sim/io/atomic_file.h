// Files written whole or not at all: the text goes to a hidden temporary
// file in the same folder, is flushed to the disk, then is moved into place
// (rename within one file system is atomic), and the folder is flushed. A
// crash leaves the old state or the new file, never half a file.
#pragma once

#include <stdexcept>
#include <string>

namespace perfloop {

// what(): "path: what was being done: why", e.g.
// "/saves/x.json: write: no space left on the device".
class FileWriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `text` to `path`, replacing what is there: for files that have one
// current version (settings, the control map). A symbolic link is followed
// and stays a link; the file keeps its mode. Throws FileWriteError.
void write_file_atomically(const std::string& path, const std::string& text);

// An output file named on a command line or in the app: a regular file (or
// none yet) is written atomically; a device or pipe (/dev/null, /dev/stdout,
// a FIFO) is written into as it is, since renaming a new file over it would
// replace the device itself. Throws FileWriteError, naming the path.
void write_output_file(const std::string& path, const std::string& text);

// Writes `text` to `path` only if that name is free (a file, a folder or a
// symbolic link there, even a broken one, takes it). Returns false when it
// is taken. Until the file is in place its temporary file is locked
// (flock), so a reader can tell a save in progress from one a crash
// interrupted. Throws FileWriteError.
bool write_new_file(const std::string& path, const std::string& text);

// The temporary name write_new_file and write_file_atomically use for
// `name` starts with this: "." + name + ".".
std::string temporary_prefix(const std::string& name);

// Words for an errno from writing or listing files: "permission denied",
// "no space left on the device".
std::string file_error_text(int error);

}  // namespace perfloop
