# ITK module declaration of CordResponse: the single source of truth for its ITK dependencies.
# Read by ITK's module system (in an ITK source tree as Modules/Remote/CordResponse) and by
# cmake/CordResponseStandalone.cmake (standalone build against an installed ITK such as Debian's 5.2).
set(DOCUMENTATION "CordResponse: ITK filters that measure how intramedullary spinal cord lesions \
respond to treatment on MRI (spinal cord, enhancing foci and edema segmentation, vertebral levels, \
label statistics, spinal MRI phantoms, and a oneTBB-backed ITK threader).")

itk_module(CordResponse
  ENABLE_SHARED
  DEPENDS
    ITKCommon                  # images, iterators, threaders, ProgressReporter
    ITKImageFilterBase         # CastImageFilter
    ITKImageFunction           # linear / nearest-neighbour / B-spline interpolators
    ITKImageGrid               # Resample, RegionOfInterest, BinShrink, BSplineControlPoint
    ITKSmoothing               # Recursive and discrete Gaussian
    ITKConnectedComponents     # ConnectedComponent, RelabelComponent
    ITKDistanceMap             # SignedMaurerDistanceMap
    ITKTransform               # versor rigid, affine, B-spline, composite transforms
    ITKSpatialObjects          # ImageMaskSpatialObject (registration metric masks)
    ITKMetricsv4               # Mattes mutual information
    ITKOptimizersv4            # regular-step gradient descent, physical-shift scales
    ITKBiasCorrection          # N4BiasFieldCorrection
    ITKStatistics              # GaussianDistribution (normal quantiles)
  PRIVATE_DEPENDS
    ITKIOImageBase
    ITKIONIFTI
    ITKIONRRD
    ITKIOMeta
    ITKIOGDCM
    ITKIOTransformBase
    ITKIOTransformInsightLegacy
  TEST_DEPENDS
    ITKGoogleTest
  DESCRIPTION "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
)
