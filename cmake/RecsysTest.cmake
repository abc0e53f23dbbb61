# rs_add_check_test(<name> SOURCES ... [LIBS ...] [LABELS ...])
# A Check test executable registered with CTest. Check keeps fork mode, so
# one crashing test fails one test case. Tests find the shared MovieLens data
# through RECSYS_SHARED_DATA (default: ../shared/data beside the project).
set(RS_SHARED_DATA_DEFAULT ${CMAKE_SOURCE_DIR}/../shared/data)
function(rs_add_check_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/support)
  target_link_libraries(${name} PRIVATE recsys_sdk PkgConfig::CHECK ${T_LIBS} ${M_LIB})
  target_compile_definitions(${name} PRIVATE
    RS_SOURCE_DIR="${CMAKE_SOURCE_DIR}" RS_BUILD_DIR="${CMAKE_BINARY_DIR}"
    RS_PLUGIN_BUILD_DIR="${RS_PLUGIN_BUILD_DIR}"
    RS_SHARED_DATA_DEFAULT="${RS_SHARED_DATA_DEFAULT}")
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT}
                       LABELS "${T_LABELS}")
endfunction()
