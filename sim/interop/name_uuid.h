// Name-based UUIDs (RFC 9562, version 5: SHA-1 of a namespace and a name),
// so that an exported record gets the same id every time it is exported
// and a learning record store can tell a re-posted statement from a new one.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace perfloop {

using Uuid = std::array<std::uint8_t, 16>;
using Sha1Digest = std::array<std::uint8_t, 20>;

// RFC 9562's namespace for names that are URLs: 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
inline constexpr Uuid kUrlNamespace = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                       0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
// The same for names that are domain names: 6ba7b810-9dad-11d1-80b4-00c04fd430c8.
inline constexpr Uuid kDnsNamespace = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                                       0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};

// FIPS 180-4 SHA-1. Only for naming things: it is no longer safe against
// someone who crafts collisions, and nothing here needs it to be.
Sha1Digest sha1(std::string_view bytes);

// The version-5 UUID of `name` in `name_space`.
Uuid name_uuid(const Uuid& name_space, std::string_view name);

// "886313e1-3b8a-5372-9b90-0c9aee199e5d": lower-case hex, 8-4-4-4-12.
std::string uuid_text(const Uuid& uuid);

}  // namespace perfloop
