// Write the semi-synthetic real-anatomy case (testdata/RealAnatomyCase.h).
// Usage: cordresponse_real_anatomy_case SCT_TESTING_DATA_DIR OUTPUT_DIR [SEED]
//   e.g. cordresponse_real_anatomy_case ../shared/data/sct-testing-data /tmp/real-case
// then: cordresponse run --case /tmp/real-case/case.json --output-dir OUT
//       cordresponse evaluate --truth /tmp/real-case --result OUT
#include "RealAnatomyCase.h"

#include <exception>
#include <iostream>
#include <string>

int
main(int argc, char * argv[])
{
  if (argc < 3 || argc > 4)
  {
    std::cerr << "usage: cordresponse_real_anatomy_case SCT_TESTING_DATA_DIR OUTPUT_DIR [SEED]\n";
    return 2;
  }
  try
  {
    cordresponse::RealAnatomyOptions options;
    if (argc == 4)
    {
      options.seed = std::stoull(argv[3]);
    }
    const auto s = cordresponse::WriteRealAnatomyCase(argv[1], argv[2], options);
    std::cout << "wrote " << argv[2] << ": baseline foci " << s.baselineFociVolumesMm3[0] << " and "
              << s.baselineFociVolumesMm3[1] << " mm^3, follow-up focus " << s.followupFocusVolumeMm3
              << " mm^3, baseline edema " << s.baselineEdemaVolumeMm3 << " mm^3\n";
  }
  catch (const std::exception & e)
  {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
