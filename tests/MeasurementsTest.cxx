// Lesion, edema and cord measurements on shapes with known answers, and against phantom truth.
#include "TestUtilities.h"

#include "cordresponse/Measurements.h"
#include "cordresponse/Phantom.h"

#include "itkImageRegionIteratorWithIndex.h"
#include "itkMath.h"
#include "itkSpinalLevels.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>

namespace cordresponse::test {
namespace fs = std::filesystem;

namespace {
/** A label map on a grid; `inside(point)` gives each voxel's label. */
LabelImageType::Pointer
Rasterise(const itk::Size<3> &                                               size,
          const std::array<double, 3> &                                      spacing,
          const itk::Matrix<double, 3, 3> &                                  direction,
          const itk::Point<double, 3> &                                      origin,
          const std::function<unsigned int(const itk::Point<double, 3> &)> & inside)
{
  auto labels = LabelImageType::New();
  labels->SetRegions(size);
  labels->SetSpacing(spacing.data());
  labels->SetDirection(direction);
  labels->SetOrigin(origin);
  labels->Allocate();
  for (itk::ImageRegionIteratorWithIndex<LabelImageType> it(labels, labels->GetLargestPossibleRegion()); !it.IsAtEnd();
       ++it)
  {
    itk::Point<double, 3> p;
    labels->TransformIndexToPhysicalPoint(it.GetIndex(), p);
    it.Set(static_cast<LabelImageType::PixelType>(inside(p)));
  }
  return labels;
}

itk::Matrix<double, 3, 3>
SagittalDirection()
{
  itk::Matrix<double, 3, 3> d;
  d.Fill(0.0);
  d(1, 0) = 1.0;  // columns antero-posterior
  d(2, 1) = -1.0; // rows superior -> inferior
  d(0, 2) = -1.0; // slices right -> left
  return d;
}

itk::Point<double, 3>
CentredOrigin(const itk::Size<3> & size, const std::array<double, 3> & spacing, const itk::Matrix<double, 3, 3> & d)
{
  itk::Point<double, 3> o;
  for (unsigned int r = 0; r < 3; ++r)
  {
    o[r] = 0.0;
    for (unsigned int a = 0; a < 3; ++a)
    {
      o[r] -= d(r, a) * spacing[a] * 0.5 * (size[a] - 1.0);
    }
  }
  return o;
}

ImageType::Pointer
ValuesFrom(const LabelImageType * labels, const std::function<float(unsigned int)> & value)
{
  auto image = ImageType::New();
  image->CopyInformation(labels);
  image->SetRegions(labels->GetLargestPossibleRegion());
  image->Allocate();
  for (std::size_t i = 0; i < labels->GetPixelContainer()->Size(); ++i)
  {
    image->GetBufferPointer()[i] = value(labels->GetBufferPointer()[i]);
  }
  return image;
}
} // namespace

TEST(Measurements, SphereOnAnIsotropicGrid)
{
  const itk::Size<3>          size{ { 40, 40, 40 } };
  const std::array<double, 3> spacing{ { 0.5, 0.5, 0.5 } };
  itk::Matrix<double, 3, 3>   identity;
  identity.SetIdentity();
  const auto sphere = Rasterise(size, spacing, identity, CentredOrigin(size, spacing, identity),
                                [](const auto & p) { return p.GetVectorFromOrigin().GetNorm() <= 6.0 ? 1u : 0u; });
  const auto m = MeasureLesions(sphere, nullptr, nullptr, nullptr);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NEAR(m[0].volumeMm3, 4.0 / 3.0 * itk::Math::pi * 216.0, 0.03 * 4.0 / 3.0 * itk::Math::pi * 216.0);
  EXPECT_NEAR(m[0].longestDiameter3dMm, 12.0, 0.5);
  EXPECT_NEAR(m[0].sagittalLongestDiameterMm, 12.0, 0.5);
  EXPECT_NEAR(m[0].sagittalPerpendicularMm, 12.0, 0.5);
  EXPECT_NEAR(m[0].craniocaudalExtentMm, 12.0, 0.5);
  for (unsigned int d = 0; d < 3; ++d)
  {
    EXPECT_NEAR(m[0].centroidLps[d], 0.0, 1e-9);
  }
  EXPECT_TRUE(m[0].ranoMeasurable);
  EXPECT_TRUE(m[0].levels.empty());
}

TEST(Measurements, EllipsoidOnASagittalAnisotropicGrid)
{
  // Semi-axes: 3.5 mm left-right, 3 mm antero-posterior, 8 mm cranio-caudal; voxels 0.6 x 0.6 x 3 mm with
  // the 3 mm axis left-right; an odd number of slices so that one passes through the centre.
  const itk::Size<3>          size{ { 41, 61, 9 } };
  const std::array<double, 3> spacing{ { 0.6, 0.6, 3.0 } };
  const auto                  d = SagittalDirection();
  const auto ellipsoid = Rasterise(size, spacing, d, CentredOrigin(size, spacing, d), [](const auto & p) {
    return std::pow(p[0] / 3.5, 2) + std::pow(p[1] / 3.0, 2) + std::pow(p[2] / 8.0, 2) <= 1.0 ? 7u : 0u;
  });
  const auto m = MeasureLesions(ellipsoid, nullptr, nullptr, nullptr);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].id, 7u);
  EXPECT_NEAR(m[0].sagittalLongestDiameterMm, 16.0, 0.7);
  EXPECT_NEAR(m[0].sagittalPerpendicularMm, 6.0, 0.7);
  EXPECT_NEAR(m[0].craniocaudalExtentMm, 16.0, 0.7);
  EXPECT_NEAR(m[0].longestDiameter3dMm, 16.0, 0.7);
  EXPECT_GE(m[0].sagittalSlices, 2);
  EXPECT_TRUE(m[0].ranoMeasurable);
  // Voxel-count volume on 3 mm slices: within a slice's worth of partial volume of 4/3 pi a b c.
  EXPECT_NEAR(m[0].volumeMm3, 4.0 / 3.0 * itk::Math::pi * 3.5 * 3.0 * 8.0,
              0.35 * 4.0 / 3.0 * itk::Math::pi * 3.5 * 3.0 * 8.0);
}

TEST(Measurements, SmallFocusIsNotMeasurableButStillMeasured)
{
  const itk::Size<3>          size{ { 41, 61, 9 } };
  const std::array<double, 3> spacing{ { 0.6, 0.6, 3.0 } };
  const auto                  d = SagittalDirection();
  const auto                  focus = Rasterise(size, spacing, d, CentredOrigin(size, spacing, d), [](const auto & p) {
    return std::pow(p[0] / 2.0, 2) + std::pow(p[1] / 2.0, 2) + std::pow(p[2] / 4.0, 2) <= 1.0 ? 1u : 0u;
  });
  const auto                  m = MeasureLesions(focus, nullptr, nullptr, nullptr);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NEAR(m[0].sagittalLongestDiameterMm, 8.0, 0.7);
  EXPECT_FALSE(m[0].ranoMeasurable); // < 10 mm
  EXPECT_GT(m[0].volumeMm3, 0.0);
}

TEST(Measurements, EnhancementRatiosAndLevels)
{
  const itk::Size<3>          size{ { 30, 60, 6 } };
  const std::array<double, 3> spacing{ { 0.6, 0.6, 3.0 } };
  const auto                  d = SagittalDirection();
  const auto                  origin = CentredOrigin(size, spacing, d);
  auto                        inCord = [](const itk::Point<double, 3> & p) {
    return std::pow(p[0] / 5.0, 2) + std::pow(p[1] / 4.0, 2) <= 1.0;
  };
  auto inFocus = [](const itk::Point<double, 3> & p) {
    return std::abs(p[0]) < 2 && std::abs(p[1]) < 2 && std::abs(p[2]) < 5;
  };
  const auto cord = Rasterise(size, spacing, d, origin, [&](const auto & p) { return inCord(p) ? 1u : 0u; });
  const auto focus = Rasterise(size, spacing, d, origin, [&](const auto & p) { return inFocus(p) ? 1u : 0u; });
  // Levels: T9 above z = 0, T10 below.
  const auto levels = Rasterise(size, spacing, d, origin, [&](const auto & p) {
    return inCord(p) ? (p[2] > 0.0 ? itk::SpinalLevels::FromName("T9") : itk::SpinalLevels::FromName("T10")) : 0u;
  });
  const auto t1post = ValuesFrom(focus, [](unsigned int f) { return f ? 190.0f : 100.0f; });
  const auto m = MeasureLesions(focus, t1post, cord, levels);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NEAR(m[0].meanEnhancementRatio, 1.9, 1e-6);
  EXPECT_NEAR(m[0].peakEnhancementRatio, 1.9, 1e-6);
  EXPECT_EQ(m[0].levels, "T9-T10");
  const auto region = MeasureRegion(cord, levels);
  EXPECT_EQ(region.segments, 2);
  EXPECT_EQ(region.levels, "T9-T10");
  EXPECT_NEAR(region.craniocaudalExtentMm, 60 * 0.6, 1e-9);
  EXPECT_NEAR(region.volumeMm3, LabelVolume(cord), 1e-9);
}

TEST(Measurements, TruthMapsOfAPhantomGiveTheTruth)
{
  TemporaryDirectory dir;
  WritePhantomCase(MakePhantomCase("partial-response", 2, PhantomGrid::Test), dir.Path());
  const auto truth = nlohmann::json::parse(ReadText(dir / "truth.json"));
  for (const auto & tp : truth["timepoints"])
  {
    auto       path = [&](const char * map) { return dir / tp["truth_maps"][map].get<std::string>(); };
    const auto lesions = LoadLabelImage(path("lesions"));
    const auto cord = LoadLabelImage(path("cord"));
    const auto levels = LoadLabelImage(path("levels"));
    const auto t1post = LoadImage(dir / tp["images"]["t1post"].get<std::string>());
    const auto measured = MeasureLesions(lesions, t1post, cord, levels);
    ASSERT_EQ(measured.size(), tp["enhancing"]["lesions"].size());
    for (std::size_t i = 0; i < measured.size(); ++i)
    {
      const auto & t = tp["enhancing"]["lesions"][i];
      const auto & m = measured[i];
      SCOPED_TRACE(tp["label"].get<std::string>() + " lesion " + std::to_string(m.id));
      EXPECT_EQ(m.id, t["id"].get<unsigned int>());
      EXPECT_NEAR(m.volumeMm3, t["voxel_volume_mm3"].get<double>(), 1e-6 * m.volumeMm3);
      // The continuous diameter bounds what 3 mm sagittal slices can show: at worst the best slice is
      // 1.5 mm off the lesion's centre plane.
      const double analytic = t["sagittal_longest_diameter_mm"].get<double>();
      EXPECT_LE(m.sagittalLongestDiameterMm, analytic + 1.2);
      EXPECT_GE(m.sagittalLongestDiameterMm, 0.75 * analytic);
      EXPECT_NEAR(m.sagittalLongestDiameterMm, t["voxel_sagittal_longest_diameter_mm"].get<double>(),
                  1e-4); // float I/O
      EXPECT_EQ(m.ranoMeasurable, t["voxel_rano_bm_measurable"].get<bool>());
      EXPECT_NEAR(m.longestDiameter3dMm, t["longest_diameter_3d_mm"].get<double>(), 1.2);
      EXPECT_EQ(m.levels, t["levels"].get<std::string>());
      EXPECT_GT(m.meanEnhancementRatio, 1.4);
      for (unsigned int d = 0; d < 3; ++d)
      {
        EXPECT_NEAR(m.centroidLps[d], t["centroid_lps"][d].get<double>(), 0.7);
      }
    }
    const auto edema = MeasureRegion(LoadLabelImage(path("edema")), levels);
    EXPECT_NEAR(edema.volumeMm3, tp["edema"]["voxel_volume_mm3"].get<double>(), 1e-6 * edema.volumeMm3);
    EXPECT_NEAR(edema.craniocaudalExtentMm, tp["edema"]["craniocaudal_extent_mm"].get<double>(), 1e-4);
    EXPECT_EQ(edema.levels, tp["edema"]["levels"].get<std::string>());
    // The visible (voxelised) extent misses only the thinnest fusiform tips of the analytic region.
    EXPECT_LE(edema.craniocaudalExtentMm, tp["edema"]["analytic_craniocaudal_extent_mm"].get<double>() + 1.0);
    EXPECT_GE(edema.craniocaudalExtentMm, tp["edema"]["analytic_craniocaudal_extent_mm"].get<double>() - 15.0);
  }
}

} // namespace cordresponse::test
