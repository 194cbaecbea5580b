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
AddRunCommand(CLI::App & app);
void
AddBatchCommand(CLI::App & app);
/** The BIDS-App form `cordresponse BIDS_DIR OUTPUT_DIR participant|group [options]` as `batch` arguments;
 *  other command lines unchanged. */
std::vector<std::string>
BidsAppArguments(int argc, char ** argv);
void
AddPhantomCommand(CLI::App & app);
void
AddSnapshotCommand(CLI::App & app);
void
AddEvaluateCommand(CLI::App & app);
void
AddRegisterCommand(CLI::App & app);
void
AddSegmentCommand(CLI::App & app);
} // namespace cordresponse::cli

#endif
