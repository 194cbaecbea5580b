// Segmentation speed (issue 5): one timepoint of the clinical seed preset (512 x 512 x 20 at
// 0.6 x 0.6 x 3 mm; T1 post, T1 pre and T2 plus disc labels) segmented in memory (cord, foci, edema,
// levels), at 1 and 2 ITK threads. Target: under 2 s on 2 cores. The case is rendered once (cached in the
// temp directory); image loading is not timed.
#include "cordresponse/ImageIO.h"
#include "cordresponse/Phantom.h"
#include "cordresponse/Segmentation.h"

#include "itkMultiThreaderBase.h"

#include <benchmark/benchmark.h>

#include <filesystem>

namespace {
namespace fs = std::filesystem;

const cordresponse::SegmentationInputs &
ClinicalSeedInputs()
{
  static const cordresponse::SegmentationInputs inputs = [] {
    const fs::path dir = fs::temp_directory_path() / "cordresponse-bench-segmentation-clinical-seed";
    if (!fs::exists(dir / "truth.json"))
    {
      auto c = cordresponse::MakePhantomCase("seed", 1, cordresponse::PhantomGrid::Clinical);
      c.timepoints.resize(1);
      c.changes.clear();
      cordresponse::WritePhantomCase(c, dir);
    }
    cordresponse::SegmentationInputs in;
    in.t1post = cordresponse::LoadImage(dir / "baseline/t1post.nii.gz").GetPointer();
    in.t1pre = cordresponse::LoadImage(dir / "baseline/t1pre.nii.gz").GetPointer();
    in.t2 = cordresponse::LoadImage(dir / "baseline/t2.nii.gz").GetPointer();
    in.vertebralLabels = cordresponse::LoadLabelImage(dir / "baseline/labels-disc.nii.gz").GetPointer();
    return in;
  }();
  return inputs;
}

void
BM_SegmentClinicalTimepoint(benchmark::State & state)
{
  const auto & inputs = ClinicalSeedInputs();
  const int    saved = itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(static_cast<int>(state.range(0)));
  std::size_t foci = 0;
  for (auto _ : state)
  {
    const auto result = cordresponse::SegmentTimepoint(inputs);
    foci = result.lesionStatistics.size();
    benchmark::DoNotOptimize(result.lesions.GetPointer());
  }
  state.counters["foci"] = static_cast<double>(foci);
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(saved);
}
BENCHMARK(BM_SegmentClinicalTimepoint)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
} // namespace
