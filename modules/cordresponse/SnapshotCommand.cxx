// `cordresponse snapshot`: a PNG of one image in a sagittal or axial plane, with label outlines.
#include "Commands.h"

#include "cordresponse/QcImages.h"

#include <iostream>
#include <memory>

namespace cordresponse::cli {
void
AddSnapshotCommand(CLI::App & app)
{
  struct Args
  {
    std::string              image;
    std::vector<std::string> labels;
    std::string              out;
    std::string              plane{ "sagittal" };
    std::vector<double>      centre;
    std::vector<double>      size{ 160.0, 160.0 };
    double                   pixel{ 0.4 };
    std::string              caption;
  };
  auto   args = std::make_shared<Args>();
  auto * cmd = app.add_subcommand("snapshot", "Write a PNG of an image in a sagittal or axial plane (radiological "
                                              "convention), with label-map outlines");
  cmd->add_option("image", args->image, "Image to show")->required();
  cmd->add_option("out", args->out, "Output PNG")->required();
  cmd->add_option("--labels", args->labels, "Label maps to outline (red, yellow, cyan, green, ...)");
  cmd->add_option("--plane", args->plane, "sagittal or axial")->capture_default_str();
  cmd->add_option("--centre", args->centre, "View centre x y z (LPS mm); default: the image centre")->expected(3);
  cmd->add_option("--size", args->size, "View width and height (mm)")->expected(2)->capture_default_str();
  cmd->add_option("--pixel", args->pixel, "Display pixel size (mm)")->capture_default_str();
  cmd->add_option("--caption", args->caption, "Caption text");
  cmd->callback([args] {
    const auto image = LoadImage(args->image);
    SliceView  view;
    view.plane = args->plane == "axial" ? DisplayPlane::Axial : DisplayPlane::Sagittal;
    if (args->plane != "axial" && args->plane != "sagittal")
    {
      throw CLI::ValidationError("--plane", "must be sagittal or axial");
    }
    if (args->centre.size() == 3)
    {
      for (unsigned int d = 0; d < 3; ++d)
      {
        view.centre[d] = args->centre[d];
      }
    }
    else
    {
      itk::ContinuousIndex<double, 3> middle;
      const auto                      size = image->GetLargestPossibleRegion().GetSize();
      for (unsigned int d = 0; d < 3; ++d)
      {
        middle[d] = 0.5 * (size[d] - 1.0);
      }
      image->TransformContinuousIndexToPhysicalPoint(middle, view.centre);
    }
    view.widthMm = args->size[0];
    view.heightMm = args->size[1];
    view.pixelMm = args->pixel;
    cv::Mat          canvas = RenderSlice(image, view, RobustWindow(image));
    const cv::Scalar colours[] = { { 0, 0, 255 }, { 0, 255, 255 }, { 255, 255, 0 }, { 0, 255, 0 } };
    for (std::size_t i = 0; i < args->labels.size(); ++i)
    {
      DrawLabelContour(canvas, LoadLabelImage(args->labels[i]), view, 0, colours[i % 4]);
    }
    if (!args->caption.empty())
    {
      DrawCaption(canvas, args->caption);
    }
    SavePng(canvas, args->out);
    std::cout << "wrote " << args->out << "\n";
  });
}
} // namespace cordresponse::cli
