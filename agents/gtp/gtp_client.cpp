#include "agents/gtp/gtp_client.h"

#include <cctype>

namespace tenuki {
namespace {

constexpr int kStderrLinesInErrors = 5;

// The last `count` non-blank lines of `text`, joined by " | ".
std::string last_lines(const std::string& text, int count) {
  std::vector<std::string> lines;
  size_t end = text.size();
  while (end > 0 && static_cast<int>(lines.size()) < count) {
    const size_t start = text.rfind('\n', end - 1);
    const size_t from = start == std::string::npos ? 0 : start + 1;
    std::string line = text.substr(from, end - from);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(line);
    if (start == std::string::npos) break;
    end = start;
  }
  std::string joined;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    joined += (joined.empty() ? "" : " | ") + *it;
  }
  return joined;
}

}  // namespace

GtpClient::GtpClient(const std::string& command, const GtpClientOptions& options)
    : command_(command), options_(options) {
  try {
    SubprocessOptions sub;
    sub.stderr_mode = StderrMode::kKeepTail;
    process_ = std::make_unique<Subprocess>(Subprocess::shell(command, sub));
  } catch (const SubprocessError& e) {
    throw GtpEngineError("GTP engine '" + command + "': " + e.what());
  }
}

GtpClient::~GtpClient() {
  if (!process_) return;
  if (!broken_ && process_->is_alive()) {
    process_->write_line("quit");
    std::string line;
    // Wait briefly for the "=" so the engine can exit cleanly; errors do not matter here.
    process_->read_line(&line, std::chrono::milliseconds(500));
  }
  process_.reset();
}

GtpResponse GtpClient::query(const std::string& command) {
  auto fail = [&](const std::string& why) {
    broken_ = true;
    return GtpEngineError("GTP engine '" + command_ + "' " + why + " (command: " + command + ")");
  };
  // An engine that closed its input or its output (whichever this client noticed first, which is
  // a race when it dies between commands): how it ended, and the end of what it wrote to stderr.
  auto died = [&] {
    std::string text =
        "stopped answering: it " + process_->describe_exit(std::chrono::milliseconds(500));
    const std::string tail = last_lines(process_->stderr_tail(), kStderrLinesInErrors);
    if (!tail.empty()) text += "; its stderr ended with: " + tail;
    return fail(text);
  };
  if (broken_) throw fail("is unusable after an earlier error");
  for (char c : command) {
    if (c == '\n' || c == '\r') throw std::invalid_argument("GTP command contains a newline");
  }
  const int id = next_id_++;
  if (!process_->write_line(std::to_string(id) + " " + command)) throw died();

  auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  auto read = [&](std::string* line) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    switch (process_->read_line(line, left)) {
      case Subprocess::ReadStatus::kLine:
        return;
      case Subprocess::ReadStatus::kEof:
        throw died();
      case Subprocess::ReadStatus::kTimeout:
        throw fail("timed out after " + std::to_string(options_.timeout.count()) + " ms");
    }
  };

  std::string line;
  do {
    read(&line);  // blank lines before a response are allowed by the protocol
  } while (line.find_first_not_of(" \t") == std::string::npos);
  if (line[0] != '=' && line[0] != '?') throw fail("sent a malformed response: '" + line + "'");
  GtpResponse response;
  response.success = line[0] == '=';
  size_t pos = 1;
  size_t digits = pos;
  while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
  if (digits > pos && std::stoi(line.substr(pos, digits - pos)) != id) {
    throw fail("answered id " + line.substr(pos, digits - pos) + ", expected " +
               std::to_string(id));
  }
  pos = digits;
  while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  response.text = line.substr(pos);
  while (true) {
    read(&line);
    if (line.empty()) break;
    response.text += "\n" + line;
  }
  while (!response.text.empty() && std::isspace(static_cast<unsigned char>(response.text.back()))) {
    response.text.pop_back();
  }
  return response;
}

std::string GtpClient::send(const std::string& command) {
  GtpResponse r = query(command);
  if (!r.success) {
    throw GtpCommandError("GTP engine '" + command_ + "' refused '" + command + "': " + r.text);
  }
  return r.text;
}

}  // namespace tenuki
