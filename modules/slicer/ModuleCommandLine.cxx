#include "ModuleCommandLine.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace cordresponse::slicer {
namespace {

/** Whole-text number parsing (no trailing characters, finite). */
std::optional<double>
ParseDouble(const std::string & text)
{
  if (text.empty())
  {
    return std::nullopt;
  }
  char * end = nullptr;
  errno = 0;
  const double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || errno == ERANGE || !std::isfinite(v))
  {
    return std::nullopt;
  }
  return v;
}

std::optional<int>
ParseInteger(const std::string & text)
{
  if (text.empty())
  {
    return std::nullopt;
  }
  char * end = nullptr;
  errno = 0;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE || v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
  {
    return std::nullopt;
  }
  return static_cast<int>(v);
}

void
CheckValue(const Parameter & p, const std::string & value)
{
  const auto bad = [&](const std::string & what) {
    throw ArgumentError("argument " + (p.index ? p.name : "--" + p.name) + ": '" + value + "' is not " + what);
  };
  switch (p.type)
  {
    case ParameterType::Integer:
      if (!ParseInteger(value))
      {
        bad("an integer");
      }
      break;
    case ParameterType::Double:
      if (!ParseDouble(value))
      {
        bad("a finite number");
      }
      break;
    case ParameterType::StringEnumeration:
      if (std::find(p.elements.begin(), p.elements.end(), value) == p.elements.end())
      {
        std::string list;
        for (const auto & e : p.elements)
        {
          list += (list.empty() ? "" : ", ") + e;
        }
        bad("one of " + list);
      }
      break;
    default:
      if (value.empty() && p.type != ParameterType::String)
      {
        bad("a path");
      }
  }
}
} // namespace

const std::string &
ParameterValues::Text(const std::string & name) const
{
  const auto it = m_Values.find(name);
  if (it == m_Values.end())
  {
    throw std::logic_error("parameter " + name + " has no value");
  }
  return it->second;
}

double
ParameterValues::Double(const std::string & name) const
{
  return *ParseDouble(Text(name));
}

int
ParameterValues::Integer(const std::string & name) const
{
  return *ParseInteger(Text(name));
}

bool
ParameterValues::Boolean(const std::string & name) const
{
  return Has(name) && Text(name) == "true";
}

std::optional<std::filesystem::path>
ParameterValues::Path(const std::string & name) const
{
  if (!Has(name) || Text(name).empty())
  {
    return std::nullopt;
  }
  return std::filesystem::path(Text(name));
}

CommandLine
ParseCommandLine(const ModuleDescription & module, const std::vector<std::string> & arguments)
{
  CommandLine                    line;
  std::vector<const Parameter *> positional;
  for (const Parameter * p : module.Parameters())
  {
    if (p->index)
    {
      positional.push_back(p);
    }
    if (!p->defaultValue.empty() && !p->IsReturnParameter())
    {
      line.values.Set(p->name, p->defaultValue);
    }
  }
  std::sort(positional.begin(), positional.end(), [](auto a, auto b) { return *a->index < *b->index; });

  std::vector<std::string> given;   // flags seen, to reject repeats
  std::vector<std::string> unnamed; // positional values
  for (std::size_t i = 0; i < arguments.size(); ++i)
  {
    const std::string & arg = arguments[i];
    if (arg.size() < 2 || arg[0] != '-' || arg == "--")
    {
      unnamed.push_back(arg);
      continue;
    }
    if (arg == "--xml")
    {
      continue; // handled before parsing when first; accepted anywhere, as GenerateCLP's switch is
    }
    if (arg == "--help" || arg == "-h")
    {
      line.help = true;
      continue;
    }
    if (arg == "--version")
    {
      line.version = true;
      continue;
    }
    if (arg == "--echo")
    {
      line.echo = true;
      continue;
    }
    std::string                name = arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
    std::optional<std::string> inlineValue;
    if (const auto eq = name.find('='); eq != std::string::npos)
    {
      inlineValue = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (std::find(given.begin(), given.end(), name) != given.end())
    {
      throw ArgumentError("argument --" + name + " given more than once");
    }
    given.push_back(name);
    const auto takeValue = [&]() -> std::string {
      if (inlineValue)
      {
        return *inlineValue;
      }
      if (i + 1 >= arguments.size())
      {
        throw ArgumentError("argument --" + name + " needs a value");
      }
      return arguments[++i];
    };
    if (name == "returnparameterfile")
    {
      line.returnParameterFile = takeValue();
      continue;
    }
    if (name == "processinformationaddress")
    {
      line.processInformationAddress = takeValue();
      continue;
    }
    const Parameter * p = module.Find(name);
    if (p == nullptr || !p->hasFlag || arg.rfind("--", 0) != 0)
    {
      throw ArgumentError("unknown argument " + arg + " (see --help)");
    }
    if (p->type == ParameterType::Boolean)
    {
      if (inlineValue)
      {
        throw ArgumentError("argument --" + name + " is a switch and takes no value");
      }
      line.values.Set(name, "true");
      continue;
    }
    const std::string value = takeValue();
    CheckValue(*p, value);
    line.values.Set(name, value);
  }
  if (line.help || line.version)
  {
    return line;
  }
  if (unnamed.size() > positional.size())
  {
    throw ArgumentError("unexpected argument '" + unnamed[positional.size()] + "' (see --help)");
  }
  for (std::size_t k = 0; k < positional.size(); ++k)
  {
    if (k >= unnamed.size())
    {
      throw ArgumentError("missing required argument " + positional[k]->name + " (" + positional[k]->label + ")");
    }
    CheckValue(*positional[k], unnamed[k]);
    line.values.Set(positional[k]->name, unnamed[k]);
  }
  return line;
}

std::string
EchoArguments(const ModuleDescription & module, const CommandLine & commandLine)
{
  std::ostringstream out;
  for (const Parameter * p : module.Parameters())
  {
    if (commandLine.values.Has(p->name))
    {
      out << p->name << ": " << commandLine.values.Text(p->name) << "\n";
    }
  }
  if (!commandLine.returnParameterFile.empty())
  {
    out << "returnParameterFile: " << commandLine.returnParameterFile << "\n";
  }
  return out.str();
}

} // namespace cordresponse::slicer
