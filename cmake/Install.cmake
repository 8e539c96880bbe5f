# Install rules: library, headers, tool, CMake package (clcnn::clcnn) and pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS clcnn clcnn_static EXPORT clcnnTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS clcnn_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/clcnn DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
install(FILES ${CMAKE_BINARY_DIR}/include/clcnn/version.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/clcnn)

set(CLCNN_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/clcnn)
install(EXPORT clcnnTargets NAMESPACE clcnn:: DESTINATION ${CLCNN_CMAKE_DIR})
configure_package_config_file(cmake/clcnnConfig.cmake.in ${CMAKE_BINARY_DIR}/clcnnConfig.cmake
  INSTALL_DESTINATION ${CLCNN_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/clcnnConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/clcnnConfig.cmake ${CMAKE_BINARY_DIR}/clcnnConfigVersion.cmake
  DESTINATION ${CLCNN_CMAKE_DIR})

# The .pc file finds the prefix relative to itself, so an install moved or made with
# `cmake --install --prefix` still works.
file(RELATIVE_PATH CLCNN_PC_TO_PREFIX "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
configure_file(cmake/clcnn.pc.in ${CMAKE_BINARY_DIR}/clcnn.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/clcnn.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
