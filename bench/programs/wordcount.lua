-- Dicts with string keys: counting half a million pseudo-random words.
local counts = {}
local seed = 7
for _ = 1, 1500000 do
  seed = (seed * 16807) % 2147483647
  local word = "w" .. (seed % 5000)
  counts[word] = (counts[word] or 0) + 1
end
local distinct, top = 0, 0
for _, n in pairs(counts) do
  distinct = distinct + 1
  if n > top then top = n end
end
print(distinct .. " " .. top)
