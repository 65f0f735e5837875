# Installation and the Debian package: binaries, man pages (from --help, by help2man),
# bash completion, systemd units, example configuration, the web assets and the Jekyll
# plugin. `cmake --install build` or `cpack --config build/CPackConfig.cmake -G DEB`.
include(GNUInstallDirs)

install(TARGETS indexer query RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

find_program(HELP2MAN help2man)
if(HELP2MAN)
  set(man_dir "${CMAKE_BINARY_DIR}/man")
  file(MAKE_DIRECTORY "${man_dir}")
  add_custom_command(
    OUTPUT "${man_dir}/indexer.1" "${man_dir}/indexer.1.gz"
    COMMAND ${CMAKE_COMMAND} -DHELP2MAN=${HELP2MAN} -DPROGRAM=$<TARGET_FILE:indexer>
            "-DNAME=index a Jekyll, Hugo or Markdown site for postsearch"
            "-DSEE_ALSO=query(1)" -DOUT=${man_dir}/indexer.1
            -P ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    DEPENDS indexer ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    COMMENT "Man page indexer(1)" VERBATIM)
  add_custom_command(
    OUTPUT "${man_dir}/query.1" "${man_dir}/query.1.gz"
    COMMAND ${CMAKE_COMMAND} -DHELP2MAN=${HELP2MAN} -DPROGRAM=$<TARGET_FILE:query>
            "-DNAME=search a postsearch index, or serve it over HTTP"
            "-DINCLUDE_HELP=serve --help|test --help|report --help"
            "-DINCLUDE_TITLE=HTTP SERVICE (query serve)|RELEVANCE TESTS (query test)|SEARCH ANALYTICS (query report)"
            "-DSEE_ALSO=indexer(1)" -DOUT=${man_dir}/query.1
            -P ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    DEPENDS query ${PROJECT_SOURCE_DIR}/cmake/man_page.cmake
    COMMENT "Man page query(1)" VERBATIM)
  add_custom_target(man_pages ALL DEPENDS "${man_dir}/indexer.1" "${man_dir}/query.1")
  install(FILES "${man_dir}/indexer.1.gz" "${man_dir}/query.1.gz"
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man pages (scripts/install-deps installs it)")
endif()

set(extra "${PROJECT_SOURCE_DIR}/examples")
install(FILES "${extra}/bash-completion/postsearch" RENAME indexer
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES "${extra}/bash-completion/postsearch" RENAME query
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
# The units name the installed programs and configuration by their full paths.
foreach(unit postsearch.service postsearch-index.service)
  configure_file("${extra}/systemd/${unit}.in" "${CMAKE_BINARY_DIR}/systemd/${unit}" @ONLY)
endforeach()
install(FILES "${CMAKE_BINARY_DIR}/systemd/postsearch.service"
              "${CMAKE_BINARY_DIR}/systemd/postsearch-index.service"
              "${extra}/systemd/postsearch-index.path" "${extra}/systemd/postsearch-index.timer"
        DESTINATION lib/systemd/system)
install(FILES "${extra}/systemd/postsearch.sysusers" RENAME postsearch.conf
        DESTINATION lib/sysusers.d)
install(FILES "${extra}/config/serve.yml" "${extra}/config/indexer.yml"
        DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/postsearch)
install(FILES "${PROJECT_SOURCE_DIR}/web/postsearch.js" "${PROJECT_SOURCE_DIR}/web/postsearch.css"
              "${PROJECT_SOURCE_DIR}/web/index.html" "${PROJECT_SOURCE_DIR}/web/postsearch-highlight.js"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/postsearch/web)
install(FILES "${extra}/jekyll/_plugins/postsearch.rb"
        DESTINATION ${CMAKE_INSTALL_DATADIR}/postsearch/jekyll)
install(FILES "${extra}/nginx/postsearch.conf" "${extra}/ci/github-workflow.yml"
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/CHANGELOG.md"
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The Debian package: runtime dependencies from dpkg-shlibdeps (the library packages the
# binaries link), the system user from sysusers.d.
set(CPACK_PACKAGE_NAME postsearch)
set(CPACK_PACKAGE_VENDOR "postsearch")
set(CPACK_PACKAGE_CONTACT "postsearch maintainers <postsearch@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "full-text search for blogs and static sites")
set(CPACK_PACKAGE_DESCRIPTION
    "Indexes Jekyll, Hugo and Markdown sites with Xapian at publish time and serves ranked,\n faceted search over HTTP with a drop-in search box.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "systemd | systemd-standalone-sysusers")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "jekyll, hugo, nginx")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${PROJECT_SOURCE_DIR}/cmake/debian/postinst"
                                      "${PROJECT_SOURCE_DIR}/cmake/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_GENERATOR DEB)
# Stripped programs, as Debian installs them, whatever the build type packaged.
set(CPACK_STRIP_FILES ON)
include(CPack)
