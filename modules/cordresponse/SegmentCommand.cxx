// `cordresponse segment`: cord, enhancing foci, edema and vertebral levels of one timepoint.
#include "Commands.h"
#include "ParameterOptions.h"

#include "cordresponse/ImageIO.h"
#include "cordresponse/Segmentation.h"

#include <cstdio>
#include <iostream>
#include <memory>

namespace cordresponse::cli {
void
AddSegmentCommand(CLI::App & app)
{
  struct Args
  {
    std::string            t1post, t1pre, t2, cordMask, vertebralLabels, outputDir;
    SegmentationParameters segmentation;
  };
  auto   args = std::make_shared<Args>();
  auto * cmd = app.add_subcommand(
    "segment", "Segment one timepoint: spinal cord, enhancing intramedullary foci (T1 post, with the T1 pre "
               "subtraction when given), T2 edema and vertebral levels. Writes cord.nii.gz, lesions.nii.gz, "
               "edema.nii.gz, levels.nii.gz (T1 post grid), edema_t2.nii.gz (T2 grid) and segmentation.json "
               "(see docs/segmentation.md). The images of one exam must share physical space (registered).");
  cmd->add_option("--t1post", args->t1post, "T1 post-contrast image (the reference grid)")->required();
  cmd->add_option("--t1pre", args->t1pre, "T1 pre-contrast image registered to T1 post (optional)");
  cmd->add_option("--t2", args->t2, "T2-weighted image of the same exam (optional; enables edema)");
  cmd->add_option("--cord-mask", args->cordMask,
                  "Cord mask replacing the automatic segmentation (e.g. a Spinal Cord Toolbox _seg file, any grid)");
  cmd->add_option("--vertebral-labels", args->vertebralLabels,
                  "SCT disc labels (value N at the disc above vertebra N) or a cord mask labelled by level");
  cmd->add_option("--output-dir", args->outputDir, "Output directory")->required();
  AddSegmentationOptions(*cmd, args->segmentation);
  cmd->callback([args] {
    SegmentationInputs in;
    in.t1postPath = args->t1post;
    in.t1post = LoadImage(args->t1post).GetPointer();
    if (!args->t1pre.empty())
    {
      in.t1prePath = args->t1pre;
      in.t1pre = LoadImage(args->t1pre).GetPointer();
    }
    if (!args->t2.empty())
    {
      in.t2Path = args->t2;
      in.t2 = LoadImage(args->t2).GetPointer();
    }
    if (!args->cordMask.empty())
    {
      in.cordMaskPath = args->cordMask;
      in.cordMask = LoadLabelImage(args->cordMask).GetPointer();
    }
    if (!args->vertebralLabels.empty())
    {
      in.vertebralLabelsPath = args->vertebralLabels;
      in.vertebralLabels = LoadLabelImage(args->vertebralLabels).GetPointer();
    }
    const SegmentationParameters & parameters = args->segmentation;
    const SegmentationResult       result = SegmentTimepoint(in, parameters);
    WriteSegmentation(result, parameters, args->outputDir);
    std::printf("cord: %s; levels: %s; %zu enhancing foci; edema %.0f mm^3 (%s); %.2f s\n", result.cordSource.c_str(),
                result.levelSource.c_str(), result.lesionStatistics.size(), result.edemaVolumeT2,
                result.edemaLevels.empty() ? "levels unknown" : result.edemaLevels.c_str(), result.seconds);
    for (const auto & s : result.lesionStatistics)
    {
      std::printf("  focus %u: %.1f mm^3 (partial volume %.1f mm^3, %zu voxels), %s, centroid LPS (%.1f, %.1f, %.1f)\n",
                  s.id, s.volume, s.partialVolume, s.voxelCount, s.levels.empty() ? "levels unknown" : s.levels.c_str(),
                  s.centroid[0], s.centroid[1], s.centroid[2]);
    }
    std::printf("written: %s\n", args->outputDir.c_str());
  });
}
} // namespace cordresponse::cli
