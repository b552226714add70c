#include "experiments/report/experiment_report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "experiments/report/metrics_section.h"
#include "experiments/report/plots.h"
#include "experiments/report/results_json.h"

namespace tenuki {
namespace {

using nlohmann::json;
using report::array_at;
using report::CsvTable;
using report::format_fixed;
using report::format_general;
using report::has_points;
using report::html_escape;
using report::json_text;
using report::mean_over_seeds;
using report::number_at;
using report::seed_curve;
using report::SeedCurve;
using report::TableCell;
using report::text_at;
using report::where_index;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The train records of each seed of one arm (or of the source).
struct TrainGroup {
  std::string label;
  std::vector<const json*> seeds;
};

// Everything the page of one experiment collects while it is built.
class ExperimentPage {
 public:
  explicit ExperimentPage(const json& results)
      : results_(results),
        unit_(text_at(results, "unit")),
        metrics_(unit_,
                 number_at(results.is_object() && results.contains("source") ? results.at("source")
                                                                             : json(),
                           "cost")) {}
  report::ReportOutput render();

 private:
  std::string header_html();
  std::string source_html();
  std::string target_html(const json& target, size_t index);
  std::string curves_html(const json& target, const std::string& where);
  std::string final_html(const json& target, const std::string& where);
  std::string cka_html(const json& target, const std::string& where);
  std::string training_html(const json& target, const std::string& where);
  // Loss, policy loss and value loss (means over the seeds' train records); "" without points.
  std::string loss_plot(const std::string& title_prefix, const std::vector<const json*>& seeds);
  // Games/s, evals/s and mean batch: one plot each, one series per group; "" without points.
  std::string rate_plots(const std::string& title_prefix, const std::vector<TrainGroup>& groups);
  std::string x_label() const { return unit_.empty() ? "x" : unit_; }

  const json& results_;
  std::string unit_;
  report::MetricsSections metrics_;
  report::PagePlots plots_;
  std::vector<std::pair<std::string, std::string>> extra_files_;
  CsvTable curves_{{"target", "arm", "seed", "x", "step", "elo", "elo_ci95", "win_rate", "games"}};
  CsvTable pool_{{"target", "agent", "elo", "ci95"}};
  CsvTable ratings_{{"target", "label", "spec", "elo", "ci95", "score", "games"}};
  CsvTable cka_{{"target", "arm", "seed", "positions", "layer_source", "layer_arm", "cka"}};
};

const char* const kTrainKeys[] = {"loss",        "policy_loss", "value_loss",
                                  "games_per_s", "evals_per_s", "mean_batch"};

std::vector<std::string> train_row(const json& p) {
  std::vector<std::string> row = {CsvTable::number(number_at(p, "x")),
                                  CsvTable::number(number_at(p, "step"))};
  for (const char* key : kTrainKeys) row.push_back(CsvTable::number(number_at(p, key)));
  return row;
}

report::ReportOutput ExperimentPage::render() {
  if (!results_.is_object()) throw std::invalid_argument("results: expected a JSON object");
  std::string body = header_html();
  body += source_html();
  const json& targets = array_at(results_, "targets", "");
  if (targets.empty()) body += "<h2>Targets</h2>\n" + report::html_not_available("Target results");
  for (size_t i = 0; i < targets.size(); ++i) body += target_html(targets[i], i);
  body += metrics_.aggregates_html(results_);

  report::ReportOutput out;
  out.data_files = {{"results.json", results_.dump(2) + "\n"},
                    {"curves.csv", curves_.to_string()},
                    {"pool.csv", pool_.to_string()},
                    {"final_ratings.csv", ratings_.to_string()},
                    {"cka.csv", cka_.to_string()}};
  for (auto& file : metrics_.data_files()) out.data_files.push_back(std::move(file));
  out.data_files.insert(out.data_files.end(), extra_files_.begin(), extra_files_.end());
  out.data_files.emplace_back("plots.csv", plots_.points_csv());
  body += "<h2 id=\"data\">Data files</h2>\n<p>Every number on this page, beside it:</p>\n<ul>\n";
  for (const auto& [name, contents] : out.data_files) {
    body += "<li><a href=\"" + html_escape(name) + "\">" + html_escape(name) + "</a></li>\n";
  }
  body += "</ul>\n";
  out.html =
      report::html_document("tenuki experiment: " + text_at(results_, "name", "unnamed"), body);
  return out;
}

std::string ExperimentPage::header_html() {
  const std::string name = text_at(results_, "name", "unnamed");
  std::string h = "<h1>Experiment " + html_escape(name) + "</h1>\n";
  const bool complete = results_.value("complete", false);
  const std::string stages =
      text_at(results_, "stages_done", "?") + " of " + text_at(results_, "stages_total", "?");
  if (!complete) {
    h += "<div class=\"banner\"><strong>In progress:</strong> " + html_escape(stages) +
         " stages done; sections without data say so.</div>\n";
  }
  h += "<table class=\"meta\">\n";
  const std::pair<const char*, std::string> rows[] = {
      {"version", text_at(results_, "version", "unknown")},
      {"compute unit", unit_.empty() ? "unknown" : unit_},
      {"stages", stages + (complete ? " (complete)" : "")}};
  for (const auto& [k, v] : rows) {
    h += "<tr><th>" + html_escape(k) + "</th><td>" + html_escape(v) + "</td></tr>\n";
  }
  h += "</table>\n";
  if (results_.contains("spec") && !results_.at("spec").is_null()) {
    h += report::html_details("Experiment spec (resolved)", results_.at("spec").dump(2));
  }
  const json& targets = array_at(results_, "targets", "");
  if (!targets.empty()) {
    h += "<p>Targets:";
    for (const auto& t : targets) {
      const std::string n = text_at(t, "name", "unnamed");
      h += " <a href=\"#target-" + html_escape(report::file_name_safe(n)) + "\">" + html_escape(n) +
           "</a>";
    }
    h += "</p>\n";
  }
  return h;
}

std::string ExperimentPage::source_html() {
  std::string h = "<h2 id=\"source\">Source</h2>\n";
  if (!results_.contains("source") || !results_.at("source").is_object()) {
    return h + report::html_not_available("The source network");
  }
  const json& source = results_.at("source");
  h += report::html_table({"game", "checkpoint", "cost (" + x_label() + ")"},
                          {{TableCell(text_at(source, "game", "n/a"), "text"),
                            TableCell(text_at(source, "checkpoint", "n/a"), "text"),
                            TableCell(format_general(number_at(source, "cost"), 6))}});
  const json& train = array_at(source, "train", "source");
  CsvTable csv({"x", "step", "loss", "policy_loss", "value_loss", "games_per_s", "evals_per_s",
                "mean_batch"});
  for (const auto& p : train) csv.add_row(train_row(p));
  extra_files_.emplace_back("source_train.csv", csv.to_string());
  h += "<h3>Source training</h3>\n";
  const std::string plots =
      loss_plot("source", {&train}) + rate_plots("source", {{"source", {&train}}});
  if (plots.empty()) return h + report::html_not_available("The source's training curve");
  return h + "<div class=\"plots\">\n" + plots + "</div>\n";
}

std::string ExperimentPage::target_html(const json& target, size_t index) {
  const std::string where = where_index("", "targets", index);
  if (!target.is_object()) throw std::invalid_argument("results: " + where + " must be an object");
  const std::string name = text_at(target, "name", "target" + std::to_string(index));
  std::string h = "<h2 id=\"target-" + html_escape(report::file_name_safe(name)) + "\">Target " +
                  html_escape(name) + ": " + html_escape(text_at(target, "game", "game unknown")) +
                  "</h2>\n";
  h += curves_html(target, where);
  h += metrics_.target_html(target, where);
  h += final_html(target, where);
  h += cka_html(target, where);
  h += training_html(target, where);
  return h;
}

std::string ExperimentPage::curves_html(const json& target, const std::string& where) {
  const std::string name = text_at(target, "name");
  std::string h = "<h3>Learning curves</h3>\n";
  const json& arms = array_at(target, "arms", where);
  std::vector<report::PlotSeries> elo, win_rate;
  for (size_t a = 0; a < arms.size(); ++a) {
    const std::string arm_where = where_index(where, "arms", a);
    const std::string arm = text_at(arms[a], "name", "arm" + std::to_string(a));
    const json& seeds = array_at(arms[a], "seeds", arm_where);
    std::vector<SeedCurve> elo_seeds, win_seeds;
    for (size_t s = 0; s < seeds.size(); ++s) {
      const json& curve = array_at(seeds[s], "curve", where_index(arm_where, "seeds", s));
      for (const auto& p : curve) {
        curves_.add_row(
            {name, arm, text_at(seeds[s], "seed"), CsvTable::number(number_at(p, "x")),
             CsvTable::number(number_at(p, "step")), CsvTable::number(number_at(p, "elo")),
             CsvTable::number(number_at(p, "elo_ci95")), CsvTable::number(number_at(p, "win_rate")),
             CsvTable::number(number_at(p, "games"))});
      }
      elo_seeds.push_back(seed_curve(curve, "elo"));
      win_seeds.push_back(seed_curve(curve, "win_rate"));
    }
    elo.push_back(mean_over_seeds(arm, elo_seeds));
    win_rate.push_back(mean_over_seeds(arm, win_seeds));
  }
  const json& pool = array_at(target, "pool", where);
  std::vector<report::ReferenceLine> references;
  std::vector<std::vector<TableCell>> pool_rows;
  for (const auto& p : pool) {
    const std::string agent = text_at(p, "agent", "?");
    const double e = number_at(p, "elo"), ci = number_at(p, "ci95");
    references.push_back({agent + " (" + format_fixed(e, 0) + ")", e});
    pool_rows.push_back({TableCell(agent, "text"), format_fixed(e, 1), format_fixed(ci, 1)});
    pool_.add_row({name, agent, CsvTable::number(e), CsvTable::number(ci)});
  }
  if (!has_points(elo) && !has_points(win_rate)) {
    h += report::html_not_available("Learning curves");
  } else {
    h += "<p>Mean over seeds; the band is the 95% t interval of that mean (wide at a few seeds: "
         "t = 12.7 at 2 seeds, 4.3 at 3). Dashed lines: the reference pool.</p>\n"
         "<div class=\"plots\">\n";
    if (has_points(elo)) {
      h += plots_.line({name + ": Elo vs " + x_label(), x_label(), "Elo", elo, references});
    }
    if (has_points(win_rate)) {
      report::LinePlot plot{name + ": win rate vs " + x_label(), x_label(), "win rate", win_rate};
      plot.y_min = 0;
      plot.y_max = 1;
      h += plots_.line(plot);
    }
    h += "</div>\n";
  }
  if (!pool_rows.empty()) {
    h += "<h4>Reference pool</h4>\n" +
         report::html_table({"agent", "Elo", "95% CI (+-)"}, pool_rows);
  }
  return h;
}

std::string ExperimentPage::final_html(const json& target, const std::string& where) {
  const std::string name = text_at(target, "name");
  std::string h = "<h3>Final ratings</h3>\n";
  if (!target.contains("final") || !target.at("final").is_object()) {
    return h + report::html_not_available("The final tournament");
  }
  const json& final = target.at("final");
  const std::string final_where = where + ".final";
  const json& agents = array_at(final, "agents", final_where);
  if (agents.empty()) return h + report::html_not_available("The final tournament");
  std::vector<std::vector<TableCell>> rows;
  for (const auto& a : agents) {
    const double elo = number_at(a, "elo"), ci = number_at(a, "ci95");
    const double score = number_at(a, "score"), games = number_at(a, "games");
    rows.push_back({TableCell(text_at(a, "label", "?"), "text"),
                    TableCell(text_at(a, "spec", ""), "text"), format_fixed(elo, 1),
                    format_fixed(ci, 1), format_fixed(score, 3), format_fixed(games, 0)});
    ratings_.add_row({name, text_at(a, "label"), text_at(a, "spec"), CsvTable::number(elo),
                      CsvTable::number(ci), CsvTable::number(score), CsvTable::number(games)});
  }
  h += report::html_table({"agent", "spec", "Elo", "95% CI (+-)", "score", "games"}, rows);

  const json& labels = array_at(final, "labels", final_where);
  const json& table = array_at(final, "crosstable", final_where);
  h += "<h3>Crosstable</h3>\n";
  if (table.empty() || labels.empty()) return h + report::html_not_available("The crosstable");
  std::vector<std::string> header = {"wins-draws-losses of the row vs the column"};
  for (const auto& l : labels) header.push_back(json_text(l));
  CsvTable csv({"row", "column", "wins", "draws", "losses"});
  std::vector<std::vector<TableCell>> cross;
  for (size_t i = 0; i < table.size() && i < labels.size(); ++i) {
    std::vector<TableCell> cells = {TableCell(header[i + 1], "text")};
    if (!table[i].is_array()) {
      throw std::invalid_argument("results: " + final_where + ".crosstable[" + std::to_string(i) +
                                  "] must be an array");
    }
    for (size_t j = 0; j < table[i].size() && j < labels.size(); ++j) {
      const json& c = table[i][j];
      const double w = number_at(c, "wins"), d = number_at(c, "draws"), l = number_at(c, "losses");
      const bool any = (w > 0) || (d > 0) || (l > 0);
      cells.push_back(i == j ? TableCell("-", "neutral")
                      : any  ? TableCell(format_fixed(w, 0) + "-" + format_fixed(d, 0) + "-" +
                                         format_fixed(l, 0))
                             : TableCell(""));
      if (i != j && any) {
        csv.add_row({header[i + 1], header[j + 1], CsvTable::number(w), CsvTable::number(d),
                     CsvTable::number(l)});
      }
    }
    cross.push_back(cells);
  }
  extra_files_.emplace_back("crosstable_" + report::file_name_safe(name) + ".csv", csv.to_string());
  return h + report::html_table(header, cross, true);
}

std::string ExperimentPage::cka_html(const json& target, const std::string& where) {
  const std::string name = text_at(target, "name");
  std::string h = "<h3>Representation similarity (linear CKA)</h3>\n";
  const json& entries = array_at(target, "cka", where);
  if (entries.empty()) return h + report::html_not_available("CKA");
  h += "<p>Linear CKA between every trunk layer of the source network (rows) and of the arm's "
       "final network (columns), on the same positions.</p>\n<div class=\"plots\">\n";
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    const std::string entry_where = where_index(where, "cka", i);
    report::Heatmap map;
    const std::string arm = text_at(e, "arm", "?"), seed = text_at(e, "seed", "?");
    map.title = "CKA: source vs " + arm + " seed " + seed;
    const double positions = number_at(e, "positions");
    if (std::isfinite(positions)) map.title += " (" + format_fixed(positions, 0) + " positions)";
    map.y_label = "source layer";
    map.x_label = arm + " layer";
    for (const auto& l : array_at(e, "layers_a", entry_where))
      map.row_names.push_back(json_text(l));
    for (const auto& l : array_at(e, "layers_b", entry_where)) {
      map.column_names.push_back(json_text(l));
    }
    const json& matrix = array_at(e, "matrix", entry_where);
    for (size_t r = 0; r < matrix.size(); ++r) {
      std::vector<double> row;
      for (size_t c = 0; matrix[r].is_array() && c < matrix[r].size(); ++c) {
        const double v = matrix[r][c].is_number() ? matrix[r][c].get<double>() : kNaN;
        row.push_back(v);
        if (r < map.row_names.size() && c < map.column_names.size()) {
          cka_.add_row({name, arm, seed, CsvTable::number(positions), map.row_names[r],
                        map.column_names[c], CsvTable::number(v)});
        }
      }
      map.values.push_back(row);
    }
    if (map.values.size() != map.row_names.size() || map.row_names.empty()) {
      throw std::invalid_argument("results: " + entry_where + ": the matrix has " +
                                  std::to_string(map.values.size()) + " rows for " +
                                  std::to_string(map.row_names.size()) + " layers_a");
    }
    const double cell = 60;
    map.width = static_cast<int>(std::max(360.0, 180 + cell * map.column_names.size()));
    map.height = static_cast<int>(std::max(300.0, 160 + cell * map.row_names.size()));
    h += plots_.heatmap(map);
  }
  return h + "</div>\n";
}

std::string ExperimentPage::training_html(const json& target, const std::string& where) {
  const std::string name = text_at(target, "name");
  std::string h = "<h3>Training: losses and throughput</h3>\n";
  const json& arms = array_at(target, "arms", where);
  CsvTable csv({"arm", "seed", "x", "step", "loss", "policy_loss", "value_loss", "games_per_s",
                "evals_per_s", "mean_batch"});
  std::string plots;
  std::vector<TrainGroup> groups;
  for (size_t a = 0; a < arms.size(); ++a) {
    const std::string arm_where = where_index(where, "arms", a);
    TrainGroup group{text_at(arms[a], "name", "arm" + std::to_string(a)), {}};
    const json& seeds = array_at(arms[a], "seeds", arm_where);
    for (size_t s = 0; s < seeds.size(); ++s) {
      const json& train = array_at(seeds[s], "train", where_index(arm_where, "seeds", s));
      for (const auto& p : train) {
        std::vector<std::string> row = {group.label, text_at(seeds[s], "seed")};
        for (auto& f : train_row(p)) row.push_back(f);
        csv.add_row(row);
      }
      group.seeds.push_back(&train);
    }
    plots += loss_plot(name + " " + group.label, group.seeds);
    groups.push_back(std::move(group));
  }
  extra_files_.emplace_back("train_" + report::file_name_safe(name) + ".csv", csv.to_string());
  plots += rate_plots(name, groups);
  if (plots.empty()) return h + report::html_not_available("Training records");
  return h + "<div class=\"plots\">\n" + plots + "</div>\n";
}

std::string ExperimentPage::loss_plot(const std::string& title_prefix,
                                      const std::vector<const json*>& seeds) {
  std::vector<report::PlotSeries> series;
  for (const char* key : {"loss", "policy_loss", "value_loss"}) {
    std::vector<SeedCurve> curves;
    for (const json* train : seeds) curves.push_back(seed_curve(*train, key));
    series.push_back(mean_over_seeds(key, curves));
  }
  if (!has_points(series)) return "";
  return plots_.line({title_prefix + ": losses vs " + x_label(), x_label(), "loss", series});
}

std::string ExperimentPage::rate_plots(const std::string& title_prefix,
                                       const std::vector<TrainGroup>& groups) {
  std::string h;
  for (const char* key : {"games_per_s", "evals_per_s", "mean_batch"}) {
    std::vector<report::PlotSeries> series;
    for (const auto& group : groups) {
      std::vector<SeedCurve> curves;
      for (const json* train : group.seeds) curves.push_back(seed_curve(*train, key));
      series.push_back(mean_over_seeds(group.label, curves));
    }
    if (has_points(series)) {
      h += plots_.line({title_prefix + ": " + key + " vs " + x_label(), x_label(), key, series});
    }
  }
  return h;
}

}  // namespace

report::ReportOutput render_experiment_report(const nlohmann::json& results) {
  return ExperimentPage(results).render();
}

std::vector<std::string> write_experiment_report(const nlohmann::json& results,
                                                 const std::string& out_dir,
                                                 const std::string& html_name) {
  return report::write_report_files(render_experiment_report(results), out_dir, html_name);
}

}  // namespace tenuki
