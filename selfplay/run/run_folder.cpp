#include "selfplay/run/run_folder.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "envs/util/atomic_file.h"
#include "envs/util/input_error.h"
#include "selfplay/run/actor_chunks.h"

namespace tenuki {
namespace fs = std::filesystem;

nlohmann::json run_state_to_json(const RunState& s) {
  nlohmann::json j = {{"step", s.step},
                      {"games", s.games},
                      {"positions", s.positions},
                      {"samples_consumed", s.samples_consumed},
                      {"evaluations", s.evaluations},
                      {"wall_seconds", s.wall_seconds},
                      {"next_chunk", s.next_chunk},
                      {"latest_checkpoint", s.latest_checkpoint}};
  if (!s.ingested.empty()) j["ingested"] = ingest_marks_to_json(s.ingested);
  if (!s.games_in_progress.empty()) j["games_in_progress"] = s.games_in_progress;
  return j;
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
  if (j.contains("ingested")) s.ingested = ingest_marks_from_json(j.at("ingested"));
  s.games_in_progress = j.value("games_in_progress", std::string());
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

void RunDirectory::append_metrics(MetricType type, nlohmann::json fields) {
  fields["type"] = metric_type_name(type);
  std::lock_guard<std::mutex> lock(metrics_mutex_);
  std::ofstream out(file("metrics.jsonl"), std::ios::app);
  out << fields.dump() << "\n";
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

std::string milestone_checkpoint_name(BudgetUnit unit, double x) {
  return "milestones/" + budget_unit_name(unit) + "_" + format_units(x) + ".ckpt";
}

const std::vector<std::string>& budget_unit_names() {
  static const std::vector<std::string> names = {"evaluations", "games", "steps", "minutes"};
  return names;
}

const std::string& budget_unit_name(BudgetUnit unit) {
  return budget_unit_names()[static_cast<size_t>(unit)];
}

BudgetUnit parse_budget_unit(const std::string& name) {
  const auto& names = budget_unit_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<BudgetUnit>(i);
  }
  throw InputError("unknown budget unit '" + name + "'; units: evaluations, games, steps, minutes");
}

const std::string& metric_type_name(MetricType type) {
  static const std::vector<std::string> names = {"train",     "eval",    "dtype",
                                                 "milestone", "summary", "ingest"};
  return names[static_cast<size_t>(type)];
}

double units_on_metric_line(BudgetUnit unit, const nlohmann::json& line) {
  switch (unit) {
    case BudgetUnit::kEvaluations:
      return line.value("evaluations", 0.0);
    case BudgetUnit::kGames:
      return line.value("games", 0.0);
    case BudgetUnit::kSteps:
      return line.value("step", 0.0);
    case BudgetUnit::kMinutes:
      return line.value("wall_s", 0.0) / 60;
  }
  return 0;
}

MetricLines read_metric_lines(const std::string& path, int64_t tail_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read " + path);
  MetricLines m;
  std::string line;
  if (tail_bytes > 0) {
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size > tail_bytes) {
      in.seekg(size - tail_bytes);
      std::getline(in, line);  // the rest of a line that starts before the window
    } else {
      in.seekg(0);
    }
  }
  while (std::getline(in, line)) {
    ++m.line_count;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      m.unreadable_lines.push_back(m.line_count);
      continue;
    }
    const std::string type = j.value("type", "");
    for (MetricType t : {MetricType::kTrain, MetricType::kEval, MetricType::kDtype,
                         MetricType::kMilestone, MetricType::kSummary, MetricType::kIngest}) {
      if (type == metric_type_name(t)) {
        m.lines.push_back({t, std::move(j), m.line_count});
        break;
      }
    }
  }
  return m;
}

}  // namespace tenuki
