# Installation (everything but the two binaries, which app/CMakeLists.txt installs) and the Debian
# package built with CPack: "cpack -G DEB" in the build directory, or scripts/check-package.sh.
#
# The layout follows GNUInstallDirs under CMAKE_INSTALL_PREFIX, plus the freedesktop and systemd
# places: share/applications, share/icons/hicolor, share/man/man1 (gzipped), share/doc/portcullis,
# lib/systemd/system, lib/sysusers.d, lib/tmpfiles.d (not multiarch: systemd looks there) and, for
# the /usr prefix, /etc/default (PREFIX/etc otherwise).
# The package installs with the /usr prefix (CPACK_INSTALL_PREFIX).
#
# Files whose place or text depends on the prefix (the systemd unit names the binary, /etc sits
# outside /usr) are written by install(CODE), which sees the prefix chosen at install time:
# "cmake --install build --prefix DIR" and the package both get a consistent tree.

include(GNUInstallDirs)

set(PORTCULLIS_LINUX_DIR "${PROJECT_SOURCE_DIR}/resources/linux")
set(PORTCULLIS_DOC_SUBDIR "${CMAKE_INSTALL_DATAROOTDIR}/doc/portcullis")
set(PORTCULLIS_STAGE_DIR "${PROJECT_BINARY_DIR}/packaging")
file(MAKE_DIRECTORY "${PORTCULLIS_STAGE_DIR}")

# Desktop entry and the application icon: the SVG plus PNGs pre-rendered from it
# (resources/linux/icons, rendered with rsvg-convert -w N -h N).
install(FILES "${PORTCULLIS_LINUX_DIR}/portcullis.desktop" DESTINATION "${CMAKE_INSTALL_DATADIR}/applications")
install(FILES "${PROJECT_SOURCE_DIR}/resources/icons/portcullis.svg"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps")
foreach(size IN ITEMS 16 22 24 32 48 64 128 256)
    install(FILES "${PORTCULLIS_LINUX_DIR}/icons/portcullis-${size}.png"
            DESTINATION "${CMAKE_INSTALL_DATADIR}/icons/hicolor/${size}x${size}/apps" RENAME portcullis.png)
endforeach()

# systemd: the system user and the state directory of portcullis-server.service.
install(FILES "${PORTCULLIS_LINUX_DIR}/portcullis.sysusers" DESTINATION "lib/sysusers.d" RENAME portcullis.conf)
install(FILES "${PORTCULLIS_LINUX_DIR}/portcullis.tmpfiles" DESTINATION "lib/tmpfiles.d" RENAME portcullis.conf)

install(FILES "${PORTCULLIS_LINUX_DIR}/debian/copyright" DESTINATION "${PORTCULLIS_DOC_SUBDIR}")
install(FILES "${PORTCULLIS_LINUX_DIR}/debian/lintian-overrides"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/lintian/overrides" RENAME portcullis)

# Install-time part. The variables set by the first block are seen by the second one (both run in
# the same cmake_install.cmake). file(INSTALL) puts DESTDIR in front of the destinations itself.
install(CODE "
set(PORTCULLIS_LINUX_DIR \"${PORTCULLIS_LINUX_DIR}\")
set(PORTCULLIS_STAGE_DIR \"${PORTCULLIS_STAGE_DIR}\")
set(PORTCULLIS_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
set(PORTCULLIS_MANDIR \"${CMAKE_INSTALL_MANDIR}\")
set(PORTCULLIS_DOC_SUBDIR \"${PORTCULLIS_DOC_SUBDIR}\")
set(PORTCULLIS_VERSION \"${PROJECT_VERSION}\")
")
install(CODE [[
set(_portcullis_file_mode OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# Manual pages (with the version filled in) and the Debian changelog, compressed as Debian wants
# them (gzip -9n: no name, no time stamp, so the package is reproducible).
function(_portcullis_install_gzipped source name destination)
    set(compressed "${PORTCULLIS_STAGE_DIR}/${name}.gz")
    execute_process(COMMAND gzip -9n -c "${source}" OUTPUT_FILE "${compressed}" RESULT_VARIABLE status)
    if(NOT status EQUAL 0)
        message(FATAL_ERROR "gzip ${source} failed: ${status}")
    endif()
    file(INSTALL "${compressed}" DESTINATION "${destination}" FILE_PERMISSIONS ${_portcullis_file_mode})
endfunction()
foreach(page IN ITEMS portcullis.1 portcullis-server.1)
    configure_file("${PORTCULLIS_LINUX_DIR}/man/${page}" "${PORTCULLIS_STAGE_DIR}/${page}" @ONLY)
    _portcullis_install_gzipped("${PORTCULLIS_STAGE_DIR}/${page}" "${page}"
                                "${CMAKE_INSTALL_PREFIX}/${PORTCULLIS_MANDIR}/man1")
endforeach()
_portcullis_install_gzipped("${PORTCULLIS_LINUX_DIR}/debian/changelog" changelog.Debian
                            "${CMAKE_INSTALL_PREFIX}/${PORTCULLIS_DOC_SUBDIR}")

# The service's settings (a conffile of the package): /etc for the /usr prefix, as GNUInstallDirs
# does, PREFIX/etc otherwise.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(_portcullis_etc "/etc")
else()
    set(_portcullis_etc "${CMAKE_INSTALL_PREFIX}/etc")
endif()

# The unit runs the installed portcullis-server and reads the installed settings.
set(PORTCULLIS_SERVER_PATH "${CMAKE_INSTALL_PREFIX}/${PORTCULLIS_BINDIR}/portcullis-server")
set(PORTCULLIS_SETTINGS_PATH "${_portcullis_etc}/default/portcullis-server")
configure_file("${PORTCULLIS_LINUX_DIR}/portcullis-server.service"
               "${PORTCULLIS_STAGE_DIR}/portcullis-server.service" @ONLY)
file(INSTALL "${PORTCULLIS_STAGE_DIR}/portcullis-server.service"
     DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" FILE_PERMISSIONS ${_portcullis_file_mode})

file(INSTALL "${PORTCULLIS_LINUX_DIR}/portcullis-server.default" DESTINATION "${_portcullis_etc}/default"
     RENAME portcullis-server FILE_PERMISSIONS ${_portcullis_file_mode})
]])

# CPack: one Debian package, "portcullis".
set(CPACK_PACKAGE_NAME portcullis)
set(CPACK_PACKAGE_VENDOR "Portcullis")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "admin console and REST API server for multi-tenant auth")
set(CPACK_PACKAGE_CONTACT "Portcullis maintainers <maintainers@users.noreply.h-seed-5f414eaa.example>"
    CACHE STRING "Maintainer of the Debian package (name <email>)")
set(PORTCULLIS_HOMEPAGE "" CACHE STRING "Homepage field of the Debian package (left out when empty)")
set(CPACK_STRIP_FILES ON)
# Install with DESTDIR and the final prefix, so install(CODE) above sees /usr.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR "")

set(CPACK_DEBIAN_PACKAGE_NAME portcullis)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The Debian revision; resources/linux/debian/changelog needs an entry for VERSION-RELEASE.
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(PORTCULLIS_HOMEPAGE)
    set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PORTCULLIS_HOMEPAGE}")
endif()
# The long description; CPack puts the summary above it and indents it for the control file.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Portcullis manages a multi-tenant auth/IAM system: organizations (tenants),
users, roles with levels and permissions, API keys, sessions and a
tamper-evident audit log. It works on a local SQLite file, on a shared
PostgreSQL database or against a portcullis-server.
.
This package ships two programs:
 - portcullis, the Qt Widgets admin console;
 - portcullis-server, the headless side: creating a database (init), demo
   data (seed-demo), checking the audit log's hash chain (verify-audit) and
   the REST API server with JWT and API-key authentication (serve).
.
A hardened systemd unit, portcullis-server.service, runs the REST API as the
portcullis system user with its database in /var/lib/portcullis. It is not
enabled on installation; see portcullis-server(1).")
# Runtime dependencies: the binaries' shared libraries (dpkg-shlibdeps), plus the Qt plugins
# dpkg-shlibdeps cannot see (the SQLite driver, and the SVG image plugin every icon needs), plus
# adduser for the postinst. PostgreSQL is optional; so are a Secret Service for saved passwords
# and Qt's own translations.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, libqt6sql6-sqlite, libqt6svg6")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libqt6sql6-psql")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gnome-keyring | kwalletmanager, qt6-translations-l10n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PORTCULLIS_LINUX_DIR}/debian/conffiles" "${PORTCULLIS_LINUX_DIR}/debian/postinst"
    "${PORTCULLIS_LINUX_DIR}/debian/prerm" "${PORTCULLIS_LINUX_DIR}/debian/postrm")
# 0755 for the maintainer scripts, 0644 for the rest, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
