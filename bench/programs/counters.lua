-- Closures: making counters that share captured, mutable state, and
-- calling them.
local function make_counter(step)
  local n = 0
  return function()
    n = n + step
    return n
  end
end
local total = 0
for i = 0, 1499999 do
  local count = make_counter(i % 5 + 1)
  count()
  count()
  total = total + count()
end
print(total)
