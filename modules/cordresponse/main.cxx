// cordresponse: measure how spinal cord lesions respond to treatment on MRI.
#include "Commands.h"

#include "cordresponse/Errors.h"
#include "cordresponse/Version.h"

#include "itkMacro.h"

#include <iostream>

int
main(int argc, char ** argv)
{
  CLI::App app{ "cordresponse " CORDRESPONSE_VERSION_STRING
                ": measure the response of intramedullary spinal cord lesions to treatment on MRI.\n"
                "Coordinates are ITK physical space (LPS, millimetres)." };
  app.set_version_flag("--version", CORDRESPONSE_VERSION_STRING);
  app.require_subcommand(1);
  cordresponse::cli::AddInfoCommand(app);
  cordresponse::cli::AddConvertCommand(app);
  cordresponse::cli::AddPhantomCommand(app);
  cordresponse::cli::AddSnapshotCommand(app);
  cordresponse::cli::AddEvaluateCommand(app);
  cordresponse::cli::AddRegisterCommand(app);
  try
  {
    app.parse(argc, argv);
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
