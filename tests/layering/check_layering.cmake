# Fails when an #include runs against the layering (README.md, Layout):
#   floors  envs <- agents <- selfplay <- transfer <- experiments: a file includes only its own
#           floor and the floors below it;
#   rooms   envs/util/ includes nothing else of the project; agents/eval/ nothing else of agents/,
#           agents/search/ only eval/ and agent.h; agents/net/ and agents/gtp/ not each other;
#           experiments/arena/ and experiments/report/ nothing else of experiments/;
#           experiments/pipeline/ only pipeline/, arena/ and report/ of experiments/;
#   tests   tests/<floor>/ include only that floor and the ones below it, and test helpers of
#           their floor or below.
# Usage: cmake -DROOT=<source tree> -P check_layering.cmake
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source tree> -P check_layering.cmake")
endif()
set(floors envs agents selfplay transfer experiments)

# The floor index of a path's first component, or -1 for something else.
function(floor_of path out)
  string(REGEX MATCH "^[a-z_]+" top "${path}")
  list(FIND floors "${top}" index)
  set(${out} ${index} PARENT_SCOPE)
endfunction()

# Whether `file` (relative to ROOT) may include `target` (a project path); sets `why` if not.
function(check_include file target why)
  set(${why} "" PARENT_SCOPE)
  set(owner "${file}")
  if(owner MATCHES "^tests/([a-z_]+)/")
    set(owner "${CMAKE_MATCH_1}/x")  # a test sits on the floor of its folder
  endif()
  floor_of("${owner}" from)
  floor_of("${target}" to)
  if(target MATCHES "^tests/")
    if(file MATCHES "^tests/([a-z_]+)/" AND target MATCHES "^tests/([a-z_]+)/")
      # test helpers: the same floor or below
      string(REGEX MATCH "^tests/([a-z_]+)/" _ "${target}")
      list(FIND floors "${CMAKE_MATCH_1}" helper)
      if(helper GREATER from)
        set(${why} "a test helper of a higher floor" PARENT_SCOPE)
      endif()
    endif()
    return()
  endif()
  if(from LESS 0 OR to LESS 0)
    return()
  endif()
  if(to GREATER from)
    list(GET floors ${from} a)
    list(GET floors ${to} b)
    set(${why} "${a}/ may not include ${b}/ (floors: envs <- agents <- selfplay <- transfer <- experiments)" PARENT_SCOPE)
    return()
  endif()
  string(REGEX MATCH "^experiments/(arena|report)/" closed_room "${file}")
  if(file MATCHES "^envs/util/" AND NOT target MATCHES "^envs/util/")
    set(${why} "envs/util/ includes nothing else of the project" PARENT_SCOPE)
  elseif(closed_room AND target MATCHES "^experiments/" AND NOT target MATCHES "^${closed_room}")
    set(${why} "${closed_room} includes nothing else of experiments/" PARENT_SCOPE)
  elseif(file MATCHES "^agents/eval/" AND target MATCHES "^agents/" AND NOT target MATCHES "^agents/eval/")
    set(${why} "agents/eval/ includes nothing else of agents/" PARENT_SCOPE)
  elseif(file MATCHES "^agents/search/" AND target MATCHES "^agents/"
         AND NOT target MATCHES "^agents/(eval/|search/|agent\\.h)")
    set(${why} "agents/search/ includes only eval/, search/ and agent.h of agents/" PARENT_SCOPE)
  elseif(file MATCHES "^agents/net/" AND target MATCHES "^agents/gtp/")
    set(${why} "agents/net/ and agents/gtp/ do not include each other" PARENT_SCOPE)
  elseif(file MATCHES "^agents/gtp/" AND target MATCHES "^agents/net/")
    set(${why} "agents/net/ and agents/gtp/ do not include each other" PARENT_SCOPE)
  elseif(file MATCHES "^experiments/pipeline/" AND target MATCHES "^experiments/"
         AND NOT target MATCHES "^experiments/(pipeline|arena|report)/")
    set(${why} "experiments/pipeline/ includes only pipeline/, arena/ and report/ of experiments/" PARENT_SCOPE)
  endif()
endfunction()

file(GLOB_RECURSE sources RELATIVE "${ROOT}"
     "${ROOT}/envs/*.h" "${ROOT}/envs/*.cpp" "${ROOT}/agents/*.h" "${ROOT}/agents/*.cpp"
     "${ROOT}/selfplay/*.h" "${ROOT}/selfplay/*.cpp" "${ROOT}/transfer/*.h" "${ROOT}/transfer/*.cpp"
     "${ROOT}/experiments/*.h" "${ROOT}/experiments/*.cpp"
     "${ROOT}/tests/*.h" "${ROOT}/tests/*.cpp")
list(FILTER sources EXCLUDE REGEX "^tests/layering/")
set(errors 0)
set(checked 0)
foreach(file IN LISTS sources)
  file(STRINGS "${ROOT}/${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" target "${line}")
    math(EXPR checked "${checked} + 1")
    check_include("${file}" "${target}" why)
    if(why)
      message("${file}: #include \"${target}\": ${why}")
      math(EXPR errors "${errors} + 1")
    endif()
  endforeach()
endforeach()
list(LENGTH sources files)
if(errors GREATER 0)
  message(FATAL_ERROR "layering: ${errors} include(s) against the layering")
endif()
message("layering: ${checked} includes in ${files} files, none against the layering")
