// Tournament reports: the terminal table, ratings.json and crosstable.csv.
#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <numeric>
#include <ostream>
#include <stdexcept>

#include "envs/util/text.h"
#include "experiments/arena/tournament.h"

namespace tenuki {

using json = nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Reports

void print_rating_table(const TournamentConfig& config, const TournamentOutcome& outcome,
                        std::ostream& out) {
  const RatingTable& t = outcome.ratings;
  size_t width = 5;
  for (const auto& a : config.agents) width = std::max(width, a.size());
  const std::vector<int> order = t.ranking();
  out << std::right << std::setw(4) << "rank"
      << "  " << std::left << std::setw(width) << "agent" << std::right << std::setw(9) << "Elo"
      << std::setw(8) << "+-95%" << std::setw(7) << "games" << std::setw(8) << "score"
      << std::setw(11) << "LOS>next"
      << "\n";
  for (size_t k = 0; k < order.size(); ++k) {
    const int i = order[k];
    const AgentRating& r = t.agents[i];
    std::string elo = format_fixed(r.elo, 1);
    if (r.elo >= 0.05) elo = "+" + elo;
    out << std::right << std::setw(4) << k + 1 << "  " << std::left << std::setw(width)
        << config.agents[i] << std::right << std::setw(9) << elo << std::setw(8)
        << format_fixed(r.ci95, 1) << std::setw(7) << r.record.games() << std::setw(7)
        << format_fixed(100 * r.score, 1) << "%";
    if (k + 1 < order.size()) {
      out << std::setw(10) << format_fixed(100 * t.los[i][order[k + 1]], 1) << "%";
    }
    out << "\n";
  }
  out << outcome.records.size() << " of " << outcome.total_games
      << " games; Bradley-Terry maximum-likelihood Elo (draws count half), "
      << (config.anchor.empty() ? "mean " + format_fixed(config.anchor_elo, 0)
                                : config.anchor + " = " + format_fixed(config.anchor_elo, 0))
      << "\n";
  if (outcome.sprt) {
    const Wdl wdl = sprt_counts(outcome.records);
    out << "SPRT " << config.agents[1] << " vs " << config.agents[0]
        << " (elo0=" << config.sprt->elo0 << ", elo1=" << config.sprt->elo1
        << ", alpha=" << config.sprt->alpha << ", beta=" << config.sprt->beta << "): W-D-L "
        << wdl.wins << "-" << wdl.draws << "-" << wdl.losses << ", LLR "
        << format_fixed(outcome.sprt->llr, 2) << " [" << format_fixed(outcome.sprt->lower, 2)
        << ", " << format_fixed(outcome.sprt->upper, 2)
        << "]: " << to_string(outcome.sprt->decision)
        << (outcome.stopped_by_sprt ? " (stopped early)" : "") << "\n";
  }
}

json ratings_to_json(const TournamentConfig& config, const TournamentOutcome& outcome) {
  const RatingTable& t = outcome.ratings;
  const int n = static_cast<int>(config.agents.size());
  json j;
  j["model"] =
      "Bradley-Terry maximum likelihood on the logistic Elo scale, draws counted as half a win; "
      "Gaussian prior sd 1000 Elo; 95% CI from the inverse Hessian";
  j["game"] = config.game;
  j["games"] = outcome.records.size();
  j["total_games"] = outcome.total_games;
  j["anchor"] = config.anchor.empty() ? json(nullptr) : json(config.anchor);
  j["anchor_elo"] = config.anchor_elo;
  j["converged"] = t.converged;
  const std::vector<int> order = t.ranking();
  for (int k = 0; k < n; ++k) {
    const int i = order[k];
    const AgentRating& r = t.agents[i];
    j["ratings"].push_back(
        {{"rank", k + 1},
         {"agent", config.agents[i]},
         {"elo", r.elo},
         {"ci95", r.ci95},
         {"stddev", r.stddev},
         {"games", r.record.games()},
         {"wins", r.record.wins},
         {"draws", r.record.draws},
         {"losses", r.record.losses},
         {"score", r.score},
         {"los_next", k + 1 < n ? json(t.los[i][order[k + 1]]) : json(nullptr)}});
  }
  j["agents"] = config.agents;
  j["los"] = t.los;  // los[i][j] = P(agent i stronger than agent j), agents in config order
  json cross = json::array();
  for (int i = 0; i < n; ++i) {
    json row = json::array();
    for (int k = 0; k < n; ++k) {
      const Wdl& w = t.crosstable[i][k];
      row.push_back({{"wins", w.wins}, {"draws", w.draws}, {"losses", w.losses}});
    }
    cross.push_back(row);
  }
  j["crosstable"] = cross;
  if (outcome.sprt) {
    const Wdl wdl = sprt_counts(outcome.records);
    j["sprt"] = {{"elo0", config.sprt->elo0},
                 {"elo1", config.sprt->elo1},
                 {"alpha", config.sprt->alpha},
                 {"beta", config.sprt->beta},
                 {"wins", wdl.wins},
                 {"draws", wdl.draws},
                 {"losses", wdl.losses},
                 {"llr", outcome.sprt->llr},
                 {"lower", outcome.sprt->lower},
                 {"upper", outcome.sprt->upper},
                 {"decision", to_string(outcome.sprt->decision)},
                 {"stopped_early", outcome.stopped_by_sprt}};
  }
  return j;
}

std::string crosstable_csv(const TournamentConfig& config, const RatingTable& ratings) {
  const int n = static_cast<int>(config.agents.size());
  std::string text = "agent";
  for (const auto& a : config.agents) text += "," + csv_field(a);
  text += ",games,score\n";
  for (int i = 0; i < n; ++i) {
    text += csv_field(config.agents[i]);
    for (int k = 0; k < n; ++k) {
      const Wdl& w = ratings.crosstable[i][k];
      text += ",";
      if (i != k && w.games() > 0) {
        text +=
            std::to_string(w.wins) + "-" + std::to_string(w.draws) + "-" + std::to_string(w.losses);
      }
    }
    text += "," + std::to_string(ratings.agents[i].record.games()) + "," +
            format_fixed(ratings.agents[i].score, 4) + "\n";
  }
  return text;
}
}  // namespace tenuki
