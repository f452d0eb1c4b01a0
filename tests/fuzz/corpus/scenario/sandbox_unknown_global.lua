-- A misspelt name is an error, not a silent nil.
local rps = 100
local doubled = rsp * 2
return {}
