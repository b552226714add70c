// A deliberate layering break (never compiled): the arena may not include the command line.
// CTest's `layering: a wrong include fails the check` expects check_layering.cmake to fail here.
#include "experiments/cli/cli.h"
