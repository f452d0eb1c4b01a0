-- Patterns are limited to 256 bytes.
local found = string.find("abc", string.rep("a?", 200))
return {}
