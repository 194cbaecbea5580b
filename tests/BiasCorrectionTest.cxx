// itk::FastN4BiasFieldCorrectionImageFilter (issue 7 item 2) on small phantoms with a known multiplicative bias
// field, and the pipeline's bias-correction switch.
#include "TestUtilities.h"

#include "cordresponse/BiasCorrection.h"
#include "cordresponse/Case.h"
#include "cordresponse/CasePipeline.h"
#include "cordresponse/Errors.h"
#include "cordresponse/Phantom.h"

#include "itkFastN4BiasFieldCorrectionImageFilter.h"
#include "itkOneTBBMultiThreader.h"
#include "itkSpinalPhantomImageSource.h"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include "itkImageRegionConstIteratorWithIndex.h"
#include "itkImageRegionIteratorWithIndex.h"

#include <algorithm>
#include <functional>
#include <cmath>
#include <vector>

namespace {
using Image = itk::Image<float, 3>;
using Filter = itk::FastN4BiasFieldCorrectionImageFilter<Image>;
using Source = itk::SpinalPhantomImageSource;
using Model = itk::SpinalPhantomModel;

/** A sagittal 0.6 x 0.6 x 3 mm phantom without lesions (homogeneous cord), 60 x 120 x 30 mm around the cord.
 *  `bias` is the bias amplitude, `snr` 0 disables the noise. Texture off. */
Source::Pointer
Phantom(double bias, double snr, Source::SizeType size = { { 100, 200, 10 } }, unsigned int thickAxis = 2)
{
  Model model(10, 23, 150.0);
  auto  source = Source::New();
  source->SetModel(model);
  source->SetSize(size);
  Source::SpacingType spacing;
  spacing.Fill(0.6);
  spacing[thickAxis] = 3.0;
  source->SetSpacing(spacing);
  Source::DirectionType direction;
  direction.Fill(0.0);
  // Image axes: AP, SI (cranial first) and LR with the thick axis left-right wherever it is stored.
  const unsigned int inPlane[2] = { thickAxis == 0 ? 1u : 0u, thickAxis == 2 ? 1u : 2u };
  direction(1, inPlane[0]) = 1.0, direction(2, inPlane[1]) = -1.0, direction(0, thickAxis) = -1.0;
  source->SetDirection(direction);
  const double      z = 60.0;
  const auto        c = model.CordCentre(z);
  Source::PointType origin;
  const double      halfAp = 0.5 * spacing[inPlane[0]] * (size[inPlane[0]] - 1.0);
  const double      halfSi = 0.5 * spacing[inPlane[1]] * (size[inPlane[1]] - 1.0);
  const double      halfLr = 0.5 * spacing[thickAxis] * (size[thickAxis] - 1.0);
  origin[0] = c[0] + halfLr, origin[1] = c[1] - halfAp, origin[2] = z + halfSi;
  source->SetOrigin(origin);
  source->SetBiasAmplitude(bias);
  source->SetSNR(snr);
  source->SetTextureAmplitude(0.0);
  source->SetSeed(3);
  return source;
}

Image::Pointer
Render(Source::Pointer source, itk::PhantomSequence sequence = itk::PhantomSequence::T2)
{
  source->Update();
  Image::Pointer image = source->GetSequenceOutput(sequence);
  image->DisconnectPipeline();
  return image;
}

double
CoefficientOfVariation(const Image * image, const std::vector<std::size_t> & where)
{
  double s = 0.0, s2 = 0.0;
  for (auto k : where)
  {
    const double v = image->GetBufferPointer()[k];
    s += v, s2 += v * v;
  }
  const double mean = s / where.size();
  return std::sqrt(std::max(0.0, s2 / where.size() - mean * mean)) / mean;
}

/** Buffer offsets of the cord (the model has no lesion or edema: homogeneous tissue). */
std::vector<std::size_t>
CordVoxels(Source * source)
{
  const auto *             cord = source->GetCordLabelOutput();
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < cord->GetPixelContainer()->Size(); ++k)
  {
    if (cord->GetBufferPointer()[k])
    {
      out.push_back(k);
    }
  }
  return out;
}

double
Median(std::vector<float> v)
{
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>((v.size() - 1) / 2), v.end());
  return v[(v.size() - 1) / 2];
}
} // namespace

TEST(FastN4BiasFieldCorrection, RemovesAKnownBiasFieldFromHomogeneousTissue)
{
  auto       biased = Phantom(0.5, 40.0);
  const auto input = Render(biased);
  // The true field: the noise-free image with and without bias.
  const auto withBias = Render(Phantom(0.5, 0.0));
  const auto flat = Render(Phantom(0.0, 0.0));
  // Homogeneous tissue: cord voxels whose noise-free, unbiased value is pure cord (within 1% of the cord median).
  std::vector<std::size_t> cord;
  {
    const auto         all = CordVoxels(biased);
    std::vector<float> values;
    for (auto k : all)
    {
      values.push_back(flat->GetBufferPointer()[k]);
    }
    const double median = Median(values);
    for (auto k : all)
    {
      if (std::abs(flat->GetBufferPointer()[k] - median) < 0.01 * median)
      {
        cord.push_back(k);
      }
    }
  }
  ASSERT_GT(cord.size(), 1000u);

  // A strong field (+-50%): N4 needs more iterations than the pipeline's default 5 per level to remove it.
  auto                          filter = Filter::New();
  Filter::VariableSizeArrayType iterations(1);
  iterations.Fill(20);
  filter->SetInput(input);
  filter->SetMaximumNumberOfIterations(iterations);
  filter->Update();
  const Image * corrected = filter->GetOutput();
  const Image * field = filter->GetBiasFieldOutput();

  const double before = CoefficientOfVariation(input, cord);
  const double after = CoefficientOfVariation(corrected, cord);
  std::cout << "cord coefficient of variation: " << before << " before, " << after << " after ("
            << filter->GetElapsedIterations() << " iterations, " << filter->GetNumberOfFittedVoxels()
            << " fitted voxels)\n";
  EXPECT_GT(before, 0.08); // the bias dominates the noise (SNR 40: 0.025)
  EXPECT_LT(after, 0.6 * before);

  // Up to a constant, the estimate follows the true field over the body (noise-free images above 10% of the
  // 99.5th percentile).
  std::vector<float> sorted(flat->GetBufferPointer(), flat->GetBufferPointer() + flat->GetPixelContainer()->Size());
  std::sort(sorted.begin(), sorted.end());
  const float        threshold = 0.1f * sorted[static_cast<std::size_t>(0.995 * (sorted.size() - 1))];
  std::vector<float> truth, ratio;
  for (std::size_t k = 0; k < sorted.size(); ++k)
  {
    if (flat->GetBufferPointer()[k] > threshold)
    {
      const float t = withBias->GetBufferPointer()[k] / flat->GetBufferPointer()[k];
      truth.push_back(t);
      ratio.push_back(field->GetBufferPointer()[k] / t);
    }
  }
  const auto spread = [](const std::vector<float> & v) {
    double s = 0.0, s2 = 0.0;
    for (float x : v)
    {
      s += x, s2 += double(x) * x;
    }
    const double mean = s / v.size();
    return std::sqrt(std::max(0.0, s2 / v.size() - mean * mean)) / mean;
  };
  std::cout << "true field spread " << spread(truth) << ", estimate / truth spread " << spread(ratio) << "\n";
  EXPECT_GT(spread(truth), 0.1);
  EXPECT_LT(spread(ratio), 0.6 * spread(truth));

  // The intensity scale is kept: the filter matches the medians over its fitting samples (working grid, body
  // rule), so over the full-resolution body (the same rule on the input) they agree within a few percent.
  std::vector<float> sortedInput(input->GetBufferPointer(), input->GetBufferPointer() + sorted.size());
  std::sort(sortedInput.begin(), sortedInput.end());
  const float        inputThreshold = 0.1f * sortedInput[static_cast<std::size_t>(0.995 * (sorted.size() - 1))];
  std::vector<float> in, out;
  for (std::size_t k = 0; k < sorted.size(); ++k)
  {
    if (input->GetBufferPointer()[k] > inputThreshold)
    {
      in.push_back(input->GetBufferPointer()[k]);
      out.push_back(corrected->GetBufferPointer()[k]);
    }
  }
  std::cout << "median corrected / median input over the body: " << Median(out) / Median(in) << "\n";
  EXPECT_NEAR(Median(out) / Median(in), 1.0, 0.06);
}

TEST(FastN4BiasFieldCorrection, FieldIsSmoothPositiveAndMatchesTheDivision)
{
  const auto input = Render(Phantom(0.5, 40.0));
  auto       filter = Filter::New();
  filter->SetInput(input);
  filter->Update();
  const Image * field = filter->GetBiasFieldOutput();
  const Image * corrected = filter->GetOutput();
  const auto    size = field->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size, input->GetLargestPossibleRegion().GetSize());
  EXPECT_EQ(field->GetOrigin(), input->GetOrigin());
  EXPECT_EQ(field->GetDirection(), input->GetDirection());
  double largestStep[3] = { 0, 0, 0 };
  for (itk::ImageRegionConstIteratorWithIndex<Image> it(field, field->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    const float b = it.Get();
    ASSERT_TRUE(std::isfinite(b));
    ASSERT_GT(b, 0.0f);
    const auto index = it.GetIndex();
    EXPECT_NEAR(corrected->GetPixel(index), input->GetPixel(index) / b,
                1e-4 * (1.0 + std::abs(input->GetPixel(index))));
    for (unsigned int d = 0; d < 3; ++d)
    {
      if (index[d] + 1 < static_cast<long>(size[d]))
      {
        auto next = index;
        ++next[d];
        largestStep[d] = std::max(largestStep[d], std::abs(std::log(double(field->GetPixel(next)) / b)));
      }
    }
  }
  // A smooth field: under 1% change between neighbouring 0.6 mm voxels, under 5% between 3 mm slices.
  std::cout << "largest relative step per axis: " << largestStep[0] << " " << largestStep[1] << " " << largestStep[2]
            << "\n";
  EXPECT_LT(largestStep[0], 0.01);
  EXPECT_LT(largestStep[1], 0.01);
  EXPECT_LT(largestStep[2], 0.05);
}

TEST(FastN4BiasFieldCorrection, ShrinksInPlaneOnlyToTheWorkingSpacing)
{
  for (unsigned int thick = 0; thick < 3; thick += 2)
  {
    Source::SizeType size = { { 60, 100, 60 } };
    size[thick] = 10;
    const auto input = Render(Phantom(0.3, 40.0, size, thick));
    for (double working : { 2.4, 4.0, 10.0 })
    {
      auto filter = Filter::New();
      filter->SetInput(input);
      filter->SetWorkingSpacing(working);
      filter->SetNumberOfFittingLevels(1);
      filter->Update();
      const auto factors = filter->GetShrinkFactors();
      const auto workingSize = filter->GetWorkingSize();
      for (unsigned int d = 0; d < 3; ++d)
      {
        const double spacing = input->GetSpacing()[d];
        if (d == thick)
        {
          EXPECT_EQ(factors[d], 1.0) << "axis " << d;
          EXPECT_EQ(workingSize[d], size[d]) << "axis " << d;
        }
        else
        {
          // Same extent, cut into the whole number of working spacings nearest to it (at least 3).
          const double extent = (size[d] - 1) * spacing;
          EXPECT_EQ(workingSize[d] - 1, std::max<long>(3, std::lround(extent / working))) << "axis " << d;
          EXPECT_NEAR((workingSize[d] - 1) * spacing * factors[d], (size[d] - 1) * spacing, 1e-9) << "axis " << d;
        }
      }
    }
  }
}

TEST(FastN4BiasFieldCorrection, DeterministicAndHonoursTheMask)
{
  const auto input = Render(Phantom(0.5, 40.0));
  auto       run = [&](const itk::Image<unsigned char, 3> * mask) {
    auto filter = Filter::New();
    filter->SetInput(input);
    filter->SetMaskImage(mask);
    filter->Update();
    return filter;
  };
  const auto a = run(nullptr);
  const auto b = run(nullptr);
  const auto n = input->GetPixelContainer()->Size();
  EXPECT_TRUE(std::equal(a->GetOutput()->GetBufferPointer(), a->GetOutput()->GetBufferPointer() + n,
                         b->GetOutput()->GetBufferPointer()));

  // A mask over the posterior half only: fewer fitted samples, and a different field.
  auto mask = itk::Image<unsigned char, 3>::New();
  mask->CopyInformation(input);
  mask->SetRegions(input->GetLargestPossibleRegion());
  mask->Allocate();
  mask->FillBuffer(0);
  for (itk::ImageRegionIteratorWithIndex<itk::Image<unsigned char, 3>> it(mask, mask->GetLargestPossibleRegion());
       !it.IsAtEnd(); ++it)
  {
    it.Set(it.GetIndex()[0] >= 50 && input->GetPixel(it.GetIndex()) > 0.0f ? 1 : 0);
  }
  const auto masked = run(mask);
  EXPECT_LT(masked->GetNumberOfFittedVoxels(), a->GetNumberOfFittedVoxels());
  EXPECT_GT(masked->GetNumberOfFittedVoxels(), 0u);
  EXPECT_FALSE(std::equal(a->GetBiasFieldOutput()->GetBufferPointer(), a->GetBiasFieldOutput()->GetBufferPointer() + n,
                          masked->GetBiasFieldOutput()->GetBufferPointer()));
}

TEST(FastN4BiasFieldCorrection, SameOutputAtOneAndTwoThreadsOnOneTBB)
{
  // The production threading policy (every ITK filter on oneTBB): N4's B-spline fit sums one lattice per
  // work unit, and the work units do not depend on the thread count, so neither does the output.
  itk::OneTBBMultiThreader::RegisterAsDefault();
  const auto input = Render(Phantom(0.5, 40.0));
  const auto saved = itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  auto       run = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(threads);
    auto filter = Filter::New();
    filter->SetInput(input);
    filter->Update();
    return filter;
  };
  const auto one = run(1);
  const auto two = run(2);
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(saved);
  const auto n = input->GetPixelContainer()->Size();
  EXPECT_TRUE(std::equal(one->GetOutput()->GetBufferPointer(), one->GetOutput()->GetBufferPointer() + n,
                         two->GetOutput()->GetBufferPointer()));
  EXPECT_TRUE(std::equal(one->GetBiasFieldOutput()->GetBufferPointer(),
                         one->GetBiasFieldOutput()->GetBufferPointer() + n,
                         two->GetBiasFieldOutput()->GetBufferPointer()));
}

namespace {
std::string
FailureOf(const std::function<void()> & f)
{
  try
  {
    f();
  }
  catch (const itk::ExceptionObject & e)
  {
    return e.GetDescription();
  }
  return "";
}
} // namespace

TEST(FastN4BiasFieldCorrection, BadInputFailsClearly)
{
  const auto input = Render(Phantom(0.3, 40.0, { { 40, 60, 6 } }));
  // Empty mask.
  auto mask = itk::Image<unsigned char, 3>::New();
  mask->CopyInformation(input);
  mask->SetRegions(input->GetLargestPossibleRegion());
  mask->Allocate();
  mask->FillBuffer(0);
  auto filter = Filter::New();
  filter->SetInput(input);
  filter->SetMaskImage(mask);
  EXPECT_NE(FailureOf([&] { filter->Update(); }).find("the mask is empty"), std::string::npos);

  // A single slice (2-D data in a 3-D image).
  const auto thin = Render(Phantom(0.3, 40.0, { { 40, 60, 1 } }));
  auto       thinFilter = Filter::New();
  thinFilter->SetInput(thin);
  const std::string thinError = FailureOf([&] { thinFilter->Update(); });
  EXPECT_NE(thinError.find("1 voxel(s) along axis 2"), std::string::npos) << thinError;

  // A mask on another grid.
  auto other = itk::Image<unsigned char, 3>::New();
  other->SetRegions(Source::SizeType{ { 20, 60, 6 } });
  other->Allocate();
  other->FillBuffer(1);
  auto otherFilter = Filter::New();
  otherFilter->SetInput(input);
  otherFilter->SetMaskImage(other);
  EXPECT_NE(FailureOf([&] { otherFilter->Update(); }).find("the mask must be on the image grid"), std::string::npos);

  // Iterations that match neither one value nor the levels.
  auto                          levelsFilter = Filter::New();
  Filter::VariableSizeArrayType iterations(2);
  iterations.Fill(10);
  levelsFilter->SetInput(input);
  levelsFilter->SetNumberOfFittingLevels(3);
  levelsFilter->SetMaximumNumberOfIterations(iterations);
  EXPECT_NE(FailureOf([&] { levelsFilter->Update(); }).find("MaximumNumberOfIterations"), std::string::npos);

  // Through the pipeline layer: InputError naming the file.
  try
  {
    cordresponse::CorrectBiasField(thin, {}, "thin.nii.gz");
    ADD_FAILURE() << "no error";
  }
  catch (const cordresponse::InputError & e)
  {
    EXPECT_EQ(e.File(), "thin.nii.gz");
    EXPECT_NE(std::string(e.what()).find("bias-field correction failed"), std::string::npos);
  }
}

TEST(CaseBiasCorrection, OnByDefaultTimedAndSwitchable)
{
  // One exam of the test-grid seed phantom (T1 post, T1 pre and T2), run with and without correction.
  cordresponse::test::TemporaryDirectory dir;
  auto phantom = cordresponse::MakePhantomCase("seed", 1, cordresponse::PhantomGrid::Test);
  phantom.timepoints.resize(1);
  phantom.changes.clear();
  cordresponse::WritePhantomCase(phantom, dir.Path());
  const auto inputs = cordresponse::LoadCaseFile(dir / "case.json");
  ASSERT_TRUE(inputs.timepoints[0].t1pre && inputs.timepoints[0].t2);
  const auto raw = cordresponse::LoadImage(inputs.timepoints[0].t1post);
  const auto n = raw->GetPixelContainer()->Size();

  cordresponse::RunOptions options;
  ASSERT_TRUE(options.biasCorrection.enabled);
  const auto on = cordresponse::RunCase(inputs, options);
  options.biasCorrection.enabled = false;
  const auto off = cordresponse::RunCase(inputs, options);

  const auto & a = on.timepoints[0];
  const auto & b = off.timepoints[0];
  ASSERT_TRUE(a.stageSeconds.biasCorrection.has_value());
  EXPECT_GT(*a.stageSeconds.biasCorrection, 0.0);
  EXPECT_FALSE(b.stageSeconds.biasCorrection.has_value());
  // Every stage of the exam is timed, in pipeline order (report.json "stage_seconds", the run summary).
  std::vector<std::string> stages;
  for (const auto & stage : a.stageSeconds.InOrder())
  {
    stages.push_back(stage.first);
  }
  EXPECT_EQ(stages, (std::vector<std::string>{ "load", "bias_correction", "segmentation", "measurement" }));
  EXPECT_EQ(b.stageSeconds.InOrder().size(), 3u);
  // The pipeline's T1 post is the corrected image with correction on, the image as read without.
  EXPECT_TRUE(std::equal(raw->GetBufferPointer(), raw->GetBufferPointer() + n, b.t1post->GetBufferPointer()));
  EXPECT_FALSE(std::equal(raw->GetBufferPointer(), raw->GetBufferPointer() + n, a.t1post->GetBufferPointer()));
  // Both find the cord and the same foci.
  EXPECT_GT(a.cordVolumeMm3, 0.0);
  EXPECT_EQ(a.lesionMeasurements.size(), b.lesionMeasurements.size());
}
