#ifndef cordresponse_Text_h
#define cordresponse_Text_h

#include <string>

namespace cordresponse {

/** The shortest decimal text that reads back as the same double ("0.5", "1e-05", "0.123456789012345"). */
std::string
ShortestText(double value);

/** `text` with &, <, > and " escaped, for XML and HTML. */
std::string
EscapeMarkup(const std::string & text);

} // namespace cordresponse

#endif
