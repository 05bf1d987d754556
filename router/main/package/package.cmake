# The Debian package, `make package` (CPack's DEB generator):
#   keyward_<version>_amd64.deb, the version being the project's VERSION.
#   /usr/bin/keyward                       the binary (stripped)
#   /lib/systemd/system/keyward.service    Type=notify, watchdog, hardened (package/keyward.service)
#   /etc/keyward/keyward.yaml              `keyward init`'s commented configuration (conffile, 0644)
#   /etc/keyward/keyward.env               its .env.example, all commented out (conffile, 0600)
#   /usr/share/doc/keyward/                README, OPERATIONS, CLUSTER, examples/
# cpack runs the install rules only: it does not build (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY
# in the top CMakeLists), so `make package` builds keyward and its conffiles
# first, and the packaging test (tests/package) packages the binary `make
# test` already built.
set(KEYWARD_PACKAGE_DIR ${CMAKE_CURRENT_LIST_DIR})
set(KEYWARD_CONFFILES_DIR ${CMAKE_CURRENT_BINARY_DIR}/package)

# The conffiles come from `keyward init` itself, so that the package ships
# exactly what init writes.
add_custom_command(
  OUTPUT ${KEYWARD_CONFFILES_DIR}/keyward.yaml ${KEYWARD_CONFFILES_DIR}/keyward.env
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${KEYWARD_CONFFILES_DIR}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${KEYWARD_CONFFILES_DIR}
  COMMAND $<TARGET_FILE:keyward> init --dir ${KEYWARD_CONFFILES_DIR} > /dev/null
  COMMAND ${CMAKE_COMMAND} -DIN=${KEYWARD_CONFFILES_DIR}/.env.example -DOUT=${KEYWARD_CONFFILES_DIR}/keyward.env
          -P ${KEYWARD_PACKAGE_DIR}/make_env_conffile.cmake
  DEPENDS keyward ${KEYWARD_PACKAGE_DIR}/make_env_conffile.cmake
  COMMENT "keyward init: the package's /etc/keyward conffiles")
add_custom_target(keyward_conffiles ALL DEPENDS ${KEYWARD_CONFFILES_DIR}/keyward.yaml
                                                ${KEYWARD_CONFFILES_DIR}/keyward.env)

install(TARGETS keyward RUNTIME DESTINATION bin)
install(FILES ${KEYWARD_PACKAGE_DIR}/keyward.service DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${KEYWARD_CONFFILES_DIR}/keyward.yaml DESTINATION /etc/keyward
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# It holds API keys: root's alone (systemd passes the service a copy).
install(FILES ${KEYWARD_CONFFILES_DIR}/keyward.env DESTINATION /etc/keyward
        PERMISSIONS OWNER_READ OWNER_WRITE)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md
              ${PROJECT_SOURCE_DIR}/docs/CLUSTER.md
        DESTINATION share/doc/keyward PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PROJECT_SOURCE_DIR}/docs/examples/keyward.yaml ${PROJECT_SOURCE_DIR}/docs/examples/example.env
        DESTINATION share/doc/keyward/examples PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME keyward)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Keyward maintainers <keyward@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "LLM router with key and provider failover, and its incident harness")
set(CPACK_PACKAGE_DESCRIPTION
    "Keyward routes chat requests across LLM providers (Groq, Gemini, Mistral, any OpenAI-compatible
endpoint) and their API keys: it classifies every failure, quarantines bad keys, falls back key by
key and provider by provider, answers honestly when everything is down and raises alerts as
incidents. The same binary carries the harness that proves it: fake providers and scenarios.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the libraries the binary links (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${KEYWARD_PACKAGE_DIR}/conffiles ${KEYWARD_PACKAGE_DIR}/postinst
                                       ${KEYWARD_PACKAGE_DIR}/prerm ${KEYWARD_PACKAGE_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Only the absolute destinations above leave /usr, on purpose.
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
