# 3D Slicer extension build (configure with -DSlicer_DIR=<Slicer build>/Slicer-build): the extension metadata,
# then Slicer's use file (its ITK and its Slicer Execution Model, so modules/slicer builds the CLIs with
# SEMMacroBuildCLI into Slicer's cli-modules folder). The top-level CMakeLists includes
# Slicer_EXTENSION_GENERATE_CONFIG and Slicer_EXTENSION_CPACK at its end, as Slicer's extension template does.
set(EXTENSION_NAME CordResponse)
set(EXTENSION_HOMEPAGE "https://github.com/cordresponse/CordResponse/blob/main/docs/slicer.md")
set(EXTENSION_CATEGORY "Quantification")
set(EXTENSION_CONTRIBUTORS "CordResponse developers")
set(EXTENSION_DESCRIPTION
  "Response of intramedullary spinal cord lesions to treatment on MRI: registration of follow-up to baseline, segmentation of the cord, enhancing foci and edema, lesion measurements and RANO-BM / volumetric response.")
set(EXTENSION_ICONURL "https://raw.githubusercontent.com/cordresponse/CordResponse/main/docs/images/CordResponse-icon.png")
set(EXTENSION_SCREENSHOTURLS
  "https://raw.githubusercontent.com/cordresponse/CordResponse/main/docs/images/slicer_qc_lesions.png https://raw.githubusercontent.com/cordresponse/CordResponse/main/docs/images/slicer_qc_timeline.png")
set(EXTENSION_DEPENDS "NA")
set(EXTENSION_STATUS "Beta")

find_package(Slicer REQUIRED)
include(${Slicer_USE_FILE})

# An extension ships the CLI modules only: no tests, benchmarks or development files in the package.
set(CORDRESPONSE_BUILD_TESTING OFF CACHE BOOL "Build the GoogleTest suite" FORCE)
set(CORDRESPONSE_BUILD_BENCHMARKS OFF CACHE BOOL "Build the Google Benchmark programs" FORCE)
