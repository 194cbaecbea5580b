#ifndef itkVertebralLevelAssignmentImageFilter_h
#define itkVertebralLevelAssignmentImageFilter_h

#include "itkImageToImageFilter.h"
#include "itkSpinalCordGrid.h"

#include <string>
#include <utility>
#include <vector>

namespace itk {

/** Where vertebral levels come from. */
enum class VertebralLevelSourceEnum : std::uint8_t
{
  None = 0,    ///< no labels: levels unknown (0)
  DiscLabels,  ///< Spinal Cord Toolbox disc labels: value N at the disc above vertebra N
  LabelledCord ///< a cord mask labelled by level (SCT `_labeled`, PAM50_levels)
};

/** \class VertebralLevelAssignmentImageFilter
 * \brief Labels a spinal cord mask with vertebral levels (Spinal Cord Toolbox numbering, see SpinalLevels)
 * from SCT-style disc labels or from a cord mask labelled by level, and gives the level span of any label.
 *
 * Input 0: the cord mask. Either SetDiscLabels() (single voxels of value N at the disc above vertebra N,
 * as sct_label_vertebrae / sct_label_utils write them) or SetLabelledCord() (voxels of value N in level
 * N); both may be on any grid (points are compared in physical space).
 *
 * Positions along the cord are measured by the arc length s of the cord centreline (centroids of the
 * cross-sections of the mask, smoothed), s increasing superiorly; a point's s is that of the nearest
 * centreline point plus its offset along the local tangent (so level boundaries are planes normal to the
 * cord). Level N spans from the disc labelled N down to the disc labelled N + 1; above the most cranial
 * disc N0 lies vertebra N0 - 1 and below the most caudal disc Nk lies vertebra Nk, each extended by the
 * mean level height of the labelled levels (ExtrapolationFactor times it); missing discs in between are
 * interpolated. For a labelled cord the boundary between consecutive levels is half-way between their
 * extents. Without labels every level is 0 (unknown) and GetLevelSource() is None: this filter never
 * guesses.
 *
 * Output: the cord mask with each cord voxel replaced by its level (0 where unknown).
 *
 * \ingroup CordResponse
 */
template <typename TLabelImage>
class ITK_TEMPLATE_EXPORT VertebralLevelAssignmentImageFilter : public ImageToImageFilter<TLabelImage, TLabelImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(VertebralLevelAssignmentImageFilter);

  using Self = VertebralLevelAssignmentImageFilter;
  using Superclass = ImageToImageFilter<TLabelImage, TLabelImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  using PointType = typename TLabelImage::PointType;
  using LevelSourceEnum = VertebralLevelSourceEnum;

  itkNewMacro(Self);
  itkTypeMacro(VertebralLevelAssignmentImageFilter, ImageToImageFilter);

  /** SCT disc labels (any grid). Clears a labelled cord. */
  void
  SetDiscLabels(const TLabelImage * labels);
  /** A cord mask labelled by level (any grid). Clears disc labels. */
  void
  SetLabelledCord(const TLabelImage * labels);

  /** Extension of the outermost levels beyond the outermost discs, in mean level heights. Default 1. */
  itkSetMacro(ExtrapolationFactor, double);
  itkGetConstMacro(ExtrapolationFactor, double);

  /** After Update(): where the levels came from. */
  LevelSourceEnum
  GetLevelSource() const
  {
    return m_LevelSource;
  }
  /** After Update(): level at a physical point (0 if unknown). */
  unsigned int
  LevelAt(const PointType & point) const;
  /** After Update(): {most cranial, most caudal} level of the voxels of `labels` equal to `value` (any
   *  non-zero value when 0); {0, 0} if unknown or empty. `labels` may be on any grid. */
  std::pair<unsigned int, unsigned int>
  LevelSpan(const TLabelImage * labels, unsigned int value = 0) const;
  /** "T9-T10", "T12", or "" when unknown. */
  std::string
  LevelSpanName(const TLabelImage * labels, unsigned int value = 0) const;

protected:
  VertebralLevelAssignmentImageFilter();
  ~VertebralLevelAssignmentImageFilter() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  GenerateInputRequestedRegion() override;
  void
  EnlargeOutputRequestedRegion(DataObject * output) override;
  void
  GenerateData() override;

private:
  struct Interval
  {
    unsigned int level{ 0 };
    double       top{ 0 };    // s of the cranial boundary
    double       bottom{ 0 }; // s of the caudal boundary
  };
  double
  ArcLength(const PointType & point) const;

  typename TLabelImage::ConstPointer m_DiscLabels;
  typename TLabelImage::ConstPointer m_LabelledCord;
  double                             m_ExtrapolationFactor{ 1.0 };
  LevelSourceEnum                    m_LevelSource{ LevelSourceEnum::None };
  std::vector<PointType>             m_Centreline; // ordered caudal -> cranial
  std::vector<double>                m_ArcLength;
  std::vector<Vector<double, 3>>     m_Tangent;
  std::vector<Interval>              m_Intervals;
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkVertebralLevelAssignmentImageFilter.hxx"
#endif

#endif
