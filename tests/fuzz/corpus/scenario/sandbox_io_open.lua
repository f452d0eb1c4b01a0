-- Refused: the io library is not available to scenarios.
local f = io.open("/etc/passwd")
return { text = f:read("a") }
