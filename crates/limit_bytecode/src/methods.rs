//! Built-in method names, interned: the compiler's method table
//! (`builtins::METHODS`) and the VM's dispatch both name a method by its
//! `Method`, so a call does not hash strings.

macro_rules! methods {
    ($($variant:ident => $($name:literal)|+),* $(,)?) => {
        /// A built-in method name, interned.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Method {
            $(
                #[doc = concat!("`", $($name, " ",)+ "`")]
                $variant,
            )*
            /// Not a built-in method name.
            Unknown,
        }

        impl Method {
            /// The names that call this method.
            pub fn names(self) -> &'static [&'static str] {
                match self {
                    $(Method::$variant => &[$($name),+],)*
                    Method::Unknown => &[],
                }
            }

            /// Intern a method name.
            pub fn from_name(name: &str) -> Method {
                match name {
                    $($($name)|+ => Method::$variant,)*
                    _ => Method::Unknown,
                }
            }
        }
    };
}

methods! {
    Len => "len" | "length" | "size",
    Upper => "upper" | "to_upper",
    Lower => "lower" | "to_lower",
    Trim => "trim",
    Split => "split",
    Join => "join",
    Contains => "contains" | "has",
    StartsWith => "starts_with",
    EndsWith => "ends_with",
    Find => "find",
    Replace => "replace",
    Substring => "substring",
    Chars => "chars",
    Repeat => "repeat",
    Push => "push" | "append",
    Pop => "pop",
    Insert => "insert",
    Remove => "remove",
    IndexOf => "index_of",
    Slice => "slice",
    Reverse => "reverse",
    Sort => "sort",
    Map => "map",
    Filter => "filter",
    Reduce => "reduce",
    Clear => "clear",
    Keys => "keys",
    Values => "values",
    Items => "items",
    Get => "get",
    IsEmpty => "is_empty",
    ToStr => "to_string" | "str",
    Copy => "copy" | "clone",
    Send => "send",
    Recv => "recv" | "receive",
    TryRecv => "try_recv",
    Close => "close",
    IsClosed => "is_closed",
    Lines => "lines",
    TrimStart => "trim_start",
    TrimEnd => "trim_end",
    Strip => "strip",
    PadLeft => "pad_left",
    PadRight => "pad_right",
    IsDigit => "is_digit",
    IsAlpha => "is_alpha",
    IsSpace => "is_space",
    Count => "count",
    RFind => "rfind",
    Bytes => "bytes",
    Extend => "extend",
    First => "first",
    Last => "last",
    SortBy => "sort_by",
    Min => "min",
    Max => "max",
    Sum => "sum",
    Merge => "merge",
    GetOr => "get_or",
    Entries => "entries",
}
