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
# Registered from core/, so the top level must call enable_testing() before
# add_subdirectory(core) (as it does for the server's tests too).
foreach(t ${RS_LC_TESTS})
  set(labels lifecycle unit)
  if(t IN_LIST RS_LC_THREADED)
    list(APPEND labels threads)
  endif()
  rs_add_check_test(${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c
                    LIBS recsys_lifecycle LABELS ${labels})
  target_compile_definitions(${t} PRIVATE RS_TEST_PLUGIN_DIR="${CMAKE_BINARY_DIR}/test-plugins")
  add_dependencies(${t} tp_tp_good lc_defect rs_plugin_popularity)
endforeach()

# The lifecycle inside the real server, against a private PostgreSQL.
if(TARGET recsys_server)
  # The server's imported libcurl target is scoped to its directory.
  pkg_check_modules(LC_CURL REQUIRED IMPORTED_TARGET libcurl)
  rs_add_check_test(test_lifecycle_server
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_lifecycle_server.c
            ${CMAKE_SOURCE_DIR}/tests/server/http_client.c
            ${CMAKE_SOURCE_DIR}/tests/server/pg_fixture.c
    LIBS recsys_server recsys_lifecycle PkgConfig::JANSSON PkgConfig::LC_CURL
    LABELS lifecycle integration db threads TIMEOUT 900)
  target_compile_definitions(test_lifecycle_server PRIVATE
    RS_TEST_PLUGIN_DIR="${CMAKE_BINARY_DIR}/test-plugins")
  target_include_directories(test_lifecycle_server PRIVATE ${CMAKE_SOURCE_DIR}/tests/server)
  add_dependencies(test_lifecycle_server tp_tp_good rs_plugin_popularity)
endif()
