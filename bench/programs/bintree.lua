-- Allocation and release of many small lists: complete binary trees of
-- several depths, built and counted again and again.
local function build(depth)
  if depth == 0 then return {} end
  return {build(depth - 1), build(depth - 1)}
end
local function count(tree)
  if #tree == 0 then return 1 end
  return 1 + count(tree[1]) + count(tree[2])
end
local total = 0
for depth = 4, 18, 2 do
  for _ = 1, 2 ^ (18 - depth) do
    total = total + count(build(depth))
  end
end
print(total)
