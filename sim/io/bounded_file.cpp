#include "sim/io/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace perfloop {

namespace {

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

std::string errno_text(int error) {
  switch (error) {
    case EACCES:
    case EPERM: return "permission denied";
    case ENOENT: return "no such file";
    case ENOTDIR: return "a folder on its path is not a folder";
    case ELOOP: return "too many symbolic links (a link loop?)";
    case ENAMETOOLONG: return "the path is too long";
    case EISDIR: return "is a folder";
    default: return std::strerror(error);
  }
}

FileRead failed(FileRead::Status status, std::string problem) {
  FileRead read;
  read.status = status;
  read.problem = std::move(problem);
  return read;
}

}  // namespace

std::string byte_size_text(double bytes) {
  char text[48];
  const double kib = 1024.0, mib = kib * 1024.0, gib = mib * 1024.0;
  const auto whole = [](double x) { return std::floor(x) == x; };
  if (bytes >= gib) std::snprintf(text, sizeof text, whole(bytes / gib) ? "%.0f GiB" : "%.1f GiB", bytes / gib);
  else if (bytes >= mib) std::snprintf(text, sizeof text, whole(bytes / mib) ? "%.0f MiB" : "%.1f MiB", bytes / mib);
  else if (bytes >= kib) std::snprintf(text, sizeof text, whole(bytes / kib) ? "%.0f KiB" : "%.1f KiB", bytes / kib);
  else std::snprintf(text, sizeof text, "%.0f bytes", bytes);
  return text;
}

FileRead read_bounded_file(const std::string& path, std::size_t max_bytes, const char* kind) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int error = errno;
    return failed(error == ENOENT ? FileRead::Status::Missing : FileRead::Status::Unreadable, errno_text(error));
  }
  FileRead read = read_bounded_descriptor(fd, max_bytes, kind);
  ::close(fd);
  return read;
}

FileRead read_bounded_descriptor(int fd, std::size_t max_bytes, const char* kind) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return failed(FileRead::Status::Unreadable, errno_text(errno));
  if (!S_ISREG(info.st_mode))
    return failed(FileRead::Status::Unreadable, std::string("is ") + file_type_name(info.st_mode) + ", not a file");
  const auto limit_text = [&] {
    return std::string("more than the ") + byte_size_text(static_cast<double>(max_bytes)) + " perfloop reads for " + kind;
  };
  if (static_cast<std::uint64_t>(info.st_size) > max_bytes)
    return failed(FileRead::Status::TooLarge,
                  "is " + byte_size_text(static_cast<double>(info.st_size)) + ", " + limit_text());
  FileRead read;
  read.text.resize(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  for (;;) {
    // The file may have grown since fstat (or be a /proc file that says 0):
    // read on, one byte past the limit at most, to tell.
    if (done == read.text.size()) {
      if (read.text.size() > max_bytes) return failed(FileRead::Status::TooLarge, "is " + limit_text());
      read.text.resize(std::min(max_bytes + 1, std::max<std::size_t>(read.text.size() * 2, 4096)));
    }
    const ssize_t n = ::read(fd, read.text.data() + done, read.text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failed(FileRead::Status::Unreadable, errno_text(errno));
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  read.text.resize(done);
  if (done > max_bytes) return failed(FileRead::Status::TooLarge, "is " + limit_text());
  return read;
}

}  // namespace perfloop
