# System dependencies, all from Debian packages (scripts/setup installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED)
pkg_check_modules(YAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(CHECK IMPORTED_TARGET check)
pkg_check_modules(OPENBLAS REQUIRED IMPORTED_TARGET openblas)
find_library(LAPACKE_LIB lapacke REQUIRED)
find_library(LAPACK_LIB lapack REQUIRED)
find_library(CIVETWEB_LIB civetweb REQUIRED)
find_path(CIVETWEB_INCLUDE civetweb.h REQUIRED)
find_library(M_LIB m)

# faiss: Debian ships libfaiss.a and the C API headers but not the compiled
# C wrapper. Use a system libfaiss_c when present, otherwise compile the
# wrapper from Debian's faiss source package (scripts/setup unpacks it).
find_library(FAISS_LIB faiss REQUIRED)
find_library(FAISS_C_LIB faiss_c)
set(RS_FAISS_SRC ${CMAKE_SOURCE_DIR}/third_party/faiss-src CACHE PATH
    "faiss source tree (from apt-get source faiss)")
if(FAISS_C_LIB)
  add_library(rs_faiss_c INTERFACE)
  target_link_libraries(rs_faiss_c INTERFACE ${FAISS_C_LIB} ${FAISS_LIB})
else()
  file(GLOB FAISS_C_SOURCES ${RS_FAISS_SRC}/c_api/*.cpp ${RS_FAISS_SRC}/c_api/impl/*.cpp
       ${RS_FAISS_SRC}/c_api/utils/*.cpp)
  if(NOT FAISS_C_SOURCES)
    message(FATAL_ERROR "faiss C API sources not found in ${RS_FAISS_SRC}; run scripts/setup")
  endif()
  add_library(rs_faiss_c STATIC ${FAISS_C_SOURCES})
  # The wrapper's own headers include "faiss/..." from the installed tree.
  target_compile_options(rs_faiss_c PRIVATE -w)
  target_link_libraries(rs_faiss_c PUBLIC ${FAISS_LIB} PkgConfig::OPENBLAS
                        ${LAPACK_LIB} OpenMP::OpenMP_CXX)
endif()
target_include_directories(rs_faiss_c INTERFACE /usr/include/faiss/c_api)
