# cmake -DLISTED=<file> -DROOT=<source dir> -P CheckSourcesListed.cmake
#
# The CTest `sources_listed`: every .cpp under services/, ui/, models/ and server/ must be in the
# explicit source list of some target (the lists replace globs, so a file in no list would simply
# not be built). LISTED holds the absolute paths of the targets' sources, one a line, written at
# configure time by tests/CMakeLists.txt; the files on disk are read now, so a file added without a
# line in a CMakeLists.txt fails the test without re-running CMake.
#
# It also keeps the console away from the SQL layer: a file of ui/ or models/ that includes sql/
# fails it (ui/ links portcullis_sqlbackend, whose header shows SqlStore, so the compiler would not).

cmake_minimum_required(VERSION 3.25)
file(STRINGS "${LISTED}" listed)
set(failures "")
foreach(folder IN ITEMS services ui models server)
    file(GLOB_RECURSE on_disk "${ROOT}/${folder}/*.cpp")
    foreach(source IN LISTS on_disk)
        if(NOT source IN_LIST listed)
            file(RELATIVE_PATH relative "${ROOT}" "${source}")
            string(APPEND failures "  ${relative} is in no target's source list\n")
        endif()
    endforeach()
endforeach()
foreach(folder IN ITEMS ui models)
    file(GLOB_RECURSE on_disk "${ROOT}/${folder}/*.cpp" "${ROOT}/${folder}/*.h")
    foreach(source IN LISTS on_disk)
        file(STRINGS "${source}" reaches REGEX "^#[ \t]*include[ \t]*[\"<]sql/")
        if(reaches)
            file(RELATIVE_PATH relative "${ROOT}" "${source}")
            string(APPEND failures "  ${relative} includes the SQL layer: ${reaches}\n")
        endif()
    endforeach()
endforeach()
if(failures)
    message(FATAL_ERROR "Sources not built or in the wrong layer:\n${failures}"
                        "Add each file, sorted, to its folder's CMakeLists.txt (services/CMakeLists.txt "
                        "names the layer each folder belongs to).")
endif()
message(STATUS "Every .cpp of services/, ui/, models/ and server/ is listed; ui/ and models/ stay off sql/.")
