#include "experiments/pipeline/experiment_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>
#include <thread>
#include <utility>

#include "envs/util/atomic_file.h"
#include "envs/util/input_error.h"
#include "envs/util/text.h"
#include "experiments/pipeline/experiment_results.h"
#include "selfplay/run/run_folder.h"

namespace tenuki {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string log_path(const std::string& id) {
  std::string name = id;
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return "logs/" + name + ".log";
}

// `text` as one shell word (for printing commands a user may paste).
std::string shell_quoted(const std::string& text) {
  if (text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "-_./=:,") == std::string::npos) {
    return text;
  }
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The last `lines` lines of a file.
std::string tail_of(const std::string& path, int lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);) all.push_back(line);
  std::string text;
  for (size_t i = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0; i < all.size();
       ++i) {
    text += "    " + all[i] + "\n";
  }
  return text;
}

// A child `tenuki` process of one stage.
struct Child {
  pid_t pid = -1;
  const Stage* stage = nullptr;
  Clock::time_point started;
};

pid_t spawn_stage(const ExperimentRunOptions& o, const Stage& stage) {
  std::vector<std::string> argv = {o.tenuki_program};
  argv.insert(argv.end(), stage.argv.begin(), stage.argv.end());
  const std::string log = o.run_dir + "/" + log_path(stage.id);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(126);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0 || chdir(o.run_dir.c_str()) != 0) _exit(126);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

void write_done(const std::string& run_dir, const std::map<std::string, double>& done) {
  nlohmann::json j;
  j["done"] = nlohmann::json::object();
  for (const auto& [id, seconds] : done) j["done"][id] = {{"seconds", seconds}};
  write_file_atomically(run_dir + "/stages.json", j.dump(1) + "\n");
}

std::map<std::string, double> read_done(const std::string& run_dir) {
  std::map<std::string, double> done;
  std::ifstream in(run_dir + "/stages.json");
  if (!in) return done;
  try {
    nlohmann::json j;
    in >> j;
    for (const auto& [id, v] : j.at("done").items()) done[id] = v.value("seconds", 0.0);
  } catch (const std::exception& e) {
    throw InputError(run_dir + "/stages.json is corrupt (" + e.what() +
                     "); delete it to re-check every stage");
  }
  return done;
}

// The unit's key in a metrics line.
void copy_file_atomically(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + from);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  write_file_atomically(to, bytes.str());
}

// The given source checkpoints into the folder; the main one last, as it marks the stage done.
void copy_source(const ExperimentSpec& spec, const std::string& run_dir) {
  std::error_code ec;
  fs::create_directories(run_dir + "/source", ec);
  if (!spec.source.initial_checkpoint.empty()) {
    copy_file_atomically(spec.source.initial_checkpoint,
                         run_dir + "/" + source_initial_checkpoint_path(spec));
  }
  copy_file_atomically(spec.source.checkpoint, run_dir + "/" + source_checkpoint_path(spec));
}

}  // namespace

std::set<std::string> done_stages(const std::string& run_dir) {
  std::set<std::string> ids;
  for (const auto& [id, seconds] : read_done(run_dir)) ids.insert(id);
  return ids;
}

ExperimentSpec read_run_spec(const std::string& run_dir) {
  const std::string path = run_dir + "/experiment.json";
  if (!fs::exists(path)) {
    throw InputError("'" + run_dir + "' is not an experiment run folder (no experiment.json)");
  }
  std::ifstream in(path);
  nlohmann::json j;
  try {
    in >> j;
    // The folder's own copies of given source checkpoints, so that the folder stands alone.
    for (const auto& [key, file] : {std::pair<std::string, std::string>{"checkpoint", "source"},
                                    {"initial_checkpoint", "initial"}}) {
      const std::string copy = run_dir + "/source/" + file + ".ckpt";
      if (j.contains("source") && j["source"].contains(key) && fs::exists(copy)) {
        j["source"][key] = fs::absolute(copy).string();
      }
    }
    return experiment_spec_from_json(j, run_dir, /*build_pool_agents=*/false);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + " is not valid JSON: " + e.what());
  } catch (const ExperimentSpecError& e) {
    throw InputError(path + ": " + e.what());
  }
}

double training_progress(const std::string& run_dir, const Stage& stage, BudgetUnit unit) {
  if (stage.metrics_file.empty() || stage.units_total <= 0) return 0;
  const std::string path = run_dir + "/" + stage.metrics_file;
  if (!std::filesystem::exists(path)) return 0;
  double value = 0;
  try {
    // The last 8 KiB hold the newest lines; a line cut by the window or by a write in progress
    // is skipped by the reader.
    for (const MetricLine& line : read_metric_lines(path, 8192).lines) {
      if (line.type == MetricType::kTrain || line.type == MetricType::kMilestone) {
        value = std::max(value, units_on_metric_line(unit, line.fields));
      }
    }
  } catch (const InputError&) {
    return 0;  // removed between the check and the read
  }
  return std::min(1.0, value / stage.units_total);
}

int run_experiment(const ExperimentRunOptions& o, std::ostream& out, std::ostream& err) {
  ExperimentSpec spec;
  try {
    spec = read_experiment_spec(o.spec_path);
  } catch (const ExperimentSpecError& e) {
    throw InputError(e.what());
  }
  const nlohmann::json resolved = experiment_spec_to_json(spec);
  const std::vector<Stage> stages = plan_experiment(spec);
  double total_estimate = 0;
  for (const auto& s : stages) total_estimate += s.estimated_seconds;

  if (o.dry_run) {
    out << "experiment " << spec.name << ": " << stages.size() << " stages, budget "
        << format_units(spec.amount) << " " << budget_unit_name(spec.unit) << " per arm, "
        << spec.seeds << " seed(s), milestones every " << format_units(spec.eval_every) << "\n";
    if (!spec.description.empty()) out << spec.description << "\n";
    for (const auto& s : stages) {
      out << "  " << std::left << std::setw(34) << s.id << std::right << std::setw(9)
          << format_duration(s.estimated_seconds) << "  ";
      if (s.argv.empty()) {
        out << (s.kind == StageKind::kReport ? "(report)" : "(copy the source checkpoint)");
      } else {
        out << "tenuki";
        for (const auto& a : s.argv) out << " " << shell_quoted(a);
      }
      out << "\n";
    }
    out << "estimated total: " << format_duration(total_estimate) << " with 1 job (at "
        << spec.units_per_second << " " << budget_unit_name(spec.unit) << "/s and "
        << spec.seconds_per_game
        << " s per evaluation game; set \"estimate\" in the spec for this machine)\n";
    return 0;
  }

  // The run folder: one runner at a time, and only this experiment.
  std::error_code ec;
  fs::create_directories(o.run_dir + "/logs", ec);
  if (ec) throw InputError("cannot create '" + o.run_dir + "': " + ec.message());
  std::unique_ptr<FileLock> lock;
  try {
    lock = std::make_unique<FileLock>(o.run_dir + "/lock", 0);
  } catch (const std::runtime_error& e) {
    throw InputError(std::string(e.what()) + " (is an experiment already running there?)");
  }
  const std::string spec_copy = o.run_dir + "/experiment.json";
  if (fs::exists(spec_copy)) {
    nlohmann::json previous;
    try {
      std::ifstream in(spec_copy);
      in >> previous;
    } catch (const nlohmann::json::exception& e) {
      throw InputError(spec_copy + " is not valid JSON: " + e.what());
    }
    // Folders written before both compute views were always reported record the choice.
    if (previous.contains("budget") && previous["budget"].is_object()) {
      previous["budget"].erase("charge_source");
    }
    if (previous != resolved) {
      throw InputError("'" + o.run_dir + "' holds another experiment (its experiment.json " +
                       "differs from " + o.spec_path + "); use another --out");
    }
  } else {
    write_file_atomically(spec_copy, resolved.dump(2) + "\n");
    write_file_atomically(o.run_dir + "/version.json",
                          nlohmann::json{{"tenuki", o.version}}.dump(2) + "\n");
  }

  std::map<std::string, double> done = read_done(o.run_dir);
  // A done stage whose output is gone is run again.
  for (const auto& s : stages) {
    if (done.count(s.id) && !s.done_file.empty() && !fs::exists(o.run_dir + "/" + s.done_file)) {
      done.erase(s.id);
    }
  }
  double done_estimate_at_start = 0;
  for (const auto& s : stages) {
    if (done.count(s.id)) done_estimate_at_start += s.estimated_seconds;
  }
  out << "experiment " << spec.name << " in " << o.run_dir << ": " << done.size() << " of "
      << stages.size() << " stages done" << (done.empty() ? "" : " (resuming)") << std::endl;

  std::vector<Child> running;
  bool failed = false;
  const auto session_start = Clock::now();
  auto last_progress = Clock::now();
  auto fraction_done = [&] {
    double f = 0;
    for (const auto& s : stages) {
      if (done.count(s.id)) f += s.estimated_seconds;
    }
    for (const auto& c : running) {
      f += c.stage->estimated_seconds *
           (c.stage->kind == StageKind::kTrain || c.stage->kind == StageKind::kSourceTrain
                ? training_progress(o.run_dir, *c.stage, spec.unit)
                : 0.0);
    }
    return total_estimate > 0 ? f / total_estimate : 1.0;
  };
  auto print_progress = [&] {
    const double f = fraction_done();
    const double elapsed = std::chrono::duration<double>(Clock::now() - session_start).count();
    const double gained = f - done_estimate_at_start / std::max(1e-9, total_estimate);
    out << "[" << done.size() << "/" << stages.size() << " stages, " << std::fixed
        << std::setprecision(0) << 100 * f << "%] elapsed " << format_duration(elapsed);
    if (gained > 0.005 && f < 1) out << "  ETA " << format_duration(elapsed * (1 - f) / gained);
    for (const auto& c : running) {
      out << "  | " << c.stage->id;
      if (c.stage->kind == StageKind::kTrain || c.stage->kind == StageKind::kSourceTrain) {
        out << " " << std::setprecision(0)
            << 100 * training_progress(o.run_dir, *c.stage, spec.unit) << "%";
      }
    }
    out << std::endl;
  };
  auto is_running = [&](const Stage& s) {
    for (const auto& c : running) {
      if (c.stage == &s) return true;
    }
    return false;
  };
  auto deps_done = [&](const Stage& s) {
    for (const auto& d : s.deps) {
      if (!done.count(d)) return false;
    }
    return true;
  };
  auto mark_done = [&](const Stage& s, double seconds) {
    done[s.id] = seconds;
    write_done(o.run_dir, done);
  };
  auto stopping = [&] { return o.stop && o.stop->load(); };

  while (true) {
    // Finished children.
    for (size_t i = 0; i < running.size();) {
      int status = 0;
      const pid_t r = waitpid(running[i].pid, &status, WNOHANG);
      if (r == 0) {
        ++i;
        continue;
      }
      const Stage& s = *running[i].stage;
      const double seconds =
          std::chrono::duration<double>(Clock::now() - running[i].started).count();
      const bool exited_ok = r > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
      const bool complete =
          exited_ok &&
          (s.done_file.empty() ? !stopping() : fs::exists(o.run_dir + "/" + s.done_file));
      if (complete) {
        mark_done(s, seconds);
        out << "done " << s.id << " (" << format_duration(seconds) << ")" << std::endl;
      } else if (!stopping()) {
        failed = true;
        err << "experiment: stage " << s.id << " failed (exit status "
            << (WIFEXITED(status) ? std::to_string(WEXITSTATUS(status))
                                  : "signal " + std::to_string(WTERMSIG(status)))
            << "); the end of " << o.run_dir << "/" << log_path(s.id) << ":\n"
            << tail_of(o.run_dir + "/" + log_path(s.id), 15);
      }
      running.erase(running.begin() + static_cast<long>(i));
    }
    if (stopping()) {
      for (const auto& c : running) kill(c.pid, SIGTERM);
      if (running.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    // Start what is ready.
    bool started = false;
    if (!failed) {
      for (const auto& s : stages) {
        if (static_cast<int>(running.size()) >= o.jobs) break;
        if (done.count(s.id) || is_running(s) || !deps_done(s)) continue;
        for (const auto& [path, contents] : s.files) {
          fs::create_directories(fs::path(o.run_dir + "/" + path).parent_path(), ec);
          write_file_atomically(o.run_dir + "/" + path, contents);
        }
        const auto t0 = Clock::now();
        if (s.kind == StageKind::kSourceCopy || s.kind == StageKind::kReport) {
          try {
            if (s.kind == StageKind::kSourceCopy) {
              copy_source(spec, o.run_dir);
            } else {
              const std::string page = write_experiment_outputs(o.run_dir);
              out << "report: " << page << std::endl;
            }
          } catch (const std::exception& e) {
            err << "experiment: stage " << s.id << " failed: " << e.what() << "\n";
            failed = true;
            break;
          }
          mark_done(s, std::chrono::duration<double>(Clock::now() - t0).count());
          started = true;
          continue;
        }
        out << "start " << s.id << "  (log: " << log_path(s.id) << ")" << std::endl;
        running.push_back({spawn_stage(o, s), &s, t0});
        started = true;
      }
    }
    if (running.empty() && !started) break;
    if (o.progress_seconds > 0 &&
        std::chrono::duration<double>(Clock::now() - last_progress).count() >= o.progress_seconds) {
      print_progress();
      last_progress = Clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  print_progress();
  if (stopping()) {
    out << "stopped; run the same command again to resume" << std::endl;
    return 1;
  }
  if (failed) return 1;
  if (done.size() != stages.size()) {
    err << "experiment: " << stages.size() - done.size() << " stage(s) could not run\n";
    return 1;
  }
  out << "experiment " << spec.name << " complete: " << o.run_dir << "/report/index.html"
      << std::endl;
  return 0;
}

void print_experiment_status(const std::string& run_dir, std::ostream& out) {
  const ExperimentSpec spec = read_run_spec(run_dir);
  const std::vector<Stage> stages = plan_experiment(spec);
  const std::set<std::string> done = done_stages(run_dir);
  bool active = false;
  try {
    FileLock probe(run_dir + "/lock", 0);
  } catch (const std::runtime_error&) {
    active = true;
  }
  out << "experiment " << spec.name << " in " << run_dir << ": " << done.size() << " of "
      << stages.size() << " stages done; "
      << (active ? "a runner is working on it now" : "no runner is active") << "\n";
  for (const auto& s : stages) {
    std::string state = done.count(s.id) ? "done" : "pending";
    if (!done.count(s.id) && (s.kind == StageKind::kTrain || s.kind == StageKind::kSourceTrain)) {
      const double p = training_progress(run_dir, s, spec.unit);
      if (p > 0) {
        std::ostringstream text;
        text << std::fixed << std::setprecision(0) << 100 * p << "%";
        state = text.str();
      }
    }
    out << "  " << std::left << std::setw(36) << s.id << state << "\n";
  }
}

}  // namespace tenuki
