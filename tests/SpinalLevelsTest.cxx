#include "itkSpinalLevels.h"

#include <gtest/gtest.h>

TEST(SpinalLevels, NamesFollowTheSpinalCordToolboxNumbering)
{
  EXPECT_EQ(itk::SpinalLevels::Name(1), "C1");
  EXPECT_EQ(itk::SpinalLevels::Name(7), "C7");
  EXPECT_EQ(itk::SpinalLevels::Name(8), "T1");
  EXPECT_EQ(itk::SpinalLevels::Name(16), "T9");
  EXPECT_EQ(itk::SpinalLevels::Name(19), "T12");
  EXPECT_EQ(itk::SpinalLevels::Name(20), "L1");
  EXPECT_EQ(itk::SpinalLevels::Name(24), "L5");
  EXPECT_EQ(itk::SpinalLevels::Name(25), "S1");
  EXPECT_THROW(itk::SpinalLevels::Name(0), std::out_of_range);
  EXPECT_THROW(itk::SpinalLevels::Name(30), std::out_of_range);
}

TEST(SpinalLevels, RoundTripAndSpans)
{
  for (unsigned int level = 1; level <= itk::SpinalLevels::Last; ++level)
  {
    EXPECT_EQ(itk::SpinalLevels::FromName(itk::SpinalLevels::Name(level)), level);
  }
  EXPECT_EQ(itk::SpinalLevels::FromName("t10"), 17u);
  EXPECT_EQ(itk::SpinalLevels::FromName("T13"), 0u);
  EXPECT_EQ(itk::SpinalLevels::FromName("X1"), 0u);
  EXPECT_EQ(itk::SpinalLevels::SpanName(16, 17), "T9-T10");
  EXPECT_EQ(itk::SpinalLevels::SpanName(20, 19), "T12-L1");
  EXPECT_EQ(itk::SpinalLevels::SpanName(5, 5), "C5");
  EXPECT_EQ(itk::SpinalLevels::SpanName(0, 5), "");
}
