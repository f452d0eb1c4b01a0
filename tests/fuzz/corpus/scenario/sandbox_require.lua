-- Refused: scenarios cannot load modules.
local socket = require("socket")
return {}
