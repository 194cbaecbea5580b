// Uses the filter library (itk::SpinalLevels) and the pipelines library (validated image I/O).
#include "cordresponse/ImageIO.h"
#include "itkSpinalLevels.h"

#include <iostream>

int
main(int argc, char ** argv)
{
  if (argc != 2)
  {
    return 2;
  }
  auto image = cordresponse::ImageType::New();
  image->SetRegions(cordresponse::ImageType::SizeType{ { 3, 3, 3 } });
  image->Allocate();
  image->FillBuffer(1.0f);
  image->SetPixel({ { 1, 1, 1 } }, 2.0f);
  cordresponse::SaveImage(image, argv[1]);
  const auto back = cordresponse::LoadImage(argv[1]);
  std::cout << itk::SpinalLevels::SpanName(16, 17) << " " << back->GetPixel({ { 1, 1, 1 } }) << std::endl;
  return back->GetPixel({ { 1, 1, 1 } }) == 2.0f ? 0 : 1;
}
