#!/usr/bin/env bash
# Trains Connect Four from zero with experiments/train/connect_four.json for a time budget and
# prints the learning curve (win rate of the current net against rollout MCTS with 1000
# playouts, the config's reference agent).
#
# Usage: bench/connect_four_curve.sh [MINUTES=45] [RUN_DIR=runs/c4] [CONFIG]
# The same command resumes a stopped run up to the new budget; Ctrl-C stops cleanly and still
# prints the curve so far.
exec "$(dirname "$0")/train_curve.sh" "${3:-experiments/train/connect_four.json}" "${1:-45}" \
  "${2:-runs/c4}"
