# Lifecycle tests, included from core/lifecycle/CMakeLists.txt. Suites that
# start threads carry the `threads` label (scripts/test runs them under
# ThreadSanitizer).
set(RS_LC_TESTS test_experiment test_abstats test_interleave test_swap_gate
    test_reco_cache test_retrain)
set(RS_LC_THREADED test_reco_cache test_retrain)

# A plugin whose artifact carries a defect, for the gate's smoke test.
set(RS_LC_DEFECT_DIR ${CMAKE_BINARY_DIR}/test-plugins/lc_defect)
add_library(lc_defect MODULE ${CMAKE_CURRENT_LIST_DIR}/defect_plugin.c)
set_target_properties(lc_defect PROPERTIES OUTPUT_NAME lc_defect PREFIX lib
  C_VISIBILITY_PRESET hidden LIBRARY_OUTPUT_DIRECTORY ${RS_LC_DEFECT_DIR})
target_include_directories(lc_defect PRIVATE ${CMAKE_SOURCE_DIR}/core/include)
target_link_libraries(lc_defect PRIVATE ${M_LIB})
file(WRITE ${RS_LC_DEFECT_DIR}/plugin.yaml
"name: lc_defect
library: liblc_defect.so
abi: \"1.0\"
version: \"0.0.1\"
description: Lifecycle test plugin with a chosen defect.
params: {}
")
foreach(t ${RS_LC_TESTS})
  rs_add_check_test(${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c
                    LIBS recsys_lifecycle LABELS lifecycle unit)
  target_compile_definitions(${t} PRIVATE RS_TEST_PLUGIN_DIR="${CMAKE_BINARY_DIR}/test-plugins")
  add_dependencies(${t} tp_tp_good lc_defect rs_plugin_popularity)
endforeach()

# core/ is added before the top level calls enable_testing(), so the
# add_test() above is dropped. Register the tests again from the top-level
# directory once it has finished (testing is enabled there by then).
function(rs_lifecycle_register_tests)
  foreach(t ${ARGN})
    set(labels lifecycle unit)
    if(t IN_LIST RS_LC_THREADED_G)
      list(APPEND labels threads)
    endif()
    add_test(NAME ${t} COMMAND $<TARGET_FILE:${t}>)
    set_tests_properties(${t} PROPERTIES TIMEOUT 600 LABELS "${labels}")
  endforeach()
endfunction()
# Deferred arguments and variables are expanded when the call runs, in the
# top-level scope: expand the lists now.
list(JOIN RS_LC_TESTS " " _rs_lc_names)
list(JOIN RS_LC_THREADED ";" _rs_lc_threaded)
cmake_language(EVAL CODE "cmake_language(DEFER DIRECTORY \"${CMAKE_SOURCE_DIR}\"
               CALL set RS_LC_THREADED_G \"${_rs_lc_threaded}\")
cmake_language(DEFER DIRECTORY \"${CMAKE_SOURCE_DIR}\"
               CALL rs_lifecycle_register_tests ${_rs_lc_names})")
