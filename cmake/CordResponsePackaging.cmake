# Install rules and the exported package: find_package(CordResponse) gives
#   CordResponse::CordResponse  the ITK filter library (filters/)
#   CordResponse::Pipelines     images I/O, stages, case/batch pipeline, reports (pipelines/)
include(CMakePackageConfigHelpers)
set(CordResponse_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/CordResponse)

install(TARGETS CordResponse CordResponsePipelines
  EXPORT CordResponseTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/CordResponse)
install(DIRECTORY filters/include/ pipelines/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/CordResponse FILES_MATCHING PATTERN "*.h" PATTERN "*.hxx")
install(FILES ${PROJECT_BINARY_DIR}/filters/include/CordResponseExport.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/CordResponse)
install(EXPORT CordResponseTargets NAMESPACE CordResponse:: DESTINATION ${CordResponse_INSTALL_CMAKEDIR})

configure_package_config_file(cmake/CordResponseConfig.cmake.in
  ${PROJECT_BINARY_DIR}/CordResponseConfig.cmake
  INSTALL_DESTINATION ${CordResponse_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/CordResponseConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/CordResponseConfig.cmake ${PROJECT_BINARY_DIR}/CordResponseConfigVersion.cmake
  DESTINATION ${CordResponse_INSTALL_CMAKEDIR})
