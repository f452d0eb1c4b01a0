-- Refused: scenarios cannot compile code at run time.
local f = load("return 1")
return {}
