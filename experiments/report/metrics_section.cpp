#include "experiments/report/metrics_section.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "experiments/report/results_json.h"

namespace tenuki::report {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The two ends of an Estimate's "ci95"; NaN where absent.
std::pair<double, double> interval_of(const json& estimate) {
  const json* ci =
      estimate.is_object() && estimate.contains("ci95") ? &estimate.at("ci95") : nullptr;
  auto end = [&](size_t i) {
    return ci && ci->is_array() && ci->size() == 2 && (*ci)[i].is_number() ? (*ci)[i].get<double>()
                                                                           : kNaN;
  };
  return {end(0), end(1)};
}

// One Estimate of TransferMetrics::to_json as "value [lo, hi]".
std::string estimate_text(const json& result, const char* key) {
  if (!result.is_object() || !result.contains(key)) return "n/a";
  const json& e = result.at(key);
  const auto [lo, hi] = interval_of(e);
  std::string text = format_general(number_at(e, "value"), 4);
  if (std::isfinite(lo) && std::isfinite(hi)) {
    text += " [" + format_general(lo, 4) + ", " + format_general(hi, 4) + "]";
  }
  const double defined = number_at(e, "defined_fraction");
  if (text_at(e, "method") == "bootstrap" && defined > 0 && defined < 1) {
    text += " (defined in " + format_fixed(100 * defined, 0) + "% of resamples)";
  }
  return text;
}

// A p-value with three significant digits; "< 0.001" below that.
std::string p_text(double p) {
  if (std::isnan(p)) return "n/a";
  return p < 0.001 ? "< 0.001" : format_general(p, 3);
}

TableCell verdict_cell(const std::string& verdict) {
  return TableCell(verdict, verdict == "positive"   ? "good"
                            : verdict == "negative" ? "bad"
                                                    : "neutral");
}

const char* view_name(bool total_time) { return total_time ? "source charged" : "target only"; }

// The order in which comparisons are listed: by arm (as the arms are listed), then against
// scratch before against the control, then target-only before source charged.
std::vector<const json*> ordered_comparisons(const json& target, const json& metrics,
                                             const std::string& where, const std::string& y) {
  std::map<std::string, size_t> arm_order;
  const json& arms = array_at(target, "arms", where);
  for (size_t a = 0; a < arms.size(); ++a) arm_order.emplace(text_at(arms[a], "name"), a);
  std::vector<const json*> out;
  for (const auto& m : metrics) {
    if (text_at(m, "y") == y) out.push_back(&m);
  }
  auto key = [&](const json* m) {
    const auto it = arm_order.find(text_at(*m, "arm"));
    return std::make_tuple(it == arm_order.end() ? arms.size() : it->second,
                           text_at(*m, "versus_kind") == "control", m->value("total_time", false));
  };
  std::stable_sort(out.begin(), out.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
  return out;
}

}  // namespace

MetricsSections::MetricsSections(std::string unit, double source_cost)
    : unit_(std::move(unit)), source_cost_(source_cost) {}

std::string MetricsSections::target_html(const json& target, const std::string& where) {
  return metrics_html(target, where) + times_html(target, where) + differences_html(target, where);
}

std::string MetricsSections::metrics_html(const json& target, const std::string& where) {
  const std::string name = text_at(target, "name");
  std::string h = "<h3>Transfer metrics</h3>\n";
  const json& metrics = array_at(target, "metrics", where);
  if (metrics.empty()) return h + html_not_available("Transfer metrics");
  h += "<p>Each transfer arm is compared with scratch, and each arm that starts from the trained "
       "source also with its control arm (the source run's untrained weights through the same "
       "transplant): the control separates what the source learned from what the transplant and "
       "the changed settings do. Compute counted: the target's training only, or with the "
       "source's training charged to the transfer arm (its curve shifted right by the source's "
       "cost).</p>\n"
       "<p>Intervals are 95%. Marked (t): a mean of per-seed statistics, with a Student / Welch t "
       "interval over seeds; each seed's statistic comes from its own measured curve, so the "
       "spread carries the evaluation games' noise as well as the seeds'. Marked (bootstrap): "
       "a percentile bootstrap over seeds, descriptive only (too narrow at a few seeds). Mean gap: "
       "the area difference divided by the compared range, the mean vertical distance between the "
       "curves. Transfer ratio = (area of the arm - area of the other) / area of the other; "
       "time-to-threshold ratio &lt; 1: the arm reaches the threshold sooner.</p>\n"
       "<p>Verdict: Welch's t test on the per-seed areas; positive / negative when the "
       "Holm-adjusted p &lt;= 0.05 (the family: every comparison of the experiment on the same y "
       "and compute view), none otherwise, inconclusive with fewer than 3 seeds in an arm. Seeds "
       "for 80% power: how many seeds per arm would detect the observed area difference with the "
       "observed spreads.</p>\n";
  std::string per_unit = x_label();  // "evaluations" -> "evaluation"
  if (per_unit.size() > 1 && per_unit.back() == 's') per_unit.pop_back();
  for (const char* y : {"elo", "win_rate"}) {
    const std::vector<const json*> entries = ordered_comparisons(target, metrics, where, y);
    if (entries.empty()) continue;
    std::vector<std::vector<TableCell>> rows;
    std::string not_computed;
    for (const json* entry : entries) {
      const json& m = *entry;
      const std::string arm = text_at(m, "arm", "?"), versus = text_at(m, "versus", "?");
      const bool total_time = m.value("total_time", false);
      std::string threshold = format_general(number_at(m, "threshold"), 4);
      if (m.contains("threshold_agent")) threshold += " (" + text_at(m, "threshold_agent") + ")";
      std::vector<TableCell> row = {TableCell(arm + " vs " + versus, "text"),
                                    TableCell(view_name(total_time), "text"), threshold};
      if (m.contains("error")) {
        not_computed += "<li>" +
                        html_escape(arm + " vs " + versus + " (" + view_name(total_time) +
                                    "): " + text_at(m, "error")) +
                        "</li>\n";
        continue;
      }
      const json empty = json::object();
      const json& r = m.contains("result") && m.at("result").is_object() ? m.at("result") : empty;
      const std::string verdict = text_at(r, "verdict", "n/a");
      const double seeds_needed = number_at(r, "seeds_needed");
      for (const char* key :
           {"jumpstart", "mean_gap", "area_difference", "early_slope_difference",
            "asymptote_difference", "transfer_ratio", "time_to_threshold_ratio"}) {
        row.push_back(estimate_text(r, key));
      }
      row.push_back(p_text(number_at(r, "p_value")));
      row.push_back(p_text(number_at(r, "p_value_adjusted")) + " (of " +
                    text_at(r, "comparisons", "?") + ")");
      row.push_back(verdict_cell(verdict));
      row.push_back(text_at(r, "transfer_seeds", "?") + " / " + text_at(r, "scratch_seeds", "?"));
      row.push_back(seeds_needed > 0 ? format_fixed(seeds_needed, 0) : "n/a");
      rows.push_back(row);
      for (const auto& [key, e] : r.items()) {
        if (!e.is_object() || !e.contains("ci95")) continue;
        const auto [lo, hi] = interval_of(e);
        metrics_.add_row({name,
                          arm,
                          versus,
                          text_at(m, "versus_kind"),
                          y,
                          total_time ? "true" : "false",
                          CsvTable::number(number_at(m, "threshold")),
                          key,
                          CsvTable::number(number_at(e, "value")),
                          CsvTable::number(lo),
                          CsvTable::number(hi),
                          text_at(e, "method"),
                          CsvTable::number(number_at(e, "defined_fraction")),
                          text_at(r, "transfer_seeds"),
                          text_at(r, "scratch_seeds"),
                          CsvTable::number(number_at(r, "p_value")),
                          CsvTable::number(number_at(r, "p_value_adjusted")),
                          text_at(r, "comparisons"),
                          text_at(r, "seeds_needed"),
                          verdict});
      }
    }
    h += std::string("<h4>On ") + (std::string(y) == "elo" ? "Elo" : "win rate against the pool") +
         "</h4>\n";
    h += html_table({"comparison", "compute counted", "threshold", "jumpstart (t)", "mean gap (t)",
                     "area difference (t)", "early slope difference (t, per " + per_unit + ")",
                     "asymptote difference (t)", "transfer ratio (bootstrap)",
                     "time-to-threshold ratio (bootstrap)", "Welch p", "Holm-adjusted p", "verdict",
                     "seeds (arm / other)", "seeds for 80% power"},
                    rows);
    if (!not_computed.empty()) h += "<p>Not computed:</p>\n<ul>\n" + not_computed + "</ul>\n";
  }
  return h;
}

std::string MetricsSections::times_html(const json& target, const std::string& where) {
  const std::string name = text_at(target, "name");
  // y -> arm -> seed -> time (NaN: not reached), from the comparisons against scratch (each
  // arm's own per-seed times, the same in every comparison it is part of, target compute only).
  std::map<std::string, std::map<std::string, std::map<int64_t, double>>> times;
  std::map<std::string, double> thresholds;
  std::map<std::string, std::string> threshold_agents;
  std::vector<std::string> arm_names;
  std::set<std::string> trained_source_arms;  // charged the source's cost
  for (const auto& arm : array_at(target, "arms", where)) {
    arm_names.push_back(text_at(arm, "name"));
    const json& transfer = arm.is_object() ? arm.value("transfer", json()) : json();
    if (transfer.is_object() && text_at(transfer, "source_weights", "trained") == "trained") {
      trained_source_arms.insert(arm_names.back());
    }
  }
  for (const auto& m : array_at(target, "metrics", where)) {
    if (!m.contains("result") || !m.at("result").is_object() || !m.contains("threshold") ||
        text_at(m, "versus_kind") != "scratch" || m.value("total_time", false)) {
      continue;
    }
    const std::string y = text_at(m, "y");
    thresholds[y] = number_at(m, "threshold");
    if (m.contains("threshold_agent")) threshold_agents[y] = text_at(m, "threshold_agent");
    const json& per_seed = m.at("result").value("per_seed", json::object());
    for (const auto& [side, arm] :
         {std::pair<const char*, std::string>{"transfer", text_at(m, "arm")},
          std::pair<const char*, std::string>{"scratch", text_at(m, "versus")}}) {
      if (!per_seed.contains(side)) continue;
      const json& s = per_seed.at(side);
      const json& seeds = array_at(s, "seed", "per_seed");
      const json& values = array_at(s, "time_to_threshold", "per_seed");
      for (size_t i = 0; i < seeds.size() && i < values.size(); ++i) {
        if (!seeds[i].is_number_integer()) continue;
        times[y][arm][seeds[i].get<int64_t>()] =
            values[i].is_number() ? values[i].get<double>() : kNaN;
      }
    }
  }
  if (times.empty()) return "";
  const bool charge = std::isfinite(source_cost_) && source_cost_ > 0;
  std::string h = "<h3>Time to the threshold, seed by seed</h3>\n<p>The first " + x_label() +
                  " count at which each seed's curve reaches the threshold (read linearly between "
                  "evaluations); \"not reached\" within the compared range.";
  if (charge) {
    h += " Source charged: the source's training (" + format_general(source_cost_, 6) + " " +
         x_label() + ") added for the arms that start from the trained source.";
  }
  h += "</p>\n";
  auto text = [](double v) {
    return std::isnan(v) ? std::string("not reached") : format_general(v, 6);
  };
  for (const char* y : {"elo", "win_rate"}) {
    if (!times.count(y)) continue;
    std::string title = std::string(y) == "elo" ? "Elo" : "win rate";
    title += " &gt;= " + html_escape(format_general(thresholds[y], 4));
    if (threshold_agents.count(y)) title += " (" + html_escape(threshold_agents[y]) + ")";
    std::vector<std::vector<TableCell>> rows;
    for (const std::string& arm : arm_names) {
      if (!times[y].count(arm)) continue;
      const double cost = charge && trained_source_arms.count(arm) ? source_cost_ : 0;
      for (const auto& [seed, time] : times[y][arm]) {
        std::vector<TableCell> row = {TableCell(arm, "text"), std::to_string(seed), text(time)};
        if (charge) row.push_back(text(time + cost));
        rows.push_back(row);
        times_.add_row({name, y, CsvTable::number(thresholds[y]), arm, std::to_string(seed),
                        CsvTable::number(time), CsvTable::number(time + cost)});
      }
    }
    std::vector<std::string> header = {"arm", "seed", "target only"};
    if (charge) header.push_back("source charged");
    h += "<h4>" + title + "</h4>\n" + html_table(header, rows);
  }
  return h;
}

std::string MetricsSections::differences_html(const json& target, const std::string& where) {
  const std::string name = text_at(target, "name");
  const json& arms = array_at(target, "differences", where);
  std::string h = "<h3>What each arm changes besides its starting weights</h3>\n";
  if (arms.empty()) return h + html_not_available("The arms' resolved configs");
  h += "<p>Keys of the arm's resolved training config (its first seed's run/config.json) that "
       "differ from scratch's; the seed and the transfer section are left out. A difference here "
       "(e.g. search settings carried from the source) is part of what a comparison with scratch "
       "measures.</p>\n";
  for (size_t a = 0; a < arms.size(); ++a) {
    const json& entry = arms[a];
    const std::string arm = text_at(entry, "arm", "?"), versus = text_at(entry, "versus", "?");
    const json& differences = array_at(entry, "differences", where_index(where, "differences", a));
    if (differences.empty()) {
      h += "<p>" + html_escape(arm) + ": the same config as " + html_escape(versus) + ".</p>\n";
      continue;
    }
    std::vector<std::vector<TableCell>> rows;
    for (const auto& d : differences) {
      const json null;
      const std::string before = json_text(d.value(versus, null));
      const std::string after = json_text(d.value(arm, null));
      rows.push_back({TableCell(text_at(d, "key"), "text"), TableCell(before, "text"),
                      TableCell(after, "text")});
      differences_.add_row({name, arm, versus, text_at(d, "key"), before, after});
    }
    h += "<h4>" + html_escape(arm) + " vs " + html_escape(versus) + "</h4>\n" +
         html_table({"key", versus, arm}, rows);
  }
  return h;
}

std::string MetricsSections::aggregates_html(const json& results) {
  const json& aggregates = array_at(results, "aggregates", "");
  std::string h = "<h2 id=\"aggregates\">Across targets</h2>\n";
  if (aggregates.empty()) {
    if (array_at(results, "targets", "").size() < 2) return "";
    return h + html_not_available("Aggregates across targets");
  }
  h += "<p>In the manner of rliable (Agarwal et al. 2021), for each arm compared with scratch on "
       "two or more targets: each seed's score is its mean win rate against the target's "
       "reference pool over the compared range (the target's compute only). IQM: the "
       "interquartile mean of the scores over every target's seeds. P(improvement): the chance "
       "that a seed of the arm beats a seed of scratch on the same target, averaged over "
       "targets. 95% stratified bootstrap intervals (seeds resampled within each target).</p>\n";
  std::vector<std::vector<TableCell>> rows;
  for (const auto& a : aggregates) {
    std::string targets;
    for (const auto& t : array_at(a, "target_names", "aggregates")) {
      targets += (targets.empty() ? "" : ", ") + json_text(t);
    }
    const std::string arm = text_at(a, "arm", "?"), versus = text_at(a, "versus", "?");
    std::vector<TableCell> row = {TableCell(arm + " vs " + versus, "text"),
                                  TableCell(targets, "text")};
    for (const char* key :
         {"iqm_transfer", "iqm_scratch", "iqm_difference", "probability_of_improvement"}) {
      row.push_back(estimate_text(a, key));
      const auto [lo, hi] = a.contains(key) ? interval_of(a.at(key)) : std::make_pair(kNaN, kNaN);
      aggregates_.add_row({arm, versus, targets, key,
                           CsvTable::number(a.contains(key) ? number_at(a.at(key), "value") : kNaN),
                           CsvTable::number(lo), CsvTable::number(hi),
                           a.contains(key) ? text_at(a.at(key), "method") : ""});
    }
    rows.push_back(row);
  }
  return h + html_table({"comparison", "targets", "IQM arm", "IQM scratch", "IQM difference",
                         "P(improvement)"},
                        rows);
}

std::vector<std::pair<std::string, std::string>> MetricsSections::data_files() const {
  return {{"metrics.csv", metrics_.to_string()},
          {"times_to_threshold.csv", times_.to_string()},
          {"differences.csv", differences_.to_string()},
          {"aggregates.csv", aggregates_.to_string()}};
}

}  // namespace tenuki::report
