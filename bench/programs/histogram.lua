-- List growth and indexed reads and writes: a million pseudo-random
-- numbers, then a histogram of them.
local seed = 42
local xs = {}
for _ = 1, 4000000 do
  seed = (seed * 16807) % 2147483647
  xs[#xs + 1] = seed % 1000
end
local buckets = {}
for b = 1, 1000 do buckets[b] = 0 end
for _, x in ipairs(xs) do
  buckets[x + 1] = buckets[x + 1] + 1
end
local most, at = 0, 0
for b = 1, 1000 do
  if buckets[b] > most then
    most, at = buckets[b], b - 1
  end
end
print(#xs .. " " .. at .. " " .. most)
