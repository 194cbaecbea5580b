#include "TestUtilities.h"

#include "itkImageRegionIteratorWithIndex.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace cordresponse::test {
namespace fs = std::filesystem;

TemporaryDirectory::TemporaryDirectory()
{
  std::random_device rd;
  const std::string  name = "cordresponse-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  m_Path = fs::temp_directory_path() / name;
  fs::create_directories(m_Path);
}

TemporaryDirectory::~TemporaryDirectory()
{
  std::error_code ec;
  fs::remove_all(m_Path, ec);
}

ImageType::Pointer
MakeTestImage(unsigned int nx, unsigned int ny, unsigned int nz)
{
  auto                  image = ImageType::New();
  ImageType::RegionType region;
  region.SetSize({ { nx, ny, nz } });
  image->SetRegions(region);
  const double spacing[3] = { 0.6, 0.7, 3.0 };
  const double origin[3] = { -12.5, 30.25, 7.0 };
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  // A proper rotation: 20 degrees about z, then swap so that the matrix is non-trivial.
  ImageType::DirectionType d;
  const double             c = std::cos(0.35);
  const double             s = std::sin(0.35);
  d(0, 0) = c, d(0, 1) = -s, d(0, 2) = 0;
  d(1, 0) = 0, d(1, 1) = 0, d(1, 2) = -1;
  d(2, 0) = s, d(2, 1) = c, d(2, 2) = 0;
  image->SetDirection(d);
  image->Allocate();
  for (itk::ImageRegionIteratorWithIndex<ImageType> it(image, region); !it.IsAtEnd(); ++it)
  {
    const auto idx = it.GetIndex();
    it.Set(static_cast<float>(idx[0] + 10 * idx[1] + 100 * idx[2] + 1));
  }
  return image;
}

::testing::AssertionResult
SameGeometry(const itk::ImageBase<3> * a, const itk::ImageBase<3> * b, double tol)
{
  if (a->GetLargestPossibleRegion().GetSize() != b->GetLargestPossibleRegion().GetSize())
  {
    return ::testing::AssertionFailure() << "sizes differ: " << a->GetLargestPossibleRegion().GetSize() << " vs "
                                         << b->GetLargestPossibleRegion().GetSize();
  }
  for (unsigned int i = 0; i < 3; ++i)
  {
    if (std::abs(a->GetSpacing()[i] - b->GetSpacing()[i]) > tol)
    {
      return ::testing::AssertionFailure() << "spacing differs: " << a->GetSpacing() << " vs " << b->GetSpacing();
    }
    if (std::abs(a->GetOrigin()[i] - b->GetOrigin()[i]) > tol)
    {
      return ::testing::AssertionFailure() << "origin differs: " << a->GetOrigin() << " vs " << b->GetOrigin();
    }
    for (unsigned int j = 0; j < 3; ++j)
    {
      if (std::abs(a->GetDirection()(i, j) - b->GetDirection()(i, j)) > tol)
      {
        return ::testing::AssertionFailure() << "direction differs:\n"
                                             << a->GetDirection() << "vs\n"
                                             << b->GetDirection();
      }
    }
  }
  return ::testing::AssertionSuccess();
}

std::string
ReadText(const fs::path & path)
{
  std::ifstream      in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void
WriteText(const fs::path & path, const std::string & text)
{
  std::ofstream out(path, std::ios::binary);
  out << text;
}

void
TruncateCopy(const fs::path & from, const fs::path & to, double fraction)
{
  const std::string all = ReadText(from);
  WriteText(to, all.substr(0, static_cast<std::size_t>(static_cast<double>(all.size()) * fraction)));
}

fs::path
SharedDataDirectory()
{
  const fs::path  candidate = fs::path(CORDRESPONSE_SOURCE_DIR) / ".." / "shared" / "data" / "sct-testing-data";
  std::error_code ec;
  return fs::is_directory(candidate, ec) ? fs::canonical(candidate) : fs::path();
}

CommandResult
RunCommand(const std::string & command)
{
  CommandResult result;
  FILE *        pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe)
  {
    return result;
  }
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe))
  {
    result.output += buffer.data();
  }
  const int status = ::pclose(pipe);
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string
Quote(const fs::path & p)
{
  std::string out = "'";
  for (char c : p.string())
  {
    out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

} // namespace cordresponse::test
