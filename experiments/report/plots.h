#pragma once
// Plots for the HTML reports, drawn by gnuplot (Debian package gnuplot-nox) as SVG. Each call
// writes the data and a script into a fresh temporary folder, runs `gnuplot script.gp` as a
// subprocess (no shell) and returns the SVG text; the folder is removed afterwards. Titles and
// labels are literal text (gnuplot's enhanced-text markup is off). The output depends only on
// the arguments and the installed gnuplot (no dates), so it is reproducible byte for byte.
// No LibTorch. Thread-safe (no shared state; each call has its own folder).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "experiments/report/report_html.h"

namespace tenuki::report {

// One line. `x` and `y` have the same size; points with a NaN y are left out. When `band_lo` and
// `band_hi` are not empty (same size as x) a translucent band between them is drawn under the
// line in the same colour (e.g. min/max or mean +- sd over seeds).
struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
  std::vector<double> band_lo, band_hi;
};

// A dashed horizontal reference line with a label (e.g. the Elo of a reference agent).
struct ReferenceLine {
  std::string label;
  double y = 0;
};

struct LinePlot {
  LinePlot() = default;
  LinePlot(std::string title_text, std::string x, std::string y, std::vector<PlotSeries> lines,
           std::vector<ReferenceLine> reference_lines = {})
      : title(std::move(title_text)),
        x_label(std::move(x)),
        y_label(std::move(y)),
        series(std::move(lines)),
        references(std::move(reference_lines)) {}
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  std::vector<ReferenceLine> references;
  std::optional<double> y_min, y_max;  // fixed y range ends; unset: automatic
  int width = 640, height = 400;       // SVG view box
};

// A matrix of values in [value_min, value_max] as coloured cells with each value printed
// (2 decimals): row r is `row_names[r]` (drawn top to bottom), column c is `column_names[c]`.
struct Heatmap {
  std::string title, x_label, y_label;
  std::vector<std::string> row_names, column_names;
  std::vector<std::vector<double>> values;  // values[row][column]; NaN cells are left blank
  double value_min = 0, value_max = 1;
  int width = 560, height = 460;
};

// The SVG document gnuplot draws for `plot`. Throws std::invalid_argument when no series has a
// point or the sizes disagree (naming the series), std::runtime_error when gnuplot is missing
// (naming the package gnuplot-nox) or fails (with its error output).
std::string plot_svg(const LinePlot& plot);
std::string plot_svg(const Heatmap& heatmap);

// True when a `gnuplot` program can be run.
bool gnuplot_available();

// The plots of one HTML page: each is rendered, inlined with ids unique on the page
// (report_html.h inline_svg), and every plotted point of the line plots is recorded for a CSV
// file (plot title, series label, x, y, band), so each number drawn is also written out.
// Not thread-safe (one page, one thread).
class PagePlots {
 public:
  // The <figure> of `plot` / `heatmap` (throws like plot_svg).
  std::string line(const LinePlot& plot);
  std::string heatmap(const Heatmap& heatmap);
  int count() const { return count_; }
  // plot,series,x,y,band_lo,band_hi: one row per point of every line plot, in drawing order.
  std::string points_csv() const { return points_.to_string(); }

 private:
  std::string next_prefix() { return "p" + std::to_string(++count_) + "-"; }
  int count_ = 0;
  CsvTable points_{{"plot", "series", "x", "y", "band_lo", "band_hi"}};
};

}  // namespace tenuki::report
