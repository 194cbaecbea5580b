// RANO-BM and volumetric response rules at their thresholds.
#include "cordresponse/Response.h"

#include <gtest/gtest.h>

namespace cordresponse::test {
namespace {
ResponseTimepoint
At(const std::string & label, std::map<unsigned int, double> diameters, double volume, bool fresh = false)
{
  ResponseTimepoint t;
  t.label = label;
  t.targetDiameters = std::move(diameters);
  t.enhancingVolumeMm3 = volume;
  t.newLesion = fresh;
  return t;
}
} // namespace

TEST(Response, TargetsAreTheFiveLongestMeasurableLesions)
{
  const auto targets = SelectTargets({ { 1, 12 }, { 2, 30 }, { 3, 11 }, { 4, 15 }, { 5, 20 }, { 6, 10 }, { 7, 25 } });
  EXPECT_EQ(targets, (std::vector<unsigned int>{ 1, 2, 4, 5, 7 }));
}

TEST(Response, PartialResponseAtExactlyMinus30Percent)
{
  const auto base = At("baseline", { { 1, 20.0 }, { 2, 10.0 } }, 1000.0);
  const auto r = AssessResponse(base, { At("fu", { { 1, 14.0 }, { 2, 7.0 } }, 500.0) }); // 21 / 30 = -30%
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NEAR(r[0].sumPercentVsBaseline, -30.0, 1e-9);
  EXPECT_EQ(r[0].ranoBm, "PR");
  const auto above = AssessResponse(base, { At("fu", { { 1, 14.1 }, { 2, 7.0 } }, 500.0) }); // -29.67%
  EXPECT_EQ(above[0].ranoBm, "SD");
}

TEST(Response, ProgressionNeedsPlus20PercentAndA5MillimetreLesion)
{
  const auto base = At("baseline", { { 1, 25.0 }, { 2, 25.0 } }, 1000.0);
  // +20% exactly (60 vs 50) with one lesion +5 mm: PD.
  auto r = AssessResponse(base, { At("fu", { { 1, 30.0 }, { 2, 30.0 } }, 1500.0) });
  EXPECT_EQ(r[0].ranoBm, "PD");
  // +20% spread as +4.9 and +5.1 mm: one lesion reaches 5 mm: PD.
  r = AssessResponse(base, { At("fu", { { 1, 29.9 }, { 2, 30.1 } }, 1500.0) });
  EXPECT_EQ(r[0].ranoBm, "PD");
  // Small lesions: +20% (10 -> 12 mm in total) but no lesion grew 5 mm: SD.
  const auto small = At("baseline", { { 1, 5.0 }, { 2, 5.0 } }, 100.0);
  r = AssessResponse(small, { At("fu", { { 1, 6.0 }, { 2, 6.0 } }, 150.0) });
  EXPECT_NEAR(r[0].sumPercentVsNadir, 20.0, 1e-9);
  EXPECT_EQ(r[0].ranoBm, "SD");
  // +19.9% with a 5 mm lesion: SD.
  r = AssessResponse(base, { At("fu", { { 1, 30.0 }, { 2, 29.95 } }, 1500.0) });
  EXPECT_EQ(r[0].ranoBm, "SD");
}

TEST(Response, ProgressionIsMeasuredFromTheNadirNotTheBaseline)
{
  const auto base = At("baseline", { { 1, 30.0 } }, 2000.0);
  // Nadir 18 mm (PR), then 24 mm: +33% vs nadir and +6 mm, though -20% vs baseline: PD.
  auto r = AssessResponse(base, { At("fu1", { { 1, 18.0 } }, 500.0), At("fu2", { { 1, 24.0 } }, 1200.0) });
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].ranoBm, "PR");
  EXPECT_NEAR(r[1].sumPercentVsBaseline, -20.0, 1e-9);
  EXPECT_NEAR(r[1].sumPercentVsNadir, 100.0 * 6.0 / 18.0, 1e-9);
  EXPECT_EQ(r[1].ranoBm, "PD");
  EXPECT_EQ(r[1].volumetric, "PD"); // 1200 vs nadir 500: +140%
  // Nadir 18 mm then 22 mm: +22% vs nadir but only +4 mm, and -27% vs baseline: SD (the 5 mm rule).
  r = AssessResponse(base, { At("fu1", { { 1, 18.0 } }, 500.0), At("fu2", { { 1, 22.0 } }, 700.0) });
  EXPECT_GT(r[1].sumPercentVsNadir, 20.0);
  EXPECT_EQ(r[1].ranoBm, "SD");
}

TEST(Response, NewLesionIsProgressionAndResolutionIsComplete)
{
  const auto base = At("baseline", { { 1, 14.0 } }, 300.0);
  auto       r = AssessResponse(base, { At("fu", { { 1, 8.0 } }, 100.0, true) });
  EXPECT_EQ(r[0].ranoBm, "PD");
  EXPECT_EQ(r[0].volumetric, "PD");
  r = AssessResponse(base, { At("fu", { { 1, 0.0 } }, 0.0) });
  EXPECT_EQ(r[0].ranoBm, "CR");
  EXPECT_EQ(r[0].volumetric, "CR");
  // A non-target lesion still visible: not complete.
  auto partial = At("fu", { { 1, 0.0 } }, 20.0);
  partial.nonTargetLesionsPresent = true;
  r = AssessResponse(base, { partial });
  EXPECT_EQ(r[0].ranoBm, "PR");
}

TEST(Response, VolumetricThresholds)
{
  const auto base = At("baseline", { { 1, 20.0 } }, 1000.0);
  auto       r = AssessResponse(base, { At("fu", { { 1, 19.0 } }, 350.0) }); // -65% exactly
  EXPECT_EQ(r[0].volumetric, "PR");
  r = AssessResponse(base, { At("fu", { { 1, 19.0 } }, 351.0) });
  EXPECT_EQ(r[0].volumetric, "SD");
  r = AssessResponse(base, { At("fu", { { 1, 22.0 } }, 1730.0) }); // +73%
  EXPECT_EQ(r[0].volumetric, "PD");
  r = AssessResponse(base, { At("fu", { { 1, 22.0 } }, 1729.0) });
  EXPECT_EQ(r[0].volumetric, "SD");
}

TEST(Response, NoDiseaseAtBaselineIsNotEvaluableUnlessANewLesionAppears)
{
  const auto base = At("baseline", {}, 0.0);
  auto       r = AssessResponse(base, { At("fu", {}, 0.0) });
  EXPECT_EQ(r[0].ranoBm, "NE");
  EXPECT_EQ(r[0].volumetric, "NE");
  r = AssessResponse(base, { At("fu", {}, 50.0, true) });
  EXPECT_EQ(r[0].ranoBm, "PD");
  EXPECT_EQ(r[0].volumetric, "PD");
}

TEST(Response, NonMeasurableDiseaseAndClinicalInputs)
{
  const auto base = At("baseline", {}, 40.0); // only small foci
  auto       r = AssessResponse(base, { At("fu", {}, 30.0) });
  EXPECT_EQ(r[0].ranoBm, "SD");
  EXPECT_NE(r[0].ranoBmBasis.find("non-CR/non-PD"), std::string::npos);
  EXPECT_EQ(r[0].notJudged.size(), 3u); // steroids, clinical status, confirmation
  r = AssessResponse(base, { At("fu", {}, 0.0) });
  EXPECT_EQ(r[0].ranoBm, "CR");
  // Still on steroids: not a complete response.
  auto onSteroids = At("fu", {}, 0.0);
  onSteroids.corticosteroidDoseMg = 4.0;
  onSteroids.clinicallyWorse = false;
  r = AssessResponse(base, { onSteroids });
  EXPECT_EQ(r[0].ranoBm, "PR");
  EXPECT_EQ(r[0].notJudged.size(), 1u);
  auto worse = At("fu", {}, 30.0);
  worse.clinicallyWorse = true;
  EXPECT_EQ(AssessResponse(base, { worse })[0].ranoBm, "PD");
}

} // namespace cordresponse::test
