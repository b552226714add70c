// `tenuki report DIR [--out FILE]`: the HTML report of a training run directory or of an
// experiment folder.
#include "experiments/cli/report_cli.h"

#include <filesystem>
#include <ostream>

#include "experiments/pipeline/experiment_results.h"
#include "experiments/report/training_report.h"

namespace tenuki {

int cmd_report(const Args& args, std::ostream& out, std::ostream&) {
  if (args.positional().size() != 1) {
    throw UsageError("expected one run directory; usage: tenuki report RUN_DIR [--out FILE]");
  }
  const std::string dir = args.positional()[0];
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    throw UsageError("run directory " + dir + " does not exist or is not a folder");
  }
  const std::string page = args.get("out", default_report_path(dir));
  std::vector<std::string> written;
  if (std::filesystem::exists(std::filesystem::path(dir) / "experiment.json", error)) {
    const std::string folder = std::filesystem::path(page).parent_path().string();
    written = {write_experiment_outputs(dir, folder.empty() ? "." : folder,
                                        std::filesystem::path(page).filename().string())};
  } else {
    written = write_training_report(dir, page);
  }
  out << "report: " << written.back() << "\n";
  for (size_t i = 0; i + 1 < written.size(); ++i) out << "  data: " << written[i] << "\n";
  return 0;
}

}  // namespace tenuki
