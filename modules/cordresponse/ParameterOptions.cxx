#include "ParameterOptions.h"

#include <variant>

namespace cordresponse::cli {
void
AddSegmentationOptions(CLI::App & command, SegmentationParameters & parameters)
{
  auto * group =
    command.add_option_group("Segmentation parameters", "Advanced: the segmentation's settings (docs/segmentation.md)");
  const SegmentationParameters defaults;
  for (const auto & field : SegmentationParameterFields())
  {
    const std::string flag = "--" + field.name;
    if (std::holds_alternative<bool SegmentationParameters::*>(field.member))
    {
      group->add_flag_callback(
        flag, [&parameters, &field] { field.Set(parameters, "true"); }, field.doc);
      continue;
    }
    group
      ->add_option_function<std::string>(
        flag,
        [&parameters, &field](const std::string & text) {
          try
          {
            field.Set(parameters, text);
          }
          catch (const std::invalid_argument & e)
          {
            throw CLI::ValidationError(field.name, e.what());
          }
        },
        field.doc)
      ->default_str(field.Text(defaults));
  }
}
} // namespace cordresponse::cli
