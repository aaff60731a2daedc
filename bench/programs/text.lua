-- Strings: interpolation, concatenation, length and search.
local total, sevens, line = 0, 0, ""
for i = 0, 1199999 do
  local label = "item-" .. i .. "-" .. (i % 7)
  total = total + #label
  if string.find(label, "77", 1, true) then
    sevens = sevens + 1
  end
  line = line .. label
  if #line > 1000 then
    line = ""
  end
end
print(total .. " " .. sevens .. " " .. #line)
