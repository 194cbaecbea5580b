#ifndef cordresponse_Commands_h
#define cordresponse_Commands_h

#include <CLI/CLI.hpp>

namespace cordresponse::cli {
/** Each Add*Command registers one subcommand of `cordresponse` with its options and callback. A
 *  callback reports failure by throwing; main() prints the message and exits non-zero. */
void
AddInfoCommand(CLI::App & app);
void
AddConvertCommand(CLI::App & app);
void
AddPhantomCommand(CLI::App & app);
void
AddSnapshotCommand(CLI::App & app);
void
AddEvaluateCommand(CLI::App & app);
void
AddRegisterCommand(CLI::App & app);
} // namespace cordresponse::cli

#endif
