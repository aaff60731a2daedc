; Syntax highlighting for Limit. Capture names follow Neovim's
; conventions; editors whose themes use other names (Helix) colour most of
; them through their first part (`keyword`, `string`, `comment`, `type`,
; `function`). Neovim lets a later pattern win where two capture the same
; node and Helix the earlier one, so the patterns overlap as little as
; possible: plain names get no capture at all.

; Names
((identifier) @type
  (#match? @type "^[A-Z]"))

((identifier) @type.builtin
  (#any-of? @type.builtin
    "int" "uint" "float" "str" "string" "bool" "any" "list" "dict" "tuple"
    "range" "channel" "atomic" "i8" "i16" "i32" "i64" "i128" "u8" "u16" "u32"
    "u64" "u128" "f32" "f64"))

(call_expression
  function: (identifier) @function.builtin
  (#any-of? @function.builtin
    "print" "eprint" "input" "len" "length" "typeof" "assert" "contract"
    "channel" "sleep" "exit" "ok" "err" "format" "parse_int" "parse_float"))

[(this) (self) (super)] @variable.builtin

(parameter name: (identifier) @variable.parameter)
(loop_variable name: (identifier) @variable)

; Types
(type_identifier) @type
((type_identifier) @type.builtin
  (#any-of? @type.builtin
    "int" "uint" "float" "str" "string" "bool" "any" "list" "dict" "tuple"
    "range" "channel" "atomic" "i8" "i16" "i32" "i64" "i128" "u8" "u16" "u32"
    "u64" "u128" "f32" "f64"))
(frame_declaration name: (identifier) @type)
(trait_declaration name: (identifier) @type)
(enum_declaration name: (identifier) @type)
(type_alias name: (identifier) @type.definition)
(enum_variant name: (identifier) @constant)
(object_literal name: (identifier) @type)
(frame_pattern name: (identifier) @type)

; Functions
(function_declaration name: (identifier) @function)
(method_declaration name: (identifier) @function.method)
(call_expression function: (identifier) @function.call)
(call_expression
  function: (member_expression member: (identifier) @function.method.call))

; Fields
(member_expression member: (identifier) @property)
(member_expression member: (tuple_index) @property)
(field_declaration name: (identifier) @property)
(field_initializer name: (identifier) @property)
(field_pattern name: (identifier) @property)
(named_argument name: (identifier) @property)
(pair key: (identifier) @property)

; Modules
(module_path (identifier) @module)
(import_statement alias: (identifier) @module)
(module_block name: (identifier) @module)

; Literals
(integer) @number
(duration) @number
(tuple_index) @number
(float) @number.float
[(true) (false)] @boolean
(nil) @constant.builtin
(string) @string
(escape_sequence) @string.escape
(format_spec) @string.special
(interpolation
  "{" @punctuation.special
  "}" @punctuation.special) @embedded

; Comments
(line_comment) @comment
(block_comment) @comment

; Keywords
[
  "var"
  "const"
  "type"
  "enum"
  "frame"
  "trait"
  "interface"
  "module"
  "data"
] @keyword.type

[
  "fn"
] @keyword.function

[
  "return"
] @keyword.return

[
  "if"
  "elif"
  "else"
  "match"
] @keyword.conditional

[
  "while"
  "for"
  "iter"
  "in"
  "loop"
  "break"
  "continue"
] @keyword.repeat

[
  "import"
  "show"
  "hide"
] @keyword.import

[
  "pub"
  "prot"
  "static"
  "abstract"
  "final"
] @keyword.modifier

[
  "parallel"
  "concurrent"
  "task"
  "worker"
  "async"
  "await"
  "from"
] @keyword.coroutine

[
  "attempt"
  "handle"
  "?else"
] @keyword.exception

[
  "as"
  "where"
  "val"
  "err"
] @keyword

[
  "and"
  "or"
  "not"
] @keyword.operator

; Operators and punctuation
[
  "+" "-" "*" "/" "%" "**"
  "==" "!=" "<" "<=" ">" ">="
  "=" "+=" "-=" "*=" "/=" "%="
  "!" "&&" "||" "&" "|" "^" "~" "<<" ">>"
  ".." "..=" "..." "?" "=>"
] @operator

["(" ")" "[" "]" "{" "}"] @punctuation.bracket
["," "." ":" ";"] @punctuation.delimiter
"@" @attribute
(annotation (identifier) @attribute)
