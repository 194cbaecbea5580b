// Registration: accuracy on synthetic spine pairs with known motion, the within-exam "already aligned"
// check, determinism (seed, threads), transform files (documented direction), resampling, and errors.
#include "SyntheticSpine.h"
#include "TestUtilities.h"

#include "cordresponse/Errors.h"
#include "cordresponse/LevelCorrespondence.h"
#include "cordresponse/Registration.h"
#include "cordresponse/Transforms.h"

#include "itkImageMaskSpatialObject.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIteratorWithIndex.h"
#include "itkMultiThreaderBase.h"
#include "itkRegistrationRegionMaskImageFilter.h"
#include "itkTransformFileReader.h"

#include <cmath>
#include <fstream>

namespace cordresponse::test {
namespace fs = std::filesystem;

namespace {
/** A baseline/follow-up pair with its truth (fixed -> moving). */
struct Pair
{
  ImageType::Pointer      fixed;
  ImageType::Pointer      moving;
  SpineTransform::Pointer truth;
  std::vector<SpinePoint> targets;
};

SpinePoint
Point(double x, double y, double z)
{
  SpinePoint p;
  p[0] = x;
  p[1] = y;
  p[2] = z;
  return p;
}

/** 1 mm isotropic, 64 x 64 x 96, axial-like frame, centred just in front of the cord. */
ImageType::Pointer
IsotropicGrid(const SpinePoint & centre = Point(0, -8, 0))
{
  ImageType::DirectionType identity;
  identity.SetIdentity();
  return MakeGrid({ 64, 64, 96 }, { 1.0, 1.0, 1.0 }, identity, centre);
}

/** Clinical-like sagittal slab: 0.6 x 0.6 x 3 mm, 200 x 200 x 16. */
ImageType::Pointer
SagittalGrid(const SpinePoint & centre = Point(0, -8, 0))
{
  return MakeGrid({ 200, 200, 16 }, { 0.6, 0.6, 3.0 }, SagittalDirection(), centre);
}

Pair
MakePair(ImageType::Pointer            fixedGrid,
         ImageType::Pointer            movingGrid,
         const std::array<double, 3> & rotation,
         const std::array<double, 3> & translation,
         SpineContrast                 movingContrast = SpineContrast::T1Post,
         double                        noise = 3.0)
{
  Pair pair;
  pair.truth = MakeRigidMotion(rotation, translation, Point(0, 0, 0));
  pair.fixed = fixedGrid;
  RenderSpine(pair.fixed, nullptr, SpineContrast::T1Post, noise, 11);
  pair.moving = movingGrid;
  RenderSpine(pair.moving, pair.truth, movingContrast, noise, 12);
  pair.targets = CordTargetPoints(pair.fixed);
  return pair;
}

void
ExpectTargetError(const Pair & pair, const RegistrationResult & result, double limit)
{
  ASSERT_FALSE(pair.targets.empty());
  const auto error = MeasureTargetError(result.transform, pair.truth, pair.targets);
  EXPECT_LT(error.mean, limit) << "mean target error over the cord " << error.mean << " mm (max " << error.max << ")\n"
                               << result.Summary();
  std::cout << result.Summary() << "target error over the cord: mean " << error.mean << " mm, max " << error.max
            << " mm; " << result.totalSeconds << " s\n";
}
} // namespace

TEST(Registration, IsotropicRecoversRigidMotion)
{
  const Pair pair = MakePair(IsotropicGrid(), IsotropicGrid(), { 4.0, -3.0, 8.0 }, { 6.0, -8.0, 15.0 });
  const auto result = RegisterLongitudinal(pair.fixed, pair.moving, nullptr);
  ExpectTargetError(pair, result, 0.1);
}

TEST(Registration, SagittalAnisotropicRecoversRigidMotion)
{
  const Pair pair = MakePair(SagittalGrid(), SagittalGrid(), { 3.0, -2.0, 6.0 }, { 5.0, -6.0, 12.0 });
  const auto result = RegisterLongitudinal(pair.fixed, pair.moving, nullptr);
  ExpectTargetError(pair, result, 0.2);
  // 3 mm slices are never shrunk.
  for (const auto & level : result.levels)
  {
    EXPECT_EQ(level.shrinkFactors[2], 1u);
  }
}

TEST(Registration, LargeOffsetStart)
{
  // 4 cm and 15 degrees; the follow-up field of view was re-centred on the anatomy (as a technologist
  // would), 6 mm off.
  const std::array<double, 3> rotation{ 0.0, 0.0, 15.0 };
  const std::array<double, 3> translation{ 10.0, -15.0, 35.0 };
  auto                        truth = MakeRigidMotion(rotation, translation, Point(0, 0, 0));
  auto                        movingCentre = truth->TransformPoint(Point(0, -8, 0));
  movingCentre[2] += 6.0;
  const Pair pair = MakePair(IsotropicGrid(), IsotropicGrid(movingCentre), rotation, translation);
  const auto result = RegisterLongitudinal(pair.fixed, pair.moving, nullptr);
  ExpectTargetError(pair, result, 0.1);
}

TEST(Registration, SpineMaskAndExclusionRestrictTheMetric)
{
  // The follow-up has an extra bright blob (a "changing lesion") outside the spine region; with a cord
  // mask dilated into a spine region, and the blob's region excluded, the result stays accurate.
  Pair       pair = MakePair(IsotropicGrid(), IsotropicGrid(), { 2.0, 3.0, -5.0 }, { -4.0, 5.0, -10.0 });
  const auto cord = RenderCordLabel(pair.fixed);
  auto       exclusion = LabelImageType::New();
  exclusion->CopyInformation(cord);
  exclusion->SetRegions(cord->GetLargestPossibleRegion());
  exclusion->Allocate(true);
  // Exclude a slab around z in [10, 20] mm in front of the canal.
  for (itk::ImageRegionIteratorWithIndex<LabelImageType> it(exclusion, exclusion->GetLargestPossibleRegion());
       !it.IsAtEnd(); ++it)
  {
    SpinePoint p;
    exclusion->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    it.Set(p[2] > 10 && p[2] < 20 && p[1] < -10 ? 1 : 0);
  }
  const auto result = RegisterLongitudinal(pair.fixed, pair.moving, cord, LongitudinalDefaults(), exclusion);
  EXPECT_TRUE(result.regionFromMask);
  ExpectTargetError(pair, result, 0.1);
}

TEST(Registration, RegionMaskFilter)
{
  auto image = IsotropicGrid();
  RenderSpine(image, nullptr);
  const auto cord = RenderCordLabel(image);
  using FilterType = itk::RegistrationRegionMaskImageFilter<ImageType, LabelImageType>;
  auto filter = FilterType::New();
  filter->SetInput(image);
  filter->SetRegionLabel(cord);
  filter->SetDilationRadius(10.0);
  filter->SetWorkingSpacing(2.0);
  filter->Update();
  const auto * mask = filter->GetOutput();
  EXPECT_NEAR(mask->GetSpacing()[0], 2.0, 1e-9);
  EXPECT_GT(filter->GetNumberOfMaskVoxels(), 0u);
  auto object = itk::ImageMaskSpatialObject<3>::New();
  object->SetImage(mask);
  object->Update();
  EXPECT_TRUE(object->IsInsideInWorldSpace(Point(0, 0, 0)));    // cord
  EXPECT_TRUE(object->IsInsideInWorldSpace(Point(0, -8, 0)));   // within 10 mm
  EXPECT_FALSE(object->IsInsideInWorldSpace(Point(0, -30, 0))); // vertebral body front, > 10 mm
  // Without a label: the body foreground (everything here).
  auto automatic = FilterType::New();
  automatic->SetInput(image);
  automatic->SetDilationRadius(0.0);
  automatic->Update();
  EXPECT_GT(automatic->GetNumberOfMaskVoxels(), filter->GetNumberOfMaskVoxels());
}

TEST(Registration, AffineAndBSplineStagesKeepAccuracy)
{
  const Pair pair = MakePair(IsotropicGrid(), IsotropicGrid(), { 3.0, 2.0, 5.0 }, { 4.0, 3.0, 8.0 });
  auto       params = LongitudinalDefaults();
  params.affine = true;
  params.bspline = true;
  params.bsplineIterations = 15;
  params.bsplineMeshSpacingMm = 60.0;
  const auto result = RegisterLongitudinal(pair.fixed, pair.moving, nullptr, params);
  EXPECT_FALSE(result.linear);
  bool sawAffine = false, sawBSpline = false;
  for (const auto & level : result.levels)
  {
    sawAffine |= level.stage == "affine";
    sawBSpline |= level.stage == "bspline";
  }
  EXPECT_TRUE(sawAffine && sawBSpline);
  ExpectTargetError(pair, result, 0.3);
}

TEST(Registration, WithinExamT2ToT1)
{
  // Same session: T2 (other contrast) slightly moved relative to the T1 post-contrast reference.
  const Pair pair = MakePair(SagittalGrid(), SagittalGrid(), { 1.0, -0.5, 1.0 }, { 0.8, -1.2, 1.5 }, SpineContrast::T2);
  const auto result = RegisterWithinExam(pair.fixed, pair.moving);
  EXPECT_FALSE(result.alreadyAligned);
  // Cross-contrast mutual information on 3 mm slices: ~0.1-0.2 mm (no accuracy target in the issue for
  // within-exam alignment; the longitudinal targets are asserted above).
  ExpectTargetError(pair, result, 0.3);
}

TEST(Registration, WithinExamAlreadyAligned)
{
  const Pair pair =
    MakePair(SagittalGrid(), SagittalGrid(), { 0.0, 0.0, 0.0 }, { 0.0, 0.0, 0.0 }, SpineContrast::T1Pre);
  const auto result = RegisterWithinExam(pair.fixed, pair.moving);
  EXPECT_TRUE(result.alreadyAligned) << result.Summary();
  EXPECT_LT(result.residualMm, 0.1);
  EXPECT_EQ(result.maxDisplacementMm, 0.0);
  EXPECT_TRUE(IsLinear(result.transform));
  const auto m = TransformMatrix(result.transform);
  for (unsigned int i = 0; i < 4; ++i)
  {
    for (unsigned int j = 0; j < 4; ++j)
    {
      EXPECT_NEAR(m[i][j], i == j ? 1.0 : 0.0, 1e-12);
    }
  }
}

TEST(Registration, DeterministicForSeedAndThreads)
{
  const auto previous = itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(2);
  const Pair pair = MakePair(SagittalGrid(), SagittalGrid(), { 2.0, 4.0, -6.0 }, { -3.0, 7.0, 14.0 });
  const auto first = RegisterLongitudinal(pair.fixed, pair.moving, nullptr);
  const auto second = RegisterLongitudinal(pair.fixed, pair.moving, nullptr);
  EXPECT_EQ(first.transform->GetParameters(), second.transform->GetParameters());
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(1);
  const auto single = RegisterLongitudinal(pair.fixed, pair.moving, nullptr);
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(previous);
  const double difference = MeasureTargetError(first.transform, single.transform, pair.targets).max;
  std::cout << "1 vs 2 threads: max difference over the cord " << difference << " mm\n";
  // Bit for bit: the metric runs on one work unit (Registration.cxx, SerialMattesMetric).
  EXPECT_EQ(first.transform->GetParameters(), single.transform->GetParameters());
  EXPECT_EQ(difference, 0.0);
  // Another seed gives a (slightly) different but equally accurate result.
  auto params = LongitudinalDefaults();
  params.seed = 7;
  const auto other = RegisterLongitudinal(pair.fixed, pair.moving, nullptr, params);
  EXPECT_LT(MeasureTargetError(other.transform, pair.truth, pair.targets).mean, 0.2);
}

TEST(Registration, TransformFileHoldsTheDocumentedMapping)
{
  TemporaryDirectory dir;
  const Pair         pair = MakePair(IsotropicGrid(), IsotropicGrid(), { 2.0, -3.0, 6.0 }, { 5.0, 4.0, -9.0 });
  const auto         result = RegisterLongitudinal(pair.fixed, pair.moving, nullptr);
  const fs::path     file = dir / "followup_to_baseline.tfm";
  WriteTransformFile(result.transform, file);
  EXPECT_NE(ReadText(file).find("VersorRigid3DTransform_double_3_3"), std::string::npos);

  // ITK's own reader: the file maps a baseline (fixed) point to the follow-up (moving) point.
  RegisterIOFactories();
  auto reader = itk::TransformFileReaderTemplate<double>::New();
  reader->SetFileName(file.string());
  reader->Update();
  ASSERT_EQ(reader->GetTransformList()->size(), 1u);
  auto * read = dynamic_cast<TransformType *>(reader->GetTransformList()->front().GetPointer());
  ASSERT_NE(read, nullptr);
  const SpinePoint baseline = Point(1.0, 2.0, -5.0); // on the cord, LPS mm
  const SpinePoint followup = read->TransformPoint(baseline);
  EXPECT_LT(followup.EuclideanDistanceTo(pair.truth->TransformPoint(baseline)), 0.1);
  // The 4x4 matrix is the same mapping.
  const auto m = result.matrix;
  for (unsigned int i = 0; i < 3; ++i)
  {
    const double v = m[i][0] * baseline[0] + m[i][1] * baseline[1] + m[i][2] * baseline[2] + m[i][3];
    EXPECT_NEAR(v, followup[i], 1e-6);
  }
  // And the moving image at the mapped point shows the fixed image's anatomy there.
  EXPECT_NEAR(SpineIntensity(pair.truth->GetInverseTransform()->TransformPoint(followup), SpineContrast::T1Post),
              SpineIntensity(baseline, SpineContrast::T1Post), 5.0);

  // Our reader agrees and the round trip is exact to the written precision.
  const auto back = ReadTransformFile(file);
  EXPECT_LT(back->TransformPoint(baseline).EuclideanDistanceTo(followup), 1e-9);
  // No temporary left behind.
  std::size_t files = 0;
  for (const auto & entry : fs::directory_iterator(dir.Path()))
  {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(Registration, CompositeTransformFileRoundTrip)
{
  TemporaryDirectory dir;
  const Pair         pair = MakePair(IsotropicGrid(), IsotropicGrid(), { 1.0, 1.0, 2.0 }, { 2.0, 1.0, 3.0 });
  auto               params = LongitudinalDefaults();
  params.bspline = true;
  params.bsplineIterations = 5;
  const auto result = RegisterLongitudinal(pair.fixed, pair.moving, nullptr, params);
  WriteTransformFile(result.transform, dir / "t.tfm");
  const auto back = ReadTransformFile(dir / "t.tfm");
  EXPECT_FALSE(IsLinear(back));
  for (const auto & p : pair.targets)
  {
    EXPECT_LT(back->TransformPoint(p).EuclideanDistanceTo(result.transform->TransformPoint(p)), 1e-6);
  }
}

TEST(Registration, ResampleToBaseline)
{
  const Pair pair =
    MakePair(IsotropicGrid(), IsotropicGrid(), { 2.0, 0.0, 4.0 }, { 3.0, -2.0, 6.0 }, SpineContrast::T1Post, 0.0);
  auto clean = IsotropicGrid();
  RenderSpine(clean, nullptr, SpineContrast::T1Post, 0.0);
  const auto resampled = ResampleToReference(pair.moving, pair.fixed, pair.truth);
  EXPECT_TRUE(SameGeometry(resampled, pair.fixed));
  // Where the follow-up covers the baseline, the resampled follow-up matches the baseline.
  double sum = 0.0, count = 0.0;
  for (const auto & p : pair.targets)
  {
    itk::Index<3> idx;
    if (resampled->TransformPhysicalPointToIndex(p, idx))
    {
      sum += std::abs(resampled->GetPixel(idx) - clean->GetPixel(idx));
      count += 1.0;
    }
  }
  ASSERT_GT(count, 0.0);
  // Linear interpolation at the cord's edges costs a few units (intensities 30..300).
  EXPECT_LT(sum / count, 15.0);
  // Without the transform the images disagree far more.
  const auto unmoved = ResampleToReference(pair.moving, pair.fixed, nullptr);
  double     unmovedSum = 0.0;
  for (const auto & p : pair.targets)
  {
    itk::Index<3> idx;
    if (unmoved->TransformPhysicalPointToIndex(p, idx))
    {
      unmovedSum += std::abs(unmoved->GetPixel(idx) - clean->GetPixel(idx));
    }
  }
  EXPECT_GT(unmovedSum / count, 3.0 * sum / count);

  // Labels: nearest neighbour, values preserved.
  auto       movingCord = RenderCordLabel(pair.moving); // cord of the un-moved anatomy on the moving grid
  const auto labels = ResampleLabelsToReference(movingCord, pair.fixed, nullptr);
  EXPECT_TRUE(SameGeometry(labels, pair.fixed));
  for (itk::ImageRegionConstIterator<LabelImageType> it(labels, labels->GetLargestPossibleRegion()); !it.IsAtEnd();
       ++it)
  {
    EXPECT_TRUE(it.Get() == 0 || it.Get() == 1);
  }
}

TEST(Registration, NonOverlappingImagesAreAClearError)
{
  auto fixed = IsotropicGrid();
  RenderSpine(fixed, nullptr);
  auto moving = IsotropicGrid(Point(0, -8, 400)); // 40 cm away along S
  RenderSpine(moving, nullptr);
  try
  {
    RegisterLongitudinal(fixed, moving, nullptr);
    FAIL() << "no error";
  }
  catch (const NoOverlapError & e)
  {
    EXPECT_NE(std::string(e.what()).find("do not overlap"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("along S"), std::string::npos) << e.what();
  }
  EXPECT_THROW(RegisterWithinExam(fixed, moving), NoOverlapError);
}

TEST(Registration, BadTransformFilesAreInputErrors)
{
  TemporaryDirectory dir;
  auto               expectInputError = [](const fs::path & path, const std::string & problem) {
    try
    {
      ReadTransformFile(path);
      ADD_FAILURE() << "no error for " << path;
    }
    catch (const InputError & e)
    {
      EXPECT_EQ(e.File(), path);
      EXPECT_NE(e.Problem().find(problem), std::string::npos) << e.what();
    }
  };
  expectInputError(dir / "missing.tfm", "does not exist");
  WriteText(dir / "empty.tfm", "");
  expectInputError(dir / "empty.tfm", "empty");
  WriteText(dir / "garbage.tfm", "this is not a transform\n");
  expectInputError(dir / "garbage.tfm", "not a readable ITK transform file");
  WriteText(dir / "truncated.tfm",
            "#Insight Transform File V1.0\n#Transform 0\nTransform: VersorRigid3DTransform_double_3_3\n"
            "Parameters: 0 0\n");
  expectInputError(dir / "truncated.tfm", "truncated");
  WriteText(dir / "short.tfm",
            "#Insight Transform File V1.0\n#Transform 0\nTransform: VersorRigid3DTransform_double_3_3\n"
            "Parameters: 0 0 0 1 2\nFixedParameters: 0 0 0\n");
  expectInputError(dir / "short.tfm", "has 5 parameters");
  WriteText(dir / "twod.tfm", "#Insight Transform File V1.0\n#Transform 0\nTransform: AffineTransform_double_2_2\n"
                              "Parameters: 1 0 0 1 0 0\nFixedParameters: 0 0\n");
  expectInputError(dir / "twod.tfm", "not a 3-D transform");
  // Writing refuses formats it cannot write atomically as text.
  EXPECT_THROW(WriteTransformFile(MakeRigidMotion({ 0, 0, 0 }, { 0, 0, 0 }, Point(0, 0, 0)), dir / "t.h5"),
               OutputError);
}

TEST(Registration, MasksMustBeOnTheFixedGrid)
{
  auto fixed = IsotropicGrid();
  RenderSpine(fixed, nullptr);
  auto       other = SagittalGrid();
  const auto wrongGridMask = RenderCordLabel(other);
  EXPECT_THROW(RegisterLongitudinal(fixed, fixed, wrongGridMask), std::invalid_argument);
  auto empty = RenderCordLabel(fixed);
  empty->FillBuffer(0);
  EXPECT_THROW(RegisterLongitudinal(fixed, fixed, empty), std::invalid_argument);
}

TEST(LevelCorrespondence, MedianOfTheSharedLevels)
{
  const auto at = [](double x, double y, double z, std::size_t voxels) { return LabelCentroid{ { x, y, z }, voxels }; };
  // Disc labels (points): every shared disc counts; the moving exam lies 40 mm higher and 2 mm to the left.
  const std::map<unsigned int, LabelCentroid> fixedDiscs{
    { 7, at(0, 5, 0, 1) }, { 8, at(0, 6, 30, 1) }, { 9, at(0, 7, 60, 1) }, { 10, at(0, 8, 90, 1) }
  };
  const std::map<unsigned int, LabelCentroid> movingDiscs{
    { 6, at(2, 4, 10, 1) }, { 8, at(2, 6, 70, 1) }, { 9, at(2, 7, 100, 1) }, { 10, at(2.5, 8, 131, 1) }
  };
  const auto discs = LevelCorrespondenceTranslation(fixedDiscs, movingDiscs);
  ASSERT_TRUE(discs.has_value());
  EXPECT_DOUBLE_EQ((*discs)[0], 2.0);
  EXPECT_DOUBLE_EQ((*discs)[1], 0.0);
  EXPECT_DOUBLE_EQ((*discs)[2], 40.0);

  // A labelled cord: levels 4 and 7 are cut by the edge of one field of view (fewer voxels, displaced
  // centroids); only the complete levels 5 and 6 count (all four would give a median of 45 mm).
  const std::map<unsigned int, LabelCentroid> fixedCord{
    { 4, at(0, 0, -20, 30) }, { 5, at(0, 0, 0, 100) }, { 6, at(0, 0, 30, 100) }, { 7, at(0, 0, 50, 40) }
  };
  const std::map<unsigned int, LabelCentroid> movingCord{
    { 4, at(0, 0, 30, 100) }, { 5, at(0, 0, 40, 100) }, { 6, at(0, 0, 70, 98) }, { 7, at(0, 0, 105, 100) }
  };
  const auto cord = LevelCorrespondenceTranslation(fixedCord, movingCord);
  ASSERT_TRUE(cord.has_value());
  EXPECT_DOUBLE_EQ((*cord)[2], 40.0);

  // Nothing to go on: one shared level; disc labels against a labelled cord; an empty map.
  EXPECT_FALSE(LevelCorrespondenceTranslation(fixedDiscs, { { 9, at(0, 0, 0, 1) } }).has_value());
  EXPECT_FALSE(
    LevelCorrespondenceTranslation(fixedCord, { { 5, at(0, 0, 0, 1) }, { 6, at(0, 0, 30, 1) } }).has_value());
  EXPECT_FALSE(LevelCorrespondenceTranslation(fixedCord, {}).has_value());
}

TEST(LevelCorrespondence, LabelCentroidsInPhysicalSpace)
{
  ImageType::DirectionType direction;
  direction.Fill(0.0);
  direction(1, 0) = 1.0, direction(2, 1) = -1.0, direction(0, 2) = -1.0; // sagittal
  auto labels = LabelImageType::New();
  labels->SetRegions(LabelImageType::SizeType{ { 10, 10, 4 } });
  labels->SetSpacing(itk::Vector<double, 3>(std::array<double, 3>{ { 0.5, 0.5, 3.0 } }.data()));
  labels->SetDirection(direction);
  labels->Allocate();
  labels->FillBuffer(0);
  labels->SetPixel({ { 2, 4, 1 } }, 3);
  labels->SetPixel({ { 3, 4, 1 } }, 3);
  labels->SetPixel({ { 5, 6, 2 } }, 9);
  const auto centroids = LabelCentroids(labels);
  ASSERT_EQ(centroids.size(), 2u);
  // Label 3: columns 2 and 3 (0.5 mm along P), row 4 (-2 mm along S), slice 1 (-3 mm along L).
  EXPECT_EQ(centroids.at(3).voxels, 2u);
  EXPECT_NEAR(centroids.at(3).centroidMm[0], -3.0, 1e-9);
  EXPECT_NEAR(centroids.at(3).centroidMm[1], 1.25, 1e-9);
  EXPECT_NEAR(centroids.at(3).centroidMm[2], -2.0, 1e-9);
  EXPECT_NEAR(centroids.at(9).centroidMm[0], -6.0, 1e-9);
  EXPECT_TRUE(LabelCentroids(nullptr).empty());
}

} // namespace cordresponse::test

namespace cordresponse::test {
namespace {
/** The 1 mm synthetic spine, baseline and follow-up (moved by `truth`), written as baseline.nii.gz and
 *  followup.nii.gz in `dir`; returns the two images. */
std::pair<ImageType::Pointer, ImageType::Pointer>
WriteRegisterPair(const fs::path & dir, const SpineTransform * truth)
{
  ImageType::DirectionType identity;
  identity.SetIdentity();
  const SpinePoint centre = Point(0, -8, 0);
  auto             fixed = MakeGrid({ 64, 64, 96 }, { 1.0, 1.0, 1.0 }, identity, centre);
  RenderSpine(fixed, nullptr, SpineContrast::T1Post, 3.0, 1);
  auto moving = MakeGrid({ 64, 64, 96 }, { 1.0, 1.0, 1.0 }, identity, centre);
  RenderSpine(moving, truth, SpineContrast::T1Post, 3.0, 2);
  SaveImage(fixed, dir / "baseline.nii.gz");
  SaveImage(moving, dir / "followup.nii.gz");
  return { fixed, moving };
}
} // namespace

TEST(RegisterCommand, WritesTransformAndResamples)
{
  TemporaryDirectory dir;
  const auto         truth = MakeRigidMotion({ 2.0, -1.0, 4.0 }, { 3.0, -2.0, 6.0 }, Point(0, 0, 0));
  const auto [fixed, moving] = WriteRegisterPair(dir.Path(), truth);
  SaveLabelImage(RenderCordLabel(moving), dir / "labels.nii.gz");
  const auto run =
    RunCommand(std::string(CORDRESPONSE_EXE) + " register --fixed " + Quote(dir / "baseline.nii.gz") + " --moving " +
               Quote(dir / "followup.nii.gz") + " --output-transform " + Quote(dir / "t.tfm") + " --resampled " +
               Quote(dir / "r.nii.gz") + " --resample-labels " + Quote(dir / "labels.nii.gz") + " --resampled-labels " +
               Quote(dir / "rl.nii.gz") + " --seed 3 --threads 2");
  ASSERT_EQ(run.exitCode, 0) << run.output;
  EXPECT_NE(run.output.find("fixed/baseline point -> moving/follow-up point"), std::string::npos) << run.output;
  const auto transform = ReadTransformFile(dir / "t.tfm");
  EXPECT_LT(MeasureTargetError(transform, truth, CordTargetPoints(fixed)).mean, 0.1);
  EXPECT_TRUE(SameGeometry(LoadImage(dir / "r.nii.gz"), fixed));
  EXPECT_TRUE(SameGeometry(LoadLabelImage(dir / "rl.nii.gz"), fixed));

  // Reusing the transform skips registration and gives the same resampled image.
  const auto again = RunCommand(std::string(CORDRESPONSE_EXE) + " register --fixed " + Quote(dir / "baseline.nii.gz") +
                                " --moving " + Quote(dir / "followup.nii.gz") + " --initial-transform " +
                                Quote(dir / "t.tfm") + " --resampled " + Quote(dir / "r2.nii.gz"));
  ASSERT_EQ(again.exitCode, 0) << again.output;
  EXPECT_NE(again.output.find("registration skipped"), std::string::npos);
}

TEST(RegisterCommand, NonOverlappingImagesFailClearlyWithoutOutput)
{
  TemporaryDirectory       dir;
  ImageType::DirectionType identity;
  identity.SetIdentity();
  const SpinePoint near = Point(0, 0, 0);
  const SpinePoint far = Point(0, 0, 500);
  auto             fixed = MakeGrid({ 32, 32, 32 }, { 1.0, 1.0, 1.0 }, identity, near);
  RenderSpine(fixed, nullptr);
  auto moving = MakeGrid({ 32, 32, 32 }, { 1.0, 1.0, 1.0 }, identity, far);
  RenderSpine(moving, nullptr);
  SaveImage(fixed, dir / "a.nii.gz");
  SaveImage(moving, dir / "b.nii.gz");
  const auto run = RunCommand(std::string(CORDRESPONSE_EXE) + " register --fixed " + Quote(dir / "a.nii.gz") +
                              " --moving " + Quote(dir / "b.nii.gz") + " --output-transform " + Quote(dir / "t.tfm"));
  EXPECT_EQ(run.exitCode, 2) << run.output;
  EXPECT_NE(run.output.find("b.nii.gz: does not overlap the fixed image"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("a.nii.gz"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(dir / "t.tfm"));
  // Bad transform file for --initial-transform: an input error naming it.
  WriteText(dir / "bad.tfm", "nonsense\n");
  const auto bad = RunCommand(std::string(CORDRESPONSE_EXE) + " register --fixed " + Quote(dir / "a.nii.gz") +
                              " --moving " + Quote(dir / "a.nii.gz") + " --initial-transform " +
                              Quote(dir / "bad.tfm") + " --resampled " + Quote(dir / "r.nii.gz"));
  EXPECT_EQ(bad.exitCode, 2) << bad.output;
  EXPECT_NE(bad.output.find("bad.tfm"), std::string::npos) << bad.output;
  EXPECT_FALSE(fs::exists(dir / "r.nii.gz"));
}
TEST(RegisterCommand, VertebralLabelsOfBothExamsStartTheRegistration)
{
  TemporaryDirectory dir;
  const auto         truth = MakeRigidMotion({ 4.0, -2.0, 3.0 }, { 2.0, -3.0, 30.0 }, Point(0, 0, 0));
  const auto [fixed, moving] = WriteRegisterPair(dir.Path(), truth);
  // Disc labels 3..6 on the cord axis of the baseline, and where the motion takes them in the follow-up.
  auto fixedDiscs = RenderCordLabel(fixed);
  fixedDiscs->FillBuffer(0);
  auto movingDiscs = RenderCordLabel(moving);
  movingDiscs->FillBuffer(0);
  for (unsigned int disc = 3; disc <= 6; ++disc)
  {
    const SpinePoint          p = Point(0, 0, -45.0 + 15.0 * disc);
    LabelImageType::IndexType index;
    ASSERT_TRUE(fixedDiscs->TransformPhysicalPointToIndex(p, index));
    fixedDiscs->SetPixel(index, static_cast<LabelImageType::PixelType>(disc));
    if (movingDiscs->TransformPhysicalPointToIndex(truth->TransformPoint(p), index))
    {
      movingDiscs->SetPixel(index, static_cast<LabelImageType::PixelType>(disc));
    }
  }
  SaveLabelImage(fixedDiscs, dir / "baseline_discs.nii.gz");
  SaveLabelImage(movingDiscs, dir / "followup_discs.nii.gz");
  const std::string command = std::string(CORDRESPONSE_EXE) + " register --fixed " + Quote(dir / "baseline.nii.gz") +
                              " --moving " + Quote(dir / "followup.nii.gz") + " --output-transform " +
                              Quote(dir / "t.tfm") + " --fixed-levels " + Quote(dir / "baseline_discs.nii.gz");
  const auto run = RunCommand(command + " --moving-levels " + Quote(dir / "followup_discs.nii.gz"));
  ASSERT_EQ(run.exitCode, 0) << run.output;
  EXPECT_NE(run.output.find("start: from the vertebral labels of both exams"), std::string::npos) << run.output;
  EXPECT_LT(MeasureTargetError(ReadTransformFile(dir / "t.tfm"), truth, CordTargetPoints(fixed)).mean, 0.1);

  // A labelled cord against disc labels: an input error naming the file, no transform written.
  fs::remove(dir / "t.tfm");
  SaveLabelImage(RenderCordLabel(moving), dir / "followup_cord.nii.gz");
  const auto mixed = RunCommand(command + " --moving-levels " + Quote(dir / "followup_cord.nii.gz"));
  EXPECT_EQ(mixed.exitCode, 2) << mixed.output;
  EXPECT_NE(mixed.output.find("followup_cord.nii.gz: shares fewer than two vertebral levels"), std::string::npos)
    << mixed.output;
  EXPECT_FALSE(fs::exists(dir / "t.tfm"));
  // One without the other.
  const auto alone = RunCommand(command);
  EXPECT_NE(alone.exitCode, 0);
  EXPECT_NE(alone.output.find("--fixed-levels and --moving-levels go together"), std::string::npos) << alone.output;
}
} // namespace cordresponse::test
