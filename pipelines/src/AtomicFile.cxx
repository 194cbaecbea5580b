#include "cordresponse/AtomicFile.h"

#include "cordresponse/Errors.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>
#include <unistd.h>

namespace cordresponse {
namespace fs = std::filesystem;

std::string
FullExtension(const fs::path & path)
{
  const std::string name = path.filename().string();
  for (const char * compound : { ".nii.gz", ".tar.gz" })
  {
    const std::string c(compound);
    if (name.size() > c.size() && name.compare(name.size() - c.size(), c.size(), c) == 0)
    {
      return c;
    }
  }
  return path.extension().string();
}

namespace {
fs::path
TemporarySibling(const fs::path & destination)
{
  static std::atomic<unsigned long> counter{ 0 };
  const std::string                 ext = FullExtension(destination);
  std::string                       stem = destination.filename().string();
  stem.resize(stem.size() - ext.size());
  return destination.parent_path() /
         ("." + stem + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ext);
}
} // namespace

AtomicOutputPath::AtomicOutputPath(fs::path destination)
  : m_Destination(std::move(destination))
  , m_Temporary(TemporarySibling(m_Destination))
{
  std::error_code ec;
  if (!m_Destination.parent_path().empty())
  {
    fs::create_directories(m_Destination.parent_path(), ec);
    if (ec)
    {
      throw OutputError(m_Destination, "cannot create its directory: " + ec.message());
    }
  }
}

AtomicOutputPath::~AtomicOutputPath()
{
  if (!m_Committed)
  {
    std::error_code ec;
    fs::remove(m_Temporary, ec);
  }
}

void
AtomicOutputPath::Commit()
{
  std::error_code ec;
  fs::rename(m_Temporary, m_Destination, ec);
  if (ec)
  {
    throw OutputError(m_Destination, "cannot move the finished file into place: " + ec.message());
  }
  m_Committed = true;
}

void
WriteFileAtomically(const fs::path & destination, std::string_view content)
{
  AtomicOutputPath out(destination);
  {
    std::ofstream stream(out.TemporaryPath(), std::ios::binary | std::ios::trunc);
    if (!stream)
    {
      throw OutputError(destination, std::string("cannot open for writing: ") + std::strerror(errno));
    }
    stream.write(content.data(), static_cast<std::streamsize>(content.size()));
    stream.flush();
    if (!stream)
    {
      throw OutputError(destination, "write failed (disk full?)");
    }
  }
  out.Commit();
}

} // namespace cordresponse
