// envs/util/: the infrastructure every floor uses.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "envs/util/random.h"
#include "envs/util/remove_tree.h"
#include "envs/util/text.h"
#include "tests/support/test_files.h"

namespace fs = std::filesystem;
using namespace tenuki;

TEST_CASE("remove_tree removes a whole tree, never what a link points to", "[util]") {
  test::TempDir dir;
  const std::string keep = dir.path + "/keep.txt";
  std::ofstream(keep) << "outside the tree";
  const std::string tree = dir.path + "/tree";
  fs::create_directories(tree + "/a/b/c");
  std::ofstream(tree + "/a/b/c/deep.txt") << "x";
  std::ofstream(tree + "/top.txt") << "y";
  REQUIRE(::symlink(keep.c_str(), (tree + "/a/link").c_str()) == 0);
  REQUIRE(::symlink(dir.path.c_str(), (tree + "/a/b/folder_link").c_str()) == 0);
  std::string error;
  CHECK(remove_tree(tree, &error));
  CHECK(error.empty());
  CHECK_FALSE(fs::exists(tree));
  CHECK(test::read_text(keep) == "outside the tree");  // links removed, not followed
  CHECK(remove_tree(tree));                            // a missing path is no error
  CHECK(remove_tree(keep));                            // a plain file
  CHECK_FALSE(fs::exists(keep));
}

TEST_CASE("text helpers: CSV fields, fixed decimals, durations", "[util]") {
  CHECK(csv_field("plain") == "plain");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\r\nlines") == "\"two\r\nlines\"");
  CHECK(format_fixed(2.345, 1) == "2.3");
  CHECK(format_fixed(-0.0001, 2) == "0.00");
  CHECK(format_fixed(NAN, 2) == "n/a");
  CHECK(format_fixed(-INFINITY, 2) == "-inf");
  CHECK(format_duration(42.4) == "42s");
  CHECK(format_duration(303) == "5m03s");
  CHECK(format_duration(3900) == "1h05m");
  CHECK(format_duration(-1) == "?");
  CHECK(format_duration(NAN) == "?");
}

TEST_CASE("draw_weighted draws in proportion to the weights, -1 when they sum to zero", "[util]") {
  Rng rng(7);
  const std::vector<double> weights = {0.0, 1.0, 0.0, 3.0};
  std::vector<int> counts(weights.size(), 0);
  const int draws = 40000;
  for (int i = 0; i < draws; ++i) {
    const int k = draw_weighted(rng, weights);
    REQUIRE(k >= 0);
    ++counts[k];
  }
  CHECK(counts[0] == 0);
  CHECK(counts[2] == 0);
  // Binomial standard deviation at p = 1/4 is ~87 draws: allow 5 of them.
  CHECK(std::abs(counts[1] - draws / 4) < 435);
  CHECK(draw_weighted(rng, std::vector<double>{0.0, 0.0}) == -1);
  CHECK(draw_weighted(rng, std::vector<double>{}) == -1);
  CHECK(draw_weighted(rng, std::vector<double>{2.5}) == 0);
}
