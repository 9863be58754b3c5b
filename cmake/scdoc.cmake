# Make a man page from its scdoc source: cmake -DSCDOC=... -DINPUT=x.scd
# -DOUTPUT=x -DVERSION=... -DPREFIX=... -DDATADIR=... -DDOCDIR=... -P scdoc.cmake
# The @NAME@ words of the source (version, installation paths) are put in
# place first, so the page names the files as installed.  A failure leaves
# no output behind, so the next build tries again.
foreach(var SCDOC INPUT OUTPUT VERSION PREFIX DATADIR DOCDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "scdoc.cmake: -D${var}= is required")
  endif()
endforeach()
set(PROJECT_VERSION ${VERSION})
set(CMAKE_INSTALL_PREFIX ${PREFIX})
set(CMAKE_INSTALL_FULL_DATADIR ${DATADIR})
set(CMAKE_INSTALL_FULL_DOCDIR ${DOCDIR})
file(READ ${INPUT} text)
string(CONFIGURE "${text}" text @ONLY)
file(WRITE ${OUTPUT}.scd "${text}")
# The date in the page's footer: the source's, unless the build sets one
# (scdoc reads SOURCE_DATE_EPOCH).
if(NOT DEFINED ENV{SOURCE_DATE_EPOCH})
  file(TIMESTAMP ${INPUT} epoch "%s" UTC)
  set(ENV{SOURCE_DATE_EPOCH} ${epoch})
endif()
execute_process(COMMAND ${SCDOC} INPUT_FILE ${OUTPUT}.scd OUTPUT_FILE ${OUTPUT}.tmp
                ERROR_VARIABLE err RESULT_VARIABLE rc)
file(REMOVE ${OUTPUT}.scd)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUTPUT}.tmp)
  message(FATAL_ERROR "scdoc: ${INPUT}: ${err}")
endif()
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
