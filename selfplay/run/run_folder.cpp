#include "selfplay/run/run_folder.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "envs/util/atomic_file.h"

namespace tenuki {
namespace fs = std::filesystem;

nlohmann::json run_state_to_json(const RunState& s) {
  return {{"step", s.step},
          {"games", s.games},
          {"positions", s.positions},
          {"samples_consumed", s.samples_consumed},
          {"evaluations", s.evaluations},
          {"wall_seconds", s.wall_seconds},
          {"next_chunk", s.next_chunk},
          {"latest_checkpoint", s.latest_checkpoint}};
}

RunState run_state_from_json(const nlohmann::json& j) {
  RunState s;
  s.step = j.at("step").get<int64_t>();
  s.games = j.at("games").get<int64_t>();
  s.positions = j.at("positions").get<int64_t>();
  s.samples_consumed = j.at("samples_consumed").get<int64_t>();
  s.wall_seconds = j.at("wall_seconds").get<double>();
  s.evaluations = j.value("evaluations", int64_t{0});
  s.next_chunk = j.at("next_chunk").get<int64_t>();
  s.latest_checkpoint = j.at("latest_checkpoint").get<std::string>();
  return s;
}

// ----------------------------------------------------------------------------------------------
// RunDirectory

RunDirectory::RunDirectory(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  for (const char* sub : {"", "/checkpoints", "/games", "/sgf"}) {
    fs::create_directories(path_ + sub, ec);
    if (ec) throw std::runtime_error("cannot create '" + path_ + sub + "': " + ec.message());
  }
}

std::string RunDirectory::checkpoint_name(int64_t step) const {
  char name[64];
  std::snprintf(name, sizeof(name), "checkpoints/step_%08" PRId64 ".ckpt", step);
  return name;
}

bool RunDirectory::has_state() const { return fs::exists(file("state.json")); }

RunState RunDirectory::read_state() const {
  std::ifstream in(file("state.json"));
  if (!in) throw std::runtime_error("cannot read '" + file("state.json") + "'");
  try {
    nlohmann::json j;
    in >> j;
    return run_state_from_json(j);
  } catch (const std::exception& e) {
    throw std::runtime_error("bad '" + file("state.json") + "': " + e.what());
  }
}

void RunDirectory::write_state(const RunState& state) const {
  write_file_atomically(file("state.json"), run_state_to_json(state).dump(2) + "\n");
}

void RunDirectory::append_metrics(const nlohmann::json& line) {
  std::lock_guard<std::mutex> lock(metrics_mutex_);
  std::ofstream out(file("metrics.jsonl"), std::ios::app);
  out << line.dump() << "\n";
}

std::vector<std::string> RunDirectory::record_chunks() const {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(file("games"))) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("chunk_", 0) == 0 && entry.path().extension() == ".jsonl") {
      out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string format_units(double x) {
  char text[64];
  if (x == std::floor(x)) {
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(x));
  } else {
    std::snprintf(text, sizeof text, "%.3f", x);
  }
  return text;
}

std::string milestone_checkpoint_name(const std::string& unit, double x) {
  return "milestones/" + unit + "_" + format_units(x) + ".ckpt";
}

}  // namespace tenuki
