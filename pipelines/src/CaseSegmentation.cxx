// Segmentation stage of the case pipeline: within-exam alignment, then cord, foci, edema and levels.
#include "CaseStages.h"

#include "cordresponse/Segmentation.h"
#include "cordresponse/Transforms.h"

namespace cordresponse {

void
SegmentExam(const ExamImages & images, const RunOptions & options, TimepointResult & t)
{
  SegmentationInputs in;
  in.t1post = images.t1post;
  in.cordMask = images.cordMask;
  in.vertebralLabels = images.vertebralLabels;
  // Sequences of one exam: T1 pre and T2 onto T1 post (rigid, mutual information); identity when they are
  // already aligned (the usual case), and the residual is reported either way.
  if (images.t1pre)
  {
    const RegistrationResult r = RegisterWithinExam(images.t1post, images.t1pre);
    t.alignment.t1preResidualMm = r.alreadyAligned ? r.residualMm : r.maxDisplacementMm;
    t.alignment.t1preAligned = r.alreadyAligned;
    in.t1pre = r.alreadyAligned ? images.t1pre : ResampleToReference(images.t1pre, images.t1post, r.transform);
  }
  if (images.t2)
  {
    const RegistrationResult r = RegisterWithinExam(images.t1post, images.t2);
    t.alignment.t2ResidualMm = r.alreadyAligned ? r.residualMm : r.maxDisplacementMm;
    t.alignment.t2Aligned = r.alreadyAligned;
    in.t2 = images.t2;
    if (!r.alreadyAligned)
    {
      in.t1postToT2 = r.transform;
    }
  }
  t.segmentation = SegmentTimepoint(in, options.segmentation);
  t.t1preAligned = in.t1pre;
}

} // namespace cordresponse
