#ifndef cordresponse_AtomicFile_h
#define cordresponse_AtomicFile_h

#include <filesystem>
#include <string_view>

namespace cordresponse {

/** A destination path that is written through a hidden temporary sibling and renamed into place on
 *  Commit(). The temporary keeps the destination's extension (so format-by-extension writers such as
 *  ITK's work on it) and lives in the same directory (so the rename is atomic on POSIX). If Commit() is
 *  never reached (exception, early return) the destructor removes the temporary: a crash or error never
 *  leaves a half-written file under the destination name. */
class AtomicOutputPath
{
public:
  explicit AtomicOutputPath(std::filesystem::path destination);
  ~AtomicOutputPath();
  AtomicOutputPath(const AtomicOutputPath &) = delete;
  AtomicOutputPath &
  operator=(const AtomicOutputPath &) = delete;

  /** Where to write now. */
  const std::filesystem::path &
  TemporaryPath() const
  {
    return m_Temporary;
  }
  const std::filesystem::path &
  Destination() const
  {
    return m_Destination;
  }
  /** Rename the temporary onto the destination (replacing any previous file). */
  void
  Commit();

private:
  std::filesystem::path m_Destination;
  std::filesystem::path m_Temporary;
  bool                  m_Committed{ false };
};

/** The full extension of a file name, multi-part ones included: "a.nii.gz" -> ".nii.gz". */
std::string
FullExtension(const std::filesystem::path & path);

/** Write a text or binary blob atomically (see AtomicOutputPath). Throws OutputError. */
void
WriteFileAtomically(const std::filesystem::path & destination, std::string_view content);

} // namespace cordresponse

#endif
