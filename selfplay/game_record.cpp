#include "selfplay/game_record.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace tenuki {

int SelfPlayRecord::training_positions() const {
  int n = 0;
  for (uint8_t f : full_search) n += f ? 1 : 0;
  return n;
}

std::string record_to_json_line(const SelfPlayRecord& r) {
  nlohmann::json j;
  if (!r.id.empty()) j["id"] = r.id;
  j["game"] = r.game_spec;
  j["moves"] = r.moves;
  nlohmann::json policies = nlohmann::json::array();
  for (const auto& p : r.policies) {
    nlohmann::json flat = nlohmann::json::array();
    for (const auto& [a, prob] : p) {
      flat.push_back(a);
      flat.push_back(std::round(static_cast<double>(prob) * 1e5) / 1e5);
    }
    policies.push_back(std::move(flat));
  }
  j["policy"] = std::move(policies);
  j["full"] = r.full_search;
  if (!r.root_values.empty()) {
    nlohmann::json values = nlohmann::json::array();
    for (float v : r.root_values) {
      values.push_back(std::round(static_cast<double>(v) * 1e4) / 1e4);
    }
    j["value"] = std::move(values);
  }
  j["result"] = r.result;
  j["resigned"] = r.resigned;
  if (r.no_resign) j["no_resign"] = true;
  if (r.would_resign >= 0) j["would_resign"] = r.would_resign;
  if (r.net_step >= 0) j["net_step"] = r.net_step;
  if (r.branch_moves > 0) j["branch_moves"] = r.branch_moves;
  return j.dump();
}

SelfPlayRecord record_from_json_line(const std::string& line) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("bad JSON: ") + e.what());
  }
  try {
    SelfPlayRecord r;
    r.id = j.value("id", std::string());
    r.game_spec = j.at("game").get<std::string>();
    r.moves = j.at("moves").get<std::vector<Action>>();
    for (const auto& flat : j.at("policy")) {
      if (!flat.is_array() || flat.size() % 2 != 0) {
        throw std::invalid_argument("policy entries must be flat (action, probability) pairs");
      }
      std::vector<std::pair<Action, float>> p;
      for (size_t k = 0; k < flat.size(); k += 2) {
        p.emplace_back(flat[k].get<Action>(), flat[k + 1].get<float>());
      }
      r.policies.push_back(std::move(p));
    }
    r.full_search = j.at("full").get<std::vector<uint8_t>>();
    r.root_values = j.value("value", std::vector<float>());
    r.result = j.at("result").get<double>();
    r.resigned = j.value("resigned", false);
    r.no_resign = j.value("no_resign", false);
    r.would_resign = j.value("would_resign", -1);
    if (r.would_resign < -1 || r.would_resign >= kNumPlayers) {
      throw std::invalid_argument("would_resign must be a player (0 or 1) or -1");
    }
    r.net_step = j.value("net_step", int64_t{-1});
    if (r.policies.size() != r.moves.size() || r.full_search.size() != r.moves.size() ||
        (!r.root_values.empty() && r.root_values.size() != r.moves.size())) {
      throw std::invalid_argument(
          "moves, policy, full and value (when given) must have equal lengths");
    }
    r.branch_moves = j.value("branch_moves", 0);
    if (r.branch_moves < 0 || r.branch_moves > static_cast<int>(r.moves.size()) + 1) {
      throw std::invalid_argument("branch_moves must be in [0, moves + 1]");
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("bad record: ") + e.what());
  }
}

void write_records_file(const std::string& path, const std::vector<SelfPlayRecord>& records) {
  std::string text;
  for (const auto& r : records) {
    text += record_to_json_line(r);
    text += '\n';
  }
  write_file_atomically(path, text);
}

std::vector<SelfPlayRecord> read_records_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read game records '" + path + "'");
  std::vector<SelfPlayRecord> out;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      out.push_back(record_from_json_line(line));
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace tenuki
