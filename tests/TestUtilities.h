#ifndef cordresponse_TestUtilities_h
#define cordresponse_TestUtilities_h

#include "cordresponse/ImageIO.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace cordresponse::test {

/** A fresh directory under the system temp dir, removed with everything in it at scope exit. */
class TemporaryDirectory
{
public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory &) = delete;
  TemporaryDirectory &
  operator=(const TemporaryDirectory &) = delete;
  const std::filesystem::path &
  Path() const
  {
    return m_Path;
  }
  std::filesystem::path
  operator/(const std::string & name) const
  {
    return m_Path / name;
  }

private:
  std::filesystem::path m_Path;
};

/** A small test volume with a non-identity, oblique direction, anisotropic spacing, an off-zero origin
 *  and voxel values that encode their index (value = i + 10 j + 100 k + 1). */
ImageType::Pointer
MakeTestImage(unsigned int nx = 6, unsigned int ny = 5, unsigned int nz = 4);

/** True when the geometry (size, spacing, origin, direction) of the two images agrees within tol. */
::testing::AssertionResult
SameGeometry(const itk::ImageBase<3> * a, const itk::ImageBase<3> * b, double tol = 1e-4);

/** Text of a file. */
std::string
ReadText(const std::filesystem::path & path);
void
WriteText(const std::filesystem::path & path, const std::string & text);

/** Copy the first `fraction` of a file's bytes to `to`. */
void
TruncateCopy(const std::filesystem::path & from, const std::filesystem::path & to, double fraction);

/** The shared real data (../shared/data/sct-testing-data relative to the source tree), or empty. */
std::filesystem::path
SharedDataDirectory();

/** Run a shell command; returns its exit status and captures stdout+stderr. */
struct CommandResult
{
  int         exitCode{ -1 };
  std::string output;
};
CommandResult
RunCommand(const std::string & command);

/** Shell-quote one argument. */
std::string
Quote(const std::filesystem::path & p);

} // namespace cordresponse::test

#endif
