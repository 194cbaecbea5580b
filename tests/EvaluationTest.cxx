// The accuracy evaluator (`cordresponse evaluate`) and the segmentation metrics it is built on, on
// hand-made cases whose right score is known: perfect, empty, shifted, extra blob, registration off by a
// translation or a rotation, wrong response, another grid, bad inputs, and a real phantom through the CLI.
#include "TestUtilities.h"

#include "cordresponse/Errors.h"
#include "cordresponse/Evaluation.h"
#include "cordresponse/Phantom.h"
#include "cordresponse/SegmentationMetrics.h"

#include "itkMath.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>

namespace cordresponse::test {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {
using Index = LabelImageType::IndexType;
using Size = LabelImageType::SizeType;

// The hand-made grid: anisotropic spacing (as clinical sagittal T1: thick slices), off-zero origin.
const Size                  GridSize{ { 24, 20, 10 } };
const std::array<double, 3> GridSpacing{ { 0.6, 0.8, 3.0 } };
const std::array<double, 3> GridOrigin{ { -5.0, 10.0, -20.0 } };

LabelImageType::Pointer
Blank(const Size &                  size = GridSize,
      const std::array<double, 3> & spacing = GridSpacing,
      const std::array<double, 3> & origin = GridOrigin)
{
  auto image = LabelImageType::New();
  image->SetRegions(LabelImageType::RegionType(size));
  image->SetSpacing(spacing.data());
  image->SetOrigin(origin.data());
  image->Allocate();
  image->FillBuffer(0);
  return image;
}

/** Set the voxels of the box [lo, hi] (inclusive corners) to `value`. */
void
Fill(LabelImageType * image, const Index & lo, const Index & hi, LabelImageType::PixelType value = 1)
{
  for (auto k = lo[2]; k <= hi[2]; ++k)
  {
    for (auto j = lo[1]; j <= hi[1]; ++j)
    {
      for (auto i = lo[0]; i <= hi[0]; ++i)
      {
        image->SetPixel({ { i, j, k } }, value);
      }
    }
  }
}

LabelImageType::Pointer
Box(const Index & lo, const Index & hi, LabelImageType::PixelType value = 1)
{
  auto image = Blank();
  Fill(image, lo, hi, value);
  return image;
}

LabelImageType::Pointer
Copy(const LabelImageType * image)
{
  auto copy = LabelImageType::New();
  copy->CopyInformation(image);
  copy->SetRegions(image->GetLargestPossibleRegion());
  copy->Allocate();
  std::copy(image->GetBufferPointer(), image->GetBufferPointer() + image->GetPixelContainer()->Size(),
            copy->GetBufferPointer());
  return copy;
}

Matrix4
Translation(double x, double y, double z)
{
  return { { { 1, 0, 0, x }, { 0, 1, 0, y }, { 0, 0, 1, z }, { 0, 0, 0, 1 } } };
}

json
MatrixJson(const Matrix4 & m)
{
  json rows = json::array();
  for (const auto & row : m)
  {
    rows.push_back(json(row));
  }
  return rows;
}

struct TimepointMaps
{
  std::string             label;
  LabelImageType::Pointer cord, lesions, edema; // a null map is "not produced" in a result
};

/** A two-timepoint truth: cord, two lesions (1: 4x4x3 voxels = 69 mm^3; 2: 3x3x2 voxels = 25.9 mm^3, an
 *  equivalent diameter of 3.67 mm) and edema at baseline; at follow-up lesion 1 has shrunk and 2 resolved. */
struct HandMadeCase
{
  std::vector<TimepointMaps> timepoints;
  Matrix4                    followupToBaseline = Translation(1.0, -2.0, 0.5);
  double                     lesion1AnalyticVolume = 70.0;
};

HandMadeCase
StandardCase()
{
  HandMadeCase c;
  auto         baselineLesions = Box({ { 6, 5, 3 } }, { { 9, 8, 5 } }, 1);
  Fill(baselineLesions, { { 13, 11, 5 } }, { { 15, 13, 6 } }, 2);
  c.timepoints.push_back(
    { "baseline", Box({ { 4, 3, 1 } }, { { 19, 16, 8 } }), baselineLesions, Box({ { 5, 4, 2 } }, { { 17, 15, 7 } }) });
  c.timepoints.push_back({ "followup", Box({ { 4, 3, 1 } }, { { 19, 16, 8 } }),
                           Box({ { 6, 5, 3 } }, { { 8, 7, 4 } }, 1), Box({ { 6, 5, 3 } }, { { 12, 10, 5 } }) });
  return c;
}

/** Write the maps of one timepoint as <dir>/<prefix><label>_<structure>.nii.gz; returns {structure: path}
 *  with paths relative to `relativeTo`. */
json
WriteMaps(const TimepointMaps & t, const fs::path & dir, const fs::path & relativeTo)
{
  json                                                  paths = json::object();
  const std::pair<const char *, const LabelImageType *> maps[] = { { "cord", t.cord },
                                                                   { "lesions", t.lesions },
                                                                   { "edema", t.edema } };
  for (const auto & m : maps)
  {
    if (m.second != nullptr)
    {
      const fs::path file = dir / (t.label + "_" + m.first + ".nii.gz");
      SaveLabelImage(m.second, file);
      paths[m.first] = fs::relative(file, relativeTo).string();
    }
  }
  return paths;
}

void
WriteTruth(const HandMadeCase & c, const fs::path & dir)
{
  json timepoints = json::array();
  for (std::size_t i = 0; i < c.timepoints.size(); ++i)
  {
    json tp = { { "label", c.timepoints[i].label }, { "truth_maps", WriteMaps(c.timepoints[i], dir / "truth", dir) } };
    if (i == 0)
    {
      tp["enhancing"] = { { "lesions", { { { "id", 1 }, { "analytic_volume_mm3", c.lesion1AnalyticVolume } } } } };
    }
    else
    {
      tp["followup_to_baseline"] = { { "matrix_lps", MatrixJson(c.followupToBaseline) } };
    }
    timepoints.push_back(tp);
  }
  const json truth = { { "format", "cordresponse-phantom-truth" },
                       { "version", 1 },
                       { "timepoints", timepoints },
                       { "expected_response",
                         { { { "timepoint", "followup" },
                             { "rano_bm", "PR" },
                             { "volumetric", "PR" },
                             { "enhancing_volume_pct", -70.0 } } } } };
  WriteText(dir / "truth.json", truth.dump(2));
}

/** A result report whose timepoints hold `maps` (written under <out>/maps), a registration and a response
 *  (for the follow-up, when given). */
json
ResultReport(const std::vector<TimepointMaps> & maps,
             const fs::path &                   out,
             const std::optional<Matrix4> &     registration,
             const std::string &                ranoBm = "PR",
             const std::string &                volumetric = "PR")
{
  json timepoints = json::array();
  for (const auto & t : maps)
  {
    json tp = { { "label", t.label }, { "outputs", WriteMaps(t, out / "maps", out) } };
    if (t.label == "followup")
    {
      if (registration)
      {
        tp["registration_to_baseline"] = { { "matrix_lps", MatrixJson(*registration) } };
      }
      tp["response"] = { { "rano_bm", { { "category", ranoBm } } },
                         { "volumetric", { { "category", volumetric }, { "volume_pct_vs_baseline", -64.5 } } } };
    }
    timepoints.push_back(tp);
  }
  return { { "format", "cordresponse-report" }, { "timepoints", timepoints } };
}

std::vector<TimepointMaps>
EmptyMaps(const HandMadeCase & c)
{
  std::vector<TimepointMaps> maps;
  for (const auto & t : c.timepoints)
  {
    maps.push_back({ t.label, Blank(), Blank(), Blank() });
  }
  return maps;
}

const StructureEvaluation &
Structure(const TimepointEvaluation & t, const std::string & name)
{
  for (const auto & s : t.structures)
  {
    if (s.name == name)
    {
      return s;
    }
  }
  throw std::runtime_error("no structure " + name);
}

/** Expect `f` to throw an InputError naming `file` whose message contains `problem`. */
void
ExpectInputError(const std::function<void()> & f, const fs::path & file, const std::string & problem)
{
  try
  {
    f();
    ADD_FAILURE() << "no InputError for " << file;
  }
  catch (const InputError & e)
  {
    EXPECT_EQ(e.File(), file) << e.what();
    EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what() << "\nexpected: " << problem;
  }
}

/** Surface voxels and surface distances computed by brute force (an independent reference). */
std::vector<Index>
BruteForceSurface(const LabelImageType * mask)
{
  std::vector<Index> surface;
  const auto         size = mask->GetLargestPossibleRegion().GetSize();
  for (long k = 0; k < static_cast<long>(size[2]); ++k)
  {
    for (long j = 0; j < static_cast<long>(size[1]); ++j)
    {
      for (long i = 0; i < static_cast<long>(size[0]); ++i)
      {
        const Index index{ { i, j, k } };
        if (mask->GetPixel(index) == 0)
        {
          continue;
        }
        bool boundary = false;
        for (unsigned int d = 0; d < 3; ++d)
        {
          for (int step : { -1, 1 })
          {
            Index n = index;
            n[d] += step;
            boundary = boundary || !mask->GetLargestPossibleRegion().IsInside(n) || mask->GetPixel(n) == 0;
          }
        }
        if (boundary)
        {
          surface.push_back(index);
        }
      }
    }
  }
  return surface;
}

std::vector<double>
BruteForceDistances(const LabelImageType * from, const LabelImageType * to)
{
  const auto          a = BruteForceSurface(from);
  const auto          b = BruteForceSurface(to);
  const auto          spacing = from->GetSpacing();
  std::vector<double> distances;
  for (const auto & p : a)
  {
    double best = 1e300;
    for (const auto & q : b)
    {
      double d2 = 0.0;
      for (unsigned int d = 0; d < 3; ++d)
      {
        d2 += std::pow((p[d] - q[d]) * spacing[d], 2);
      }
      best = std::min(best, std::sqrt(d2));
    }
    distances.push_back(best);
  }
  return distances;
}

class Evaluation : public ::testing::Test
{
protected:
  void
  SetUp() override
  {
    WriteTruth(m_Case, CaseDir());
  }
  fs::path
  CaseDir() const
  {
    return m_Directory / "case";
  }
  fs::path
  OutDir() const
  {
    return m_Directory / "out";
  }
  void
  WriteReport(const json & report) const
  {
    fs::create_directories(OutDir());
    WriteText(OutDir() / "report.json", report.dump(2));
  }
  CaseEvaluation
  Evaluate(const json & report) const
  {
    WriteReport(report);
    return EvaluateCase(CaseDir(), OutDir());
  }

  TemporaryDirectory m_Directory;
  HandMadeCase       m_Case = StandardCase();
};
} // namespace

// ---------------------------------------------------------------------------------------------------------
// Segmentation metrics
// ---------------------------------------------------------------------------------------------------------

TEST(SegmentationMetrics, QuantileInterpolatesBetweenClosestRanks)
{
  EXPECT_DOUBLE_EQ(*Quantile({ 4, 0, 3, 1, 2 }, 0.95), 3.8);
  EXPECT_DOUBLE_EQ(*Quantile({ 4, 0, 3, 1, 2 }, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(*Quantile({ 7 }, 0.95), 7.0);
  EXPECT_FALSE(Quantile({}, 0.95).has_value());
}

TEST(SegmentationMetrics, BoxShiftedByOneVoxelAlongEachAxis)
{
  // A 6 x 5 x 4 voxel box shifted by one voxel along axis a keeps (n_a - 1)/n_a of its voxels: Dice is
  // 2 (n_a - 1) n_b n_c / (2 n_a n_b n_c) = (n_a - 1) / n_a. Every surface voxel is either on both surfaces
  // (distance 0) or at most one voxel step along a away, and the whole face leaving the box (more than 5 % of
  // the surface) is exactly one step away: HD95 = the spacing along a.
  const Index lo{ { 5, 4, 2 } };
  const Index hi{ { 10, 8, 5 } };
  const Size  n{ { 6, 5, 4 } };
  const auto  truth = Box(lo, hi);
  for (unsigned int a = 0; a < 3; ++a)
  {
    Index shiftedLo = lo, shiftedHi = hi;
    ++shiftedLo[a];
    ++shiftedHi[a];
    const auto result = Box(shiftedLo, shiftedHi);
    const auto m = CompareMasks(truth, result);
    EXPECT_DOUBLE_EQ(m.dice, (n[a] - 1.0) / n[a]) << "axis " << a;
    EXPECT_DOUBLE_EQ(Dice(truth, result), m.dice);
    ASSERT_TRUE(m.hausdorff95.has_value());
    EXPECT_NEAR(*m.hausdorff95, GridSpacing[a], 1e-5) << "axis " << a;
    EXPECT_EQ(m.truthVoxels, 120u);
    EXPECT_EQ(m.intersectionVoxels, 120u / n[a] * (n[a] - 1));
    EXPECT_NEAR(m.truthVolume, 120 * 0.6 * 0.8 * 3.0, 1e-9);
    EXPECT_DOUBLE_EQ(m.VolumeError(), 0.0);
    EXPECT_DOUBLE_EQ(*m.VolumeErrorPercent(), 0.0);
  }
}

TEST(SegmentationMetrics, SurfaceDistancesMatchBruteForce)
{
  // Irregular shapes (a notched box touching the image edge, and an ellipsoid) against an exhaustive search.
  auto a = Box({ { 0, 2, 1 } }, { { 12, 14, 6 } });
  Fill(a, { { 4, 6, 3 } }, { { 12, 9, 6 } }, 0);
  auto b = Blank();
  for (long k = 0; k < 10; ++k)
  {
    for (long j = 0; j < 20; ++j)
    {
      for (long i = 0; i < 24; ++i)
      {
        if (std::pow((i - 14) / 6.0, 2) + std::pow((j - 9) / 7.0, 2) + std::pow((k - 4) / 3.0, 2) <= 1.0)
        {
          b->SetPixel({ { i, j, k } }, 1);
        }
      }
    }
  }
  for (const auto & pair : { std::make_pair(a, b), std::make_pair(b, a) })
  {
    auto fast = SurfaceDistances(pair.first, pair.second);
    auto slow = BruteForceDistances(pair.first, pair.second);
    ASSERT_EQ(fast.size(), slow.size());
    for (std::size_t i = 0; i < fast.size(); ++i)
    {
      EXPECT_NEAR(fast[i], slow[i], 1e-4) << "voxel " << i;
    }
  }
  std::vector<double> pooled = BruteForceDistances(a, b);
  const auto          back = BruteForceDistances(b, a);
  pooled.insert(pooled.end(), back.begin(), back.end());
  EXPECT_NEAR(*HausdorffDistance95(a, b), *Quantile(pooled, 0.95), 1e-4);
  EXPECT_GT(*HausdorffDistance95(a, b), 1.0);
}

TEST(SegmentationMetrics, EmptyMasks)
{
  const auto empty = Blank();
  const auto box = Box({ { 5, 5, 2 } }, { { 8, 8, 4 } });
  EXPECT_DOUBLE_EQ(Dice(empty, empty), 1.0);
  EXPECT_DOUBLE_EQ(*HausdorffDistance95(empty, empty), 0.0);
  EXPECT_DOUBLE_EQ(Dice(box, empty), 0.0);
  EXPECT_FALSE(HausdorffDistance95(box, empty).has_value());
  EXPECT_FALSE(HausdorffDistance95(empty, box).has_value());
  const auto m = CompareMasks(box, empty);
  EXPECT_DOUBLE_EQ(*m.VolumeErrorPercent(), -100.0);
  EXPECT_FALSE(CompareMasks(empty, box).VolumeErrorPercent().has_value());
  // An empty label map made on a grid: that grid, nothing in it.
  const auto made = EmptyLabelMap(box);
  EXPECT_TRUE(SameGrid(made, box));
  EXPECT_EQ(CountForeground(made), 0u);
}

TEST(SegmentationMetrics, ComponentsStatisticsAndResampling)
{
  auto mask = Box({ { 2, 2, 2 } }, { { 3, 3, 2 } });
  mask->SetPixel({ { 4, 4, 3 } }, 1); // touches the first box by a corner only: same 26-component
  Fill(mask, { { 10, 10, 5 } }, { { 11, 10, 5 } });
  const auto components = ConnectedComponents26(mask);
  const auto stats = ComputeLabelStatistics(components);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].voxelCount + stats[1].voxelCount, 7u);
  const auto & pair = stats[0].voxelCount == 2 ? stats[0] : stats[1];
  EXPECT_NEAR(pair.centroid[0], GridOrigin[0] + 10.5 * GridSpacing[0], 1e-9);
  EXPECT_NEAR(pair.centroid[1], GridOrigin[1] + 10.0 * GridSpacing[1], 1e-9);
  EXPECT_NEAR(pair.centroid[2], GridOrigin[2] + 5.0 * GridSpacing[2], 1e-9);
  EXPECT_NEAR(pair.volume, 2 * 0.6 * 0.8 * 3.0, 1e-9);

  // The same box on a grid of half the spacing (same origin): back on the coarse grid it is unchanged.
  const auto coarse = Box({ { 5, 4, 2 } }, { { 10, 8, 5 } }, 7);
  auto       fine = Blank({ { 50, 42, 22 } }, { { 0.3, 0.4, 1.5 } });
  Fill(fine, { { 10, 8, 4 } }, { { 21, 17, 11 } }, 7);
  EXPECT_FALSE(SameGrid(coarse, fine));
  const auto back = ResampleToGrid(fine, coarse);
  EXPECT_TRUE(SameGrid(coarse, back));
  EXPECT_DOUBLE_EQ(Dice(coarse, back), 1.0);
  EXPECT_EQ(back->GetPixel({ { 5, 4, 2 } }), 7);
}

TEST(SegmentationMetrics, LesionMatchingRule)
{
  auto truth = Box({ { 6, 5, 3 } }, { { 9, 8, 5 } }, 1);
  Fill(truth, { { 13, 11, 5 } }, { { 15, 13, 6 } }, 2);
  // Prediction 4 overlaps lesion 1; prediction 5 touches lesion 2 without overlap, centroid 1.5 mm away
  // (within 3 mm); prediction 6 is far (> 12 mm) from both: a false positive.
  auto predicted = Box({ { 8, 7, 4 } }, { { 10, 9, 5 } }, 4);
  Fill(predicted, { { 16, 11, 5 } }, { { 17, 13, 6 } }, 5);
  Fill(predicted, { { 1, 1, 8 } }, { { 1, 1, 8 } }, 6);
  TruthLesionFacts facts;
  facts.analyticVolumes[2] = 26.0;
  const auto score = MatchLesions(truth, predicted, facts);
  EXPECT_EQ(score.truthLesions, 2u);
  EXPECT_EQ(score.predictedLesions, 3u);
  EXPECT_EQ(score.truePositives, 2u);
  EXPECT_EQ(score.falseNegatives, 0u);
  EXPECT_EQ(score.falsePositives, 1u);
  EXPECT_EQ(score.falsePositiveIds, std::vector<unsigned int>{ 6 });
  EXPECT_FALSE(score.predictedFromComponents);
  ASSERT_EQ(score.lesions.size(), 2u);
  EXPECT_EQ(score.lesions[0].matchedBy, "overlap");
  EXPECT_EQ(score.lesions[0].matchedIds, std::vector<unsigned int>{ 4 });
  // Lesion 1 (48 voxels) and prediction 4 (18 voxels) share 2 x 2 x 2 = 8 voxels.
  EXPECT_DOUBLE_EQ(score.lesions[0].dice, 2.0 * 8 / (48 + 18));
  EXPECT_NEAR(*score.lesions[0].VolumeErrorPercent(), 100.0 * (18 - 48) / 48.0, 1e-9);
  EXPECT_FALSE(score.lesions[0].analyticVolume.has_value());
  EXPECT_EQ(score.lesions[1].matchedBy, "centroid distance");
  EXPECT_EQ(score.lesions[1].matchedIds, std::vector<unsigned int>{ 5 });
  EXPECT_DOUBLE_EQ(score.lesions[1].dice, 0.0);
  EXPECT_DOUBLE_EQ(*score.lesions[1].analyticVolume, 26.0);

  // Moved 3.6 mm away instead (6 voxels of 0.6 mm), lesion 2 is missed and the prediction is a false positive.
  auto farther = Box({ { 8, 7, 4 } }, { { 10, 9, 5 } }, 4);
  Fill(farther, { { 20, 11, 5 } }, { { 20, 13, 6 } }, 5);
  const auto missed = MatchLesions(truth, farther);
  EXPECT_EQ(missed.truePositives, 1u);
  EXPECT_EQ(missed.falseNegatives, 1u);
  EXPECT_EQ(missed.falsePositiveIds, std::vector<unsigned int>{ 5 });
  EXPECT_DOUBLE_EQ(*missed.Sensitivity(), 0.5);
}

TEST(SegmentationMetrics, ATruthLesionWithoutAVoxelIsMatchedByItsCentroid)
{
  // Truth lesion 1 owns voxels; lesion 3 (a 2 mm focus) covers less than half of every voxel, so the truth map
  // has none of it: only truth.json knows its centroid. A prediction at it is a detection, not a false positive.
  const auto truth = Box({ { 6, 5, 3 } }, { { 9, 8, 5 } }, 1);
  auto       predicted = Box({ { 6, 5, 3 } }, { { 9, 8, 5 } }, 1);
  Fill(predicted, { { 20, 15, 5 } }, { { 21, 15, 5 } }, 2);
  itk::Point<double, 3> centre; // 1 mm from the prediction's centroid (index 20.5, 15, 5)
  for (unsigned int d = 0; d < 3; ++d)
  {
    centre[d] = GridOrigin[d] + (d == 0 ? 20.5 : (d == 1 ? 15.0 : 5.0)) * GridSpacing[d] + (d == 0 ? 1.0 : 0.0);
  }
  nlohmann::json timepoint;
  timepoint["enhancing"]["lesions"] = nlohmann::json::array(
    { { { "id", 3 }, { "analytic_volume_mm3", 4.2 }, { "centroid_lps", { centre[0], centre[1], centre[2] } } } });
  const auto facts = ReadTruthLesionFacts(timepoint);
  ASSERT_EQ(facts.centroids.count(3), 1u);
  EXPECT_DOUBLE_EQ(facts.analyticVolumes.at(3), 4.2);

  const auto score = MatchLesions(truth, predicted, facts);
  EXPECT_EQ(score.truthLesions, 2u);
  EXPECT_EQ(score.truePositives, 2u);
  EXPECT_EQ(score.falsePositives, 0u);
  ASSERT_EQ(score.lesions.size(), 2u);
  EXPECT_EQ(score.lesions[1].id, 3u);
  EXPECT_EQ(score.lesions[1].matchedBy, "centroid distance");
  EXPECT_EQ(score.lesions[1].matchedIds, std::vector<unsigned int>{ 2 });
  EXPECT_DOUBLE_EQ(score.lesions[1].truthVolume, 0.0);
  EXPECT_FALSE(score.lesions[1].VolumeErrorPercent().has_value());
  EXPECT_DOUBLE_EQ(score.lesions[1].dice, 0.0);

  // Without the truth facts the same prediction is a false positive; with nothing predicted there, lesion 3
  // is a miss (and its empty Dice is 0, not 0/0).
  EXPECT_EQ(MatchLesions(truth, predicted).falsePositiveIds, std::vector<unsigned int>{ 2 });
  const auto missed = MatchLesions(truth, truth, facts);
  EXPECT_EQ(missed.falseNegatives, 1u);
  EXPECT_DOUBLE_EQ(missed.lesions[1].dice, 0.0);
  // A centroid given for a lesion the map holds changes nothing.
  TruthLesionFacts mapped;
  mapped.centroids[1] = centre;
  EXPECT_EQ(MatchLesions(truth, predicted, mapped).falsePositiveIds, std::vector<unsigned int>{ 2 });
}

TEST(SegmentationMetrics, GridMismatchIsRejected)
{
  const auto a = Blank();
  const auto b = Blank({ { 10, 10, 10 } });
  EXPECT_THROW(Dice(a, b), std::invalid_argument);
  EXPECT_THROW(MatchLesions(a, b), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------------------
// The evaluator on hand-made cases
// ---------------------------------------------------------------------------------------------------------

TEST_F(Evaluation, PerfectResultScoresPerfectly)
{
  const auto e = Evaluate(ResultReport(m_Case.timepoints, OutDir(), m_Case.followupToBaseline));
  ASSERT_EQ(e.timepoints.size(), 2u);
  for (const auto & t : e.timepoints)
  {
    for (const auto & s : t.structures)
    {
      EXPECT_TRUE(s.produced);
      EXPECT_FALSE(s.resampled);
      EXPECT_DOUBLE_EQ(s.metrics.dice, 1.0) << t.label << " " << s.name;
      EXPECT_DOUBLE_EQ(*s.metrics.hausdorff95, 0.0) << t.label << " " << s.name;
      EXPECT_DOUBLE_EQ(*s.metrics.VolumeErrorPercent(), 0.0);
    }
    EXPECT_EQ(t.detection.falseNegatives, 0u);
    EXPECT_EQ(t.detection.falsePositives, 0u);
    for (const auto & l : t.detection.lesions)
    {
      EXPECT_TRUE(l.detected);
      EXPECT_DOUBLE_EQ(l.dice, 1.0);
      EXPECT_EQ(l.matchedIds, std::vector<unsigned int>{ l.id }); // ids were copied
    }
  }
  EXPECT_EQ(e.timepoints[0].detection.truePositives, 2u);
  EXPECT_EQ(e.timepoints[1].detection.truePositives, 1u);
  // NIfTI stores the spacing as 32-bit floats: 0.6 mm reads back as 0.6000000238 mm.
  EXPECT_NEAR(Structure(e.timepoints[0], "lesions").metrics.truthVolume, 66 * 0.6 * 0.8 * 3.0, 1e-4);
  // Lesion 1's analytic volume comes from truth.json; lesion 2 has none there (voxel volume is used).
  EXPECT_DOUBLE_EQ(*e.timepoints[0].detection.lesions[0].analyticVolume, 70.0);
  EXPECT_FALSE(e.timepoints[0].detection.lesions[1].analyticVolume.has_value());
  // Targets: both baseline lesions are >= 3 mm in equivalent diameter, only lesion 1 is >= 30 mm^3.
  EXPECT_EQ(e.timepoints[0].targets.lesionsAtLeast3mm, 2u);
  EXPECT_EQ(e.timepoints[0].targets.lesionsAtLeast30mm3, 1u);
  EXPECT_DOUBLE_EQ(*e.timepoints[0].targets.meanDiceAtLeast30mm3, 1.0);

  ASSERT_EQ(e.registration.size(), 1u);
  EXPECT_TRUE(e.registration[0].reported);
  EXPECT_EQ(e.registration[0].error.points, 16u * 14u * 8u); // the baseline cord box
  EXPECT_NEAR(*e.registration[0].error.mean, 0.0, 1e-12);
  EXPECT_NEAR(*e.registration[0].error.max, 0.0, 1e-12);
  ASSERT_EQ(e.response.size(), 1u);
  EXPECT_EQ(e.response[0].ranoBm.Correct(), std::optional<bool>(true));
  EXPECT_EQ(e.response[0].volumetric.Correct(), std::optional<bool>(true));
  // Volume change: reported -64.5% against the truth's -70%.
  EXPECT_DOUBLE_EQ(*e.response[0].enhancingVolumePercent.DifferencePoints(), 5.5);

  const json j = ToJson(e);
  EXPECT_EQ(j["format"], "cordresponse-evaluation");
  EXPECT_DOUBLE_EQ(j["response"][0]["enhancing_volume_pct"]["difference_points"].get<double>(), 5.5);
  EXPECT_NE(FormatTable(e).find("-64.5% vs baseline, truth -70.0%: +5.5 percentage points"), std::string::npos);
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["detection_total"]["true_positives"], 3);
  EXPECT_EQ(j["detection_total"]["false_positives"], 0);
  EXPECT_EQ(j["summary"]["mean_dice"]["cord"], 1.0);
  EXPECT_EQ(j["summary"]["response"]["all_correct"], true);
  EXPECT_EQ(j["registration"][0]["mean_tre_mm"], 0.0);
  const std::string table = FormatTable(e);
  EXPECT_NE(table.find("TP 2, FN 0, FP 0"), std::string::npos) << table;
  EXPECT_NE(table.find("RANO-BM expected PR, reported PR: correct"), std::string::npos) << table;
}

TEST_F(Evaluation, EmptyResultMissesEverything)
{
  const auto e = Evaluate(ResultReport(EmptyMaps(m_Case), OutDir(), std::nullopt));
  for (const auto & t : e.timepoints)
  {
    for (const auto & s : t.structures)
    {
      EXPECT_TRUE(s.produced);
      EXPECT_DOUBLE_EQ(s.metrics.dice, 0.0) << t.label << " " << s.name;
      EXPECT_FALSE(s.metrics.hausdorff95.has_value());
      EXPECT_DOUBLE_EQ(*s.metrics.VolumeErrorPercent(), -100.0);
    }
    EXPECT_EQ(t.detection.truePositives, 0u);
    EXPECT_EQ(t.detection.falsePositives, 0u);
    EXPECT_EQ(t.detection.falseNegatives, t.detection.truthLesions);
  }
  EXPECT_EQ(e.TotalDetection().falseNegatives, 3u);
  EXPECT_DOUBLE_EQ(*e.TotalDetection().Sensitivity(), 0.0);
  EXPECT_FALSE(e.registration[0].reported);
  EXPECT_FALSE(e.registration[0].error.mean.has_value());
  const json j = ToJson(e);
  EXPECT_TRUE(j["timepoints"][0]["structures"]["cord"]["hd95_mm"].is_null());
  EXPECT_TRUE(j["registration"][0]["mean_tre_mm"].is_null());
  EXPECT_NE(FormatTable(e).find("n/a"), std::string::npos);
}

TEST_F(Evaluation, MissingOutputsAreNotProduced)
{
  std::vector<TimepointMaps> maps = { { "baseline", m_Case.timepoints[0].cord, nullptr, nullptr } };
  const auto                 e = Evaluate(ResultReport(maps, OutDir(), std::nullopt));
  EXPECT_TRUE(Structure(e.timepoints[0], "cord").produced);
  EXPECT_DOUBLE_EQ(Structure(e.timepoints[0], "cord").metrics.dice, 1.0);
  EXPECT_FALSE(Structure(e.timepoints[0], "edema").produced);
  EXPECT_DOUBLE_EQ(Structure(e.timepoints[0], "edema").metrics.dice, 0.0);
  EXPECT_FALSE(Structure(e.timepoints[1], "cord").produced); // the follow-up is absent from the report
  EXPECT_EQ(e.response[0].ranoBm.Correct(), std::optional<bool>(false));
  EXPECT_FALSE(e.response[0].ranoBm.reported.has_value());
  EXPECT_NE(FormatTable(e).find("(not produced)"), std::string::npos);
}

TEST_F(Evaluation, CordShiftedByOneSlice)
{
  auto maps = m_Case.timepoints;
  maps[0].cord = Box({ { 4, 3, 2 } }, { { 19, 16, 9 } }); // the 8-slice cord box moved by one 3 mm slice
  const auto   e = Evaluate(ResultReport(maps, OutDir(), m_Case.followupToBaseline));
  const auto & cord = Structure(e.timepoints[0], "cord").metrics;
  EXPECT_DOUBLE_EQ(cord.dice, 7.0 / 8.0);
  EXPECT_NEAR(*cord.hausdorff95, 3.0, 1e-5);
  EXPECT_DOUBLE_EQ(cord.VolumeError(), 0.0);
  EXPECT_DOUBLE_EQ(Structure(e.timepoints[0], "edema").metrics.dice, 1.0);
}

TEST_F(Evaluation, ExtraFalsePositiveBlob)
{
  auto maps = m_Case.timepoints;
  maps[0].lesions = Copy(m_Case.timepoints[0].lesions);
  Fill(maps[0].lesions, { { 17, 14, 8 } }, { { 18, 15, 8 } }, 9); // 4 voxels, far from both lesions
  const auto   e = Evaluate(ResultReport(maps, OutDir(), m_Case.followupToBaseline));
  const auto & d = e.timepoints[0].detection;
  EXPECT_EQ(d.truePositives, 2u);
  EXPECT_EQ(d.falseNegatives, 0u);
  EXPECT_EQ(d.falsePositives, 1u);
  EXPECT_EQ(d.falsePositiveIds, std::vector<unsigned int>{ 9 });
  EXPECT_DOUBLE_EQ(d.lesions[0].dice, 1.0); // per-lesion scores are unaffected
  // 66 truth voxels, 70 predicted, 66 shared.
  EXPECT_DOUBLE_EQ(Structure(e.timepoints[0], "lesions").metrics.dice, 2.0 * 66 / (66 + 70));
  EXPECT_EQ(e.TotalDetection().falsePositives, 1u);
}

TEST_F(Evaluation, BinaryLesionMapIsSplitIntoComponents)
{
  auto maps = m_Case.timepoints;
  maps[0].lesions = BinaryMask(m_Case.timepoints[0].lesions);
  Fill(maps[0].lesions, { { 17, 14, 8 } }, { { 18, 15, 8 } }, 1);
  const auto   e = Evaluate(ResultReport(maps, OutDir(), m_Case.followupToBaseline));
  const auto & d = e.timepoints[0].detection;
  EXPECT_TRUE(d.predictedFromComponents);
  EXPECT_EQ(d.predictedLesions, 3u);
  EXPECT_EQ(d.truePositives, 2u);
  EXPECT_EQ(d.falsePositives, 1u);
  EXPECT_DOUBLE_EQ(d.lesions[1].dice, 1.0);
}

TEST_F(Evaluation, RegistrationOffByTranslation)
{
  Matrix4 result = m_Case.followupToBaseline;
  result[0][3] += 3.0, result[1][3] += 4.0, result[2][3] += 12.0; // |(3, 4, 12)| = 13 mm
  const auto e = Evaluate(ResultReport(m_Case.timepoints, OutDir(), result));
  EXPECT_NEAR(*e.registration[0].error.mean, 13.0, 1e-9);
  EXPECT_NEAR(*e.registration[0].error.max, 13.0, 1e-9);
}

TEST_F(Evaluation, RegistrationOffByRotation)
{
  // Result = truth preceded by a 10 degree rotation about the cranio-caudal (z) axis through c: a point at
  // distance r from that axis moves along a chord of 2 r sin(theta / 2).
  const double theta = 10.0 * itk::Math::pi / 180.0;
  const double c[2] = { 0.0, 16.0 };
  const auto & t = m_Case.followupToBaseline;
  Matrix4      result = t;
  const double cs = std::cos(theta), sn = std::sin(theta);
  result[0][0] = cs, result[0][1] = -sn, result[1][0] = sn, result[1][1] = cs;
  result[0][3] = t[0][3] + c[0] - (cs * c[0] - sn * c[1]);
  result[1][3] = t[1][3] + c[1] - (sn * c[0] + cs * c[1]);
  // Expected mean over the baseline cord box (voxels [4..19] x [3..16] x [1..8]), voxel centres by hand.
  double sum = 0.0, worst = 0.0;
  int    count = 0;
  for (int k = 1; k <= 8; ++k)
  {
    for (int j = 3; j <= 16; ++j)
    {
      for (int i = 4; i <= 19; ++i)
      {
        const double x = GridOrigin[0] + i * GridSpacing[0];
        const double y = GridOrigin[1] + j * GridSpacing[1];
        const double chord = 2.0 * std::hypot(x - c[0], y - c[1]) * std::sin(theta / 2.0);
        sum += chord;
        worst = std::max(worst, chord);
        ++count;
      }
    }
  }
  const auto e = Evaluate(ResultReport(m_Case.timepoints, OutDir(), result));
  EXPECT_EQ(e.registration[0].error.points, static_cast<std::size_t>(count));
  EXPECT_NEAR(*e.registration[0].error.mean, sum / count, 1e-6); // float32 geometry in NIfTI
  EXPECT_NEAR(*e.registration[0].error.max, worst, 1e-6);
  EXPECT_GT(*e.registration[0].error.mean, 0.5);
}

TEST_F(Evaluation, WrongResponseCategoryAndTopLevelFallbacks)
{
  // Two-timepoint report with the registration and response at the top level.
  json report = ResultReport(m_Case.timepoints, OutDir(), std::nullopt);
  report["timepoints"][1].erase("response");
  report["registration"] = { { "followup_to_baseline", { { "matrix_lps", MatrixJson(m_Case.followupToBaseline) } } } };
  report["response"] = { { "rano_bm", { { "category", "SD" } } }, { "volumetric", { { "category", "PR" } } } };
  const auto e = Evaluate(report);
  EXPECT_EQ(e.response[0].ranoBm.expected, "PR");
  EXPECT_EQ(e.response[0].ranoBm.reported, std::optional<std::string>("SD"));
  EXPECT_EQ(e.response[0].ranoBm.Correct(), std::optional<bool>(false));
  EXPECT_EQ(e.response[0].volumetric.Correct(), std::optional<bool>(true));
  EXPECT_FALSE(e.response[0].enhancingVolumePercent.DifferencePoints()); // this report gives no percentage
  EXPECT_TRUE(e.registration[0].reported);
  EXPECT_NEAR(*e.registration[0].error.max, 0.0, 1e-12);
  const json j = ToJson(e);
  EXPECT_EQ(j["response"][0]["rano_bm"]["correct"], false);
  EXPECT_EQ(j["summary"]["response"]["correct"], 1);
  EXPECT_EQ(j["summary"]["response"]["all_correct"], false);
  EXPECT_NE(FormatTable(e).find("RANO-BM expected PR, reported SD: WRONG"), std::string::npos);
}

TEST_F(Evaluation, ResultOnAnotherGridIsResampled)
{
  // The baseline cord on a grid of half the spacing, larger, same origin: nearest neighbour brings it back.
  auto fineCord = Blank({ { 50, 42, 22 } }, { { 0.3, 0.4, 1.5 } });
  Fill(fineCord, { { 8, 6, 2 } }, { { 39, 33, 17 } });
  auto maps = m_Case.timepoints;
  maps[0].cord = fineCord;
  const auto   e = Evaluate(ResultReport(maps, OutDir(), m_Case.followupToBaseline));
  const auto & cord = Structure(e.timepoints[0], "cord");
  EXPECT_TRUE(cord.resampled);
  EXPECT_DOUBLE_EQ(cord.metrics.dice, 1.0);
  EXPECT_DOUBLE_EQ(*cord.metrics.hausdorff95, 0.0);
  EXPECT_FALSE(Structure(e.timepoints[0], "lesions").resampled);
  const json j = ToJson(e);
  EXPECT_EQ(j["timepoints"][0]["structures"]["cord"]["resampled_to_truth_grid"], true);
  EXPECT_EQ(j["summary"]["resampled_maps"], json::array({ "baseline/cord" }));
  EXPECT_NE(FormatTable(e).find("resampled to the truth grid"), std::string::npos);
}

TEST_F(Evaluation, BadInputsNameTheFile)
{
  const json good = ResultReport(m_Case.timepoints, OutDir(), m_Case.followupToBaseline);
  const auto evaluate = [this] { EvaluateCase(CaseDir(), OutDir()); };

  // report.json missing, not JSON, naming an unknown timepoint, a bad matrix, a missing or corrupt map.
  fs::create_directories(OutDir());
  ExpectInputError(evaluate, OutDir() / "report.json", "does not exist");
  WriteText(OutDir() / "report.json", "{ not json");
  ExpectInputError(evaluate, OutDir() / "report.json", "not valid JSON");
  json unknown = good;
  unknown["timepoints"][1]["label"] = "followup7";
  WriteReport(unknown);
  ExpectInputError(evaluate, OutDir() / "report.json", "timepoint 'followup7' is not in the truth");
  json badMatrix = good;
  badMatrix["timepoints"][1]["registration_to_baseline"]["matrix_lps"] = json::array({ 1, 2, 3 });
  WriteReport(badMatrix);
  ExpectInputError(evaluate, OutDir() / "report.json", "4x4 matrix");
  json missingMap = good;
  missingMap["timepoints"][0]["outputs"]["edema"] = "maps/nowhere.nii.gz";
  WriteReport(missingMap);
  ExpectInputError(evaluate, OutDir() / "maps/nowhere.nii.gz", "does not exist");
  WriteReport(good);
  WriteText(OutDir() / "maps/baseline_lesions.nii.gz", "garbage, not gzip");
  ExpectInputError(evaluate, OutDir() / "maps/baseline_lesions.nii.gz", "");

  // truth.json not a truth file, then missing; a missing truth map.
  WriteText(CaseDir() / "truth.json", R"({"format": "something-else", "timepoints": []})");
  ExpectInputError(evaluate, CaseDir() / "truth.json", "cordresponse-phantom-truth");
  fs::remove(CaseDir() / "truth.json");
  ExpectInputError(evaluate, CaseDir() / "truth.json", "does not exist");
  WriteTruth(m_Case, CaseDir());
  SaveLabelImage(m_Case.timepoints[0].lesions, OutDir() / "maps/baseline_lesions.nii.gz");
  fs::remove(CaseDir() / "truth/followup_edema.nii.gz");
  ExpectInputError(evaluate, CaseDir() / "truth/followup_edema.nii.gz", "does not exist");
}

// ---------------------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------------------

TEST_F(Evaluation, CommandLineRejectsBadInputWithoutOutput)
{
  WriteReport(ResultReport(m_Case.timepoints, OutDir(), m_Case.followupToBaseline));
  fs::remove(CaseDir() / "truth/baseline_cord.nii.gz");
  const auto run =
    RunCommand(Quote(CORDRESPONSE_EXE) + " evaluate --truth " + Quote(CaseDir()) + " --result " + Quote(OutDir()));
  EXPECT_NE(run.exitCode, 0);
  EXPECT_NE(run.output.find("baseline_cord.nii.gz"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(OutDir() / "evaluation.json"));
}

TEST(EvaluationCli, PhantomScoredAgainstItselfIsPerfect)
{
  TemporaryDirectory tmp;
  const fs::path     caseDir = tmp / "case";
  const fs::path     outDir = tmp / "out";
  WritePhantomCase(MakePhantomCase("seed", 1, PhantomGrid::Test), caseDir);
  const json truth = json::parse(ReadText(caseDir / "truth.json"));

  // The truth copied as the result: maps referenced relative to the output directory.
  json timepoints = json::array();
  for (const auto & t : truth["timepoints"])
  {
    json outputs;
    for (const char * name : { "cord", "lesions", "edema" })
    {
      outputs[name] = (fs::path("..") / "case" / t["truth_maps"][name].get<std::string>()).string();
    }
    json tp = { { "label", t["label"] }, { "outputs", outputs } };
    if (t.contains("followup_to_baseline"))
    {
      tp["registration_to_baseline"] = { { "matrix_lps", t["followup_to_baseline"]["matrix_lps"] } };
    }
    timepoints.push_back(tp);
  }
  const json & expected = truth["expected_response"].at(0);
  const json   report = { { "timepoints", timepoints },
                          { "response",
                            { { "rano_bm", { { "category", expected["rano_bm"] } } },
                              { "volumetric", { { "category", expected["volumetric"] } } } } } };
  fs::create_directories(outDir);
  WriteText(outDir / "report.json", report.dump(2));

  const fs::path jsonFile = tmp / "scores.json";
  const auto     run = RunCommand(Quote(CORDRESPONSE_EXE) + " evaluate --truth " + Quote(caseDir) + " --result " +
                                  Quote(outDir) + " --json " + Quote(jsonFile));
  ASSERT_EQ(run.exitCode, 0) << run.output;
  EXPECT_NE(run.output.find("cord"), std::string::npos);
  EXPECT_NE(run.output.find("TP 2, FN 0, FP 0"), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(outDir / "evaluation.json")); // --json chose another place
  const json e = json::parse(ReadText(jsonFile));
  EXPECT_EQ(e["format"], "cordresponse-evaluation");
  ASSERT_EQ(e["timepoints"].size(), truth["timepoints"].size());
  for (const auto & t : e["timepoints"])
  {
    for (const char * name : { "cord", "lesions", "edema" })
    {
      EXPECT_EQ(t["structures"][name]["dice"], 1.0) << t["label"] << " " << name;
      EXPECT_EQ(t["structures"][name]["hd95_mm"], 0.0) << t["label"] << " " << name;
    }
  }
  EXPECT_EQ(e["detection_total"]["true_positives"], truth["timepoints"][0]["enhancing"]["lesion_count"]);
  EXPECT_EQ(e["detection_total"]["false_negatives"], 0);
  EXPECT_EQ(e["detection_total"]["false_positives"], 0);
  EXPECT_GT(e["registration"][0]["points"].get<int>(), 1000);
  EXPECT_NEAR(e["registration"][0]["max_tre_mm"].get<double>(), 0.0, 1e-9);
  EXPECT_EQ(e["summary"]["response"]["all_correct"], true);
  // Lesion analytic volumes come from truth.json.
  EXPECT_EQ(e["timepoints"][0]["detection"]["lesions"][0]["truth_analytic_volume_mm3"],
            truth["timepoints"][0]["enhancing"]["lesions"][0]["analytic_volume_mm3"]);
}

} // namespace cordresponse::test
