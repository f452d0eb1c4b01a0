-- Changes the string metatable, which is shared by all strings of one
-- lua_State; the next scenario gets a fresh state and must not see this.
getmetatable("").__index = function() return function() return "hijacked" end end
string.upper = function() return "hijacked" end
return {
  id = "string-meta-a",
  title = ("abc"):upper(),
  build = function() return {} end,
}
