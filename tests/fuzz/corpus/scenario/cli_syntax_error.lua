-- A scenario with a syntax error on line 3, for the CLI's error test.
return {
  id = "broken" title = "missing comma",
}
