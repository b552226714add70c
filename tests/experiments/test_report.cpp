// HTML reports (experiments/report/report_html.h, plots.h, training_report.h, experiment_report.h)
// and `tenuki report`: no LibTorch. Needs gnuplot (gnuplot-nox); the [slow] test also Chromium.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#ifdef TENUKI_HAVE_ZLIB
#include <zlib.h>
#endif

#include "experiments/cli/args.h"
#include "experiments/cli/cli.h"
#include "experiments/report/experiment_report.h"
#include "experiments/report/plots.h"
#include "experiments/report/report_html.h"
#include "experiments/report/training_report.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/support/test_files.h"
#include "transfer/aggregate.h"
#include "transfer/metrics.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using nlohmann::json;
using tenuki::test::read_text;
using tenuki::test::TempDir;

namespace {

namespace fs = std::filesystem;

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

size_t csv_rows(const std::string& csv) { return count_of(csv, "\n") - 1; }  // minus the header

// The page has no network resources, no scripts and unique element ids.
void check_self_contained(const std::string& html) {
  std::string rest = html;
  for (const std::string ns :
       {"xmlns=\"http://www.w3.org/2000/svg\"", "xmlns:xlink=\"http://www.w3.org/1999/xlink\""}) {
    for (size_t at = rest.find(ns); at != std::string::npos; at = rest.find(ns)) {
      rest.erase(at, ns.size());
    }
  }
  CHECK(rest.find("http://") == std::string::npos);
  CHECK(rest.find("https://") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("@import") == std::string::npos);
  CHECK(html.find("<?xml") == std::string::npos);
  std::set<std::string> ids;
  const std::regex id_attribute(R"re(\sid=["']([^"']+)["'])re");
  for (std::sregex_iterator it(html.begin(), html.end(), id_attribute), end; it != end; ++it) {
    INFO("id " << (*it)[1].str());
    CHECK(ids.insert((*it)[1].str()).second);
  }
}

// A synthetic `tenuki train` run directory: config, state, a dtype line, `train_lines` train
// records (loss 3 - step/1000), evaluations against two opponents every 100 steps, and a
// truncated last line.
void make_run_dir(const std::string& dir, int train_lines) {
  fs::create_directories(dir);
  write(dir + "/config.json",
        R"({"game": "connect_four", "network": {"blocks": 2, "channels": 16}, "seed": 7})");
  write(dir + "/state.json",
        R"({"games": 4321, "latest_checkpoint": "checkpoints/step_00000275.ckpt", "next_chunk": 3,
            "positions": 98765, "samples_consumed": 123456, "step": 275, "wall_seconds": 61.5})");
  std::string lines =
      R"({"batch":64,"chosen":"float32","device":"cpu","positions_per_s":{"float32":5617.5},)"
      R"("setting":"auto","type":"dtype"})"
      "\n";
  for (int i = 1; i <= train_lines; ++i) {
    const int step = 25 * i;
    json t = {{"type", "train"},
              {"step", step},
              {"games", 40 * i},
              {"loss", 3 - step / 1000.0},
              {"policy_loss", 2 - step / 2000.0},
              {"value_loss", 1 - step / 2000.0},
              {"ownership_loss", 0.0},
              {"policy_entropy", 2.5 - step / 1000.0},
              {"lr", 0.02},
              {"games_per_s", 5 + 0.1 * i},
              {"evals_per_s", 4000 + 10 * i},
              {"raw_evals_per_s", 5617.5},
              {"mean_batch", 250 + i},
              {"raw_batch", 384},
              {"batching_efficiency", 0.7},
              {"forward_busy", 0.9},
              {"steps_per_s", 2.5},
              {"mean_game_length", 17 + 0.25 * i},
              {"pass_share", 0.0},
              {"first_player_win_rate", 0.55},
              {"draw_rate", 0.02}};
    lines += t.dump() + "\n";
    if (step % 100 == 0) {
      for (const std::string opponent : {"random", "mcts(playouts=100)"}) {
        const int wins = opponent == "random" ? 10 + step / 50 : step / 100;
        json e = {{"type", "eval"},       {"step", step},
                  {"games", 40 * i},      {"wall_s", step * 0.2},
                  {"opponent", opponent}, {"eval_games", 24},
                  {"wins", wins},         {"draws", 1},
                  {"losses", 23 - wins},  {"win_rate", (wins + 0.5) / 24},
                  {"eval_seconds", 3.5}};
        lines += e.dump() + "\n";
      }
    }
  }
  lines += R"({"type":"train","step":)";  // a run stopped while writing
  write(dir + "/metrics.jsonl", lines);
}

// A curve of `points` evaluations every 50000 x: Elo a + b i, win rate rising from w.
json curve(int points, double a, double b, double w) {
  json c = json::array();
  for (int i = 0; i < points; ++i) {
    c.push_back({{"x", 50000 * i},
                 {"elo", a + b * i},
                 {"elo_ci95", 120 - 5 * i},
                 {"win_rate", std::min(1.0, w + 0.1 * i)},
                 {"games", 24},
                 {"step", 20 * i}});
  }
  return c;
}

json train_records(int points, double offset) {
  json t = json::array();
  for (int i = 1; i <= points; ++i) {
    t.push_back({{"x", 10000 * i},
                 {"step", 20 * i},
                 {"loss", 3.1 - 0.1 * i + offset},
                 {"policy_loss", 2.5 - 0.08 * i + offset},
                 {"value_loss", 0.6 - 0.02 * i},
                 {"games_per_s", 3.1 + offset},
                 {"evals_per_s", 4000 + 50 * i},
                 {"mean_batch", 120 + i}});
  }
  return t;
}

json seed_entry(int seed, const std::string& arm, json curve_points, json train) {
  const std::string run = "targets/go7/" + arm + "/seed" + std::to_string(seed) + "/run";
  return {{"seed", seed},
          {"run_dir", run},
          {"curve", std::move(curve_points)},
          {"train", std::move(train)},
          {"final_checkpoint", run + "/checkpoints/step_00000123.ckpt"}};
}

// transfer::TransferMetrics::to_json of the `y` curves of two arms, as the runner produces it.
json metrics_result(const json& transfer_arm, const json& scratch_arm, const char* y,
                    std::optional<double> threshold, double source_cost = 0) {
  auto curves = [&](const json& arm) {
    std::vector<transfer::Curve> out;
    for (const auto& s : arm.at("seeds")) {
      transfer::Curve c;
      c.seed = s.at("seed");
      for (const auto& p : s.at("curve")) {
        c.x.push_back(p.at("x"));
        c.y.push_back(p.at(y));
      }
      out.push_back(c);
    }
    return out;
  };
  transfer::MetricsOptions options;
  options.bootstrap = 200;
  options.threshold = threshold;
  options.source_cost = source_cost;
  return transfer::compute_transfer_metrics(curves(transfer_arm), curves(scratch_arm), options)
      .to_json();
}

json comparison(const json& arm, const json& versus, const char* y, bool total_time,
                std::optional<double> threshold) {
  json entry = {{"arm", arm["name"]},
                {"versus", versus["name"]},
                {"versus_kind", versus["transfer"].is_null() ? "scratch" : "control"},
                {"y", y},
                {"total_time", total_time}};
  if (threshold) entry["threshold"] = *threshold;
  entry["result"] = metrics_result(arm, versus, y, threshold, total_time ? 50000 : 0);
  return entry;
}

// A complete experiment's results: three arms (scratch, fine-tune and its control) of three
// seeds on one target.
json complete_results() {
  json scratch = {{"name", "scratch"},
                  {"transfer", nullptr},
                  {"seeds",
                   {seed_entry(1, "scratch", curve(5, 100, 40, 0.2), train_records(4, 0)),
                    seed_entry(2, "scratch", curve(5, 200, 40, 0.3), train_records(4, 0.2)),
                    seed_entry(3, "scratch", curve(5, 150, 40, 0.15), train_records(4, 0.1))}}};
  json fine_tune = {
      {"name", "fine-tune"},
      {"transfer",
       {{"plan", "fine-tune"},
        {"game_planes", "semantic"},
        {"heads", "auto"},
        {"search", "scaled"},
        {"source_weights", "trained"}}},
      {"seeds",
       {seed_entry(1, "fine-tune", curve(5, 300, 50, 0.5), train_records(4, -0.3)),
        seed_entry(2, "fine-tune", curve(5, 340, 45, 0.55), train_records(4, -0.25)),
        seed_entry(3, "fine-tune", curve(5, 320, 48, 0.52), train_records(4, -0.2))}}};
  json control = fine_tune;
  control["name"] = "fine-tune-control";
  control["transfer"]["source_weights"] = "initial";
  control["seeds"] = {
      seed_entry(1, "fine-tune-control", curve(5, 110, 40, 0.2), train_records(4, 0)),
      seed_entry(2, "fine-tune-control", curve(5, 190, 42, 0.3), train_records(4, 0.1)),
      seed_entry(3, "fine-tune-control", curve(5, 160, 38, 0.25), train_records(4, 0.2))};
  json metrics = json::array();
  metrics.push_back(comparison(fine_tune, scratch, "elo", false, std::nullopt));
  metrics.push_back(comparison(fine_tune, scratch, "win_rate", false, 0.6));
  metrics.push_back(comparison(fine_tune, scratch, "win_rate", true, 0.6));
  metrics.push_back(comparison(control, scratch, "elo", false, std::nullopt));
  metrics.push_back(comparison(fine_tune, control, "elo", false, std::nullopt));
  metrics.push_back({{"arm", "fine-tune"},
                     {"versus", "scratch"},
                     {"versus_kind", "scratch"},
                     {"y", "elo"},
                     {"total_time", true},
                     {"error", "the arms' curves share no range"}});
  json differences = {
      {{"arm", "fine-tune"},
       {"versus", "scratch"},
       {"differences", {{{"key", "search.playouts"}, {"scratch", 100}, {"fine-tune", 64}}}}},
      {{"arm", "fine-tune-control"},
       {"versus", "scratch"},
       {"differences",
        {{{"key", "search.playouts"}, {"scratch", 100}, {"fine-tune-control", 64}}}}}};
  json aggregate = transfer::aggregate_to_json(transfer::aggregate_across_targets(
      {{0.6, 0.7, 0.65}, {0.5, 0.55, 0.6}}, {{0.3, 0.4, 0.35}, {0.5, 0.45, 0.4}}, 200));
  aggregate["arm"] = "fine-tune";
  aggregate["versus"] = "scratch";
  aggregate["target_names"] = {"go7", "go9"};
  const std::vector<std::string> labels = {"random", "scratch/1", "scratch/2", "fine-tune/1",
                                           "fine-tune/2"};
  json agents = json::array(), cross = json::array();
  for (size_t i = 0; i < labels.size(); ++i) {
    agents.push_back({{"label", labels[i]},
                      {"spec", i == 0 ? "random" : "net(model=m" + std::to_string(i) + ".ckpt)"},
                      {"elo", 111.5 * i},
                      {"ci95", 60.25},
                      {"score", 0.1 + 0.2 * i},
                      {"games", 40}});
    json row = json::array();
    for (size_t j = 0; j < labels.size(); ++j) {
      const int wins = i == j ? 0 : static_cast<int>(i + 3 * j) % 7;
      const int draws = i == j ? 0 : 1;
      const int losses = i == j ? 0 : 9 - wins;
      row.push_back({{"wins", wins}, {"draws", draws}, {"losses", losses}});
    }
    cross.push_back(row);
  }
  return {{"name", "quickstart"},
          {"version", "v0.3-12-gabc123"},
          {"unit", "evaluations"},
          {"complete", true},
          {"stages_done", 23},
          {"stages_total", 23},
          {"spec", {{"source", {{"game", "go(size=5,komi=3.5)"}}}, {"seeds", 2}, {"note", "<b>"}}},
          {"source",
           {{"game", "go(size=5,komi=3.5)"},
            {"checkpoint", "source/run/checkpoints/step_00000400.ckpt"},
            {"cost", 50000},
            {"train", train_records(5, 0.5)}}},
          {"targets",
           {{{"name", "go7"},
             {"game", "go(size=7,komi=9)"},
             {"pool",
              {{{"agent", "random"}, {"elo", 0}, {"ci95", 0}},
               {{"agent", "mcts(playouts=100)"}, {"elo", 350.2}, {"ci95", 80.1}}}},
             {"arms", {scratch, fine_tune, control}},
             {"metrics", metrics},
             {"differences", differences},
             {"final", {{"labels", labels}, {"agents", agents}, {"crosstable", cross}}},
             {"cka",
              {{{"arm", "fine-tune"},
                {"seed", 1},
                {"layers_a", {"stem", "block0", "block1"}},
                {"layers_b", {"stem", "block0", "block1"}},
                {"matrix", {{0.91, 0.52, 0.33}, {0.47, 0.87, 0.61}, {0.29, 0.58, 0.76}}},
                {"positions", 256}}}}}}},
          {"aggregates", {aggregate}}};
}

std::map<std::string, std::string> files_in(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    files[entry.path().filename().string()] = read_text(entry.path().string());
  }
  return files;
}

}  // namespace

TEST_CASE("report helpers escape HTML and CSV and keep inlined SVG ids apart", "[report]") {
  CHECK(report::html_escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  report::CsvTable csv({"name", "value"});
  csv.add_row({"plain", report::CsvTable::number(0.1)});
  csv.add_row({"with, comma \"quoted\"", report::CsvTable::number(NAN)});
  CHECK(csv.to_string() == "name,value\nplain,0.1\n\"with, comma \"\"quoted\"\"\",\n");
  CHECK_THROWS_AS(csv.add_row({"one field"}), std::invalid_argument);
  CHECK(report::format_fixed(-0.0001, 2) == "0.00");
  CHECK(report::format_fixed(NAN, 2) == "n/a");
  CHECK(report::format_interval(1.5, 1, 2, 1) == "1.5 [1.0, 2.0]");
  CHECK(report::file_name_safe("go(size=7)/x") == "go_size_7__x");

  const std::string svg =
      "<?xml version=\"1.0\"?>\n<svg><defs><path id='gpPt0'/><filter id=\"box\"/></defs>"
      "<use xlink:href='#gpPt0'/><rect filter=\"url(#box)\" fill=\"#ffffff\"/></svg>\n";
  const std::string inlined = report::inline_svg(svg, "p7-");
  CHECK(inlined.find("<?xml") == std::string::npos);
  CHECK_THAT(inlined, Contains("id='p7-gpPt0'") && Contains("href='#p7-gpPt0'") &&
                          Contains("url(#p7-box)") && Contains("fill=\"#ffffff\""));
}

TEST_CASE("gnuplot draws line plots with bands and heatmaps reproducibly", "[report]") {
  report::PlotSeries s{"arm <1> & 'two'", {0, 1, 2}, {1, 3, 2}, {0.5, 2, 1}, {1.5, 4, 3}};
  report::LinePlot plot("Elo & friends", "evaluations", "Elo", {s}, {{"random (0)", 0.0}});
  const std::string a = report::plot_svg(plot), b = report::plot_svg(plot);
  CHECK(a == b);
  CHECK_THAT(a, Contains("<svg") && Contains("</svg>") && Contains("Elo &amp; friends") &&
                    Contains("arm &lt;1> &amp; 'two'"));
  report::Heatmap map;
  map.title = "CKA";
  map.row_names = {"stem", "block0"};
  map.column_names = {"stem", "block0", "block1"};
  map.values = {{0.91, 0.5, 0.25}, {0.125, 0.875, NAN}};
  const std::string heat = report::plot_svg(map);
  CHECK_THAT(heat, Contains("0.91") && Contains("0.88") && Contains("block1"));
  map.values.pop_back();
  CHECK_THROWS_AS(report::plot_svg(map), std::invalid_argument);
  CHECK_THROWS_AS(report::plot_svg(report::LinePlot("empty", "x", "y", {})), std::invalid_argument);
}

TEST_CASE("training report of a run directory has every section, its numbers and CSV files",
          "[report]") {
  TempDir tmp;
  const std::string run = tmp.path + "/c4run";
  make_run_dir(run, 11);
  const std::vector<std::string> written = write_training_report(run);
  REQUIRE(written.back() == run + "/report/index.html");
  const std::string html = read_text(written.back());
  for (const char* heading :
       {"<h1>Training run c4run</h1>", "<h2>Run state</h2>", "<h2>Learning curve</h2>",
        "<h2>Losses</h2>", "<h2>Rates</h2>", "<h2>Batching</h2>", "<h2>Self-play games</h2>",
        "<h2>Configuration</h2>", "<h2>Data files</h2>"}) {
    CHECK_THAT(html, Contains(heading));
  }
  CHECK(count_of(html, "<svg") == 11);  // curve, 3 loss, 3 rate, 2 batching, 2 game plots
  CHECK_THAT(html, Contains("connect_four") && Contains("checkpoints/step_00000275.ckpt") &&
                       Contains("4321") && Contains("vs mcts(playouts=100)") &&
                       Contains("line " + std::to_string(1 + 11 + 4 + 1)) &&
                       Contains("&quot;channels&quot;: 16"));
  // The latest evaluation against random: step 200, 14 wins, 1 draw -> (14.5)/24.
  CHECK_THAT(html, Contains(report::format_fixed(14.5 / 24, 3)));
  check_self_contained(html);

  const std::string train_csv = read_text(run + "/report/train.csv");
  CHECK(csv_rows(train_csv) == 11);
  CHECK_THAT(train_csv, Contains("step,") && Contains(report::CsvTable::number(3 - 0.275)));
  const std::string eval_csv = read_text(run + "/report/eval.csv");
  CHECK(csv_rows(eval_csv) == 4);
  CHECK_THAT(eval_csv, Contains("200,320,40,random,24,14,1,9,"));
  CHECK(csv_rows(read_text(run + "/report/plots.csv")) > 11 * 10);

  // Deterministic: again, here and elsewhere, byte for byte.
  const auto first = files_in(run + "/report");
  write_training_report(run);
  CHECK(files_in(run + "/report") == first);
  const std::string copy = tmp.path + "/elsewhere/c4run";
  fs::create_directories(copy);
  for (const char* f : {"config.json", "state.json", "metrics.jsonl"}) {
    fs::copy_file(run + "/" + f, copy + "/" + f);
  }
  write_training_report(copy, tmp.path + "/out/page.html");
  CHECK(read_text(tmp.path + "/out/page.html") == first.at("index.html"));
}

TEST_CASE("training report of a run without evaluations or training lines says so", "[report]") {
  TempDir tmp;
  fs::create_directories(tmp.path + "/fresh");
  write(tmp.path + "/fresh/metrics.jsonl", "{\"type\":\"dtype\",\"chosen\":\"float32\"}\n");
  const report::ReportOutput out = render_training_report(tmp.path + "/fresh");
  CHECK_THAT(out.html, Contains("Evaluations: not yet available") &&
                           Contains("Training records: not yet available") &&
                           Contains("config.json: not yet available"));
  CHECK(out.html.find("<svg") == std::string::npos);
}

TEST_CASE("tenuki report names a missing run directory or metrics file", "[report]") {
  TempDir tmp;
  CHECK_THROWS_AS(write_training_report(tmp.path + "/nope"), InputError);
  CHECK_THROWS_WITH(render_training_report(tmp.path), Contains("no metrics.jsonl"));
  std::ostringstream out, err;
  CHECK(run_cli({"report", tmp.path + "/nope"}, out, err) == 2);
  CHECK_THAT(err.str(), Contains("/nope does not exist"));
  make_run_dir(tmp.path + "/run", 4);
  std::ostringstream out2, err2;
  REQUIRE(run_cli({"report", tmp.path + "/run", "--out", tmp.path + "/r/x.html"}, out2, err2) == 0);
  CHECK_THAT(out2.str(), Contains(tmp.path + "/r/x.html") && Contains("train.csv"));
  CHECK(fs::exists(tmp.path + "/r/eval.csv"));
  std::ostringstream help, ignored;
  run_cli({"report", "--help"}, help, ignored);
  CHECK_THAT(help.str(), Contains("--out") && Contains("RUN_DIR/report/index.html"));
}

TEST_CASE("experiment report of complete results has every section with its numbers", "[report]") {
  TempDir tmp;
  const json results = complete_results();
  const std::vector<std::string> written = write_experiment_report(results, tmp.path + "/rep");
  REQUIRE(written.back() == tmp.path + "/rep/index.html");
  const std::string html = read_text(written.back());
  for (const char* section :
       {"<h1>Experiment quickstart</h1>", "Source training", "Target go7: go(size=7,komi=9)",
        "<h3>Learning curves</h3>", "<h3>Transfer metrics</h3>", "<h3>Final ratings</h3>",
        "<h3>Crosstable</h3>", "<h3>Representation similarity (linear CKA)</h3>",
        "<h3>Training: losses and throughput</h3>", "Reference pool"}) {
    CHECK_THAT(html, Contains(section));
  }
  CHECK(html.find("not yet available") == std::string::npos);
  CHECK(html.find("In progress") == std::string::npos);
  CHECK_THAT(html, Contains("v0.3-12-gabc123") && Contains("&quot;note&quot;: &quot;&lt;b&gt;"));
  // 2 curves, 1 heatmap, 3 arm loss plots + 3 throughput, source loss + 3 rates.
  CHECK(count_of(html, "<svg") == 13);
  check_self_contained(html);

  // Transfer metrics: the computed values, the verdict coloured, the control beside scratch.
  const json& elo = results["targets"][0]["metrics"][0]["result"];
  CHECK_THAT(html, Contains(report::format_general(elo["jumpstart"]["value"].get<double>(), 4)));
  CHECK(elo["verdict"] == "positive");  // fine-tune is ~200 Elo above scratch throughout
  CHECK_THAT(html, Contains("<td class=\"good\">positive</td>"));
  CHECK_THAT(
      html,
      Contains("3 / 3") && Contains("fine-tune vs fine-tune-control") &&
          Contains("fine-tune-control vs scratch") && Contains("Holm-adjusted p") &&
          Contains("fine-tune vs scratch (source charged): the arms&#39; curves share no range"));
  CHECK_THAT(html, Contains("early slope difference (t, per evaluation)") &&
                       Contains(">target only</td>") && Contains(">source charged</td>"));
  // Rows of one arm stay together: against scratch, then against the control.
  CHECK(html.find("fine-tune vs scratch") < html.find("fine-tune vs fine-tune-control"));
  CHECK(html.find("fine-tune vs fine-tune-control") < html.find("fine-tune-control vs scratch"));
  // Times to 0.6: fine-tune seed 1 at 50000 (100000 with the source's 50000 charged); scratch
  // seed 3 ends at 0.55.
  CHECK_THAT(html, Contains("Time to the threshold, seed by seed") && Contains("not reached"));
  CHECK_THAT(html, Contains("search.playouts") && Contains("Across targets"));
  // Ratings and crosstable: fine-tune/2 at 4 x 111.5; row scratch/1 vs fine-tune/1: 1+9 = 10 % 7.
  CHECK_THAT(html,
             Contains("<td>446.0</td>") && Contains("<td>60.2</td>") && Contains("<td>3-1-6</td>"));
  CHECK_THAT(html, Contains("0.87") && Contains("256 positions"));  // CKA cells

  const auto files = files_in(tmp.path + "/rep");
  for (const char* f :
       {"results.json", "curves.csv", "metrics.csv", "pool.csv", "final_ratings.csv",
        "crosstable_go7.csv", "train_go7.csv", "cka.csv", "times_to_threshold.csv",
        "differences.csv", "aggregates.csv", "source_train.csv", "plots.csv", "index.html"}) {
    INFO(f);
    CHECK(files.count(f) == 1);
  }
  CHECK(json::parse(files.at("results.json")) == results);
  CHECK(csv_rows(files.at("curves.csv")) == 3 * 3 * 5);
  CHECK(csv_rows(files.at("final_ratings.csv")) == 5);
  CHECK(csv_rows(files.at("crosstable_go7.csv")) == 5 * 4);
  CHECK(csv_rows(files.at("cka.csv")) == 9);
  CHECK(csv_rows(files.at("train_go7.csv")) == 3 * 3 * 4);
  CHECK_THAT(files.at("metrics.csv"),
             Contains("go7,fine-tune,scratch,scratch,elo,false,,jumpstart,") &&
                 Contains("go7,fine-tune,fine-tune-control,control,elo,false,,area_difference,"));
  CHECK_THAT(files.at("times_to_threshold.csv"),
             Contains("go7,win_rate,0.6,fine-tune,1,50000,1e+05\n") &&
                 Contains("go7,win_rate,0.6,scratch,3,,\n"));
  CHECK_THAT(files.at("differences.csv"), Contains("go7,fine-tune,scratch,search.playouts,100,64"));
  CHECK(csv_rows(files.at("aggregates.csv")) == 4);
  // Means over seeds with the 95% t band: scratch Elo at x=50000 is 140, 240 and 190 -> 190
  // +- 4.303 * 50 / sqrt(3) = 124.2.
  CHECK_THAT(files.at("plots.csv"),
             Contains("go7: Elo vs evaluations,scratch (3 seeds),50000,190,65.79"));

  write_experiment_report(results, tmp.path + "/again");
  const auto again = files_in(tmp.path + "/again");
  for (const auto& [name, contents] : files) {
    INFO(name);
    REQUIRE(again.count(name) == 1);
    CHECK(again.at(name) == contents);
  }
}

TEST_CASE("experiment report of a run in progress renders what exists", "[report]") {
  json results = complete_results();
  results["complete"] = false;
  results["stages_done"] = 5;
  results["source"].erase("train");
  json& target = results["targets"][0];
  target.erase("metrics");
  target["final"] = json::object();
  target["cka"] = json::array();
  for (auto& arm : target["arms"]) {
    arm["seeds"].erase(arm["seeds"].begin() + 1, arm["seeds"].end());
    arm["seeds"][0].erase("train");
    json& points = arm["seeds"][0]["curve"];
    points.erase(points.begin() + 3, points.end());  // 3 of 5 evaluations so far
  }
  const report::ReportOutput out = render_experiment_report(results);
  CHECK_THAT(out.html, Contains("In progress:</strong> 5 of 23 stages done"));
  for (const char* missing : {"The source&#39;s training curve", "Transfer metrics",
                              "The final tournament", "CKA", "Training records"}) {
    CHECK_THAT(out.html, Contains(std::string(missing) + ": not yet available"));
  }
  CHECK(count_of(out.html, "<svg") == 2);  // the learning curves
  CHECK_THAT(out.html, Contains("scratch (1 seed)"));

  json bare = {{"name", "empty"}, {"complete", false}, {"stages_done", 0}, {"stages_total", 9}};
  const report::ReportOutput empty = render_experiment_report(bare);
  CHECK_THAT(empty.html, Contains("Target results: not yet available") &&
                             Contains("The source network: not yet available"));
  check_self_contained(empty.html);

  results["targets"][0]["arms"] = {{"name", "x"}, {"seeds", 3}};
  CHECK_THROWS_WITH(render_experiment_report(results), Contains("targets[0].arms"));
  CHECK_THROWS_WITH(render_experiment_report(json::array()), Contains("JSON object"));
}

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
