#include "transfer/plan.h"

#include <climits>

#include "envs/spec.h"

namespace tenuki::transfer {
namespace {

const char* const kHeadNames[] = {"policy", "value", "ownership", "pass"};

}  // namespace

std::string TransferPlan::text() const {
  switch (kind) {
    case Kind::kZeroShot:
      return "zero-shot";
    case Kind::kFineTune:
      return "fine-tune";
    case Kind::kFrozenTrunk:
      return Spec::format(
          "frozen-trunk",
          {{"unfreeze_after", unfreeze_after > 0 ? std::to_string(unfreeze_after) : "never"},
           {"warmup", std::to_string(warmup)}});
    case Kind::kPartial:
      return Spec::format("partial", {{"blocks", std::to_string(blocks)}});
  }
  return "?";
}

TransferPlan parse_plan(const std::string& text) {
  Spec spec = Spec::parse(text);
  TransferPlan plan;
  const std::string& name = spec.name();
  if (name == "zero-shot") {
    plan.kind = TransferPlan::Kind::kZeroShot;
  } else if (name == "fine-tune") {
    plan.kind = TransferPlan::Kind::kFineTune;
  } else if (name == "frozen-trunk") {
    plan.kind = TransferPlan::Kind::kFrozenTrunk;
    const std::string after = spec.get_string("unfreeze_after", "never");
    if (after != "never") plan.unfreeze_after = spec.get_int("unfreeze_after", 0, 1, INT_MAX);
    plan.warmup = spec.get_int("warmup", 0, 0, INT_MAX);
  } else if (name == "partial") {
    if (!spec.has("blocks")) {
      throw SpecError("plan '" + text + "': partial needs blocks=k (residual blocks copied)");
    }
    plan.kind = TransferPlan::Kind::kPartial;
    plan.blocks = spec.get_int("blocks", 0, 0, 100000);
  } else {
    throw SpecError("unknown transfer plan '" + name + "' in '" + text +
                    "'; plans: zero-shot, fine-tune, frozen-trunk(unfreeze_after=N,warmup=W), "
                    "partial(blocks=k)");
  }
  try {
    spec.check_all_used();
  } catch (const SpecError& e) {
    throw SpecError("plan '" + text + "': " + e.what());
  }
  return plan;
}

std::set<std::string> trunk_prefixes(int blocks) {
  std::set<std::string> out = {"stem", "trunk_bn"};
  for (int i = 0; i < blocks; ++i) out.insert("block" + std::to_string(i));
  return out;
}

GamePlanes parse_game_planes(const std::string& text) {
  if (text == "semantic") return GamePlanes::kSemantic;
  if (text == "keep") return GamePlanes::kKeep;
  if (text == "drop") return GamePlanes::kDrop;
  throw SpecError("unknown game-planes mode '" + text + "'; use semantic, keep or drop");
}

std::string game_planes_name(GamePlanes mode) {
  switch (mode) {
    case GamePlanes::kSemantic:
      return "semantic";
    case GamePlanes::kKeep:
      return "keep";
    case GamePlanes::kDrop:
      return "drop";
  }
  return "?";
}

std::string HeadsChoice::text() const {
  if (forced.empty()) return automatic ? "auto" : "keep";
  std::vector<std::pair<std::string, std::string>> options;
  for (const auto& h : forced) options.emplace_back(h, "true");
  return Spec::format("reinit", options);
}

HeadsChoice parse_heads(const std::string& text) {
  HeadsChoice heads;
  if (text == "auto") return heads;
  if (text == "keep") {
    heads.automatic = false;
    return heads;
  }
  // reinit(policy,value) lists bare names; the spec grammar needs key=value, so accept both
  // "reinit(policy,value)" and "reinit(policy=true,value=true)".
  const std::string prefix = "reinit(";
  if (text.rfind(prefix, 0) != 0 || text.back() != ')') {
    throw SpecError("bad heads '" + text +
                    "'; use auto, keep or reinit(policy,value,ownership,pass)");
  }
  const std::string inner = text.substr(prefix.size(), text.size() - prefix.size() - 1);
  for (std::string item : split_top_level(inner, ',')) {
    const auto eq = item.find('=');
    std::string value = "true";
    if (eq != std::string::npos) {
      value = item.substr(eq + 1);
      item = item.substr(0, eq);
    }
    bool known = false;
    for (const char* h : kHeadNames) known = known || item == h;
    if (!known) {
      throw SpecError("unknown head '" + item + "' in '" + text +
                      "'; heads: policy, value, ownership, pass");
    }
    if (value == "true") {
      heads.forced.insert(item);
    } else if (value != "false") {
      throw SpecError("heads '" + text + "': " + item + "=" + value + " must be true or false");
    }
  }
  if (heads.forced.empty()) throw SpecError("heads '" + text + "' names no head");
  return heads;
}

SearchMode parse_search_mode(const std::string& text) {
  if (text == "source") return SearchMode::kSource;
  if (text == "scaled") return SearchMode::kScaled;
  if (text == "target") return SearchMode::kTarget;
  throw SpecError("unknown search transfer '" + text + "'; use source, scaled or target");
}

std::string search_mode_name(SearchMode mode) {
  switch (mode) {
    case SearchMode::kSource:
      return "source";
    case SearchMode::kScaled:
      return "scaled";
    case SearchMode::kTarget:
      return "target";
  }
  return "?";
}

}  // namespace tenuki::transfer
