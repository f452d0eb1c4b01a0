-- The memory limit cannot be swallowed by pcall either: 63 MiB of text
-- passes string.rep's own bound, but not the sandbox's 64 MiB.
while true do
  pcall(string.rep, "x", 63 << 20)
end
