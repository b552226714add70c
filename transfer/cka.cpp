#include "transfer/cka.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <stdexcept>

#include "envs/encoding.h"
#include "selfplay/game_record.h"
#include "selfplay/training_run.h"

namespace tenuki::transfer {

Eigen::MatrixXd centered_gram(const Eigen::MatrixXd& x) {
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const Eigen::MatrixXd xc = x.rowwise() - mean;
  return xc * xc.transpose();
}

double cka_from_grams(const Eigen::MatrixXd& k, const Eigen::MatrixXd& l) {
  if (k.rows() != l.rows()) throw std::invalid_argument("linear_cka: different example counts");
  const double kl = (k.array() * l.array()).sum();
  const double kk = k.norm(), ll = l.norm();
  if (kk <= 0 || ll <= 0) return 0.0;
  return std::clamp(kl / (kk * ll), 0.0, 1.0);
}

double linear_cka(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y) {
  if (x.rows() != y.rows()) {
    throw std::invalid_argument("linear_cka: " + std::to_string(x.rows()) + " and " +
                                std::to_string(y.rows()) + " examples");
  }
  if (x.rows() < 2) throw std::invalid_argument("linear_cka: needs at least 2 examples");
  return cka_from_grams(centered_gram(x), centered_gram(y));
}

std::vector<float> cka_positions(const Game& game, int n, uint64_t seed,
                                 const std::string& records) {
  if (records.empty()) return random_position_planes(game, n, seed);
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  if (fs::is_directory(records)) {
    for (const auto& e : fs::directory_iterator(records)) {
      if (e.path().extension() == ".jsonl") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
  } else {
    files.push_back(records);
  }
  std::vector<SelfPlayRecord> games;
  for (const auto& f : files) {
    for (auto& r : read_records_file(f)) {
      if (r.game_spec != game.spec()) {
        throw std::runtime_error("records '" + f + "' hold games of " + r.game_spec + ", not " +
                                 game.spec());
      }
      games.push_back(std::move(r));
    }
  }
  std::vector<std::pair<size_t, int>> cuts;  // (game, moves played)
  for (size_t g = 0; g < games.size(); ++g) {
    for (int m = 0; m < static_cast<int>(games[g].moves.size()); ++m) cuts.emplace_back(g, m);
  }
  if (cuts.empty()) throw std::runtime_error("records '" + records + "' hold no positions");
  Rng rng(seed);
  for (size_t i = cuts.size(); i > 1; --i) std::swap(cuts[i - 1], cuts[rng.below(i)]);
  const size_t floats = static_cast<size_t>(encoding::kNumChannels) * game.num_cells();
  std::vector<float> out(floats * n);
  for (int i = 0; i < n; ++i) {
    const auto& [g, moves] = cuts[i % cuts.size()];
    auto state = game.new_initial_state();
    for (int m = 0; m < moves; ++m) state->apply_action(games[g].moves[m]);
    encoding::encode(*state, game.rows(), game.cols(), out.data() + floats * i);
  }
  return out;
}

CkaResult cka_between(const PolicyValueNet& a, const PolicyValueNet& b,
                      const std::vector<float>& planes, int n, int rows, int cols) {
  const auto la = trunk_activations(a, planes, n, rows, cols);
  const auto lb = trunk_activations(b, planes, n, rows, cols);
  std::vector<Eigen::MatrixXd> ga, gb;
  CkaResult r;
  for (const auto& l : la) {
    ga.push_back(centered_gram(l.values));
    r.layers_a.push_back(l.name);
  }
  for (const auto& l : lb) {
    gb.push_back(centered_gram(l.values));
    r.layers_b.push_back(l.name);
  }
  r.matrix.resize(static_cast<Eigen::Index>(ga.size()), static_cast<Eigen::Index>(gb.size()));
  for (size_t i = 0; i < ga.size(); ++i) {
    for (size_t j = 0; j < gb.size(); ++j) r.matrix(i, j) = cka_from_grams(ga[i], gb[j]);
  }
  r.positions = n;
  return r;
}

nlohmann::json CkaResult::to_json() const {
  nlohmann::json m = nlohmann::json::array();
  for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index j = 0; j < matrix.cols(); ++j) row.push_back(matrix(i, j));
    m.push_back(row);
  }
  return {{"layers_a", layers_a}, {"layers_b", layers_b}, {"positions", positions}, {"cka", m}};
}

std::string format_cka(const CkaResult& r) {
  std::ostringstream out;
  out << "linear CKA on " << r.positions << " positions (rows: A's layers, columns: B's)\n";
  out << std::setw(8) << "";
  for (const auto& name : r.layers_b) out << std::setw(8) << name;
  out << "\n";
  for (Eigen::Index i = 0; i < r.matrix.rows(); ++i) {
    out << std::setw(8) << r.layers_a[i];
    for (Eigen::Index j = 0; j < r.matrix.cols(); ++j) {
      out << std::setw(8) << std::fixed << std::setprecision(3) << r.matrix(i, j);
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace tenuki::transfer
