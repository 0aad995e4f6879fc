# Helpers shared by every target of ours.

# trader_target(<target>): our include root, C++20 and warnings as errors.
function(trader_target target)
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_compile_options(${target} PRIVATE ${TRADER_WARNINGS})
    target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()

# trader_embed_migrations(<output.cpp> <files...>): compiles every migration SQL file into the binary, so
# `trader migrate` needs nothing beside the executable.
function(trader_embed_migrations output)
    add_custom_command(
        OUTPUT ${output}
        COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DROOT=${PROJECT_SOURCE_DIR}/src
                "-DFILES=${ARGN}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_migrations.cmake
        DEPENDS ${ARGN} ${PROJECT_SOURCE_DIR}/cmake/embed_migrations.cmake
        COMMENT "Embedding migrations"
        VERBATIM
    )
endfunction()

# trader_embed_text(<output.cpp> <input> <namespace> <function>): a file's text as `std::string_view fn()`.
function(trader_embed_text output input ns fn)
    add_custom_command(
        OUTPUT ${output}
        COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DINPUT=${input} -DNS=${ns} -DFN=${fn}
                -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
        DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
        COMMENT "Embedding ${input}"
        VERBATIM
    )
endfunction()
