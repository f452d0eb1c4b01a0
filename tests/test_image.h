// Reading the app's PNG screenshots back in the tests that render it.
#pragma once

#include <catch2/catch.hpp>
#include <stb_image.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace perfloop::test {

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;
  const unsigned char* at(int x, int y) const { return &rgb[(static_cast<std::size_t>(y) * width + x) * 3]; }
};

inline Image load_png(const std::string& path) {
  Image img;
  int channels = 0;
  unsigned char* data = stbi_load(path.c_str(), &img.width, &img.height, &channels, 3);
  REQUIRE(data != nullptr);
  img.rgb.assign(data, data + static_cast<std::size_t>(img.width) * img.height * 3);
  stbi_image_free(data);
  return img;
}

// Pixels in [x0, x1) x [y0, y1) within `tolerance` (sum of channel differences) of a colour.
inline int count_near(const Image& img, int x0, int y0, int x1, int y1, int r, int g, int b, int tolerance = 40) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) {
      const unsigned char* p = img.at(x, y);
      if (std::abs(p[0] - r) + std::abs(p[1] - g) + std::abs(p[2] - b) <= tolerance) ++n;
    }
  return n;
}

}  // namespace perfloop::test
