# cordresponse_set_warnings(<target>): the project's warning flags (warning-clean at -Wall -Wextra).
function(cordresponse_set_warnings _target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${_target} PRIVATE -Wall -Wextra -Wshadow=local)
    if(CORDRESPONSE_WARNINGS_AS_ERRORS)
      target_compile_options(${_target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
