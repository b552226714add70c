#pragma once
// Building blocks of the self-contained HTML reports (experiments/report/experiment_report.h,
// experiments/report/training_report.h): escaping, tables, sections, inlined SVG, number formatting
// and CSV files. Everything here is a pure function of its arguments (no clock, no locale), so a
// page built twice from the same input is byte-identical. No LibTorch. Thread-safe.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "envs/util/text.h"

namespace tenuki::report {

// `text` with &, <, >, " and ' replaced by entities; safe in element content and quoted
// attributes.
std::string html_escape(std::string_view text);

// Fixed decimals, "n/a" for NaN (the one formatter of envs/util/text.h).
using ::tenuki::format_fixed;
// `value` with `digits` significant digits ("%.*g"); "n/a" for NaN.
std::string format_general(double value, int digits = 4);
// "value [lo, hi]" with format_fixed; "n/a" when value is NaN (the interval is still shown when
// both ends are finite).
std::string format_interval(double value, double lo, double hi, int decimals);

// One table cell: `text` is escaped by html_table; `css_class` ("" for none) styles the cell.
struct TableCell {
  std::string text;
  std::string css_class;
  TableCell(std::string t = "", std::string c = "") : text(std::move(t)), css_class(std::move(c)) {}
  TableCell(const char* t) : text(t) {}
};

// A <table> with a header row and body rows (rows may be shorter than the header). The first
// column is a row header when `first_column_header` is set.
std::string html_table(const std::vector<std::string>& header,
                       const std::vector<std::vector<TableCell>>& rows,
                       bool first_column_header = false);

// <details><summary>summary</summary><pre>text</pre></details>, both escaped.
std::string html_details(const std::string& summary, const std::string& preformatted);

// A paragraph saying that `what` is not yet available (a run in progress).
std::string html_not_available(const std::string& what);

// `svg` (a whole SVG document as gnuplot writes it) made ready to inline in HTML: the XML prolog
// is dropped and every id (and each reference to it: "#id", url(#id)) gets the prefix
// `id_prefix`, so several plots on one page do not share ids. Wrapped in <figure class="plot">.
std::string inline_svg(const std::string& svg, const std::string& id_prefix);

// A complete HTML5 document: UTF-8, the report's inline style sheet, <title> (escaped) and
// `body_html` (already HTML). No scripts, no external resources.
std::string html_document(const std::string& title, const std::string& body_html);

// A CSV table (RFC 4180): fields with a comma, quote or line break are quoted, quotes doubled;
// lines end with "\n".
class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> header) : header_(std::move(header)) {}
  // Appends a row; throws std::invalid_argument when its size differs from the header's.
  void add_row(std::vector<std::string> row);
  // A number as CSV text: shortest round-trip form ("%.17g" trimmed), "" for NaN.
  static std::string number(double value);
  size_t rows() const { return rows_.size(); }
  std::string to_string() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// A rendered report: the page and the data files written beside it.
struct ReportOutput {
  std::string html;
  std::vector<std::pair<std::string, std::string>> data_files;  // file name -> contents
};

// Creates `out_dir` (and its parents) and writes each data file, then `html_name`, each
// atomically (envs/util/atomic_file.h), so the page never links a file not yet written. Returns the
// paths written, the page last. Throws std::runtime_error naming the path on failure.
std::vector<std::string> write_report_files(const ReportOutput& report, const std::string& out_dir,
                                            const std::string& html_name);

// `name` reduced to a file-name-safe form: letters, digits, '.', '-' and '_' kept, anything else
// becomes '_'; "unnamed" when empty.
std::string file_name_safe(const std::string& name);

}  // namespace tenuki::report
