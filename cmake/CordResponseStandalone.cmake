# Stand-ins for ITK's module macros, for builds against an installed ITK that lacks
# ITKModuleExternal.cmake (Debian 12's ITK 5.2). itk-module.cmake stays the one place that names the
# ITK modules CordResponse uses; this file reads it and finds exactly those ITK components.
#
# After inclusion:
#   CordResponseFilters_ITK_LIBRARIES / _INCLUDE_DIRS   ITK modules of the filter library (DEPENDS)
#   CordResponseIO_ITK_LIBRARIES / _INCLUDE_DIRS        ITK I/O modules (PRIVATE_DEPENDS)
#   CordResponse_ITK_COMPONENTS                          every ITK module named in itk-module.cmake

macro(itk_module _name)
  cmake_parse_arguments(_crm "ENABLE_SHARED;EXCLUDE_FROM_DEFAULT"
    "DESCRIPTION" "DEPENDS;PRIVATE_DEPENDS;COMPILE_DEPENDS;TEST_DEPENDS" ${ARGN})
  set(itk-module ${_name})
  set(ITK_MODULE_${_name}_DEPENDS ${_crm_DEPENDS} ${_crm_COMPILE_DEPENDS})
  set(ITK_MODULE_${_name}_PRIVATE_DEPENDS ${_crm_PRIVATE_DEPENDS})
  set(ITK_MODULE_${_name}-Test_DEPENDS ${_crm_TEST_DEPENDS})
  set(ITK_MODULE_${_name}_DESCRIPTION "${_crm_DESCRIPTION}")
  set(ITK_MODULE_${_name}_ENABLE_SHARED ${_crm_ENABLE_SHARED})
endmacro()

include(${PROJECT_SOURCE_DIR}/itk-module.cmake)

set(CordResponse_ITK_COMPONENTS
  ${ITK_MODULE_CordResponse_DEPENDS} ${ITK_MODULE_CordResponse_PRIVATE_DEPENDS})
find_package(ITK 5.2 REQUIRED COMPONENTS ${CordResponse_ITK_COMPONENTS})
itk_module_config(CordResponseFilters_ITK ${ITK_MODULE_CordResponse_DEPENDS})
itk_module_config(CordResponseIO_ITK ${ITK_MODULE_CordResponse_PRIVATE_DEPENDS})
# /usr/include is searched anyway; naming it as a -isystem directory would reorder the C++ headers.
list(REMOVE_ITEM CordResponseFilters_ITK_INCLUDE_DIRS /usr/include)
list(REMOVE_ITEM CordResponseIO_ITK_INCLUDE_DIRS /usr/include)
message(STATUS "CordResponse: ITK ${ITK_VERSION} (${ITK_DIR}); components: ${CordResponse_ITK_COMPONENTS}")

# itk_module_add_library(<name> <sources...>): the module library, as ITK's macro of that name
# builds it, plus the generated <name>Export.h.
include(GenerateExportHeader)
function(itk_module_add_library _name)
  add_library(${_name} ${ARGN})
  add_library(${PROJECT_NAME}::${_name} ALIAS ${_name})
  target_compile_features(${_name} PUBLIC cxx_std_17)
  target_include_directories(${_name}
    PUBLIC
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
      $<BUILD_INTERFACE:${CMAKE_CURRENT_BINARY_DIR}/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/CordResponse>)
  target_include_directories(${_name} SYSTEM PUBLIC "$<BUILD_INTERFACE:${CordResponseFilters_ITK_INCLUDE_DIRS}>")
  target_link_libraries(${_name} PUBLIC ${CordResponseFilters_ITK_LIBRARIES})
  if(ITK_MODULE_${_name}_ENABLE_SHARED)
    generate_export_header(${_name}
      EXPORT_FILE_NAME ${CMAKE_CURRENT_BINARY_DIR}/include/${_name}Export.h
      EXPORT_MACRO_NAME ${_name}_EXPORT
      NO_EXPORT_MACRO_NAME ${_name}_HIDDEN
      STATIC_DEFINE ITK_STATIC)
  endif()
endfunction()
