// The original programs' option syntax (`--machine-name:HOST`, `--port:N`,
// `--verbose:true|false`) rewritten into the conventional forms CLI11 parses, so both
// binaries accept either.
#pragma once

#include <string>
#include <vector>

namespace hubchat::cli {

// argv without argv[0], rewritten: `--machine-name:X` -> `--host=X`, `--port:N` ->
// `--port=N`, `--verbose:V` -> `--verbose` when V is "true" (any case), else nothing,
// exactly as the original reads it.
std::vector<std::string> rewrite_seed_args(int argc, const char* const* argv);

}  // namespace hubchat::cli
