-- Objects: fields, methods and dispatch through a trait over three kinds.
local Rect = {}
Rect.__index = Rect
function Rect.new(w, h) return setmetatable({w = w, h = h}, Rect) end
function Rect:area() return self.w * self.h end
function Rect:scale(k) self.w = self.w * k % 97 + 1 end

local Square = {}
Square.__index = Square
function Square.new(side) return setmetatable({side = side}, Square) end
function Square:area() return self.side * self.side end
function Square:scale(k) self.side = self.side * k % 89 + 1 end

local Triangle = {}
Triangle.__index = Triangle
function Triangle.new(base, height) return setmetatable({base = base, height = height}, Triangle) end
function Triangle:area() return math.floor(self.base * self.height / 2) end
function Triangle:scale(k) self.height = self.height * k % 83 + 1 end

local shapes = {Rect.new(3, 4), Square.new(5), Triangle.new(6, 7)}
local total = 0
for i = 0, 1499999 do
  local s = shapes[i % 3 + 1]
  total = total + s:area()
  s:scale(3)
end
print(total)
