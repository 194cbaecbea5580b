#ifndef cordresponse_slicer_ModuleDescription_h
#define cordresponse_slicer_ModuleDescription_h

#include <optional>
#include <string>
#include <vector>

/** The 3D Slicer Execution Model (SEM) description of a CLI module, as data. One ModuleDescription per
 *  module is the single source of its interface: ToXml() writes the module XML that Slicer (and
 *  GenerateCLP, in SEM builds) reads, and ParseCommandLine() (ModuleCommandLine.h) parses argv from the
 *  same parameters, so the two cannot drift. */
namespace cordresponse::slicer {

/** SEM parameter element types used by CordResponse (the XML element name is given by ElementName()). */
enum class ParameterType
{
  Integer,
  Double,
  Boolean,
  String,
  StringEnumeration,
  Image,
  Transform,
  Table,
  File,
  Directory
};

enum class Channel
{
  None, // scalars that are plain settings
  Input,
  Output
};

struct Constraints
{
  double minimum;
  double maximum;
  double step;
};

/** One <parameter> element. A parameter without flag, longflag and index, on the output channel, is a
 *  return parameter (written to --returnparameterfile). */
struct Parameter
{
  ParameterType              type{ ParameterType::String };
  std::string                name;  // the C++ identifier (GenerateCLP variable); also the longflag
  std::string                label; // shown in the Slicer form
  std::string                description;
  std::string                defaultValue; // as text ("" = none)
  Channel                    channel{ Channel::None };
  std::optional<int>         index;           // positional argument (no flag)
  bool                       hasFlag{ true }; // longflag --<name>; false for positional and return parameters
  std::string                subtype;         // image: "scalar" / "label"; transform: "linear"; table: "color"
  std::string                fileExtensions;  // ".nii.gz,.nrrd"
  std::string                reference;       // output node associated with this input parameter
  std::vector<std::string>   elements;        // string-enumeration values
  std::optional<Constraints> constraints;

  bool
  IsReturnParameter() const
  {
    return channel == Channel::Output && !index && !hasFlag;
  }
  /** The XML element: "integer", "double", "image", "string-enumeration", ... */
  std::string
  ElementName() const;
};

struct ParameterGroup
{
  std::string            label;
  std::string            description;
  bool                   advanced{ false };
  std::vector<Parameter> parameters;
};

struct ModuleDescription
{
  std::string                 name; // executable and XML file name
  std::string                 category;
  std::string                 title;
  std::string                 description;
  std::string                 version;
  std::string                 documentationUrl;
  std::string                 license;
  std::string                 contributor;
  std::string                 acknowledgements;
  std::vector<ParameterGroup> groups;

  /** Every parameter of every group, in XML order. */
  std::vector<const Parameter *>
  Parameters() const;
  /** The parameter called `name`, or nullptr. */
  const Parameter *
  Find(const std::string & name) const;
};

/** The module XML (SEM schema order: category, title, description, version, documentation-url, license,
 *  contributor, acknowledgements, parameters). Throws std::logic_error when the description breaks a rule
 *  of the Execution Model (duplicate names, a boolean defaulting to true, a gap in the indexes, an
 *  enumeration without elements or whose default is not one of them, ...). */
std::string
ToXml(const ModuleDescription & module);

/** A --help text listing every flag and positional argument, grouped as in the XML. */
std::string
Usage(const ModuleDescription & module);

/** Parameter builders (the module descriptions read as tables with them). */
Parameter
InputImage(const std::string & name,
           const std::string & label,
           const std::string & description,
           std::optional<int>  index = std::nullopt,
           const std::string & subtype = "scalar");
Parameter
OutputImage(const std::string & name,
            const std::string & label,
            const std::string & description,
            const std::string & reference,
            const std::string & subtype = "label");
Parameter
Setting(ParameterType              type,
        const std::string &        name,
        const std::string &        label,
        const std::string &        description,
        const std::string &        defaultValue,
        std::optional<Constraints> constraints = std::nullopt);
Parameter
ReturnValue(ParameterType type, const std::string & name, const std::string & label, const std::string & description);

} // namespace cordresponse::slicer

#endif
