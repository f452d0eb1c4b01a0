// Reading a file that perfloop did not just write itself: a scenario, an
// answers file, a saved attempt, the settings. Only a regular file is read
// (a FIFO would block for ever, a device might never end), never more than
// the size perfloop could have written, and a failure is said in words
// ("permission denied", "is a folder") rather than as a parse error.
#pragma once

#include <cstddef>
#include <string>

namespace perfloop {

struct FileRead {
  enum class Status { Ok, Missing, Unreadable, TooLarge };
  Status status = Status::Ok;
  std::string text;     // the contents, when Ok
  std::string problem;  // otherwise what is wrong, without the path: "permission denied"
  bool ok() const { return status == Status::Ok; }
};

// Reads at most `max_bytes`; a larger file is refused unread as TooLarge,
// with `kind` ("an attempt", "a scenario") naming what the limit is for.
// Never blocks on a FIFO: the file is opened without waiting for a writer
// and refused unless it is a regular file.
FileRead read_bounded_file(const std::string& path, std::size_t max_bytes, const char* kind);

// The same for a file already open (and, say, locked); reads from where
// the descriptor is and leaves it open.
FileRead read_bounded_descriptor(int fd, std::size_t max_bytes, const char* kind);

// "16 MiB", "4.0 GiB", "812 bytes".
std::string byte_size_text(double bytes);

}  // namespace perfloop
