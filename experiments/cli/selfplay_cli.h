#pragma once
#include <iosfwd>

#include "experiments/cli/args.h"

namespace tenuki {
// `tenuki selfplay --run RUN [--id NAME] [--games N]`: a self-play actor of a learners' run
// folder (selfplay/selfplay_actor.h); throws UsageError on bad input.
int cmd_selfplay(const Args& args, std::ostream& out, std::ostream& err);
}  // namespace tenuki
