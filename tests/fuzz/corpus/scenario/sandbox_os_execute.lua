-- Refused: the os library is not available to scenarios.
os.execute("touch /tmp/perfloop-sandbox-escape")
return {}
