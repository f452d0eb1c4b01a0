-- pcall catches the limit error, but the sandbox keeps raising it until it
-- reaches the top: the outer loop cannot go on.
while true do
  pcall(function() while true do end end)
end
