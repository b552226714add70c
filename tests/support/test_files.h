#pragma once
// Helpers for tests of any floor: a temporary directory and file readers. Includes only envs/util/.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "envs/util/remove_tree.h"

namespace tenuki::test {

namespace fs = std::filesystem;

// A fresh temporary directory, removed at scope exit.
struct TempDir {
  TempDir() {
    path = (fs::temp_directory_path() /
            ("tenuki_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++)))
               .string();
    remove_tree(path);
    fs::create_directories(path);
  }
  ~TempDir() { remove_tree(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string path;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses a whole JSON file; throws when it is missing, cut or malformed.
inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

inline std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace tenuki::test
