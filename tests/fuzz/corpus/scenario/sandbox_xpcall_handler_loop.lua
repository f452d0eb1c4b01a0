-- Lua runs a message handler with hooks switched off when the error came
-- from a hook; the sandbox must not run this handler at all after an abort.
while true do
  xpcall(function() while true do end end, function() while true do end end)
end
