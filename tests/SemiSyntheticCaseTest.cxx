// The accuracy-sweep knobs of the phantom (slice thickness) and the semi-synthetic real-anatomy case
// (testdata/RealAnatomyCase.h; skipped when ../shared is absent).
#include "RealAnatomyCase.h"
#include "TestUtilities.h"

#include "cordresponse/Case.h"
#include "cordresponse/Evaluation.h"
#include "cordresponse/Phantom.h"
#include "cordresponse/SegmentationMetrics.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace fs = std::filesystem;
using namespace cordresponse;

TEST(PhantomSliceThickness, OverridesTheSliceSpacingAndKeepsTheFieldOfView)
{
  PhantomCase c = MakePhantomCase("seed", 1, PhantomGrid::Test);
  const auto  reference = ExamGeometry(c, 0);
  EXPECT_DOUBLE_EQ(reference.spacing[2], 3.0);
  EXPECT_EQ(reference.size[2], 16u);
  for (const auto & [thickness, slices] : { std::pair<double, unsigned int>{ 1.5, 32 }, { 4.5, 11 } })
  {
    c.sliceThickness = thickness;
    for (std::size_t t = 0; t < c.timepoints.size(); ++t)
    {
      const auto g = ExamGeometry(c, t);
      EXPECT_DOUBLE_EQ(g.spacing[2], thickness);
      EXPECT_DOUBLE_EQ(g.spacing[0], 0.6);
      EXPECT_EQ(g.size[2], slices);
      EXPECT_EQ(g.size[0], reference.size[0]);
      // Same centre of the field of view (the grid is centred on it).
      const auto rc = ExamGeometry(MakePhantomCase("seed", 1, PhantomGrid::Test), t);
      for (unsigned int r = 0; r < 3; ++r)
      {
        double a = g.origin[r], b = rc.origin[r];
        for (unsigned int d = 0; d < 3; ++d)
        {
          a += g.direction(r, d) * g.spacing[d] * 0.5 * (g.size[d] - 1.0);
          b += rc.direction(r, d) * rc.spacing[d] * 0.5 * (rc.size[d] - 1.0);
        }
        EXPECT_NEAR(a, b, 1e-9);
      }
    }
  }
}

TEST(PhantomSliceThickness, RendersOnTheThickerGrid)
{
  test::TemporaryDirectory dir;
  PhantomCase              c = MakePhantomCase("seed", 1, PhantomGrid::Test);
  c.sliceThickness = 4.5;
  c.timepoints.resize(1);
  c.changes.clear();
  WritePhantomCase(c, dir.Path());
  const auto t1post = LoadImage(dir / "baseline/t1post.nii.gz");
  EXPECT_NEAR(t1post->GetSpacing()[2], 4.5, 1e-4);
  EXPECT_EQ(t1post->GetLargestPossibleRegion().GetSize()[2], 11u);
  const auto lesions = LoadLabelImage(dir / "truth/baseline_lesions.nii.gz");
  EXPECT_TRUE(test::SameGeometry(t1post, lesions));
  EXPECT_GT(ComputeLabelStatistics(lesions).size(), 0u);
}

TEST(RealAnatomyCase, InsertsKnownFociIntoTheRealCordAndMovesThemByTheTruthTransform)
{
  const fs::path shared = test::SharedDataDirectory();
  if (shared.empty())
  {
    GTEST_SKIP() << "../shared/data/sct-testing-data is absent";
  }
  test::TemporaryDirectory dir;
  const auto               summary = WriteRealAnatomyCase(shared, dir.Path());
  EXPECT_GT(summary.baselineFociVolumesMm3[0], 100.0);
  EXPECT_GT(summary.baselineFociVolumesMm3[1], 20.0);
  // Focus 1 shrinks by about 75% in volume (clipped to the cord and voxelised: 60-90%).
  const double ratio = summary.followupFocusVolumeMm3 / summary.baselineFociVolumesMm3[0];
  EXPECT_GT(ratio, 0.1);
  EXPECT_LT(ratio, 0.4);

  // The case file loads, and every truth lesion is inside the truth cord.
  const CaseInputs inputs = LoadCaseFile(dir / "case.json");
  ASSERT_EQ(inputs.timepoints.size(), 2u);
  const auto baseLesions = LoadLabelImage(dir / "truth/baseline_lesions.nii.gz");
  const auto followLesions = LoadLabelImage(dir / "truth/followup_lesions.nii.gz");
  for (const std::string label : { "baseline", "followup" })
  {
    const auto lesions = LoadLabelImage(dir / ("truth/" + label + "_lesions.nii.gz"));
    const auto cord = LoadLabelImage(dir / ("truth/" + label + "_cord.nii.gz"));
    for (std::size_t k = 0; k < lesions->GetPixelContainer()->Size(); ++k)
    {
      if (lesions->GetBufferPointer()[k])
      {
        ASSERT_NE(cord->GetBufferPointer()[k], 0) << label;
      }
    }
  }

  // The T1 images and the focus truth are on the real T1w grid, the T2 image and the edema truth on the T2 grid.
  const auto t1w = LoadImage(shared / "t1/t1w.nii.gz");
  const auto t2 = LoadImage(shared / "t2/t2.nii.gz");
  for (const std::string label : { "baseline", "followup" })
  {
    EXPECT_TRUE(SameGrid(LoadImage(dir / (label + "/t1pre.nii.gz")), t1w)) << label;
    EXPECT_TRUE(SameGrid(LoadImage(dir / (label + "/t1post.nii.gz")), t1w)) << label;
    EXPECT_TRUE(SameGrid(LoadImage(dir / (label + "/t2.nii.gz")), t2)) << label;
    EXPECT_TRUE(SameGrid(LoadLabelImage(dir / ("truth/" + label + "_lesions.nii.gz")), t1w)) << label;
    EXPECT_TRUE(SameGrid(LoadLabelImage(dir / ("truth/" + label + "_edema.nii.gz")), t2)) << label;
  }
  EXPECT_GT(summary.baselineEdemaVolumeMm3, 1000.0);

  // Enhancement: in focus 1, T1 post / T1 pre is about 1.9; outside the foci about 1.
  const auto pre = LoadImage(dir / "baseline/t1pre.nii.gz");
  const auto post = LoadImage(dir / "baseline/t1post.nii.gz");
  double     sumPre = 0, sumPost = 0;
  for (std::size_t k = 0; k < pre->GetPixelContainer()->Size(); ++k)
  {
    if (baseLesions->GetBufferPointer()[k] == 1)
    {
      sumPre += pre->GetBufferPointer()[k];
      sumPost += post->GetBufferPointer()[k];
    }
  }
  EXPECT_NEAR(sumPost / sumPre, 1.9, 0.1);

  // The truth matrix maps the baseline centroid of focus 1 onto its follow-up centroid (same centre, shrunk).
  std::ifstream in(dir / "truth.json");
  const auto    truth = nlohmann::json::parse(in);
  const auto &  rows = truth["timepoints"][1]["followup_to_baseline"]["matrix_lps"];
  Matrix4       m{};
  for (unsigned int r = 0; r < 4; ++r)
  {
    for (unsigned int c = 0; c < 4; ++c)
    {
      m[r][c] = rows[r][c].get<double>();
    }
  }
  const auto base = ComputeLabelStatistics(baseLesions);
  const auto follow = ComputeLabelStatistics(followLesions);
  ASSERT_EQ(base.size(), 2u);
  ASSERT_EQ(follow.size(), 1u); // focus 2 resolved
  ASSERT_EQ(base[0].label, 1);
  ASSERT_EQ(follow[0].label, 1);
  const auto moved = Apply(m, base[0].centroid);
  EXPECT_LT(moved.EuclideanDistanceTo(follow[0].centroid), 1.5);
}
