-- Every field of the scenario language, the catalogue card, bottlenecks and
-- enforce included, for the loader tests. Two bottlenecks: a server-side
-- allocation one found in the alloc profile, and a client-side bundle one
-- found in real-user LCP.
--
-- inventory_cached = 1 replaces the inventory_check span, the first
-- bottleneck's hot span, with a cache lookup: hot spots are checked against
-- the service as it ships (default params, then its timeline), so that build
-- still loads.
return {
  id = "loader-full",
  title = "Loader test: every field",
  level = "senior",
  families = { "bundle-bound", "allocation-bound" },
  minutes = 45,
  goals = {
    "Find an allocation-bound endpoint from its alloc profile.",
    "Tell a server regression from a client one.",
  },
  params = {
    payload_kb = { default = 8, min = 0.1, max = 4096, unit = "KB" },
    incident_payload_kb = { default = 85, min = 0.1, max = 4096, unit = "KB" },
    bundle_kb = { default = 420, min = 0, max = 10000, unit = "KB" },
    inventory_cached = { default = 0, min = 0, max = 1, description = "1: the inventory call is cached" },
  },
  build = function(p)
    local inventory = p.inventory_cached == 1
      and cpu { frame = "cache.(*LRU).Get", ms = 0.1 }
      or span { name = "inventory_check",
           downstream { service = "inventory-service", rtt_ms = 2, remote_ms = 70, payload_kb = p.payload_kb,
                        decode_ms_per_kb = 0.03, decode_alloc_per_kb = 6 } }
    return {
      duration_s = 7200,
      fix_at_s = 5400,
      fix_spacing_s = 600,
      service = { name = "checkout-service", root_frame = "net/http.(*conn).serve" },
      load = { rps = 200 },
      endpoints = {
        { name = "/checkout", share = 0.4,
          client = { route = "/checkout", bundle_kb = p.bundle_kb },
          root = span { name = "handle_request", frame = "handlers.Checkout",
            cpu { frame = "handlers.Checkout", ms = 2, alloc_kb = 8 },
            inventory,
            span { name = "serialise_response", cpu { frame = "encoding/json.Marshal", ms = 1, alloc_kb = 24 } },
          } },
        { name = "/cart", share = 0.6,
          root = span { name = "handle_cart", cpu { frame = "handlers.Cart", ms = 0.5 } } },
      },
      timeline = {
        { at_s = 1800, phase = "incident", kind = "deploy", service = "inventory-service",
          text = "full SKU objects", set = { payload_kb = p.incident_payload_kb } },
      },
      fixes = {
        ["trim-payload"] = { title = "Ask inventory-service for SKU ids only",
          text = "The payload shrinks back to 8 KB, and the allocation with it.", set = { payload_kb = 8 } },
        ["add-cores"] = { title = "Give checkout-service more cores",
          text = "More room for the same waste: p99 improves, allocation does not." },
        ["raise-gogc"] = { title = "Raise GOGC to 400",
          text = "Fewer GC cycles, same bytes allocated and decoded." },
        ["split-bundle"] = { title = "Split the checkout bundle by route",
          text = "The browser downloads and parses less before the first paint.", set = { bundle_kb = 180 } },
      },
      bottlenecks = {
        { id = "inventory-payload",
          title = "The inventory payload grew tenfold",
          symptom = { endpoint = "/checkout", metric = "p99", onset_s = 1800, target = 500 },
          stream = "alloc",
          hot_frame = "runtime.mallocgc",
          hot_span = "inventory_check",
          families = { "allocation-bound" },
          root_cause = "inventory-service returns full SKU objects; checkout decodes and copies all of them.",
          right_fixes = { "trim-payload" },
          wrong_fixes = { "add-cores", "raise-gogc" },
          hints = {
            observe = "Which endpoint's p99 moved, and when?",
            profile = "Compare the alloc profile before and after the deploy.",
            move_on = "Allocation is back to baseline; what is left?",
          },
          debrief = "A contract on the payload would have caught it at the deploy." },
        { id = "checkout-bundle",
          title = "The checkout bundle is too big",
          symptom = { endpoint = "/checkout", metric = "lcp", onset_s = 0, side = "client" },
          stream = "bundle",
          hot_frame = "handlers.Checkout",
          families = { "bundle-bound" },
          root_cause = "Every route ships the whole application.",
          right_fixes = { "split-bundle" },
          wrong_fixes = { "add-cores", "trim-payload" },
          debrief = "A bundle budget in CI keeps it from creeping back." },
      },
      enforce = {
        gates = {
          { id = "bundle-budget", kind = "bundle-budget", title = "Bundle budget", endpoint = "/checkout",
            threshold = 350, unit = "KB",
            description = "Fails the build when the checkout bundle exceeds the budget." },
          { id = "inventory-contract", kind = "payload-contract", title = "Inventory payload contract",
            endpoint = "/checkout", threshold = 16, unit = "KB",
            description = "Fails a deploy whose /inventory response grows past the contract." },
          { id = "payload-runbook", kind = "runbook", title = "Runbook: payload regressions",
            description = "What to check first when checkout's allocation jumps." },
        },
        future = {
          { day = 30, title = "inventory-service adds warehouse stock to every SKU", set = { payload_kb = 60 },
            harmful = true },
          { day = 7, title = "inventory-service adds a field", text = "+ \"restock_eta\"", set = { payload_kb = 9 },
            harmful = false },
          { day = 90, title = "A charting library lands on /checkout", set = { bundle_kb = 900 }, harmful = true },
        },
      },
    }
  end,
}
