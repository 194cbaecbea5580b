// Bias-field correction speed (issue 7 item 2): itk::FastN4BiasFieldCorrectionImageFilter on one clinical-size
// image (the T1 post of the clinical seed preset, 512 x 512 x 20 at 0.6 x 0.6 x 3 mm, body-foreground mask), at
// 1 and 2 ITK threads and for a few working spacings / iteration counts. Counters: fitted working voxels, N4
// iterations run, and the coefficient of variation of normal cord (truth cord minus lesions and edema) before
// and after correction. The case is rendered once (shared with the segmentation benchmark's cache).
#include "cordresponse/ImageIO.h"
#include "cordresponse/Phantom.h"

#include "itkFastN4BiasFieldCorrectionImageFilter.h"
#include "itkMultiThreaderBase.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>

namespace {
namespace fs = std::filesystem;

struct ClinicalImage
{
  cordresponse::ImageType::Pointer t1post;
  std::vector<std::size_t>         normalCord; // buffer offsets
};

const ClinicalImage &
ClinicalSeedT1Post()
{
  static const ClinicalImage image = [] {
    const fs::path dir = fs::temp_directory_path() / "cordresponse-bench-segmentation-clinical-seed";
    if (!fs::exists(dir / "truth.json"))
    {
      auto c = cordresponse::MakePhantomCase("seed", 1, cordresponse::PhantomGrid::Clinical);
      c.timepoints.resize(1);
      c.changes.clear();
      cordresponse::WritePhantomCase(c, dir);
    }
    ClinicalImage out;
    out.t1post = cordresponse::LoadImage(dir / "baseline/t1post.nii.gz");
    const auto cord = cordresponse::LoadLabelImage(dir / "truth/baseline_cord.nii.gz");
    const auto lesions = cordresponse::LoadLabelImage(dir / "truth/baseline_lesions.nii.gz");
    const auto edema = cordresponse::LoadLabelImage(dir / "truth/baseline_edema.nii.gz");
    for (std::size_t k = 0; k < cord->GetPixelContainer()->Size(); ++k)
    {
      if (cord->GetBufferPointer()[k] && !lesions->GetBufferPointer()[k] && !edema->GetBufferPointer()[k])
      {
        out.normalCord.push_back(k);
      }
    }
    return out;
  }();
  return image;
}

double
CoefficientOfVariation(const float * values, const std::vector<std::size_t> & where)
{
  double s = 0.0, s2 = 0.0;
  for (auto k : where)
  {
    s += values[k];
    s2 += double(values[k]) * values[k];
  }
  const double mean = s / where.size();
  return std::sqrt(std::max(0.0, s2 / where.size() - mean * mean)) / mean;
}

/** Arguments: ITK threads, working spacing (tenths of mm), maximum iterations per level, fitting levels. */
void
BM_FastN4ClinicalImage(benchmark::State & state)
{
  const auto & image = ClinicalSeedT1Post();
  const int    saved = itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(static_cast<int>(state.range(0)));
  using FilterType = itk::FastN4BiasFieldCorrectionImageFilter<cordresponse::ImageType>;
  FilterType::Pointer filter;
  for (auto _ : state)
  {
    filter = FilterType::New();
    filter->SetInput(image.t1post);
    filter->SetWorkingSpacing(0.1 * static_cast<double>(state.range(1)));
    FilterType::VariableSizeArrayType iterations(1);
    iterations[0] = static_cast<unsigned int>(state.range(2));
    filter->SetMaximumNumberOfIterations(iterations);
    filter->SetNumberOfFittingLevels(static_cast<unsigned int>(state.range(3)));
    filter->Update();
    benchmark::DoNotOptimize(filter->GetOutput()->GetBufferPointer());
  }
  state.counters["fitted_voxels"] = static_cast<double>(filter->GetNumberOfFittedVoxels());
  state.counters["iterations"] = filter->GetElapsedIterations();
  state.counters["cord_cv_before"] = CoefficientOfVariation(image.t1post->GetBufferPointer(), image.normalCord);
  state.counters["cord_cv_after"] = CoefficientOfVariation(filter->GetOutput()->GetBufferPointer(), image.normalCord);
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(saved);
}
BENCHMARK(BM_FastN4ClinicalImage)
  ->ArgNames({ "threads", "spacing_x10", "iterations", "levels" })
  ->Args({ 1, 30, 20, 3 }) // the pipeline's default
  ->Args({ 2, 30, 20, 3 })
  ->Args({ 2, 24, 20, 3 })
  ->Args({ 2, 40, 20, 3 })
  ->Args({ 2, 30, 50, 3 })
  ->Args({ 2, 30, 20, 1 })
  ->Unit(benchmark::kMillisecond)
  ->UseRealTime()
  ->Iterations(3);
} // namespace
