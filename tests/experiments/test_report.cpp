// HTML reports (experiments/report/report_html.h, plots.h, training_report.h, experiment_report.h)
// and `tenuki report`: no LibTorch. Needs gnuplot (gnuplot-nox).
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

#include "experiments/cli/args.h"
#include "experiments/cli/cli.h"
#include "experiments/report/experiment_report.h"
#include "experiments/report/plots.h"
#include "experiments/report/report_html.h"
#include "experiments/report/training_report.h"
#include "tests/experiments/cli_test_helpers.h"
#include "tests/experiments/report_test_fixtures.h"
#include "tests/support/test_files.h"
#include "transfer/aggregate.h"
#include "transfer/metrics.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using nlohmann::json;
using tenuki::test::read_text;
using tenuki::test::TempDir;
using namespace tenuki::test;

namespace {

namespace fs = std::filesystem;

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
