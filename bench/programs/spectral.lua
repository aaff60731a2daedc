-- Float arithmetic in nested loops: the spectral norm of an infinite
-- matrix, by power iteration on its top-left corner.
local function entry(i, j)
  local ij = i + j
  return 1.0 / (math.floor(ij * (ij + 1) / 2) + i + 1)
end
local function times(v, n, transposed)
  local out = {}
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do
      if transposed then
        sum = sum + entry(j, i) * v[j + 1]
      else
        sum = sum + entry(i, j) * v[j + 1]
      end
    end
    out[i + 1] = sum
  end
  return out
end
local function times_ata(v, n)
  return times(times(v, n, false), n, true)
end
local n = 320
local u, v = {}, {}
for i = 1, n do u[i] = 1.0 end
for _ = 1, 10 do
  v = times_ata(u, n)
  u = times_ata(v, n)
end
local vbv, vv = 0.0, 0.0
for k = 1, n do
  vbv = vbv + u[k] * v[k]
  vv = vv + v[k] * v[k]
end
print(math.floor(math.sqrt(vbv / vv) * 1000000000.0))
