#!/usr/bin/env bash
# Trains Go from zero (experiments/train/go7.json: 7x7, komi 9) for a time budget and prints the
# learning curve against random, rollout MCTS with 1000 playouts and GNU Go levels 1 and 10
# (--chinese-rules --capture-all-dead) at each of the config's evaluations (go7: every 10
# minutes of run time, go9: every 15), with the mean self-play game length, the share of passes
# and the first player's win rate.
#
# Usage: bench/go_curve.sh [MINUTES=60] [RUN_DIR=runs/go7] [CONFIG=experiments/train/go7.json]
# (experiments/train/go9.json for 9x9: 20 minutes of 7x7 first, its curriculum, then 9x9; the
# minutes count both). The same command resumes a stopped run up to the new
# budget; Ctrl-C stops cleanly and still prints the curve so far. A run that has used up its
# budget ends with a final match against GNU Go level 10: the mean of the last 5 checkpoints with
# 800 visits, 32 games
# (FINAL_OPPONENT, FINAL_VISITS, FINAL_GAMES and FINAL_AVERAGE change it; FINAL_GAMES=0 skips
# it; see bench/train_curve.sh).
gnugo_10='gtp(cmd="/usr/games/gnugo --mode gtp --level 10 --chinese-rules --capture-all-dead")'
export FINAL_OPPONENT="${FINAL_OPPONENT-$gnugo_10}"
exec "$(dirname "$0")/train_curve.sh" "${3:-experiments/train/go7.json}" "${1:-60}" \
  "${2:-runs/go7}"
