// Lesion matching across timepoints: every status, the centroid fallback, and edema growth/shrinkage.
#include "cordresponse/LesionMatching.h"

#include "itkImageRegionConstIteratorWithIndex.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace cordresponse::test {
namespace {
LabelImageType::Pointer
Empty()
{
  auto image = LabelImageType::New();
  image->SetRegions(LabelImageType::SizeType{ { 40, 40, 40 } });
  image->Allocate();
  image->FillBuffer(0);
  return image;
}

/** Paint the box [lo, hi] (inclusive voxel indices) with `id`. */
void
Box(LabelImageType * image, unsigned int id, std::array<long, 3> lo, std::array<long, 3> hi)
{
  for (long z = lo[2]; z <= hi[2]; ++z)
    for (long y = lo[1]; y <= hi[1]; ++y)
      for (long x = lo[0]; x <= hi[0]; ++x)
        image->SetPixel({ { x, y, z } }, static_cast<LabelImageType::PixelType>(id));
}

/** Lesion list of a map (spacing 1 mm, identity geometry: index = position). */
std::vector<MatchedLesion>
Lesions(const LabelImageType * image)
{
  std::map<unsigned int, MatchedLesion>  byId;
  std::map<unsigned int, std::set<long>> slices;
  for (itk::ImageRegionConstIteratorWithIndex<LabelImageType> it(image, image->GetLargestPossibleRegion());
       !it.IsAtEnd(); ++it)
  {
    if (it.Get() == 0)
    {
      continue;
    }
    auto & l = byId[it.Get()];
    l.id = it.Get();
    l.volumeMm3 += 1.0;
    for (unsigned int d = 0; d < 3; ++d)
    {
      l.centroid[d] += it.GetIndex()[d];
    }
    slices[it.Get()].insert(it.GetIndex()[0]);
  }
  std::vector<MatchedLesion> out;
  for (auto & e : byId)
  {
    for (auto & c : e.second.centroid)
    {
      c /= e.second.volumeMm3;
    }
    e.second.sagittalSlices = static_cast<int>(slices[e.first].size());
    out.push_back(e.second);
  }
  return out;
}

std::vector<LesionChange>
Match(const LabelImageType * a, const LabelImageType * b)
{
  return MatchLesionsAcrossTime(a, b, Lesions(a), Lesions(b));
}
} // namespace

TEST(LesionMatching, ResolvedNewAndEquivocalNew)
{
  auto before = Empty();
  auto after = Empty();
  Box(before, 1, { 5, 5, 5 }, { 9, 9, 9 });
  Box(after, 4, { 25, 25, 25 }, { 29, 29, 29 }); // far away, 125 mm^3
  Box(after, 5, { 30, 5, 30 }, { 30, 6, 31 });   // 4 mm^3 on one slice
  const auto changes = Match(before, after);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].status, "resolved");
  EXPECT_EQ(changes[0].fromIds, (std::vector<unsigned int>{ 1 }));
  EXPECT_EQ(changes[1].status, "new");
  EXPECT_EQ(changes[1].toIds, (std::vector<unsigned int>{ 4 }));
  EXPECT_EQ(changes[2].status, "equivocal-new");
}

TEST(LesionMatching, ShrinkingStableGrowingAtTheirThresholds)
{
  auto before = Empty();
  Box(before, 1, { 0, 0, 0 }, { 9, 9, 9 });   // 1000
  Box(before, 2, { 20, 0, 0 }, { 29, 9, 9 }); // 1000
  Box(before, 3, { 0, 20, 0 }, { 9, 29, 9 }); // 1000
  auto after = Empty();
  Box(after, 1, { 0, 0, 0 }, { 9, 9, 2 });    // 300: -70%
  Box(after, 2, { 20, 0, 0 }, { 29, 9, 10 }); // 1100: +10%
  Box(after, 3, { 0, 20, 0 }, { 9, 29, 17 }); // 1800: +80%
  const auto changes = Match(before, after);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].status, "shrinking");
  EXPECT_NEAR(changes[0].volumePercent, -70.0, 1e-9);
  EXPECT_EQ(changes[1].status, "stable");
  EXPECT_EQ(changes[2].status, "growing");
  // Exactly -65% is shrinking; -64% is stable.
  auto edge = Empty();
  Box(edge, 1, { 0, 0, 0 }, { 9, 9, 9 });
  auto after65 = Empty();
  Box(after65, 1, { 0, 0, 0 }, { 9, 6, 4 }); // 10 x 7 x 5 = 350: exactly -65%
  EXPECT_EQ(Match(edge, after65)[0].status, "shrinking");
  after65->SetPixel({ { 0, 7, 0 } }, 1); // 351: -64.9%
  EXPECT_EQ(Match(edge, after65)[0].status, "stable");
}

TEST(LesionMatching, MergedSplitAndComplex)
{
  auto before = Empty();
  Box(before, 1, { 0, 0, 0 }, { 4, 4, 4 });
  Box(before, 2, { 0, 0, 8 }, { 4, 4, 12 });
  auto after = Empty();
  Box(after, 1, { 0, 0, 0 }, { 4, 4, 12 }); // bridges both
  auto merged = Match(before, after);
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].status, "merged");
  EXPECT_EQ(merged[0].fromIds, (std::vector<unsigned int>{ 1, 2 }));

  auto single = Empty();
  Box(single, 7, { 0, 0, 0 }, { 4, 4, 12 });
  auto parts = Empty();
  Box(parts, 3, { 0, 0, 0 }, { 4, 4, 3 });
  Box(parts, 4, { 0, 0, 9 }, { 4, 4, 12 });
  auto split = Match(single, parts);
  ASSERT_EQ(split.size(), 1u);
  EXPECT_EQ(split[0].status, "split");
  EXPECT_EQ(split[0].toIds, (std::vector<unsigned int>{ 3, 4 }));

  auto complexAfter = Empty();
  Box(complexAfter, 3, { 0, 0, 3 }, { 4, 4, 9 });   // touches 1 and 2
  Box(complexAfter, 4, { 0, 0, 11 }, { 4, 4, 14 }); // touches 2
  EXPECT_EQ(Match(before, complexAfter)[0].status, "complex");
}

TEST(LesionMatching, CentroidFallbackForALesionThatMovedOffItsFootprint)
{
  auto before = Empty();
  Box(before, 1, { 10, 10, 10 }, { 15, 15, 15 }); // 216 mm^3, r = 3.7
  auto after = Empty();
  Box(after, 1, { 17, 12, 12 }, { 18, 13, 13 }); // 8 mm^3, r = 1.2, centroid 5 mm away: no overlap
  auto changes = Match(before, after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].status, "shrinking");
  auto far = Empty();
  Box(far, 1, { 30, 12, 12 }, { 31, 13, 13 }); // 18 mm away: unrelated
  changes = Match(before, far);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].status, "resolved");
  EXPECT_EQ(changes[1].status, "equivocal-new"); // 8 mm^3 < 10 mm^3
}

TEST(LesionMatching, EdemaGrowthAndShrinkageAreSeparate)
{
  auto before = Empty();
  Box(before, 1, { 0, 0, 0 }, { 9, 9, 9 }); // 1000
  auto after = Empty();
  Box(after, 1, { 0, 0, 5 }, { 9, 9, 19 }); // 1500, shares 500
  const auto c = CompareRegions(before, after);
  EXPECT_DOUBLE_EQ(c.grownMm3, 1000.0);
  EXPECT_DOUBLE_EQ(c.shrunkMm3, 500.0);
  EXPECT_DOUBLE_EQ(c.NetMm3(), 500.0);
}

} // namespace cordresponse::test
