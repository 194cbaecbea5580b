#include "itkSpinalLevels.h"

#include <cctype>
#include <stdexcept>

namespace itk {

std::string
SpinalLevels::Name(unsigned int level)
{
  if (level >= FirstCervical && level < FirstThoracic)
  {
    return "C" + std::to_string(level - FirstCervical + 1);
  }
  if (level >= FirstThoracic && level < FirstLumbar)
  {
    return "T" + std::to_string(level - FirstThoracic + 1);
  }
  if (level >= FirstLumbar && level < FirstSacral)
  {
    return "L" + std::to_string(level - FirstLumbar + 1);
  }
  if (level >= FirstSacral && level <= Last)
  {
    return "S" + std::to_string(level - FirstSacral + 1);
  }
  throw std::out_of_range("SpinalLevels::Name: no vertebral level " + std::to_string(level));
}

unsigned int
SpinalLevels::FromName(const std::string & name)
{
  if (name.size() < 2 || name.size() > 3)
  {
    return 0;
  }
  unsigned int number = 0;
  for (std::size_t i = 1; i < name.size(); ++i)
  {
    if (!std::isdigit(static_cast<unsigned char>(name[i])))
    {
      return 0;
    }
    number = number * 10 + static_cast<unsigned int>(name[i] - '0');
  }
  unsigned int first = 0;
  unsigned int count = 0;
  switch (std::toupper(static_cast<unsigned char>(name[0])))
  {
    case 'C':
      first = FirstCervical, count = 7;
      break;
    case 'T':
      first = FirstThoracic, count = 12;
      break;
    case 'L':
      first = FirstLumbar, count = 5;
      break;
    case 'S':
      first = FirstSacral, count = 5;
      break;
    default:
      return 0;
  }
  return (number >= 1 && number <= count) ? first + number - 1 : 0;
}

std::string
SpinalLevels::SpanName(unsigned int first, unsigned int last)
{
  if (first == 0 || last == 0)
  {
    return {};
  }
  if (first > last)
  {
    std::swap(first, last);
  }
  return first == last ? Name(first) : Name(first) + "-" + Name(last);
}

} // namespace itk
