-- Assigning a global that was never declared is an error.
total = 1
return {}
