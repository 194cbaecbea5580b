// cordresponse: measure how spinal cord lesions respond to treatment on MRI.
#include "Commands.h"

#include "cordresponse/Errors.h"
#include "cordresponse/Version.h"

#include "itkMacro.h"
#include "itkOneTBBMultiThreader.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <iostream>

int
main(int argc, char ** argv)
{
  // One scheduler for the whole process: ITK filters run on oneTBB, beside the pipeline's own TBB tasks
  // (see docs/benchmarks.md for the measurement behind this choice). Before any filter exists.
  // CORDRESPONSE_ITK_THREADER=pool keeps ITK's own Pool threader (for the policy benchmark).
  const char * threader = std::getenv("CORDRESPONSE_ITK_THREADER");
  if (threader == nullptr || std::string(threader) != "pool")
  {
    itk::OneTBBMultiThreader::RegisterAsDefault();
  }
  CLI::App app{ "cordresponse " CORDRESPONSE_VERSION_STRING
                ": measure the response of intramedullary spinal cord lesions to treatment on MRI.\n"
                "Coordinates are ITK physical space (LPS, millimetres)." };
  app.set_version_flag("--version", CORDRESPONSE_VERSION_STRING);
  app.require_subcommand(1);
  cordresponse::cli::AddRunCommand(app);
  cordresponse::cli::AddBatchCommand(app);
  cordresponse::cli::AddInfoCommand(app);
  cordresponse::cli::AddConvertCommand(app);
  cordresponse::cli::AddPhantomCommand(app);
  cordresponse::cli::AddSnapshotCommand(app);
  cordresponse::cli::AddEvaluateCommand(app);
  cordresponse::cli::AddRegisterCommand(app);
  cordresponse::cli::AddSegmentCommand(app);
  try
  {
    std::vector<std::string> args = cordresponse::cli::BidsAppArguments(argc, argv);
    std::reverse(args.begin(), args.end());
    args.pop_back(); // the program name
    app.parse(args);
  }
  catch (const CLI::ParseError & e)
  {
    return app.exit(e);
  }
  catch (const cordresponse::InputError & e)
  {
    std::cerr << "cordresponse: error: " << e.what() << std::endl;
    return 2;
  }
  catch (const std::exception & e)
  {
    std::cerr << "cordresponse: error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
