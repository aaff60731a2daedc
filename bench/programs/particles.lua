-- Many live small objects: a million instances of a three-field frame
-- kept in a list, then read back.
local particles = {}
for i = 0, 999999 do
  particles[#particles + 1] = {x = i, y = i * 2 % 1000, mass = i % 7 + 1}
end
local momentum = 0
for _, p in ipairs(particles) do
  momentum = momentum + p.x % 1000 * p.mass + p.y
end
print(#particles .. " " .. momentum)
