#include "experiments/report/report_html.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "envs/util/atomic_file.h"
#include "envs/util/text.h"

namespace tenuki::report {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string non_finite(double value) {
  if (std::isnan(value)) return "n/a";
  return value > 0 ? "inf" : "-inf";
}

}  // namespace

std::string format_general(double value, int digits) {
  if (!std::isfinite(value)) return non_finite(value);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  return buffer;
}

std::string format_interval(double value, double lo, double hi, int decimals) {
  std::string text = format_fixed(value, decimals);
  if (std::isfinite(lo) && std::isfinite(hi)) {
    text += " [" + format_fixed(lo, decimals) + ", " + format_fixed(hi, decimals) + "]";
  }
  return text;
}

std::string html_table(const std::vector<std::string>& header,
                       const std::vector<std::vector<TableCell>>& rows, bool first_column_header) {
  std::string out = "<table>\n<thead><tr>";
  for (const auto& h : header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      const char* tag = first_column_header && i == 0 ? "th" : "td";
      out += std::string("<") + tag;
      if (!row[i].css_class.empty()) out += " class=\"" + html_escape(row[i].css_class) + "\"";
      out += ">" + html_escape(row[i].text) + "</" + tag + ">";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string html_details(const std::string& summary, const std::string& preformatted) {
  return "<details><summary>" + html_escape(summary) + "</summary>\n<pre>" +
         html_escape(preformatted) + "</pre></details>\n";
}

std::string html_not_available(const std::string& what) {
  return "<p class=\"na\">" + html_escape(what) + ": not yet available.</p>\n";
}

namespace {

bool is_id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == ':';
}

// The values of every id="..." / id='...' attribute in `svg`.
std::set<std::string> svg_ids(const std::string& svg) {
  std::set<std::string> ids;
  for (size_t at = svg.find("id="); at != std::string::npos; at = svg.find("id=", at + 3)) {
    if (at > 0 && is_id_char(svg[at - 1])) continue;  // e.g. "gid="
    if (at + 3 >= svg.size()) break;
    const char quote = svg[at + 3];
    if (quote != '"' && quote != '\'') continue;
    const size_t end = svg.find(quote, at + 4);
    if (end == std::string::npos) break;
    ids.insert(svg.substr(at + 4, end - at - 4));
  }
  return ids;
}

}  // namespace

std::string inline_svg(const std::string& svg, const std::string& id_prefix) {
  const size_t start = svg.find("<svg");
  if (start == std::string::npos) throw std::invalid_argument("inline_svg: no <svg> element");
  const std::string body = svg.substr(start);
  const std::set<std::string> ids = svg_ids(body);
  std::string out;
  out.reserve(body.size() + 64);
  size_t i = 0;
  while (i < body.size()) {
    // id="X" -> id="prefixX"; "#X" / '#X' / (#X) -> with the prefix, for X an id of this SVG.
    const bool id_attribute =
        body.compare(i, 3, "id=") == 0 && (i == 0 || !is_id_char(body[i - 1]));
    if (id_attribute && i + 3 < body.size() && (body[i + 3] == '"' || body[i + 3] == '\'')) {
      out += body.substr(i, 4) + id_prefix;
      i += 4;
      continue;
    }
    if (body[i] == '#') {
      size_t end = i + 1;
      while (end < body.size() && is_id_char(body[end])) ++end;
      const std::string name = body.substr(i + 1, end - i - 1);
      if (end > i + 1 && ids.count(name) && end < body.size() &&
          (body[end] == '"' || body[end] == '\'' || body[end] == ')')) {
        out += "#" + id_prefix + name;
        i = end;
        continue;
      }
    }
    out += body[i++];
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return "<figure class=\"plot\">\n" + out + "\n</figure>\n";
}

std::string html_document(const std::string& title, const std::string& body_html) {
  static const char* kStyle =
      "body{font-family:sans-serif;margin:1.5em auto;max-width:1500px;padding:0 1em;"
      "color:#222;background:#fff}\n"
      "h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}"
      "h3{margin-top:1.2em}\n"
      "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}\n"
      "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:right}"
      "th{background:#f2f2f2}td.text,th.text{text-align:left}\n"
      ".good{background:#d4edda;color:#155724}.bad{background:#f8d7da;color:#721c24}"
      ".neutral{background:#e2e3e5;color:#383d41}\n"
      ".banner{background:#fff3cd;border:1px solid #e0c060;padding:.6em 1em;margin:1em 0}\n"
      ".na{color:#777;font-style:italic}.meta td{text-align:left}\n"
      ".plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:1em}\n"
      "figure.plot{margin:0}figure.plot svg{width:100%;height:auto;display:block}\n"
      "pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.85em}\n";
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html_escape(title) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n" +
         body_html + "</body>\n</html>\n";
}

void CsvTable::add_row(std::vector<std::string> row) {
  if (row.size() != header_.size()) {
    throw std::invalid_argument("CsvTable: a row of " + std::to_string(row.size()) +
                                " fields for a header of " + std::to_string(header_.size()));
  }
  rows_.push_back(std::move(row));
}

std::string CsvTable::number(double value) {
  if (std::isnan(value)) return "";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

namespace {

void append_line(const std::vector<std::string>& fields, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) *out += ',';
    *out += csv_field(fields[i]);
  }
  *out += '\n';
}

}  // namespace

std::string CsvTable::to_string() const {
  std::string out;
  append_line(header_, &out);
  for (const auto& row : rows_) append_line(row, &out);
  return out;
}

std::vector<std::string> write_report_files(const ReportOutput& report, const std::string& out_dir,
                                            const std::string& html_name) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    throw std::runtime_error("report: cannot create the folder " + out_dir + ": " +
                             error.message());
  }
  std::vector<std::string> written;
  for (const auto& [name, contents] : report.data_files) {
    written.push_back(out_dir + "/" + name);
    write_file_atomically(written.back(), contents);
  }
  written.push_back(out_dir + "/" + html_name);
  write_file_atomically(written.back(), report.html);
  return written;
}

std::string file_name_safe(const std::string& name) {
  std::string out;
  for (char c : name) {
    const bool keep =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    out += keep ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") return "unnamed";
  return out;
}

}  // namespace tenuki::report
