#include "sim/interop/gzip_codec.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace perfloop {
namespace {

// zlib counts its buffers in 32-bit uInt: longer inputs go in by pieces.
constexpr std::size_t kMaxPiece = std::size_t{1} << 30;
constexpr std::size_t kOutChunk = std::size_t{64} << 10;
// windowBits 15 (the largest window) + 16: a gzip wrapper, not zlib's own.
constexpr int kGzipWindowBits = 15 + 16;

std::string size_words(std::size_t bytes) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

// Ends a zlib stream on every way out of the functions below.
struct DeflateStream {
  z_stream z{};
  ~DeflateStream() { deflateEnd(&z); }
};
struct InflateStream {
  z_stream z{};
  ~InflateStream() { inflateEnd(&z); }
};

}  // namespace

bool is_gzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f && static_cast<unsigned char>(data[1]) == 0x8b;
}

std::string gzip_compress(std::string_view data) {
  DeflateStream stream;
  z_stream& z = stream.z;
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: zlib could not start a stream");
  // A header with no name and mtime 0; os 255 ("unknown") rather than the
  // build machine's, so the bytes do not depend on where perfloop was built.
  gz_header header{};
  header.os = 255;
  deflateSetHeader(&z, &header);

  std::string out;
  std::size_t fed = 0;
  for (;;) {
    if (z.avail_in == 0 && fed < data.size()) {
      const std::size_t piece = std::min(kMaxPiece, data.size() - fed);
      // zlib's next_in is not const in its API; it never writes through it.
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + fed));
      z.avail_in = static_cast<uInt>(piece);
      fed += piece;
    }
    const int flush = fed == data.size() ? Z_FINISH : Z_NO_FLUSH;
    const std::size_t before = out.size();
    out.resize(before + kOutChunk);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    z.avail_out = static_cast<uInt>(kOutChunk);
    const int rc = deflate(&z, flush);
    out.resize(before + kOutChunk - z.avail_out);
    if (rc == Z_STREAM_END) return out;
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("gzip: zlib failed while compressing");
  }
}

std::string gzip_decompress(std::string_view compressed, std::size_t max_out) {
  InflateStream stream;
  z_stream& z = stream.z;
  if (inflateInit2(&z, kGzipWindowBits) != Z_OK) throw ImportError("gzip: zlib could not start a stream");

  std::string out;
  std::size_t fed = 0;
  for (;;) {
    if (z.avail_in == 0 && fed < compressed.size()) {
      const std::size_t piece = std::min(kMaxPiece, compressed.size() - fed);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data() + fed));
      z.avail_in = static_cast<uInt>(piece);
      fed += piece;
    }
    // One byte more than the limit allows, so that going past it shows.
    const std::size_t left = max_out - out.size();
    const std::size_t room = left >= kOutChunk ? kOutChunk : left + 1;
    const std::size_t before = out.size();
    out.resize(before + room);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + before);
    z.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.resize(before + room - z.avail_out);
    const std::size_t at = fed - z.avail_in;  // the first compressed byte zlib has not used

    if (out.size() > max_out)
      throw ImportError("gzip: inflates past " + size_words(max_out) + " at byte " + std::to_string(at));
    switch (rc) {
      case Z_OK: break;
      case Z_STREAM_END:
        if (at == compressed.size()) return out;
        // Members back to back are one file to gzip(1) and to Go; anything else is not.
        if (!is_gzip(compressed.substr(at)))
          throw ImportError("gzip: unexpected bytes after the end of the stream at byte " + std::to_string(at));
        inflateReset(&z);
        break;
      case Z_BUF_ERROR:  // no progress: zlib wants input there is no more of
        if (at == compressed.size())
          throw ImportError("gzip: truncated at byte " + std::to_string(at) + " (the stream stops before its end)");
        break;
      case Z_DATA_ERROR:
        throw ImportError("gzip: corrupt data at byte " + std::to_string(at) + " (" + (z.msg ? z.msg : "bad data") +
                          ")");
      case Z_MEM_ERROR: throw ImportError("gzip: out of memory at byte " + std::to_string(at));
      default: throw ImportError("gzip: zlib error " + std::to_string(rc) + " at byte " + std::to_string(at));
    }
  }
}

}  // namespace perfloop
