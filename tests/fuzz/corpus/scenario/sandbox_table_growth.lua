-- Stopped by the memory limit: a table that never stops growing.
local t = {}
local i = 0
while true do
  i = i + 1
  t[i] = { i }
end
