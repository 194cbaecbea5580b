#include "ModuleDescription.h"

#include "cordresponse/Text.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

namespace cordresponse::slicer {
namespace {

void
Element(std::ostringstream & xml, const std::string & indent, const std::string & tag, const std::string & text)
{
  if (!text.empty())
  {
    xml << indent << '<' << tag << '>' << EscapeMarkup(text) << "</" << tag << ">\n";
  }
}

std::string
Number(double v)
{
  std::ostringstream s;
  s << v;
  return s.str();
}

const char *
ChannelName(Channel c)
{
  return c == Channel::Input ? "input" : "output";
}

bool
IsScalar(ParameterType t)
{
  return t == ParameterType::Integer || t == ParameterType::Double || t == ParameterType::Boolean ||
         t == ParameterType::String || t == ParameterType::StringEnumeration;
}

void
Validate(const ModuleDescription & module)
{
  const auto fail = [&module](const std::string & what) {
    throw std::logic_error("module description " + module.name + ": " + what);
  };
  if (module.name.empty() || module.title.empty() || module.category.empty() || module.groups.empty())
  {
    fail("name, title, category and at least one parameter group are required");
  }
  std::set<std::string> names;
  std::set<int>         indexes;
  for (const Parameter * p : module.Parameters())
  {
    if (p->name.empty() || !names.insert(p->name).second)
    {
      fail("empty or duplicate parameter name '" + p->name + "'");
    }
    if (p->index && p->hasFlag)
    {
      fail(p->name + ": a positional parameter has no flag");
    }
    if (p->index && !indexes.insert(*p->index).second)
    {
      fail(p->name + ": duplicate index");
    }
    if (p->type == ParameterType::Boolean && p->defaultValue != "false")
    {
      // Slicer passes a boolean flag only when it is true, so a true default could never be turned off.
      fail(p->name + ": booleans must default to false");
    }
    if (p->type == ParameterType::StringEnumeration &&
        (p->elements.empty() ||
         std::find(p->elements.begin(), p->elements.end(), p->defaultValue) == p->elements.end()))
    {
      fail(p->name + ": an enumeration needs elements and a default among them");
    }
    if (!IsScalar(p->type) && p->channel == Channel::None)
    {
      fail(p->name + ": files, images, transforms and tables need a channel");
    }
    if (p->IsReturnParameter() && !IsScalar(p->type))
    {
      fail(p->name + ": return parameters are scalars");
    }
  }
  int expected = 0;
  for (int i : indexes)
  {
    if (i != expected++)
    {
      fail("positional indexes must be 0, 1, 2, ... without gaps");
    }
  }
}
} // namespace

std::string
Parameter::ElementName() const
{
  switch (type)
  {
    case ParameterType::Integer:
      return "integer";
    case ParameterType::Double:
      return "double";
    case ParameterType::Boolean:
      return "boolean";
    case ParameterType::String:
      return "string";
    case ParameterType::StringEnumeration:
      return "string-enumeration";
    case ParameterType::Image:
      return "image";
    case ParameterType::Transform:
      return "transform";
    case ParameterType::Table:
      return "table";
    case ParameterType::File:
      return "file";
    case ParameterType::Directory:
      return "directory";
  }
  return "string";
}

std::vector<const Parameter *>
ModuleDescription::Parameters() const
{
  std::vector<const Parameter *> all;
  for (const auto & g : groups)
  {
    for (const auto & p : g.parameters)
    {
      all.push_back(&p);
    }
  }
  return all;
}

const Parameter *
ModuleDescription::Find(const std::string & parameterName) const
{
  for (const Parameter * p : Parameters())
  {
    if (p->name == parameterName)
    {
      return p;
    }
  }
  return nullptr;
}

std::string
ToXml(const ModuleDescription & module)
{
  Validate(module);
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<executable>\n";
  Element(xml, "  ", "category", module.category);
  Element(xml, "  ", "title", module.title);
  Element(xml, "  ", "description", module.description);
  Element(xml, "  ", "version", module.version);
  Element(xml, "  ", "documentation-url", module.documentationUrl);
  Element(xml, "  ", "license", module.license);
  Element(xml, "  ", "contributor", module.contributor);
  Element(xml, "  ", "acknowledgements", module.acknowledgements);
  for (const auto & g : module.groups)
  {
    xml << "  <parameters" << (g.advanced ? " advanced=\"true\"" : "") << ">\n";
    Element(xml, "    ", "label", g.label);
    Element(xml, "    ", "description", g.description);
    for (const auto & p : g.parameters)
    {
      xml << "    <" << p.ElementName();
      if (!p.subtype.empty())
      {
        xml << " type=\"" << p.subtype << '"';
      }
      if (!p.fileExtensions.empty())
      {
        xml << " fileExtensions=\"" << p.fileExtensions << '"';
      }
      if (!p.reference.empty())
      {
        xml << " reference=\"" << p.reference << '"';
      }
      xml << ">\n";
      Element(xml, "      ", "name", p.name);
      if (p.hasFlag)
      {
        Element(xml, "      ", "longflag", "--" + p.name);
      }
      Element(xml, "      ", "label", p.label);
      Element(xml, "      ", "description", p.description);
      if (p.index)
      {
        Element(xml, "      ", "index", std::to_string(*p.index));
      }
      if (p.channel != Channel::None)
      {
        Element(xml, "      ", "channel", ChannelName(p.channel));
      }
      Element(xml, "      ", "default", p.defaultValue);
      for (const auto & e : p.elements)
      {
        Element(xml, "      ", "element", e);
      }
      if (p.constraints)
      {
        xml << "      <constraints>\n";
        Element(xml, "        ", "minimum", Number(p.constraints->minimum));
        Element(xml, "        ", "maximum", Number(p.constraints->maximum));
        Element(xml, "        ", "step", Number(p.constraints->step));
        xml << "      </constraints>\n";
      }
      xml << "    </" << p.ElementName() << ">\n";
    }
    xml << "  </parameters>\n";
  }
  xml << "</executable>\n";
  return xml.str();
}

std::string
Usage(const ModuleDescription & module)
{
  std::ostringstream out;
  out << module.title << " (" << module.name << ", 3D Slicer CLI module " << module.version << ")\n\n"
      << module.description << "\n\nUsage: " << module.name << " [options]";
  std::vector<const Parameter *> positional;
  for (const Parameter * p : module.Parameters())
  {
    if (p->index)
    {
      positional.push_back(p);
    }
  }
  std::sort(positional.begin(), positional.end(), [](auto a, auto b) { return *a->index < *b->index; });
  for (const Parameter * p : positional)
  {
    out << ' ' << p->name;
  }
  out << "\n";
  for (const auto & g : module.groups)
  {
    out << "\n" << g.label << (g.advanced ? " (advanced)" : "") << ":\n";
    for (const auto & p : g.parameters)
    {
      std::string head = p.index ? p.name : p.hasFlag ? "--" + p.name : "(returned) " + p.name;
      if (p.hasFlag && p.type != ParameterType::Boolean)
      {
        head += " <" + p.ElementName() + ">";
      }
      out << "  " << head << "\n      " << p.description;
      if (!p.defaultValue.empty() && p.type != ParameterType::Boolean)
      {
        out << " [default: " << p.defaultValue << "]";
      }
      if (!p.elements.empty())
      {
        out << " {";
        for (std::size_t i = 0; i < p.elements.size(); ++i)
        {
          out << (i ? "|" : "") << p.elements[i];
        }
        out << "}";
      }
      out << "\n";
    }
  }
  out << "\nEvery module also takes: --xml (print the module description), --echo (print the parsed arguments),\n"
         "--returnparameterfile FILE (write the returned values as `name = value` lines),\n"
         "--processinformationaddress ADDRESS (set by 3D Slicer), --help, --version.\n"
         "Coordinates are ITK physical space (LPS, millimetres).\n";
  return out.str();
}

Parameter
InputImage(const std::string & name,
           const std::string & label,
           const std::string & description,
           std::optional<int>  index,
           const std::string & subtype)
{
  Parameter p;
  p.type = ParameterType::Image;
  p.name = name;
  p.label = label;
  p.description = description;
  p.channel = Channel::Input;
  p.index = index;
  p.hasFlag = !index;
  p.subtype = subtype;
  return p;
}

Parameter
OutputImage(const std::string & name,
            const std::string & label,
            const std::string & description,
            const std::string & reference,
            const std::string & subtype)
{
  Parameter p;
  p.type = ParameterType::Image;
  p.name = name;
  p.label = label;
  p.description = description;
  p.channel = Channel::Output;
  p.subtype = subtype;
  p.fileExtensions = ".nrrd,.nii.gz";
  p.reference = reference;
  return p;
}

Parameter
Setting(ParameterType              type,
        const std::string &        name,
        const std::string &        label,
        const std::string &        description,
        const std::string &        defaultValue,
        std::optional<Constraints> constraints)
{
  Parameter p;
  p.type = type;
  p.name = name;
  p.label = label;
  p.description = description;
  p.defaultValue = defaultValue;
  p.constraints = constraints;
  return p;
}

Parameter
ReturnValue(ParameterType type, const std::string & name, const std::string & label, const std::string & description)
{
  Parameter p;
  p.type = type;
  p.name = name;
  p.label = label;
  p.description = description;
  p.channel = Channel::Output;
  p.hasFlag = false;
  return p;
}

} // namespace cordresponse::slicer
