#ifndef cordresponse_slicer_ModuleCommandLine_h
#define cordresponse_slicer_ModuleCommandLine_h

#include "ModuleDescription.h"

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cordresponse::slicer {

/** A command line that does not match the module description (unknown flag, missing value, bad number,
 *  value outside an enumeration, missing positional argument). */
class ArgumentError : public std::runtime_error
{
public:
  using std::runtime_error::runtime_error;
};

/** Parsed values by parameter name, as text; settings with a default are always present. */
class ParameterValues
{
public:
  bool
  Has(const std::string & name) const
  {
    return m_Values.count(name) > 0;
  }
  const std::string &
  Text(const std::string & name) const;
  double
  Double(const std::string & name) const;
  int
  Integer(const std::string & name) const;
  bool
  Boolean(const std::string & name) const;
  /** The path given for a file/image/transform/table parameter, or nothing when it was not given. */
  std::optional<std::filesystem::path>
  Path(const std::string & name) const;
  void
  Set(const std::string & name, const std::string & value)
  {
    m_Values[name] = value;
  }
  const std::map<std::string, std::string> &
  All() const
  {
    return m_Values;
  }

private:
  std::map<std::string, std::string> m_Values;
};

/** The command line of one module run: the module's parameters plus the arguments every Execution Model
 *  CLI takes (GenerateCLP adds the same ones). */
struct CommandLine
{
  ParameterValues values;
  std::string     returnParameterFile;
  std::string     processInformationAddress{ "0" };
  bool            echo{ false };
  bool            help{ false };
  bool            version{ false };
};

/** Parse `arguments` (argv without the program name) as GenerateCLP's TCLAP parser would for the same XML:
 *  `--name value` or `--name=value` for flagged parameters, `--name` alone for booleans (true), positional
 *  parameters in index order (all required). Numbers must parse completely; enumerations must name one of
 *  their elements; a flag may appear once. Throws ArgumentError naming the argument and the problem. */
CommandLine
ParseCommandLine(const ModuleDescription & module, const std::vector<std::string> & arguments);

/** The `--echo` text: one `name: value` line per parsed parameter. */
std::string
EchoArguments(const ModuleDescription & module, const CommandLine & commandLine);

} // namespace cordresponse::slicer

#endif
