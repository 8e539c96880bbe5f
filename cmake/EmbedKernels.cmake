# Turns every kernels/*.cl into a NUL-terminated byte array in one generated C file.
function(clcnn_embed_kernels output)
  file(GLOB kernel_files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/kernels/*.cl)
  list(SORT kernel_files)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} "-DKERNELS=${kernel_files}"
            -P ${CMAKE_SOURCE_DIR}/cmake/EmbedKernelsScript.cmake
    DEPENDS ${kernel_files} ${CMAKE_SOURCE_DIR}/cmake/EmbedKernelsScript.cmake
    COMMENT "Embedding OpenCL kernels"
    VERBATIM)
  set_source_files_properties(${output} PROPERTIES GENERATED TRUE)
endfunction()
