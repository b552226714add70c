// Game records (JSON lines) and the replay buffer: its window, value mixing, augmentation and
// ownership targets, and the ownership loss those targets feed.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "agents/net/network.h"
#include "envs/encoding.h"
#include "envs/registry.h"
#include "selfplay/game_record.h"
#include "selfplay/replay_buffer.h"
#include "selfplay/trainer.h"
#include "tests/selfplay/net_test_helpers.h"
#include "tests/selfplay/record_test_helpers.h"
#include "tests/support/test_files.h"

using namespace tenuki;
using Catch::Matchers::Contains;
using namespace tenuki::test;

TEST_CASE("game records round-trip through JSON lines", "[selfplay]") {
  auto game = make_game("connect_four");
  SelfPlayRecord r = random_record(game, 3);
  SelfPlayRecord back = record_from_json_line(record_to_json_line(r));
  CHECK(back.net_step == -1);  // not recorded: absent from the line
  r.net_step = 42;
  CHECK(record_to_json_line(r).find("\"net_step\":42") != std::string::npos);
  back = record_from_json_line(record_to_json_line(r));
  CHECK(back.net_step == 42);
  CHECK(back.game_spec == r.game_spec);
  CHECK(back.moves == r.moves);
  CHECK(back.full_search == r.full_search);
  CHECK(back.result == r.result);
  REQUIRE(back.policies.size() == r.policies.size());
  for (size_t i = 0; i < r.policies.size(); ++i) {
    REQUIRE(back.policies[i].size() == r.policies[i].size());
    for (size_t k = 0; k < r.policies[i].size(); ++k) {
      CHECK(back.policies[i][k].first == r.policies[i][k].first);
      CHECK(back.policies[i][k].second == Approx(r.policies[i][k].second).margin(1e-5));
    }
  }
  TempDir dir;
  write_records_file(dir.path + "/c.jsonl", {r, r});
  CHECK(read_records_file(dir.path + "/c.jsonl").size() == 2);
  CHECK_THROWS_WITH(record_from_json_line("{\"game\":\"x\"}"), Contains("bad record"));
}

TEST_CASE("replay buffer keeps a sliding window of whole games", "[selfplay]") {
  auto game = make_game("tictactoe");
  ReplayBuffer buffer(game, 20);
  int64_t added = 0;
  std::vector<int> sizes;
  for (int g = 0; g < 30; ++g) {
    SelfPlayRecord r = random_record(game, 100 + g);
    added += r.training_positions();
    buffer.add(r);
    sizes.push_back(r.training_positions());
    // The window holds the newest games; dropping the oldest would leave fewer than 20.
    CHECK(buffer.total_added() == added);
    if (buffer.games() > 1) {
      CHECK(buffer.size() - sizes[sizes.size() - buffer.games()] < 20);
    }
  }
  CHECK(buffer.size() >= 20);
  CHECK(buffer.size() < 20 + 10);
  Rng rng(1);
  TrainingBatch b = buffer.sample(64, rng, true);
  CHECK(b.size == 64);
  CHECK(b.planes.size() == 64u * encoding::kNumChannels * 9);
  for (int i = 0; i < 64; ++i) {
    double sum = 0;
    for (int a = 0; a < b.num_actions; ++a) sum += b.policy[i * b.num_actions + a];
    CHECK(sum == Approx(1.0).margin(1e-4));
  }
  CHECK_THROWS(buffer.add(random_record(make_game("connect_four"), 1)));
}

TEST_CASE("replay buffer mixes the search's root value into the value target", "[selfplay]") {
  auto game = make_game("tictactoe");
  // X takes the top row (0, 1, 2) while O plays 3 and 4: X (player 0) wins, result +1.
  SelfPlayRecord r;
  r.game_spec = game->spec();
  r.moves = {0, 3, 1, 4, 2};
  for (Action a : r.moves) r.policies.push_back({{a, 1.0f}});
  r.full_search = {1, 1, 1, 1, 1};
  r.root_values = {0.2f, -0.6f, 0.4f, -1.0f, 1.0f};
  r.result = 1;
  const std::vector<float> result_for_mover = {1, -1, 1, -1, 1};
  for (double w : {0.0, 0.25, 1.0}) {
    ReplayBuffer buffer(game, 100, w);
    buffer.add(r);
    for (int move = 0; move < 5; ++move) {
      const float z = result_for_mover[move], q = r.root_values[move];
      CHECK(buffer.make_sample(r, move, 0).value[0] == Approx((1 - w) * z + w * q));
    }
  }
  // Records without root values (a line without "value") keep the game's result.
  r.root_values.clear();
  const std::string line = record_to_json_line(r);
  CHECK(line.find("\"value\"") == std::string::npos);
  const SelfPlayRecord read_back = record_from_json_line(line);
  CHECK(read_back.root_values.empty());
  ReplayBuffer mixing(game, 100, 0.5);
  for (int move = 0; move < 5; ++move) {
    CHECK(mixing.make_sample(read_back, move, 0).value[0] == Approx(result_for_mover[move]));
  }
  // A "value" of the wrong length is refused.
  std::string short_values = line;
  short_values.insert(short_values.size() - 1, ",\"value\":[0.5]");
  CHECK_THROWS_WITH(record_from_json_line(short_values), Contains("equal lengths"));
  CHECK_THROWS_WITH(ReplayBuffer(game, 100, 1.5), Contains("search_value_weight"));
}

TEST_CASE("replay buffer augmentation equals the symmetric game", "[selfplay]") {
  // Games whose initial position is symmetric (Othello's is not under every id of its
  // symmetries(), so its mapped moves do not replay from the start).
  for (const std::string spec : {"tictactoe", "connect_four", "go(size=5)", "hex(size=5)"}) {
    auto game = make_game(spec);
    ReplayBuffer buffer(game, 1000);
    SelfPlayRecord r = random_record(game, 7);
    const int move = static_cast<int>(r.moves.size()) / 2;
    for (int s : game->symmetries()) {
      INFO(spec << " symmetry " << s);
      TrainingBatch b = buffer.make_sample(r, move, s);
      // Play the mapped moves from the start: the position must be the mapped one.
      auto mapped = game->new_initial_state();
      for (int i = 0; i < move; ++i) mapped->apply_action(game->map_action(s, r.moves[i]));
      CHECK(b.planes == encoding::encode(*mapped));
      std::vector<float> policy(game->num_actions(), 0.0f);
      for (const auto& [a, p] : r.policies[move]) policy[game->map_action(s, a)] = p;
      CHECK(b.policy == policy);
      const int mover = mapped->current_player();
      CHECK(b.value[0] == static_cast<float>(mover == 0 ? r.result : -r.result));
      // Ownership: the final position of the mapped game as scored, from the mover's view,
      // known when the record reaches the game's end.
      auto final_state = game->new_initial_state();
      for (Action a : r.moves) final_state->apply_action(game->map_action(s, a));
      const std::vector<int> owners = final_state->scoring_owners();
      for (int c = 0; c < game->num_cells(); ++c) {
        const int owner = owners[c];
        CHECK(b.ownership[c] == (owner < 0 ? 0.0f : owner == mover ? 1.0f : -1.0f));
      }
      CHECK(b.ownership_weight[0] == (final_state->is_terminal() ? 1.0f : 0.0f));
    }
  }
}

TEST_CASE("the ownership target counts territory, only for games that reached their end",
          "[selfplay]") {
  // 4x4 Go: black walls column B, white column C, both pass. Column A is black's territory and
  // column D white's.
  auto game = make_game("go(size=4,komi=0)");
  SelfPlayRecord r;
  r.game_spec = game->spec();
  for (const char* v : {"B1", "C1", "B2", "C2", "B3", "C3", "B4", "C4", "pass", "pass"}) {
    r.moves.push_back(game->string_to_action(v));
    r.policies.push_back({{r.moves.back(), 1.0f}});
    r.full_search.push_back(1);
  }
  r.result = 0;
  ReplayBuffer buffer(game, 100);
  const TrainingBatch white_to_move = buffer.make_sample(r, 1, 0);
  CHECK(white_to_move.ownership_weight[0] == 1.0f);
  for (int row = 0; row < 4; ++row) {
    INFO("row " << row);
    const float* own = white_to_move.ownership.data() + row * 4;
    CHECK(own[0] == -1.0f);  // black's territory, from white's view
    CHECK(own[1] == -1.0f);
    CHECK(own[2] == 1.0f);
    CHECK(own[3] == 1.0f);  // white's territory
  }
  // The same game resigned before the passes, or cut off there: nothing is known.
  SelfPlayRecord resigned = r;
  resigned.moves.resize(8);
  resigned.policies.resize(8);
  resigned.full_search.resize(8);
  resigned.resigned = true;
  resigned.result = 1;
  CHECK(buffer.make_sample(resigned, 1, 0).ownership_weight[0] == 0.0f);
  resigned.resigned = false;
  CHECK(buffer.make_sample(resigned, 1, 0).ownership_weight[0] == 0.0f);
}

TEST_CASE("the ownership loss counts only samples with a known target", "[selfplay]") {
  auto game = make_game("go(size=5)");
  ReplayBuffer buffer(game, 1000);
  for (int g = 0; g < 6; ++g) buffer.add(random_record(game, 70 + g));
  Rng rng(4);
  TrainingBatch batch = buffer.sample(16, rng, false);
  TrainingBatch flipped = batch;  // other ownership targets
  for (float& v : flipped.ownership) v = v == 0 ? 1.0f : -v;
  TrainerConfig config;
  config.device = "cpu";
  config.ownership_weight = 1.0;
  auto step_with = [&](TrainingBatch b, float weight) {
    std::fill(b.ownership_weight.begin(), b.ownership_weight.end(), weight);
    auto net = std::make_shared<PolicyValueNet>(tiny_net(1), 5);
    Trainer trainer(net, config);
    const TrainStepStats stats = trainer.step(b);
    return std::make_pair(parameter_snapshot(*net), stats);
  };
  const auto [unknown, unknown_stats] = step_with(batch, 0.0f);
  const auto [unknown_flipped, unknown_flipped_stats] = step_with(flipped, 0.0f);
  CHECK(unknown == unknown_flipped);
  CHECK(unknown_stats.ownership_samples == 0);
  CHECK(unknown_stats.ownership_loss == 0.0);
  CHECK(unknown_stats.loss == Approx(unknown_flipped_stats.loss));
  const auto [known, known_stats] = step_with(batch, 1.0f);
  const auto [known_flipped, known_flipped_stats] = step_with(flipped, 1.0f);
  CHECK(known != known_flipped);
  CHECK(known_stats.ownership_samples == 16);
  CHECK(known_stats.ownership_loss > 0);
  CHECK(known_stats.loss == Approx(unknown_stats.loss + known_stats.ownership_loss).epsilon(1e-4));
}
