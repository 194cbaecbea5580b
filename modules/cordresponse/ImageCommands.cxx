// `cordresponse info` and `cordresponse convert`: read and validate one image, report or convert it.
#include "Commands.h"

#include "cordresponse/ImageIO.h"

#include <iostream>
#include <memory>

namespace cordresponse::cli {
namespace {
struct ImageArgs
{
  std::string input;
  std::string output;
  std::string seriesUid;
  bool        label{ false };
};

void
PrintGeometry(const itk::ImageBase<3> * image, std::ostream & os)
{
  const auto size = image->GetLargestPossibleRegion().GetSize();
  const auto spacing = image->GetSpacing();
  const auto origin = image->GetOrigin();
  os << "size (voxels):      " << size[0] << " x " << size[1] << " x " << size[2] << "\n"
     << "spacing (mm):       " << spacing[0] << " x " << spacing[1] << " x " << spacing[2] << "\n"
     << "origin (LPS, mm):   " << origin[0] << ", " << origin[1] << ", " << origin[2] << "\n"
     << "direction (LPS):    ";
  const auto & d = image->GetDirection();
  for (unsigned int c = 0; c < 3; ++c)
  {
    os << (c ? "; " : "") << "[" << d[0][c] << ", " << d[1][c] << ", " << d[2][c] << "]";
  }
  os << "\n";
}
} // namespace

void
AddInfoCommand(CLI::App & app)
{
  auto   args = std::make_shared<ImageArgs>();
  auto * cmd = app.add_subcommand("info", "Read and validate an image; print its geometry (LPS, mm)");
  cmd->add_option("input", args->input, "Image file (.nii, .nii.gz, .nrrd, .mha, ...) or DICOM series directory")
    ->required();
  cmd->add_option("--series-uid", args->seriesUid, "SeriesInstanceUID, for a directory with several DICOM series");
  cmd->add_flag("--label", args->label, "Read as a label map (whole numbers 0..65535)");
  cmd->callback([args] {
    ReadOptions options{ args->seriesUid };
    if (args->label)
    {
      PrintGeometry(LoadLabelImage(args->input, options), std::cout);
    }
    else
    {
      PrintGeometry(LoadImage(args->input, options), std::cout);
    }
  });
}

void
AddConvertCommand(CLI::App & app)
{
  auto   args = std::make_shared<ImageArgs>();
  auto * cmd = app.add_subcommand(
    "convert", "Read and validate an image (e.g. a DICOM series) and write it as .nii.gz, .nii, .nrrd or .mha");
  cmd->add_option("input", args->input, "Image file or DICOM series directory")->required();
  cmd->add_option("output", args->output, "Output file; written atomically")->required();
  cmd->add_option("--series-uid", args->seriesUid, "SeriesInstanceUID, for a directory with several DICOM series");
  cmd->add_flag("--label", args->label, "Treat as a label map (whole numbers 0..65535)");
  cmd->callback([args] {
    ReadOptions options{ args->seriesUid };
    if (args->label)
    {
      SaveLabelImage(LoadLabelImage(args->input, options), args->output);
    }
    else
    {
      SaveImage(LoadImage(args->input, options), args->output);
    }
    std::cout << "wrote " << args->output << "\n";
  });
}

} // namespace cordresponse::cli
