// Transplanting a network to another game: the LibTorch side of transfer/transplant.h.
#include "transfer/transplant.h"

#include <cstring>
#include <map>
#include <sstream>

#include "agents/net/checkpoint_format.h"
#include "agents/net/network_torch.h"
#include "envs/encoding.h"
#include "envs/registry.h"
#include "envs/spec.h"
#include "envs/util/atomic_file.h"

namespace tenuki::transfer {
namespace {

// Every parameter and buffer of the module, by name, in module order.
std::vector<std::pair<std::string, torch::Tensor>> named_tensors(PolicyValueNetImpl& module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& item : module.named_parameters(true)) out.emplace_back(item.key(), item.value());
  for (auto& item : module.named_buffers(true)) out.emplace_back(item.key(), item.value());
  return out;
}

// The head a tensor belongs to ("policy", "pass", "value", "ownership"), or "" for the trunk.
std::string head_of(const std::string& name) {
  if (name.rfind("policy_", 0) == 0) return "policy";
  if (name.rfind("pass_linear", 0) == 0) return "pass";
  if (name.rfind("value_", 0) == 0) return "value";
  if (name.rfind("ownership_", 0) == 0) return "ownership";
  return "";
}

// Block index of "blockN.xxx", or -1.
int block_of(const std::string& name) {
  if (name.rfind("block", 0) != 0) return -1;
  const size_t dot = name.find('.');
  const std::string digits = name.substr(5, dot - 5);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoi(digits);
}

std::string board_text(const Game& g) {
  return std::to_string(g.rows()) + "x" + std::to_string(g.cols());
}

std::string tag_meaning(const std::string& tag) {
  for (const auto& t : encoding::plane_tags()) {
    if (t.tag == tag) return t.meaning;
  }
  return "";
}

nlohmann::json shape_json(const torch::Tensor& t) {
  nlohmann::json s = nlohmann::json::array();
  for (int64_t d : t.sizes()) s.push_back(d);
  return s;
}

}  // namespace

std::string report_path_for(const std::string& checkpoint_path) {
  const std::string ext = ".ckpt";
  std::string base = checkpoint_path;
  if (base.size() > ext.size() && base.compare(base.size() - ext.size(), ext.size(), ext) == 0) {
    base.resize(base.size() - ext.size());
  }
  return base + ".transfer.json";
}

Transplant transplant(const TransplantOptions& o) {
  // 1. Inputs, all checked before anything is built.
  std::shared_ptr<const Game> target;
  try {
    target = make_game(o.target_game);
  } catch (const SpecError& e) {
    throw TransferError(std::string("target game: ") + e.what());
  }
  CheckpointMeta source_meta;
  std::shared_ptr<PolicyValueNet> source;
  try {
    source = load_checkpoint(o.source_path, DeviceOptions{}, &source_meta);
  } catch (const CheckpointError& e) {
    throw TransferError(std::string("source: ") + e.what());
  }
  const std::string source_spec = o.source_game.empty() ? source_meta.game_spec : o.source_game;
  std::shared_ptr<const Game> source_game;
  if (!source_spec.empty()) {
    try {
      source_game = make_game(source_spec);
    } catch (const SpecError& e) {
      throw TransferError("source game '" + source_spec + "': " + e.what());
    }
  } else if (o.game_planes == GamePlanes::kSemantic) {
    throw TransferError("source checkpoint '" + o.source_path +
                        "' names no game, so its game planes have no meaning; name it with "
                        "--from GAME or use --game-planes keep|drop");
  }
  const NetworkConfig& config = source->config();
  if (o.plan.kind == TransferPlan::Kind::kPartial && o.plan.blocks > config.blocks) {
    throw TransferError("plan " + o.plan.text() + ": the source net has only " +
                        std::to_string(config.blocks) + " residual blocks");
  }

  // 2. Which heads are re-initialised, and why.
  std::map<std::string, std::string> reinit_heads;  // head -> why
  for (const auto& h : o.heads.forced) reinit_heads[h] = "re-initialised on request (--heads)";
  if (o.heads.automatic && !target->traits().has_pass && !reinit_heads.count("pass")) {
    reinit_heads["pass"] = target->name() + " has no pass move";
  }
  if (o.heads.automatic && config.ownership_head && !target->traits().scores_ownership &&
      !reinit_heads.count("ownership")) {
    reinit_heads["ownership"] = target->name() + " has no ownership target";
  }

  // 3. Game-plane mapping: target game plane t takes source plane from[t] (-1 = zero).
  const std::vector<std::string> target_tags = encoding::game_plane_tags(*target);
  const std::vector<std::string> source_tags =
      source_game ? encoding::game_plane_tags(*source_game)
                  : std::vector<std::string>(encoding::kNumGamePlanes);
  std::vector<int> from(encoding::kNumGamePlanes, -1);
  for (int t = 0; t < encoding::kNumGamePlanes; ++t) {
    if (o.game_planes == GamePlanes::kKeep) {
      from[t] = t;
    } else if (o.game_planes == GamePlanes::kSemantic && !target_tags[t].empty()) {
      for (int s = 0; s < encoding::kNumGamePlanes && from[t] < 0; ++s) {
        if (source_tags[s] == target_tags[t]) from[t] = s;
      }
    } else if (o.game_planes == GamePlanes::kSemantic && source_game && source_tags[t].empty()) {
      from[t] = t;  // unused (always 0) in both games: the weights are kept as they are
    }
  }
  nlohmann::json planes = nlohmann::json::array();
  for (int c = 0; c < encoding::kGamePlanes; ++c) {
    planes.push_back({{"plane", c},
                      {"name", encoding::channel_names()[c]},
                      {"action", "copied"},
                      {"why", "shared plane: the same meaning in every game"}});
  }
  for (int t = 0; t < encoding::kNumGamePlanes; ++t) {
    nlohmann::json p = {{"plane", encoding::kGamePlanes + t},
                        {"name", encoding::channel_names()[encoding::kGamePlanes + t]},
                        {"target_tag", target_tags[t]}};
    const int s = from[t];
    if (o.game_planes == GamePlanes::kKeep) {
      p["action"] = "copied";
      p["from_plane"] = encoding::kGamePlanes + t;
      p["why"] =
          source_tags[t] == target_tags[t]
              ? "game-planes=keep; same tag '" + target_tags[t] + "'"
              : "game-planes=keep copies raw weights although the meaning differs (source '" +
                    source_tags[t] + "', target '" + target_tags[t] + "')";
    } else if (s < 0) {
      p["action"] = "zeroed";
      p["why"] = o.game_planes == GamePlanes::kDrop ? "game-planes=drop zeroes every game plane"
                 : target_tags[t].empty()           ? "unused by " + target->name() + " (always 0)"
                                          : "no source plane tagged '" + target_tags[t] + "'";
    } else if (target_tags[t].empty()) {
      p["action"] = "copied";
      p["from_plane"] = encoding::kGamePlanes + t;
      p["why"] = "unused (always 0) in both games";
    } else {
      p["action"] = s == t ? "copied" : "adapted";
      p["from_plane"] = encoding::kGamePlanes + s;
      p["why"] = "tag '" + target_tags[t] + "': " + tag_meaning(target_tags[t]) +
                 (s == t ? "" : "; moved from game plane " + std::to_string(s));
    }
    planes.push_back(p);
  }
  for (int s = 0; s < encoding::kNumGamePlanes; ++s) {
    if (source_tags[s].empty() || o.game_planes == GamePlanes::kKeep) continue;
    bool used = false;
    for (int t = 0; t < encoding::kNumGamePlanes; ++t) used = used || from[t] == s;
    if (used) continue;
    planes.push_back({{"plane", encoding::kGamePlanes + s},
                      {"side", "source"},
                      {"source_tag", source_tags[s]},
                      {"action", "dropped"},
                      {"why", o.game_planes == GamePlanes::kDrop
                                  ? "game-planes=drop"
                                  : "no target plane tagged '" + source_tags[s] + "'"}});
  }

  // 4. The target net: the source's weights, then the changes.
  auto net = load_checkpoint(o.source_path);  // a second copy, to be changed
  PolicyValueNet fresh(config, o.seed);
  auto fresh_tensors = named_tensors(fresh.impl());
  std::map<std::string, torch::Tensor> fresh_by_name(fresh_tensors.begin(), fresh_tensors.end());
  nlohmann::json tensors = nlohmann::json::array();
  std::map<std::string, int> counts;
  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : named_tensors(net->impl())) {
    nlohmann::json t = {{"name", name}, {"shape", shape_json(tensor)}};
    const std::string head = head_of(name);
    const int block = block_of(name);
    std::string action = "copied", why;
    if (!head.empty()) {
      if (reinit_heads.count(head)) {
        action = "re-initialised";
        why = head + " head: " + reinit_heads.at(head);
      } else {
        why = head + " head: " +
              (head == "pass"        ? "the target has a pass move"
               : head == "ownership" ? "the target has an ownership target"
                                     : "per-cell outputs carry over at any board size");
      }
    } else if (block >= 0 && o.plan.kind == TransferPlan::Kind::kPartial &&
               block >= o.plan.blocks) {
      action = "re-initialised";
      why = "plan " + o.plan.text() + " copies blocks 0.." + std::to_string(o.plan.blocks - 1);
    } else if (name == "stem.weight") {
      auto adapted = tensor.clone();
      for (int p = 0; p < encoding::kNumGamePlanes; ++p) {
        auto column = adapted.select(1, encoding::kGamePlanes + p);
        if (from[p] < 0) {
          column.zero_();
        } else {
          column.copy_(tensor.select(1, encoding::kGamePlanes + from[p]));
        }
      }
      if (torch::equal(adapted, tensor)) {
        why = "trunk; the game-plane mapping leaves every input weight as it was";
      } else {
        action = "adapted";
        why = "trunk; input weights of the game planes mapped (" + game_planes_name(o.game_planes) +
              "): see planes";
        tensor.copy_(adapted);
      }
    } else {
      why = "trunk: fully convolutional, any board size";
    }
    if (action == "re-initialised") tensor.copy_(fresh_by_name.at(name));
    t["action"] = action;
    t["why"] = why;
    ++counts[action];
    tensors.push_back(t);
  }
  net->eval();

  // 5. Search settings.
  Transplant result;
  result.search = transfer_search(o.search, source_meta.search, source_meta.search_max_moves,
                                  source_game.get(), o.target_search, o.target_max_moves, *target);

  // 6. Report and metadata.
  nlohmann::json report;
  report["source"] = {{"path", o.source_path},
                      {"game", source_game ? source_game->spec() : ""},
                      {"training_step", source_meta.training_step},
                      {"derivation", source_meta.derivation},
                      {"parent", source_meta.parent},
                      {"created_at", source_meta.created_at},
                      {"architecture", config.summary()}};
  report["target_game"] = target->spec();
  report["plan"] = o.plan.text();
  report["game_planes"] = game_planes_name(o.game_planes);
  report["heads"] = o.heads.text();
  report["search_mode"] = search_mode_name(o.search);
  report["seed"] = o.seed;
  const std::string source_board = source_game ? board_text(*source_game) : "?";
  report["board"] = {
      {"source", source_board},
      {"target", board_text(*target)},
      {"note", source_board == board_text(*target)
                   ? "same board size"
                   : "board size changes: nothing to do, the net is fully convolutional with "
                     "masked global pooling and reads any board size"}};
  report["summary"] = {{"tensors", tensors.size()},
                       {"copied", counts["copied"]},
                       {"adapted", counts["adapted"]},
                       {"re-initialised", counts["re-initialised"]}};
  report["planes"] = planes;
  report["tensors"] = tensors;
  report["search"] = result.search.to_json();

  CheckpointMeta& meta = result.meta;
  meta.game_spec = target->spec();
  meta.training_step = 0;
  meta.parent = o.source_path;
  meta.derivation = "transfer from " + (source_game ? source_game->spec() : std::string("?")) +
                    " (plan " + o.plan.text() + ", game planes " + game_planes_name(o.game_planes) +
                    ", heads " + o.heads.text() + ", search " + search_mode_name(o.search) + ")";
  meta.search = result.search.search;
  meta.search_max_moves = result.search.max_moves;
  meta.transfer_report = report.dump();
  result.net = net;
  result.report = std::move(report);
  return result;
}

std::string format_report(const nlohmann::json& r) {
  std::ostringstream out;
  const auto& src = r.at("source");
  out << "transfer " << src.at("game").get<std::string>() << " ("
      << src.at("path").get<std::string>() << ", step " << src.at("training_step") << ", "
      << src.at("architecture").get<std::string>() << ") -> "
      << r.at("target_game").get<std::string>() << "\n"
      << "  plan " << r.at("plan").get<std::string>() << ", game planes "
      << r.at("game_planes").get<std::string>() << ", heads " << r.at("heads").get<std::string>()
      << ", search " << r.at("search_mode").get<std::string>() << "\n"
      << "  board " << r.at("board").at("source").get<std::string>() << " -> "
      << r.at("board").at("target").get<std::string>() << ": "
      << r.at("board").at("note").get<std::string>() << "\n";
  const auto& s = r.at("summary");
  out << "  tensors: " << s.at("tensors") << " (" << s.at("copied") << " copied, "
      << s.at("adapted") << " adapted, " << s.at("re-initialised") << " re-initialised)\n";
  out << "input planes:\n";
  for (const auto& p : r.at("planes")) {
    std::string label = p.value("side", "") == "source" ? "source plane " : "plane ";
    out << "  " << label << p.at("plane") << " " << p.value("name", p.value("source_tag", ""))
        << ": " << p.at("action").get<std::string>();
    if (p.contains("from_plane") && p.at("from_plane") != p.at("plane")) {
      out << " from plane " << p.at("from_plane");
    }
    out << " (" << p.at("why").get<std::string>() << ")\n";
  }
  out << "tensors:\n";
  for (const auto& t : r.at("tensors")) {
    out << "  " << t.at("name").get<std::string>() << " " << t.at("shape").dump() << ": "
        << t.at("action").get<std::string>() << " (" << t.at("why").get<std::string>() << ")\n";
  }
  out << "search settings:\n";
  for (const auto& t : r.at("search")) {
    out << "  " << t.at("key").get<std::string>() << " = " << t.at("value").dump() << "  ["
        << t.at("origin").get<std::string>() << "] " << t.at("why").get<std::string>() << "\n";
  }
  return out.str();
}

void write_transplant(const Transplant& result, const std::string& out_path) {
  save_checkpoint(out_path, *result.net, result.meta);
  write_file_atomically(report_path_for(out_path), result.report.dump(2) + "\n");
}

void copy_weights(const PolicyValueNet& from, PolicyValueNet& to) {
  if (!(from.config() == to.config())) {
    throw std::invalid_argument("copy_weights: architectures differ (" + from.config().summary() +
                                " vs " + to.config().summary() + ")");
  }
  torch::NoGradGuard no_grad;
  auto src = named_tensors(const_cast<PolicyValueNetImpl&>(from.impl()));
  std::map<std::string, torch::Tensor> by_name(src.begin(), src.end());
  for (auto& [name, tensor] : named_tensors(to.impl())) tensor.copy_(by_name.at(name));
}

}  // namespace tenuki::transfer
