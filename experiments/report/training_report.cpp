#include "experiments/report/training_report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "envs/util/input_error.h"
#include "experiments/report/plots.h"
#include "selfplay/run/run_folder.h"

namespace tenuki {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using report::CsvTable;
using report::format_general;
using report::html_escape;
using report::TableCell;

// The records of metrics.jsonl by type, in file order.
struct RunMetrics {
  std::vector<json> train, eval, dtype, summary;
  std::vector<int> unreadable_lines;  // 1-based numbers of lines that did not parse
  int lines = 0;
};

RunMetrics read_metrics(const std::string& path) {
  MetricLines read = read_metric_lines(path);
  RunMetrics m;
  m.lines = read.line_count;
  m.unreadable_lines = std::move(read.unreadable_lines);
  for (MetricLine& line : read.lines) {
    switch (line.type) {
      case MetricType::kTrain:
        m.train.push_back(std::move(line.fields));
        break;
      case MetricType::kEval:
        m.eval.push_back(std::move(line.fields));
        break;
      case MetricType::kDtype:
        m.dtype.push_back(std::move(line.fields));
        break;
      case MetricType::kSummary:
        m.summary.push_back(std::move(line.fields));
        break;
      case MetricType::kMilestone:
      case MetricType::kIngest:
        break;
    }
  }
  return m;
}

// The parsed JSON file at `path`; null when it is absent or does not parse.
json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

double number_at(const json& j, const std::string& key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : NAN;
}

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// A series of `key` vs step over `records` (records without the key are left out).
report::PlotSeries series_of(const std::vector<json>& records, const std::string& key,
                             const std::string& label) {
  report::PlotSeries s;
  s.label = label;
  for (const auto& r : records) {
    const double step = number_at(r, "step"), y = number_at(r, key);
    if (std::isfinite(step) && std::isfinite(y)) {
      s.x.push_back(step);
      s.y.push_back(y);
    }
  }
  return s;
}

bool any_points(const std::vector<report::PlotSeries>& series) {
  for (const auto& s : series) {
    if (!s.x.empty()) return true;
  }
  return false;
}

// A two-column table of a JSON object's scalar fields (nested objects flattened with dots).
void flatten(const json& j, const std::string& prefix, std::vector<std::vector<TableCell>>* rows) {
  for (const auto& [key, value] : j.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (value.is_object()) {
      flatten(value, name, rows);
    } else {
      rows->push_back({TableCell(name, "text"),
                       TableCell(value.is_number_float() ? format_general(value.get<double>(), 6)
                                                         : text_of(value),
                                 "text")});
    }
  }
}

std::string key_value_table(const json& j) {
  std::vector<std::vector<TableCell>> rows;
  flatten(j, "", &rows);
  return report::html_table({"field", "value"}, rows);
}

class TrainingPage {
 public:
  TrainingPage(std::string run_dir, RunMetrics metrics)
      : run_dir_(std::move(run_dir)), m_(std::move(metrics)) {}
  report::ReportOutput render();

 private:
  // A plot of `keys` (label = key) from the train records; "" when none has a point.
  std::string train_plot(const std::string& title, const std::string& y_label,
                         const std::vector<std::string>& keys, bool unit_range = false);
  std::string train_csv() const;
  std::string eval_csv() const;

  std::string run_dir_;
  RunMetrics m_;
  report::PagePlots plots_;
};

std::string TrainingPage::train_plot(const std::string& title, const std::string& y_label,
                                     const std::vector<std::string>& keys, bool unit_range) {
  report::LinePlot plot{title + " vs step", "training step", y_label, {}};
  for (const auto& key : keys) plot.series.push_back(series_of(m_.train, key, key));
  if (!any_points(plot.series)) return "";
  if (unit_range) {
    plot.y_min = 0;
    plot.y_max = 1;
  }
  return plots_.line(plot);
}

report::ReportOutput TrainingPage::render() {
  // The folder's own name ("." and trailing slashes resolved), not its full path.
  std::error_code ignored;
  const std::string name = fs::weakly_canonical(run_dir_, ignored).filename().string();
  const json config = read_json_file(run_dir_ + "/config.json");
  const json state = read_json_file(run_dir_ + "/state.json");
  const std::string game =
      config.is_object() && config.contains("game") ? text_of(config.at("game")) : "game unknown";

  std::string body = "<h1>Training run " + html_escape(name) + "</h1>\n";
  body += "<p>Game: " + html_escape(game) + ". Records: " + std::to_string(m_.train.size()) +
          " train, " + std::to_string(m_.eval.size()) + " eval lines of metrics.jsonl.</p>\n";
  if (!m_.unreadable_lines.empty()) {
    std::string lines;
    for (int n : m_.unreadable_lines) lines += (lines.empty() ? "" : ", ") + std::to_string(n);
    body += "<div class=\"banner\">Skipped " + std::to_string(m_.unreadable_lines.size()) +
            " unreadable line(s) of metrics.jsonl (line " + lines +
            "; a run stopped while writing leaves a truncated last line).</div>\n";
  }
  if (m_.summary.empty() && !m_.train.empty()) {
    body +=
        "<div class=\"banner\">No summary record: the run is in progress or was stopped "
        "before it finished.</div>\n";
  }

  body += "<h2>Run state</h2>\n";
  body += state.is_object() ? key_value_table(state) : report::html_not_available("state.json");
  if (!m_.summary.empty()) {
    body += "<h3>Summary of the last session</h3>\n" + key_value_table(m_.summary.back());
  }
  for (const auto& d : m_.dtype) body += "<h3>Inference dtype</h3>\n" + key_value_table(d);

  body += "<h2>Learning curve</h2>\n";
  std::vector<std::string> opponents;
  for (const auto& e : m_.eval) {
    const std::string o = e.value("opponent", "?");
    if (std::find(opponents.begin(), opponents.end(), o) == opponents.end()) opponents.push_back(o);
  }
  if (opponents.empty()) {
    body += report::html_not_available("Evaluations");
  } else {
    report::LinePlot plot{"win rate vs step", "training step", "win rate (draws count half)", {}};
    plot.y_min = 0;
    plot.y_max = 1;
    std::vector<std::vector<TableCell>> rows;
    for (const auto& o : opponents) {
      std::vector<json> games;
      for (const auto& e : m_.eval) {
        if (e.value("opponent", "?") == o) games.push_back(e);
      }
      plot.series.push_back(series_of(games, "win_rate", "vs " + o));
      const json& last = games.back();
      rows.push_back({TableCell(o, "text"), format_general(number_at(last, "step"), 8),
                      report::format_fixed(number_at(last, "win_rate"), 3),
                      format_general(number_at(last, "wins"), 8),
                      format_general(number_at(last, "draws"), 8),
                      format_general(number_at(last, "losses"), 8)});
    }
    body += "<div class=\"plots\">\n" + plots_.line(plot) + "</div>\n";
    body += "<h3>Latest evaluation per opponent</h3>\n" +
            report::html_table({"opponent", "step", "win rate", "wins", "draws", "losses"}, rows);
  }

  struct Section {
    const char* heading;
    std::vector<std::string> plots;
  };
  bool ownership = false;
  for (const auto& t : m_.train) ownership |= number_at(t, "ownership_loss") > 0;
  std::vector<std::string> losses = {"loss", "policy_loss", "value_loss"};
  if (ownership) losses.push_back("ownership_loss");
  bool opponent = false;
  for (const auto& t : m_.train) opponent |= number_at(t, "opponent_policy_loss") > 0;
  if (opponent) losses.push_back("opponent_policy_loss");
  if (m_.train.empty()) {
    body += "<h2>Training</h2>\n" + report::html_not_available("Training records");
  } else {
    const Section sections[] = {
        {"Losses",
         {train_plot("losses", "loss", losses),
          train_plot("policy entropy", "nats", {"policy_entropy"}),
          train_plot("learning rate", "learning rate", {"lr"})}},
        {"Rates",
         {train_plot("self-play games per second", "games/s", {"games_per_s"}),
          train_plot("network evaluations per second", "positions/s",
                     {"evals_per_s", "raw_evals_per_s"}),
          train_plot("training steps per second", "steps/s", {"steps_per_s"})}},
        {"Batching",
         {train_plot("batch size", "positions per forward pass", {"mean_batch", "raw_batch"}),
          train_plot("batching efficiency and forward busy share", "share",
                     {"batching_efficiency", "forward_busy"}, true)}},
        {"Self-play games",
         {train_plot("mean game length", "moves (passes included)", {"mean_game_length"}),
          train_plot("pass share, first-player wins, draws", "share",
                     {"pass_share", "first_player_win_rate", "draw_rate"}, true)}}};
    for (const auto& section : sections) {
      std::string figures;
      for (const auto& p : section.plots) figures += p;
      body += "<h2>" + html_escape(section.heading) + "</h2>\n" +
              (figures.empty() ? report::html_not_available(section.heading)
                               : "<div class=\"plots\">\n" + figures + "</div>\n");
    }
  }

  body += "<h2>Configuration</h2>\n";
  body += config.is_null() ? report::html_not_available("config.json")
                           : report::html_details("config.json (resolved)", config.dump(2));

  report::ReportOutput out;
  out.data_files = {{"train.csv", train_csv()}, {"eval.csv", eval_csv()}};
  out.data_files.emplace_back("plots.csv", plots_.points_csv());
  body += "<h2>Data files</h2>\n<ul>\n";
  for (const auto& [file, contents] : out.data_files) {
    body += "<li><a href=\"" + html_escape(file) + "\">" + html_escape(file) + "</a></li>\n";
  }
  body += "</ul>\n";
  out.html = report::html_document("tenuki training run: " + name, body);
  return out;
}

std::string TrainingPage::train_csv() const {
  // Columns: step first, then every numeric field of any train record, sorted.
  std::set<std::string> keys;
  for (const auto& t : m_.train) {
    for (const auto& [key, value] : t.items()) {
      if (value.is_number() && key != "step") keys.insert(key);
    }
  }
  std::vector<std::string> header = {"step"};
  header.insert(header.end(), keys.begin(), keys.end());
  CsvTable csv(header);
  for (const auto& t : m_.train) {
    std::vector<std::string> row;
    for (const auto& key : header) row.push_back(CsvTable::number(number_at(t, key)));
    csv.add_row(std::move(row));
  }
  return csv.to_string();
}

std::string TrainingPage::eval_csv() const {
  CsvTable csv({"step", "games", "wall_s", "opponent", "eval_games", "wins", "draws", "losses",
                "win_rate", "eval_seconds", "scored_games", "mean_area_margin"});
  for (const auto& e : m_.eval) {
    csv.add_row(
        {CsvTable::number(number_at(e, "step")), CsvTable::number(number_at(e, "games")),
         CsvTable::number(number_at(e, "wall_s")), e.value("opponent", ""),
         CsvTable::number(number_at(e, "eval_games")), CsvTable::number(number_at(e, "wins")),
         CsvTable::number(number_at(e, "draws")), CsvTable::number(number_at(e, "losses")),
         CsvTable::number(number_at(e, "win_rate")), CsvTable::number(number_at(e, "eval_seconds")),
         CsvTable::number(number_at(e, "scored_games")),
         CsvTable::number(number_at(e, "mean_area_margin"))});
  }
  return csv.to_string();
}

}  // namespace

std::string default_report_path(const std::string& run_dir) {
  return (fs::path(run_dir) / "report" / "index.html").string();
}

report::ReportOutput render_training_report(const std::string& run_dir) {
  std::error_code error;
  if (!fs::is_directory(run_dir, error)) {
    throw InputError("run directory " + run_dir + " does not exist or is not a folder");
  }
  const std::string metrics = (fs::path(run_dir) / "metrics.jsonl").string();
  if (!fs::is_regular_file(metrics, error)) {
    throw InputError(run_dir + " has no metrics.jsonl; is it a `tenuki train` run directory?");
  }
  return TrainingPage(run_dir, read_metrics(metrics)).render();
}

std::vector<std::string> write_training_report(const std::string& run_dir,
                                               const std::string& out_path) {
  const std::string page = out_path.empty() ? default_report_path(run_dir) : out_path;
  const fs::path page_path(page);
  if (page_path.filename().empty())
    throw InputError("--out " + page + " names a folder, not a file");
  const std::string folder =
      page_path.parent_path().empty() ? "." : page_path.parent_path().string();
  return report::write_report_files(render_training_report(run_dir), folder,
                                    page_path.filename().string());
}

}  // namespace tenuki
