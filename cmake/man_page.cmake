# Writes a man page from a program's own --help (help2man), so the two never disagree.
# Usage: cmake -DHELP2MAN=... -DPROGRAM=path -DNAME="one line" -DOUT=x.1
#              [-DINCLUDE_HELP="args"] [-DINCLUDE_TITLE="SECTION"] [-DSEE_ALSO="other(1)"]
#              -P man_page.cmake
set(include_file "${OUT}.h2m")
set(text "")
if(INCLUDE_HELP)
  separate_arguments(args UNIX_COMMAND "${INCLUDE_HELP}")
  execute_process(COMMAND "${PROGRAM}" ${args} OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} ${INCLUDE_HELP} failed")
  endif()
  string(REPLACE "\\" "\\\\" help "${help}")
  string(APPEND text "[${INCLUDE_TITLE}]\n.nf\n${help}.fi\n")
endif()
if(SEE_ALSO)
  string(APPEND text "[SEE ALSO]\n${SEE_ALSO}\n")
endif()
file(WRITE "${include_file}" "${text}")
execute_process(
  COMMAND "${HELP2MAN}" --no-info --no-discard-stderr --section 1 --name "${NAME}"
          --include "${include_file}" --output "${OUT}" "${PROGRAM}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed for ${PROGRAM}")
endif()
# Installed compressed, as Debian's policy asks.
execute_process(COMMAND gzip -9 -n -c "${OUT}" OUTPUT_FILE "${OUT}.gz" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip failed for ${OUT}")
endif()
