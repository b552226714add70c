// selfplay/run/: the run folder's one writer and one reader of metrics.jsonl, and budget units.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "envs/util/input_error.h"
#include "selfplay/run/run_folder.h"
#include "tests/support/test_files.h"

using namespace tenuki;

TEST_CASE("run folder: metrics lines are written typed and read back by type", "[run_folder]") {
  test::TempDir tmp;
  RunDirectory dir(tmp.path + "/run");
  dir.append_metrics(MetricType::kDtype, {{"chosen", "float32"}});
  dir.append_metrics(MetricType::kTrain, {{"step", 10}, {"evaluations", 5000}, {"wall_s", 90.0}});
  dir.append_metrics(MetricType::kEval, {{"opponent", "random"}, {"win_rate", 0.75}});
  dir.append_metrics(MetricType::kMilestone, {{"x", 6000}, {"evaluations", 6100}, {"games", 7}});
  dir.append_metrics(MetricType::kSummary, {{"step", 12}});
  {
    std::ofstream out(dir.file("metrics.jsonl"), std::ios::app);
    out << "{\"type\":\"future_kind\",\"x\":1}\n";  // a type this version does not know
    out << "\n";                                    // blank
    out << "{\"type\":\"train\",\"step\":1";        // cut by a stop, no newline
  }
  const MetricLines read = read_metric_lines(dir.file("metrics.jsonl"));
  REQUIRE(read.lines.size() == 5);
  CHECK(read.lines[0].type == MetricType::kDtype);
  CHECK(read.lines[1].type == MetricType::kTrain);
  CHECK(read.lines[1].fields.at("type") == "train");
  CHECK(read.lines[1].line_number == 2);
  CHECK(read.lines[2].type == MetricType::kEval);
  CHECK(read.lines[3].type == MetricType::kMilestone);
  CHECK(read.lines[4].type == MetricType::kSummary);
  CHECK(read.line_count == 8);
  CHECK(read.unreadable_lines == std::vector<int>{8});

  // A tail window starts at the next whole line.
  const MetricLines tail = read_metric_lines(dir.file("metrics.jsonl"), 90);
  REQUIRE(tail.lines.size() == 1);  // the milestone line starts before the window
  CHECK(tail.lines.back().type == MetricType::kSummary);

  CHECK_THROWS_AS(read_metric_lines(tmp.path + "/none/metrics.jsonl"), InputError);
}

TEST_CASE("run folder: budget units by name, on metrics lines and in file names", "[run_folder]") {
  for (const std::string& name : budget_unit_names()) {
    CHECK(budget_unit_name(parse_budget_unit(name)) == name);
  }
  CHECK_THROWS_AS(parse_budget_unit("hours"), InputError);
  const nlohmann::json line = {
      {"evaluations", 5000}, {"games", 12}, {"step", 40}, {"wall_s", 90.0}};
  CHECK(units_on_metric_line(BudgetUnit::kEvaluations, line) == 5000);
  CHECK(units_on_metric_line(BudgetUnit::kGames, line) == 12);
  CHECK(units_on_metric_line(BudgetUnit::kSteps, line) == 40);
  CHECK(units_on_metric_line(BudgetUnit::kMinutes, line) == Approx(1.5));
  CHECK(units_on_metric_line(BudgetUnit::kGames, nlohmann::json::object()) == 0);
  CHECK(milestone_checkpoint_name(BudgetUnit::kEvaluations, 80000) ==
        "milestones/evaluations_80000.ckpt");
  CHECK(milestone_checkpoint_name(BudgetUnit::kMinutes, 2.5) == "milestones/minutes_2.500.ckpt");
}
