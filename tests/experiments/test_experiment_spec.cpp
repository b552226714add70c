// Experiment specs and run folders through the real binary, without training: bad specs refused
// before any work, the dry-run plan, and the status of a folder made elsewhere. Needs no LibTorch,
// so the sanitizer build runs it too.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/experiments/experiment_test_helpers.h"
#include "tests/support/test_files.h"

namespace tenuki::test {

TEST_CASE("experiment specs with mistakes fail before any work, naming the problem",
          "[experiment]") {
  TempDir dir;
  struct Case {
    std::string what;
    std::function<void(nlohmann::json&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"unknown key", [](nlohmann::json& s) { s["seed_count"] = 3; }, "unknown key 'seed_count'"},
      {"unknown key in an arm",
       [](nlohmann::json& s) { s["targets"][0]["arms"][1]["transfer"]["plans"] = "x"; },
       "unknown key 'targets[0].arms[1].transfer.plans'"},
      {"unknown game", [](nlohmann::json& s) { s["targets"][0]["game"] = "chess"; }, "chess"},
      {"missing source checkpoint",
       [](nlohmann::json& s) {
         s["source"] = {{"checkpoint", "no/such.ckpt"}};
       },
       "source.checkpoint: no such file"},
      {"zero budget", [](nlohmann::json& s) { s["budget"]["amount"] = 0; },
       "budget.amount: must be > 0"},
      {"impossible schedule", [](nlohmann::json& s) { s["evaluation"]["every"] = 7000; },
       "evaluation.every"},
      {"odd games", [](nlohmann::json& s) { s["evaluation"]["games"] = 3; }, "even"},
      {"transfer without a source", [](nlohmann::json& s) { s.erase("source"); },
       "needs a \"source\""},
      {"unknown source weights",
       [](nlohmann::json& s) {
         s["targets"][0]["arms"][2]["transfer"]["source_weights"] = "random";
       },
       "targets[0].arms[2].transfer.source_weights"},
      {"initial checkpoint of a trained source",
       [](nlohmann::json& s) { s["source"]["initial_checkpoint"] = "x.ckpt"; },
       "source.initial_checkpoint: is only for a given \"checkpoint\""},
      {"curriculum in a target's config",
       [](nlohmann::json& s) {
         s["targets"][0]["config"]["curriculum"] = {{{"game", "connect_four"}, {"minutes", 1}}};
       },
       "must not have a curriculum"},
      {"unknown pool agent", [](nlohmann::json& s) { s["targets"][0]["pool"][1] = "alphago"; },
       "pool[1]"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    nlohmann::json spec = miniature_spec();
    c.edit(spec);
    const std::string path = write_spec(dir.path, spec);
    const std::string out = dir.path + "/run_" + std::to_string(&c - cases.data());
    const CommandResult r = run_tenuki("experiment run " + path + " --out " + out, dir.path);
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK(r.output.find(c.message) != std::string::npos);
    CHECK_FALSE(fs::exists(out));  // nothing started
  }
  // The same spec without mistakes is accepted (--dry-run prints the plan and runs nothing).
  const std::string path = write_spec(dir.path, miniature_spec());
  const CommandResult ok = run_tenuki("experiment run " + path + " --dry-run", dir.path);
  INFO(ok.output);
  CHECK(ok.status == 0);
  CHECK(ok.output.find("ttt/fine-tune/s2/eval/6000") != std::string::npos);
  CHECK(ok.output.find("estimated total") != std::string::npos);
  // Specs written when one compute view had to be chosen still read (both views are reported).
  nlohmann::json legacy = miniature_spec();
  legacy["budget"]["charge_source"] = true;
  const CommandResult old =
      run_tenuki("experiment run " + write_spec(dir.path, legacy) + " --dry-run", dir.path);
  INFO(old.output);
  CHECK(old.status == 0);
}

TEST_CASE("a run folder's status is read where the pool's engines are missing", "[experiment]") {
  TempDir dir;
  nlohmann::json spec = miniature_spec();
  spec["targets"][0]["pool"][1] = "gtp(cmd=\"/nonexistent/engine --mode gtp\")";
  // A new run builds the pool agents first, so the missing engine is refused ...
  const CommandResult refused =
      run_tenuki("experiment run " + write_spec(dir.path, spec) + " --dry-run", dir.path);
  INFO(refused.output);
  CHECK(refused.status == 2);
  CHECK(refused.output.find("pool[1]") != std::string::npos);
  // ... but a folder made elsewhere is read without starting them.
  const std::string run_dir = dir.path + "/made_elsewhere";
  fs::create_directories(run_dir);
  std::ofstream(run_dir + "/experiment.json") << spec.dump(2);
  const CommandResult status = run_tenuki("experiment status " + run_dir, dir.path);
  INFO(status.output);
  CHECK(status.status == 0);
  CHECK(status.output.find("ttt/scratch/s1/train") != std::string::npos);
}

}  // namespace tenuki::test
