#ifndef itkSpinalLevels_h
#define itkSpinalLevels_h

#include "CordResponseExport.h"

#include <string>

namespace itk {
/** \class SpinalLevels
 * \brief Names of vertebral levels in the Spinal Cord Toolbox numbering.
 *
 * Label values 1-7 are C1-C7, 8-19 are T1-T12, 20-24 are L1-L5 and 25-29 are S1-S5 (the numbering of
 * SCT's `_labeled` cord masks and of PAM50_levels). 0 is "no level".
 *
 * \ingroup CordResponse
 */
class CordResponse_EXPORT SpinalLevels
{
public:
  static constexpr unsigned int FirstCervical = 1;
  static constexpr unsigned int FirstThoracic = 8;
  static constexpr unsigned int FirstLumbar = 20;
  static constexpr unsigned int FirstSacral = 25;
  static constexpr unsigned int Last = 29;

  /** "C1" .. "S5" for 1..29; throws std::out_of_range otherwise. */
  static std::string
  Name(unsigned int level);

  /** Inverse of Name(), case-insensitive ("t9" -> 16); 0 if the text is not a level name. */
  static unsigned int
  FromName(const std::string & name);

  /** "T9-T10" for a span, "T9" when first == last; "" when either is 0. */
  static std::string
  SpanName(unsigned int first, unsigned int last);
};
} // namespace itk

#endif
