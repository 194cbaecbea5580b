#ifndef cordresponse_ParameterOptions_h
#define cordresponse_ParameterOptions_h

#include "cordresponse/Segmentation.h"

#include <CLI/CLI.hpp>

namespace cordresponse::cli {
/** One option per segmentation parameter (`--fociSeedEnhancement 0.6`, `--fociWithoutSubtraction`), named,
 *  documented and defaulted from SegmentationParameterFields(), the table that also makes the Slicer
 *  modules' XML and the reports' parameter lists, in a "Segmentation parameters" group of `command`.
 *  Parsed values go into `parameters`, which must outlive the parse. */
void
AddSegmentationOptions(CLI::App & command, SegmentationParameters & parameters);
} // namespace cordresponse::cli

#endif
