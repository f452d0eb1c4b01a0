-- Finalizers run with hooks off, so __gc is refused outright.
local t = setmetatable({}, { __gc = function() while true do end end })
return {}
