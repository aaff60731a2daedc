-- A tight integer loop: the lengths of Collatz sequences.
local longest, best, all_steps = 0, 0, 0
for n = 1, 99999 do
  local x, steps = n, 0
  while x ~= 1 do
    if x % 2 == 0 then
      x = math.floor(x / 2)
    else
      x = 3 * x + 1
    end
    steps = steps + 1
  end
  all_steps = all_steps + steps
  if steps > longest then
    longest, best = steps, n
  end
end
print(best .. " " .. longest .. " " .. all_steps)
