#ifndef itkMultiStartVersorRigid3DInitializer_h
#define itkMultiStartVersorRigid3DInitializer_h

#include "itkImageToImageMetricv4.h"
#include "itkObject.h"
#include "itkSpatialObject.h"
#include "itkVersorRigid3DTransform.h"

#include <vector>

namespace itk {
/** \class MultiStartVersorRigid3DInitializer
 * \brief Robust starting points for a rigid registration: moments alignment plus a grid of rotation
 * and translation starts, ranked by an image metric.
 *
 * Transforms follow ITK's registration convention: they map points of the fixed image's physical space
 * to the moving image's physical space (LPS, mm).
 *
 * Compute():
 *   1. computes the intensity centroids (first moments) of the fixed and the moving image, each
 *      restricted to its optional mask (a SpatialObject, e.g. an ImageMaskSpatialObject of the body);
 *   2. builds the start translations (rotation centre: the fixed centroid): the translation aligning the
 *      centroids and, with UseScannerStart, also the zero translation (the scanner coordinates of the two
 *      exams taken as they are: when both fields of view are filled by the body along an axis, the
 *      centroids only align the fields of view, not the anatomy); or, when GivenStartTranslations are
 *      set, those instead (e.g. from corresponding anatomical landmarks); to each of these bases it adds
 *        - for each value o in TranslationOffsets (mm), shifts of +-o along TranslationAxis (default the
 *          LPS S axis, i.e. cranio-caudal for spine images), and
 *        - with non-zero SearchRadii, every point of a cubic lattice of SearchStep (mm) inside the
 *          ellipsoid of semi-axes SearchRadii (mm, along the LPS axes) around the base (a translation
 *          search for large offsets);
 *      when there are more than SearchKeep such translations, each is scored by the metric without
 *      rotation and only the SearchKeep best are kept, skipping any within 1.5 x SearchStep of one
 *      already kept (so that the neighbours of one basin do not crowd out another basin); the bases
 *      themselves are always kept (they are the a-priori starts: centroids aligned, scanner position);
 *   3. combines each kept translation with the rotation starts: none, and for each value a in
 *      RotationAngles (degrees) rotations of +-a about each of the three physical axes;
 *   4. evaluates the metric at each start (the metric must be set up with its images, masks and
 *      sampling and be ready for GetValue(); its moving transform is replaced by an internal one);
 *      starts where fewer than MinimumValidFraction of the samples map inside the moving image are
 *      ranked last;
 *   5. sorts the candidates, best (lowest metric value) first.
 * Deterministic: the candidate order and values depend only on the inputs.
 *
 * Typically run on coarse (shrunk) images: it costs one metric evaluation per start (and one per
 * translation of the search).
 *
 * \ingroup CordResponse
 */
template <typename TFixedImage, typename TMovingImage>
class ITK_TEMPLATE_EXPORT MultiStartVersorRigid3DInitializer : public Object
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(MultiStartVersorRigid3DInitializer);

  using Self = MultiStartVersorRigid3DInitializer;
  using Superclass = Object;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(MultiStartVersorRigid3DInitializer, Object);

  using FixedImageType = TFixedImage;
  using MovingImageType = TMovingImage;
  using TransformType = VersorRigid3DTransform<double>;
  using MetricType = ImageToImageMetricv4<TFixedImage, TMovingImage, TFixedImage, double>;
  using MaskType = SpatialObject<3>;
  using VectorType = typename TransformType::OutputVectorType;
  using PointType = typename TransformType::InputPointType;

  struct Candidate
  {
    TransformType::Pointer transform;
    double                 value;
    double                 validFraction;
    double                 offset;   // translation offset of this start along TranslationAxis, mm
    unsigned int           rotation; // index of the rotation start (0 = none)
    unsigned int           group;    // index of the start translation (starts of one group share it)
    bool                   base;     // the start translation is a base (centroids aligned or scanner start)
  };

  itkSetConstObjectMacro(FixedImage, FixedImageType);
  itkSetConstObjectMacro(MovingImage, MovingImageType);
  itkSetConstObjectMacro(FixedMask, MaskType);
  itkSetConstObjectMacro(MovingMask, MaskType);
  itkSetObjectMacro(Metric, MetricType);
  /** Optional metric (same images, typically fewer samples) that scores the translations of the search
   *  (step 2 of Compute()); default: Metric. */
  itkSetObjectMacro(SearchMetric, MetricType);

  /** Rotation start angles, degrees (default {10}). 0 is always included. */
  void
  SetRotationAngles(const std::vector<double> & degrees)
  {
    m_RotationAngles = degrees;
    this->Modified();
  }
  const std::vector<double> &
  GetRotationAngles() const
  {
    return m_RotationAngles;
  }

  /** Translation offsets along TranslationAxis, mm (default {15}). 0 is always included. */
  void
  SetTranslationOffsets(const std::vector<double> & mm)
  {
    m_TranslationOffsets = mm;
    this->Modified();
  }
  const std::vector<double> &
  GetTranslationOffsets() const
  {
    return m_TranslationOffsets;
  }

  /** Physical direction (LPS) of the translation offsets; default (0, 0, 1). */
  itkSetMacro(TranslationAxis, VectorType);
  itkGetConstMacro(TranslationAxis, VectorType);

  /** Also start from the zero translation (scanner coordinates as they are), besides the centroid
   *  alignment (default false). */
  itkSetMacro(UseScannerStart, bool);
  itkGetConstMacro(UseScannerStart, bool);
  itkBooleanMacro(UseScannerStart);

  /** Start translations known from elsewhere (mm, fixed -> moving; e.g. from vertebral labels present in
   *  both images). When not empty they replace the centroid and scanner starts as the bases of step 2.
   *  Default: empty. */
  void
  SetGivenStartTranslations(const std::vector<VectorType> & translations)
  {
    m_GivenStartTranslations = translations;
    this->Modified();
  }
  const std::vector<VectorType> &
  GetGivenStartTranslations() const
  {
    return m_GivenStartTranslations;
  }

  /** Translation search: lattice points (step SearchStep, mm) inside the ellipsoid of semi-axes
   *  SearchRadii (mm along L, P, S) around every base translation; an axis whose radius is below the step
   *  is not searched. Default radii 0 (off) and step 10 mm. SetSearchRadius sets all three. */
  itkSetMacro(SearchRadii, VectorType);
  itkGetConstMacro(SearchRadii, VectorType);
  void
  SetSearchRadius(double mm)
  {
    VectorType radii;
    radii.Fill(mm);
    this->SetSearchRadii(radii);
  }
  itkSetMacro(SearchStep, double);
  itkGetConstMacro(SearchStep, double);

  /** Translations kept for the rotation starts when there are more (default 4). */
  itkSetMacro(SearchKeep, unsigned int);
  itkGetConstMacro(SearchKeep, unsigned int);

  /** Rank by value x (fraction of the samples mapping inside the moving image) instead of by value (default
   *  false). For metrics whose good values are negative (ITK's mutual information metrics), this stops
   *  starts that keep only a small overlap, whose few samples can fit spuriously well, from ranking first. */
  itkSetMacro(WeightByOverlap, bool);
  itkGetConstMacro(WeightByOverlap, bool);
  itkBooleanMacro(WeightByOverlap);

  /** The fraction of the metric's samples that its last GetValue() mapped inside the moving image (0 without
   *  samples): the weight of WeightByOverlap, for callers that compare their own results the same way. */
  static double
  ValidFraction(const MetricType * metric);

  /** Use the centroids for the initial translation (default true); otherwise the image centres. */
  itkSetMacro(UseMoments, bool);
  itkGetConstMacro(UseMoments, bool);
  itkBooleanMacro(UseMoments);

  /** Starts where fewer samples than this fraction map inside the moving image rank last (0.3). */
  itkSetMacro(MinimumValidFraction, double);
  itkGetConstMacro(MinimumValidFraction, double);

  void
  Compute();

  /** All starts, best first. */
  const std::vector<Candidate> &
  GetCandidates() const
  {
    return m_Candidates;
  }

  /** The starts chosen for refinement: up to `count`, best first but diverse (first the best start of
   *  each start translation, so that a neighbouring vertebra, about one offset away, cannot crowd out the
   *  right level, then the best remaining ones), followed by the best start of each base translation not
   *  among them: the metric at an unrefined start can rank a neighbouring segment above the right one
   *  (seen on bias-corrected 1.5 mm sagittal images), and the bases are where the anatomy most likely is. */
  std::vector<Candidate>
  GetDiverseCandidates(unsigned int count) const;

  /** The number of metric evaluations of the last Compute() (search and starts). */
  itkGetConstMacro(NumberOfEvaluations, unsigned int);

  /** The moments (or centres) alignment alone. */
  itkGetConstObjectMacro(CentredTransform, TransformType);

  itkGetConstMacro(FixedCentre, PointType);
  itkGetConstMacro(MovingCentre, PointType);

protected:
  MultiStartVersorRigid3DInitializer();
  ~MultiStartVersorRigid3DInitializer() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override;

private:
  template <typename TImage>
  PointType
  Centre(const TImage * image, const MaskType * mask) const;

  /** Metric value and valid fraction of the sample set at a transform (max / 0 when it fails). */
  void
  Evaluate(MetricType *          metric,
           TransformType *       probe,
           const TransformType * transform,
           double &              value,
           double &              validFraction);

  typename FixedImageType::ConstPointer  m_FixedImage;
  typename MovingImageType::ConstPointer m_MovingImage;
  MaskType::ConstPointer                 m_FixedMask;
  MaskType::ConstPointer                 m_MovingMask;
  typename MetricType::Pointer           m_Metric;
  typename MetricType::Pointer           m_SearchMetric;
  std::vector<double>                    m_RotationAngles{ 10.0 };
  std::vector<double>                    m_TranslationOffsets{ 15.0 };
  VectorType                             m_TranslationAxis;
  bool                                   m_UseMoments{ true };
  bool                                   m_UseScannerStart{ false };
  std::vector<VectorType>                m_GivenStartTranslations;
  VectorType                             m_SearchRadii{ 0.0 };
  bool                                   m_WeightByOverlap{ false };
  double                                 m_SearchStep{ 10.0 };
  unsigned int                           m_SearchKeep{ 4 };
  unsigned int                           m_NumberOfEvaluations{ 0 };
  double                                 m_MinimumValidFraction{ 0.3 };
  std::vector<Candidate>                 m_Candidates;
  TransformType::Pointer                 m_CentredTransform;
  PointType                              m_FixedCentre;
  PointType                              m_MovingCentre;
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#include "itkMultiStartVersorRigid3DInitializer.hxx"
#endif

#endif
