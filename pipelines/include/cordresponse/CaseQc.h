#ifndef cordresponse_CaseQc_h
#define cordresponse_CaseQc_h

#include "cordresponse/CasePipeline.h"

#include <filesystem>
#include <string>
#include <vector>

namespace cordresponse {

/** A QC image written into a case's output directory. */
struct QcImage
{
  std::string file; // relative to the output directory
  std::string caption;
};

/** For every focus, sagittal and axial slices through it with every exam side by side in baseline space
 *  (lesion, edema and cord outlines), a sagittal overview, and a timeline chart of the volumes. */
std::vector<QcImage>
WriteQcImages(const CaseResult & result, const std::filesystem::path & directory);

/** One self-contained offline page (images embedded) with the summary, the lesion and change tables and
 *  the QC images, readable without the JSON. */
void
WriteHtmlReport(const CaseResult &            result,
                const std::vector<QcImage> &  images,
                const std::filesystem::path & directory);

} // namespace cordresponse

#endif
