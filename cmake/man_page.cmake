# Writes a man page from a program's own --help (help2man), so the two never disagree.
# Usage: cmake -DHELP2MAN=... -DPROGRAM=path -DNAME="one line" -DOUT=x.1
#              [-DINCLUDE_HELP="args|args..."] [-DINCLUDE_TITLE="SECTION|SECTION..."]
#              [-DSEE_ALSO="other(1)"] -P man_page.cmake
# Each INCLUDE_HELP (a subcommand's --help, say) is a section of its own, titled by the
# INCLUDE_TITLE at the same place in its list ("|" separates them).
set(include_file "${OUT}.h2m")
set(text "")
string(REPLACE "|" ";" helps "${INCLUDE_HELP}")
string(REPLACE "|" ";" titles "${INCLUDE_TITLE}")
foreach(help_args title IN ZIP_LISTS helps titles)
  separate_arguments(args UNIX_COMMAND "${help_args}")
  execute_process(COMMAND "${PROGRAM}" ${args} OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} ${help_args} failed")
  endif()
  string(REPLACE "\\" "\\\\" help "${help}")
  string(APPEND text "[${title}]\n.nf\n${help}.fi\n")
endforeach()
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
