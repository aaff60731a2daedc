-- Dicts with string keys: counting half a million pseudo-random words.
local counts = {}
local seed = 7
for _ = 1, 500000 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  local word = "w" .. (seed % 5000)
  counts[word] = (counts[word] or 0) + 1
end
local distinct, top = 0, 0
for _, n in pairs(counts) do
  distinct = distinct + 1
  if n > top then top = n end
end
print(distinct .. " " .. top)
