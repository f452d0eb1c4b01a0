-- Uses string methods normally; loaded after sandbox_string_metatable_a.lua.
return {
  id = "string-meta-b",
  title = ("checkout"):upper(),
  build = function() return {} end,
}
