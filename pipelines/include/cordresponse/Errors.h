#ifndef cordresponse_Errors_h
#define cordresponse_Errors_h

#include <filesystem>
#include <stdexcept>
#include <string>

namespace cordresponse {

/** An input the user gave is unusable: missing, unreadable, corrupt, or of the wrong kind.
 *  what() reads "<file>: <problem>", so one line tells the user which file and what is wrong. */
class InputError : public std::runtime_error
{
public:
  InputError(const std::filesystem::path & file, const std::string & problem)
    : std::runtime_error(file.string() + ": " + problem)
    , m_File(file)
    , m_Problem(problem)
  {}
  const std::filesystem::path &
  File() const
  {
    return m_File;
  }
  const std::string &
  Problem() const
  {
    return m_Problem;
  }

private:
  std::filesystem::path m_File;
  std::string           m_Problem;
};

/** An output could not be written. Nothing is left at the destination path. */
class OutputError : public std::runtime_error
{
public:
  OutputError(const std::filesystem::path & file, const std::string & problem)
    : std::runtime_error(file.string() + ": " + problem)
  {}
};

} // namespace cordresponse

#endif
