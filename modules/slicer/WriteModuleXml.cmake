# cmake -DEXECUTABLE=<module> -DOUTPUT=<file.xml> -P WriteModuleXml.cmake: the module's --xml into OUTPUT.
execute_process(COMMAND ${EXECUTABLE} --xml OUTPUT_FILE ${OUTPUT}.new RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  file(REMOVE ${OUTPUT}.new)
  message(FATAL_ERROR "${EXECUTABLE} --xml failed (${status})")
endif()
file(RENAME ${OUTPUT}.new ${OUTPUT})
