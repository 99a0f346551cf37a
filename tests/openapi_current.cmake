# CTest openapi_current: docs/openapi.json must be what `portcullis-server openapi` prints now, so the
# committed contract never drifts from the route declarations.
#   cmake -DSERVER=<portcullis-server> -DDOCUMENT=<docs/openapi.json> -P openapi_current.cmake
execute_process(COMMAND "${SERVER}" openapi OUTPUT_VARIABLE generated RESULT_VARIABLE exit_code)
if(NOT exit_code EQUAL 0)
    message(FATAL_ERROR "${SERVER} openapi failed (exit ${exit_code})")
endif()
if(NOT EXISTS "${DOCUMENT}")
    message(FATAL_ERROR "${DOCUMENT} is missing. Regenerate it:\n  portcullis-server openapi > docs/openapi.json")
endif()
file(READ "${DOCUMENT}" committed)
if(NOT generated STREQUAL committed)
    message(FATAL_ERROR "docs/openapi.json is stale: the route declarations (server/httphandlers.cpp) or the "
                        "schemas (server/contract.cpp) changed. Regenerate it from the build:\n"
                        "  ${SERVER} openapi > docs/openapi.json\n"
                        "and commit it with the change.")
endif()
message(STATUS "docs/openapi.json is current")
