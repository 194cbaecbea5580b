// The `cordresponse` executable: bad inputs give a clear message naming the file, a non-zero exit,
// and no output file.
#include "TestUtilities.h"

#include "cordresponse/Segmentation.h"

#include <gtest/gtest.h>

namespace cordresponse::test {
namespace fs = std::filesystem;

namespace {
std::string
Exe()
{
  return Quote(CORDRESPONSE_EXE);
}

struct BadInput
{
  std::string                           name;    // test name
  std::string                           file;    // file name to create
  std::function<void(const fs::path &)> make;    // writes the bad file
  std::string                           problem; // expected text in the message
};

std::vector<BadInput>
BadInputs()
{
  return {
    { "Missing", "absent.nii.gz", [](const fs::path &) {}, "does not exist" },
    { "Empty", "empty.nii.gz", [](const fs::path & p) { WriteText(p, ""); }, "is empty (0 bytes)" },
    { "Corrupt", "corrupt.nii.gz", [](const fs::path & p) { WriteText(p, "garbage, not gzip"); }, "compressed" },
    { "Truncated", "truncated.nii.gz",
      [](const fs::path & p) {
        SaveImage(MakeTestImage(40, 30, 20), p.string() + ".whole.nii.gz");
        TruncateCopy(p.string() + ".whole.nii.gz", p, 0.3);
        fs::remove(p.string() + ".whole.nii.gz");
      },
      "truncated" },
    { "NaN", "nan.nii.gz",
      [](const fs::path & p) {
        auto image = MakeTestImage();
        image->GetBufferPointer()[0] = std::numeric_limits<float>::quiet_NaN();
        SaveImage(image, p);
      },
      "non-finite values" },
    { "Blank", "blank.nii.gz",
      [](const fs::path & p) {
        auto image = MakeTestImage();
        image->FillBuffer(3.0f);
        SaveImage(image, p);
      },
      "is blank" },
    { "SingleSlice", "slice.nii.gz", [](const fs::path & p) { SaveImage(MakeTestImage(5, 5, 1), p); }, "along axis 2" },
  };
}
} // namespace

TEST(Cli, EveryBadInputFailsCleanly)
{
  for (const auto & bad : BadInputs())
  {
    SCOPED_TRACE(bad.name);
    TemporaryDirectory dir;
    const fs::path     input = dir / bad.file;
    bad.make(input);
    const fs::path output = dir / "out" / "converted.nii.gz";
    const auto     r = RunCommand(Exe() + " convert " + Quote(input) + " " + Quote(output));
    EXPECT_NE(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find(input.string()), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(bad.problem), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(output));
    if (fs::exists(dir / "out"))
    {
      EXPECT_TRUE(fs::is_empty(dir / "out")) << "a temporary was left behind";
    }
  }
}

TEST(Cli, ConvertAndInfoOnAGoodImage)
{
  TemporaryDirectory dir;
  SaveImage(MakeTestImage(), dir / "in.nrrd");
  const auto convert = RunCommand(Exe() + " convert " + Quote(dir / "in.nrrd") + " " + Quote(dir / "out.nii.gz"));
  ASSERT_EQ(convert.exitCode, 0) << convert.output;
  EXPECT_TRUE(SameGeometry(LoadImage(dir / "in.nrrd"), LoadImage(dir / "out.nii.gz")));
  const auto info = RunCommand(Exe() + " info " + Quote(dir / "out.nii.gz"));
  ASSERT_EQ(info.exitCode, 0) << info.output;
  EXPECT_NE(info.output.find("spacing (mm):       0.6 x 0.7 x 3"), std::string::npos) << info.output;
}

TEST(Cli, UnknownOptionIsAUsageError)
{
  const auto r = RunCommand(Exe() + " info --no-such-option x");
  EXPECT_NE(r.exitCode, 0);
}

TEST(Cli, SegmentationParametersComeFromTheParameterTable)
{
  const auto help = RunCommand(Exe() + " run --help");
  ASSERT_EQ(help.exitCode, 0);
  for (const auto & f : SegmentationParameterFields())
  {
    EXPECT_NE(help.output.find("--" + f.name), std::string::npos) << f.name;
  }
  const auto bad = RunCommand(Exe() + " segment --t1post x.nii.gz --output-dir out --fociSeedEnhancement abc");
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.output.find("fociSeedEnhancement"), std::string::npos) << bad.output;
}

} // namespace cordresponse::test
