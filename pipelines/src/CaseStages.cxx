#include "CaseStages.h"

#include "cordresponse/Errors.h"
#include "cordresponse/SegmentationMetrics.h"

#include <tbb/parallel_for.h>

#include <utility>
#include <vector>

namespace cordresponse {

ExamImages
LoadExam(const TimepointInputs & inputs)
{
  ExamImages images;
  images.t1post = LoadImage(inputs.t1post);
  if (inputs.t1pre)
  {
    images.t1pre = LoadImage(*inputs.t1pre);
  }
  if (inputs.t2)
  {
    images.t2 = LoadImage(*inputs.t2);
  }
  // User masks and labels may come on another grid (e.g. an SCT segmentation of the T2): bring them onto
  // the T1 post grid with nearest neighbour, and refuse ones that do not reach the cord at all.
  auto onReference = [&](const std::filesystem::path & path, const char * what) {
    LabelImageType::Pointer labels = LoadLabelImage(path);
    RequireNonEmpty(labels, path, what);
    if (!SameGrid(labels, images.t1post))
    {
      labels = ResampleToGrid(labels, images.t1post);
      RequireNonEmpty(labels, path,
                      std::string(what) + " (on the T1 post-contrast grid of " + inputs.t1post.filename().string() +
                        ": it does not overlap that image)");
    }
    return labels;
  };
  if (inputs.cordMask)
  {
    images.cordMask = onReference(*inputs.cordMask, "cord mask");
  }
  if (inputs.vertebralLabels)
  {
    // Disc labels are single voxels, which nearest-neighbour resampling can miss: move each labelled
    // voxel to the reference voxel that contains its centre instead.
    const auto labels = LoadLabelImage(*inputs.vertebralLabels);
    RequireNonEmpty(labels, *inputs.vertebralLabels, "vertebral labels");
    if (SameGrid(labels, images.t1post) || CountForeground(labels) > 1000)
    {
      images.vertebralLabels = onReference(*inputs.vertebralLabels, "vertebral labels");
    }
    else
    {
      auto moved = LabelImageType::New();
      moved->CopyInformation(images.t1post);
      moved->SetRegions(images.t1post->GetLargestPossibleRegion());
      moved->Allocate();
      moved->FillBuffer(0);
      for (std::size_t i = 0; i < labels->GetPixelContainer()->Size(); ++i)
      {
        const auto value = labels->GetBufferPointer()[i];
        if (value == 0)
        {
          continue;
        }
        itk::Point<double, 3> p;
        labels->TransformIndexToPhysicalPoint(labels->ComputeIndex(static_cast<itk::OffsetValueType>(i)), p);
        LabelImageType::IndexType index;
        if (moved->TransformPhysicalPointToIndex(p, index))
        {
          moved->SetPixel(index, value);
        }
      }
      RequireNonEmpty(moved, *inputs.vertebralLabels,
                      "vertebral labels (none falls inside the T1 post-contrast image)");
      images.vertebralLabels = moved;
    }
  }
  return images;
}

void
CorrectExamBias(const TimepointInputs & inputs, ExamImages & images, const BiasCorrectionParameters & parameters)
{
  if (!parameters.enabled)
  {
    return;
  }
  // Every sequence gets its own field (a T1 pre-contrast image and its post-contrast image need not share one:
  // the fit follows each image's own shading), with the same region rule and parameters. The foci filter compares
  // the two through ratios to each image's own normal-cord reference, so each must be flat on its own.
  std::vector<std::pair<ImageType::Pointer *, std::filesystem::path>> jobs{ { &images.t1post, inputs.t1post } };
  if (images.t1pre)
  {
    jobs.emplace_back(&images.t1pre, *inputs.t1pre);
  }
  if (images.t2)
  {
    jobs.emplace_back(&images.t2, *inputs.t2);
  }
  tbb::parallel_for(std::size_t(0), jobs.size(), [&](std::size_t i) {
    *jobs[i].first = CorrectBiasField(*jobs[i].first, parameters, jobs[i].second).corrected;
  });
}

} // namespace cordresponse
