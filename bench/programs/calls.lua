-- Calls and returns: the Takeuchi function, three recursive calls deep.
local function tak(x, y, z)
  if y < x then
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y))
  end
  return z
end
local total = 0
for i = 0, 159 do
  total = total + tak(18 + i % 3, 12, 6)
end
print(total)
