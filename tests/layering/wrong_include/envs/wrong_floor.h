#pragma once
// A deliberate layering break (never compiled): envs/ is the lowest floor.
#include "agents/agent.h"
