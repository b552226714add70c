#pragma once
// Representation similarity between networks: linear CKA (centered kernel alignment, Kornblith et
// al. 2019) between the activations of every trunk layer (the stem and each residual block) of
// two nets on the same positions. A layer's representation of a position is its whole activation
// map (channels x cells) flattened; CKA is invariant to orthogonal transforms and isotropic
// scaling of the features, so it compares what the layers encode, not how it is laid out.
// Thread-safety: no shared state.
#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/net/network.h"
#include "envs/game.h"

namespace tenuki::transfer {

// Linear CKA of representations x (n x p) and y (n x q) of the same n examples:
// <K, L>_F / (||K||_F ||L||_F) with K = Xc Xc^T, L = Yc Yc^T and Xc, Yc column-centred.
// In [0, 1]; 0 when either is constant. Throws std::invalid_argument when the row counts differ or
// n < 2.
double linear_cka(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y);

// The centred Gram matrix of x (n x p), the expensive part of linear_cka.
Eigen::MatrixXd centered_gram(const Eigen::MatrixXd& x);
// Linear CKA from two centred Gram matrices of the same examples.
double cka_from_grams(const Eigen::MatrixXd& k, const Eigen::MatrixXd& l);

// One trunk layer's activations on n positions: n rows of `features` values.
struct LayerActivations {
  std::string name;  // "stem", "block0", ...
  Eigen::MatrixXd values;
};

// The activations of the stem and of every residual block of `net` (eval mode) on `planes`:
// n positions of kNumChannels x rows x cols floats (envs/encoding.h). Implemented with LibTorch.
std::vector<LayerActivations> trunk_activations(const PolicyValueNet& net,
                                                const std::vector<float>& planes, int n, int rows,
                                                int cols);

// Encoded positions for CKA: n positions drawn from the games in `records` (a .jsonl game-record
// file or a folder of them, selfplay/game_record.h) when not empty, else from random play.
// Throws std::runtime_error for unreadable records or records of another game.
std::vector<float> cka_positions(const Game& game, int n, uint64_t seed,
                                 const std::string& records);

struct CkaResult {
  std::vector<std::string> layers_a, layers_b;
  Eigen::MatrixXd matrix;  // layers_a x layers_b
  int positions = 0;
  nlohmann::json to_json() const;
};
CkaResult cka_between(const PolicyValueNet& a, const PolicyValueNet& b,
                      const std::vector<float>& planes, int n, int rows, int cols);
std::string format_cka(const CkaResult& r);

}  // namespace tenuki::transfer
