-- Refused: string.dump would make bytecode, which could then be loaded.
local bytes = string.dump(function() return 1 end)
return {}
