# rs_add_plugin(<name> SOURCES ... [LIBS ...])
# Builds plugins/<name> as a MODULE with hidden visibility and -z defs, so its
# only exported symbol is the entry point and it cannot reach host internals.
# Output: ${RS_PLUGIN_BUILD_DIR}/<name>/ with the .so and plugin.yaml beside it.
function(rs_add_plugin name)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  set(target rs_plugin_${name})
  add_library(${target} MODULE ${P_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME rs_${name} PREFIX lib
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
    LIBRARY_OUTPUT_DIRECTORY ${RS_PLUGIN_BUILD_DIR}/${name})
  target_link_libraries(${target} PRIVATE recsys_sdk)
  if(NOT RS_SANITIZE AND NOT RS_TSAN)
    target_link_options(${target} PRIVATE -Wl,-z,defs)
  endif()
  target_link_libraries(${target} PRIVATE ${P_LIBS} ${M_LIB})
  configure_file(${CMAKE_CURRENT_SOURCE_DIR}/plugin.yaml
                 ${RS_PLUGIN_BUILD_DIR}/${name}/plugin.yaml COPYONLY)
  install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/recsys/plugins/${name})
  install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/plugin.yaml
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/recsys/plugins/${name})
endfunction()
