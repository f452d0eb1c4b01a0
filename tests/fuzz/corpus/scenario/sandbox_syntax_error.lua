-- A syntax error on line 4.
return {
  id = "broken",
  title = "missing comma" params = {},
}
