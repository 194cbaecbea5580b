#include "cordresponse/Text.h"

#include <array>
#include <charconv>

namespace cordresponse {

std::string
ShortestText(double value)
{
  std::array<char, 32> buffer{};
  const auto           end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  return std::string(buffer.data(), end);
}

std::string
EscapeMarkup(const std::string & text)
{
  std::string out;
  out.reserve(text.size());
  for (char c : text)
  {
    switch (c)
    {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

} // namespace cordresponse
