// Reports in a real browser: headless Chromium opens a training and an experiment report
// without console errors and draws something ([slow]; skipped without chromium). PNG screenshots
// are decoded with zlib when it is there.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#ifdef TENUKI_HAVE_ZLIB
#include <zlib.h>
#endif

#include "experiments/report/experiment_report.h"
#include "experiments/report/training_report.h"
#include "tests/experiments/report_test_fixtures.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using namespace tenuki::test;
namespace fs = std::filesystem;

namespace {

// Runs headless Chromium on `url`, taking a 1200x3000 screenshot; returns its stderr (console
// messages appear there as lines with ":CONSOLE").
std::string chromium_screenshot(const std::string& url, const std::string& png,
                                const std::string& log) {
  const std::string command =
      "chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 "
      "--screenshot='" +
      png + "' --window-size=1200,3000 '" + url + "' > /dev/null 2> '" + log + "'";
  const int status = std::system(command.c_str());
  INFO(read_text(log));
  CHECK(status == 0);
  return read_text(log);
}

#ifdef TENUKI_HAVE_ZLIB
// The share of pixels of an 8-bit RGB or RGBA PNG (non-interlaced) that are not white; -1 when
// the file is not such a PNG.
double non_white_share(const std::string& png) {
  const std::string data = read_text(png);
  if (data.size() < 8 || data.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return -1;
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(data[at])) << 24) | (uint32_t(uint8_t(data[at + 1])) << 16) |
           (uint32_t(uint8_t(data[at + 2])) << 8) | uint32_t(uint8_t(data[at + 3]));
  };
  uint32_t width = 0, height = 0;
  int channels = 0;
  std::string compressed;
  for (size_t at = 8; at + 8 <= data.size();) {
    const uint32_t length = be32(at);
    const std::string type = data.substr(at + 4, 4);
    if (type == "IHDR") {
      width = be32(at + 8);
      height = be32(at + 12);
      const int depth = uint8_t(data[at + 16]), colour = uint8_t(data[at + 17]);
      if (depth != 8 || (colour != 2 && colour != 6) || data[at + 20] != 0) return -1;
      channels = colour == 6 ? 4 : 3;
    } else if (type == "IDAT") {
      compressed += data.substr(at + 8, length);
    }
    at += 12 + length;
  }
  const size_t stride = size_t(width) * channels;
  std::vector<unsigned char> raw((stride + 1) * height);
  uLongf raw_size = raw.size();
  if (channels == 0 ||
      uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(compressed.data()),
                 compressed.size()) != Z_OK ||
      raw_size != raw.size()) {
    return -1;
  }
  std::vector<unsigned char> previous(stride, 0), row(stride);
  size_t non_white = 0;
  for (uint32_t y = 0; y < height; ++y) {
    const unsigned char filter = raw[y * (stride + 1)];
    const unsigned char* in = &raw[y * (stride + 1) + 1];
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= size_t(channels) ? row[i - channels] : 0, b = previous[i];
      const int c = i >= size_t(channels) ? previous[i - channels] : 0;
      int predictor = 0;
      if (filter == 1) predictor = a;
      if (filter == 2) predictor = b;
      if (filter == 3) predictor = (a + b) / 2;
      if (filter == 4) {
        const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      row[i] = static_cast<unsigned char>(in[i] + predictor);
    }
    for (uint32_t x = 0; x < width; ++x) {
      const unsigned char* p = &row[size_t(x) * channels];
      if (p[0] < 240 || p[1] < 240 || p[2] < 240) ++non_white;
    }
    previous.swap(row);
  }
  return double(non_white) / (double(width) * height);
}
#endif

}  // namespace

TEST_CASE("reports open in headless Chromium without console errors and are not blank",
          "[report][slow]") {
  if (std::system("command -v chromium > /dev/null 2>&1") != 0) {
    WARN("chromium is not installed (apt-get install chromium); test skipped");
    return;
  }
  TempDir tmp;
  make_run_dir(tmp.path + "/run", 40);
  const std::string training = write_training_report(tmp.path + "/run").back();
  const std::string experiment =
      write_experiment_report(complete_results(), tmp.path + "/experiment").back();
  write(tmp.path + "/empty.html", "<html><body></body></html>");

  const std::string empty_log = chromium_screenshot(
      "file://" + tmp.path + "/empty.html", tmp.path + "/empty.png", tmp.path + "/empty.log");
  const auto empty_size = fs::file_size(tmp.path + "/empty.png");
  for (const std::string& page : {training, experiment}) {
    INFO(page);
    const std::string png = page + ".png";
    const std::string log = chromium_screenshot("file://" + page, png, page + ".log");
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      INFO(line);
      CHECK(line.find(":CONSOLE") == std::string::npos);
    }
    REQUIRE(fs::exists(png));
    CHECK(fs::file_size(png) > 4 * empty_size);
#ifdef TENUKI_HAVE_ZLIB
    const double share = non_white_share(png);
    INFO("non-white share " << share);
    CHECK(share > 0.03);
    CHECK(non_white_share(tmp.path + "/empty.png") == 0);
#endif
  }
}
