-- The memory limit cannot be swallowed by pcall either.
while true do
  pcall(string.rep, "x", 1 << 30)
end
