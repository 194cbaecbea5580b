// Stages of the case pipeline that sit between files and filters (private to pipelines/).
#ifndef cordresponse_CaseStages_h
#define cordresponse_CaseStages_h

#include "cordresponse/CasePipeline.h"

#include <map>

namespace cordresponse {

/** The validated images of one exam; user masks and labels are already on the T1 post grid. */
struct ExamImages
{
  ImageType::Pointer      t1post;
  ImageType::Pointer      t1pre;
  ImageType::Pointer      t2;
  LabelImageType::Pointer cordMask;
  LabelImageType::Pointer vertebralLabels;
};

/** Load and validate every file of an exam (InputError names the file). */
ExamImages
LoadExam(const TimepointInputs & inputs);

/** Bias-field correction of every image of the exam (concurrently), in place; the user masks and labels are
 *  unchanged. Does nothing when `parameters.enabled` is false. */
void
CorrectExamBias(const TimepointInputs & inputs, ExamImages & images, const BiasCorrectionParameters & parameters);

/** Cord, enhancing foci, edema and levels of one exam on its T1 post grid, into `t.segmentation`, and how the
 *  exam's other sequences lined up with its T1 post, into `t.alignment`. */
void
SegmentExam(const ExamImages & images, const RunOptions & options, TimepointResult & t);

} // namespace cordresponse

#endif
