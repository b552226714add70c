#include "experiments/report/plots.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "envs/util/remove_tree.h"
#include "experiments/report/report_html.h"

extern char** environ;

namespace tenuki::report {
namespace {

namespace fs = std::filesystem;

const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
constexpr int kNumColours = sizeof(kColours) / sizeof(kColours[0]);
constexpr const char* kMissingGnuplot =
    "gnuplot is not installed or not on PATH; the reports draw their plots with it (Debian: "
    "apt-get install gnuplot-nox)";

// A temporary folder, removed with its contents at scope exit.
class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern = (fs::temp_directory_path() / "tenuki_plot_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("plot: cannot create a temporary folder from " + pattern + ": " +
                               std::strerror(errno));
    }
    path_ = pattern;
  }
  ~ScratchFolder() { remove_tree(path_); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("plot: cannot write " + path);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `gnuplot SCRIPT` in `folder` (its working folder, so the script names its files
// relatively and no temporary path can end up in the SVG), stdout and stderr going to
// folder/gnuplot.log; returns the exit status, or -1 when gnuplot could not be started.
int run_gnuplot(const ScratchFolder& folder, const std::string& script) {
  const std::string log_path = folder.file("gnuplot.log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addchdir_np(&actions, folder.path().c_str());
  std::string program = "gnuplot";
  std::string argument = script;
  char* argv[] = {program.data(), argument.data(), nullptr};
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) {
    // posix_spawnp may report a missing program as exit status 127 of the child.
    return WEXITSTATUS(status);
  }
  return 128;
}

// `text` as a gnuplot single-quoted string (no escapes inside but '' for a quote); line breaks
// become spaces.
std::string gp_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string number(double v) { return CsvTable::number(v); }

// The terminal settings; the SVG goes to plot.svg in `folder`.
std::string header(int width, int height) {
  return "set terminal svg size " + std::to_string(width) + "," + std::to_string(height) +
         " dynamic noenhanced font 'sans,11' background '#ffffff'\n"
         "set output " +
         "'plot.svg'\nset encoding utf8\n";
}

// Runs the script in `folder` and returns plot.svg.
std::string render(const ScratchFolder& folder, const std::string& script) {
  write_text(folder.file("script.gp"), script);
  const int status = run_gnuplot(folder, "script.gp");
  if (status == -1 || status == 127) throw std::runtime_error(kMissingGnuplot);
  const std::string svg = read_text(folder.file("plot.svg"));
  if (status != 0 || svg.find("</svg>") == std::string::npos) {
    throw std::runtime_error("gnuplot failed (exit status " + std::to_string(status) +
                             "): " + read_text(folder.file("gnuplot.log")));
  }
  return svg;
}

}  // namespace

bool gnuplot_available() {
  ScratchFolder folder;
  write_text(folder.file("probe.gp"), "print 1\n");
  return run_gnuplot(folder, "probe.gp") == 0;
}

std::string plot_svg(const LinePlot& plot) {
  ScratchFolder folder;
  std::string script = header(plot.width, plot.height);
  script += "set title " + gp_string(plot.title) + "\n";
  script += "set xlabel " + gp_string(plot.x_label) + "\n";
  script += "set ylabel " + gp_string(plot.y_label) + "\n";
  script += "set key below\nset grid lc rgb '#dddddd'\nset border lc rgb '#555555'\n";
  script += "set yrange [" + (plot.y_min ? number(*plot.y_min) : std::string("*")) + ":" +
            (plot.y_max ? number(*plot.y_max) : std::string("*")) + "]\n";

  std::vector<std::string> elements;
  double x_low = INFINITY, x_high = -INFINITY;
  for (size_t s = 0; s < plot.series.size(); ++s) {
    const PlotSeries& series = plot.series[s];
    const bool band = !series.band_lo.empty() || !series.band_hi.empty();
    if (series.y.size() != series.x.size() ||
        (band &&
         (series.band_lo.size() != series.x.size() || series.band_hi.size() != series.x.size()))) {
      throw std::invalid_argument("plot '" + plot.title + "': series '" + series.label +
                                  "' has x, y and band vectors of different sizes");
    }
    std::string data;
    int points = 0;
    for (size_t i = 0; i < series.x.size(); ++i) {
      if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i])) continue;
      data += number(series.x[i]) + " " + number(series.y[i]);
      if (band) {
        const bool ok = std::isfinite(series.band_lo[i]) && std::isfinite(series.band_hi[i]);
        data += ok ? " " + number(series.band_lo[i]) + " " + number(series.band_hi[i]) : " NaN NaN";
      }
      data += "\n";
      ++points;
      x_low = std::min(x_low, series.x[i]);
      x_high = std::max(x_high, series.x[i]);
    }
    if (points == 0) continue;
    const std::string file = "series" + std::to_string(s) + ".dat";
    write_text(folder.file(file), data);
    const std::string colour = "lc rgb '" + std::string(kColours[s % kNumColours]) + "'";
    if (band) {
      elements.push_back(gp_string(file) +
                         " using 1:3:4 with filledcurves fs transparent solid 0.18 noborder " +
                         colour + " notitle");
    }
    const std::string style = points <= 40 ? "linespoints pt 7 ps 0.45" : "lines";
    elements.push_back(gp_string(file) + " using 1:2 with " + style + " lw 1.8 " + colour + " " +
                       (series.label.empty() ? "notitle" : "title " + gp_string(series.label)));
  }
  if (elements.empty()) {
    throw std::invalid_argument("plot '" + plot.title + "': no series has a finite point");
  }
  for (size_t r = 0; r < plot.references.size(); ++r) {
    const ReferenceLine& ref = plot.references[r];
    if (!std::isfinite(ref.y)) continue;
    const std::string file = "reference" + std::to_string(r) + ".dat";
    write_text(folder.file(file), number(x_low) + " " + number(ref.y) + "\n" + number(x_high) +
                                      " " + number(ref.y) + "\n");
    elements.push_back(gp_string(file) + " using 1:2 with lines dt 2 lw 1 lc rgb '#888888' title " +
                       gp_string(ref.label));
  }
  script += "plot ";
  for (size_t i = 0; i < elements.size(); ++i) script += (i ? ", \\\n     " : "") + elements[i];
  script += "\n";
  return render(folder, script);
}

std::string plot_svg(const Heatmap& heatmap) {
  const size_t rows = heatmap.row_names.size(), columns = heatmap.column_names.size();
  if (rows == 0 || columns == 0 || heatmap.values.size() != rows) {
    throw std::invalid_argument("heatmap '" + heatmap.title + "': " + std::to_string(rows) +
                                " row names, " + std::to_string(columns) + " column names and " +
                                std::to_string(heatmap.values.size()) + " rows of values");
  }
  ScratchFolder folder;
  std::string cells;
  for (size_t r = 0; r < rows; ++r) {
    if (heatmap.values[r].size() != columns) {
      throw std::invalid_argument("heatmap '" + heatmap.title + "': row " + std::to_string(r) +
                                  " has " + std::to_string(heatmap.values[r].size()) +
                                  " values for " + std::to_string(columns) + " columns");
    }
    for (size_t c = 0; c < columns; ++c) {
      const double v = heatmap.values[r][c];
      if (!std::isfinite(v)) continue;
      cells += std::to_string(c) + " " + std::to_string(r) + " " + number(v) + " " +
               format_fixed(v, 2) + "\n";
    }
  }
  const std::string file = "cells.dat";
  write_text(folder.file(file), cells.empty() ? "0 0 NaN n/a\n" : cells);
  auto tics = [](const std::vector<std::string>& names) {
    std::string t = "(";
    for (size_t i = 0; i < names.size(); ++i) {
      t += (i ? ", " : "") + gp_string(names[i]) + " " + std::to_string(i);
    }
    return t + ")";
  };
  std::string script = header(heatmap.width, heatmap.height);
  script += "set title " + gp_string(heatmap.title) + "\n";
  script += "set xlabel " + gp_string(heatmap.x_label) + "\n";
  script += "set ylabel " + gp_string(heatmap.y_label) + "\n";
  script += "unset key\nset tics scale 0\nset size ratio -1\n";
  script += "set xrange [-0.5:" + std::to_string(columns) + "-0.5]\n";
  script += "set yrange [" + std::to_string(rows) + "-0.5:-0.5]\n";
  script += "set xtics " + tics(heatmap.column_names) + " rotate by -35\n";
  script += "set ytics " + tics(heatmap.row_names) + "\n";
  script += "set cbrange [" + number(heatmap.value_min) + ":" + number(heatmap.value_max) + "]\n";
  script += "set palette defined (0 '#ffffff', 1 '#6baed6', 2 '#2171b5')\n";
  script +=
      "plot " + gp_string(file) +
      " using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 noborder lc palette notitle, \\\n"
      "     " +
      gp_string(file) + " using 1:2:(stringcolumn(4)) with labels font ',10' notitle\n";
  return render(folder, script);
}

std::string PagePlots::line(const LinePlot& plot) {
  std::string figure = inline_svg(plot_svg(plot), next_prefix());
  for (const auto& series : plot.series) {
    const bool band = !series.band_lo.empty();
    for (size_t i = 0; i < series.x.size(); ++i) {
      if (!std::isfinite(series.y[i])) continue;
      points_.add_row({plot.title, series.label, CsvTable::number(series.x[i]),
                       CsvTable::number(series.y[i]),
                       band ? CsvTable::number(series.band_lo[i]) : "",
                       band ? CsvTable::number(series.band_hi[i]) : ""});
    }
  }
  return figure;
}

std::string PagePlots::heatmap(const Heatmap& heatmap) {
  return inline_svg(plot_svg(heatmap), next_prefix());
}

}  // namespace tenuki::report
