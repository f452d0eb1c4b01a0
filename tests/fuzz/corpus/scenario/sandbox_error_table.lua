-- An error object that is not a string still gives a readable message.
local function fail()
  error({ code = 42 })
end
fail()
