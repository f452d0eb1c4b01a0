#include "sim/io/atomic_file.h"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace perfloop {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& step, int error) {
  throw FileWriteError(path + ": " + step + ": " + file_error_text(error));
}

void write_all(int fd, const std::string& text, const std::string& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "write", errno);
    }
    done += static_cast<std::size_t>(n);
  }
}

void sync_folder(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the rename is done; a folder we cannot open for sync is not worth failing over
  ::fsync(fd);
  ::close(fd);
}

// Writes a temporary file next to `path`, flushes it, then puts it in place:
// replacing what is there, or (replace = false) only if the name is free.
// Returns false when the name was taken and replace was false.
bool place_file(const std::string& path, const std::string& text, bool replace, mode_t mode) {
  const std::filesystem::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  // Hidden, next to the target (rename is atomic only within one file system).
  std::string temp = dir + "/" + temporary_prefix(target.filename().string()) + "XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) fail(dir, "create a file in the folder", errno);
  try {
    // Locked until it is in place: a leftover no process holds was interrupted.
    if (::flock(fd, LOCK_EX) != 0) fail(temp, "lock", errno);
    // mkstemp makes the file private; a saved attempt is for the learner's tools to read too.
    if (::fchmod(fd, mode) != 0) fail(temp, "chmod", errno);
    write_all(fd, text, temp);
    if (::fsync(fd) != 0) fail(temp, "fsync", errno);
  } catch (...) {
    ::unlink(temp.c_str());
    ::close(fd);
    throw;
  }
  // Without replacing: renameat2(RENAME_NOREPLACE) fails if the name exists
  // (as a broken or looping link too); file systems without it get link(),
  // which also refuses an existing name.
  int placed = 0;
  bool linked = false;
  if (replace) {
    placed = ::rename(temp.c_str(), path.c_str());
  } else {
    placed = ::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
    if (placed != 0 && (errno == EINVAL || errno == ENOSYS)) {
      placed = ::link(temp.c_str(), path.c_str());
      linked = true;
    }
  }
  const int saved = errno;
  if (placed != 0 || linked) ::unlink(temp.c_str());
  ::close(fd);
  if (placed != 0) {
    if (!replace && saved == EEXIST) return false;
    fail(path, "move into place", saved);
  }
  sync_folder(dir);
  return true;
}

}  // namespace

std::string temporary_prefix(const std::string& name) { return "." + name + "."; }

std::string file_error_text(int error) {
  switch (error) {
    case EACCES:
    case EPERM: return "permission denied";
    case ENOENT: return "no such file or folder";
    case ENOTDIR: return "a part of the path is not a folder";
    case EEXIST: return "something else already has that name";
    case ENOSPC: return "no space left on the device";
    case EDQUOT: return "over the disk quota";
    case EROFS: return "the file system is read-only";
    case ELOOP: return "too many symbolic links (a link loop?)";
    case EISDIR: return "is a folder";
    default: return std::strerror(error);
  }
}

void write_file_atomically(const std::string& path, const std::string& text) {
  // A file kept as a link into, say, a dotfiles folder stays a link: the new
  // text goes where it points, with the mode the file had.
  std::string where = path;
  std::error_code ec;
  if (std::filesystem::is_symlink(std::filesystem::symlink_status(path, ec))) {
    const auto resolved = std::filesystem::weakly_canonical(path, ec);
    if (!ec) where = resolved.string();
  }
  struct stat info {};
  const mode_t mode = ::stat(where.c_str(), &info) == 0 ? (info.st_mode & 07777) : 0644;
  place_file(where, text, true, mode);
}

bool write_new_file(const std::string& path, const std::string& text) { return place_file(path, text, false, 0644); }

void write_output_file(const std::string& path, const std::string& text) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || S_ISREG(st.st_mode)) {  // through links, as the open below goes
    write_file_atomically(path, text);
    return;
  }
  if (S_ISDIR(st.st_mode)) throw FileWriteError(path + ": is a folder");
  // A pipe's writer waits here for its reader, as a shell's "> fifo" does.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw FileWriteError(path + ": " + file_error_text(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      throw FileWriteError(path + ": " + file_error_text(error));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

}  // namespace perfloop
