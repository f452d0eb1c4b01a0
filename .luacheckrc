-- Scenarios run in perfloop's sandbox: Lua 5.4's base, string, table, math
-- and utf8 libraries, plus the step constructors the sandbox defines. Lint
-- against exactly that, so io, os, require or load are caught before running.
stds.perfloop_sandbox = {
  read_globals = {
    "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget", "rawlen",
    "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "xpcall", "_VERSION",
    "string", "table", "math", "utf8",
    "span", "cpu", "wait", "queries", "lock", "syscalls", "downstream",
  },
}
std = "perfloop_sandbox"
max_line_length = 130
