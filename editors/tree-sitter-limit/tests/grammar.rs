//! Trees for the places where Limit's grammar needs more than a
//! context-free lexer (the external scanner, src/scanner.c): statement-ending
//! newlines (LANGUAGE.md §1), `?` as ternary, propagation or `?else` (§12),
//! conditions without parentheses and object literals (§12a), and the
//! contextual keywords.

use tree_sitter::Parser;

/// The tree of `source` as an S-expression; panics on a syntax error.
fn tree(source: &str) -> String {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_limit::LANGUAGE.into())
        .expect("the grammar loads");
    let tree = parser.parse(source, None).expect("a tree");
    let sexp = tree.root_node().to_sexp();
    assert!(!tree.root_node().has_error(), "{source:?} gives {sexp}");
    sexp
}

/// The tree of `source` without field names, for shorter expectations.
fn shape(source: &str) -> String {
    let sexp = tree(source);
    sexp.split(' ')
        .filter(|part| !part.ends_with(':'))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_newline_ends_a_statement_unless_the_next_line_continues_it() {
    // A line starting with an operator is a statement of its own.
    assert_eq!(
        shape("var a = 1\n+ 2\n"),
        "(source_file (variable_declaration (identifier) (integer)) \
         (expression_statement (unary_expression (integer))))"
    );
    // `.` on the next line continues the expression.
    assert_eq!(
        shape("xs\n    .len()\n"),
        "(source_file (expression_statement (call_expression \
         (member_expression (identifier) (identifier)) (arguments))))"
    );
    // Inside parentheses a newline ends nothing.
    assert_eq!(
        shape("f(1,\n  2\n)\n"),
        "(source_file (expression_statement (call_expression (identifier) \
         (arguments (integer) (integer)))))"
    );
    // Two statements on one line need a `;`; the last one before `}` none.
    assert_eq!(
        shape("{ a = 1; b }"),
        "(source_file (block (assignment_statement (identifier) (integer)) \
         (expression_statement (identifier))))"
    );
}

#[test]
fn a_one_statement_body_ends_before_else() {
    assert_eq!(
        shape("if (a) b = 1 else b = 2\n"),
        "(source_file (if_statement (identifier) \
         (assignment_statement (identifier) (integer)) \
         (else_clause (assignment_statement (identifier) (integer)))))"
    );
}

#[test]
fn question_marks_are_ternaries_only_before_a_colon() {
    assert_eq!(
        shape("var w = c ? 1 : 2\n"),
        "(source_file (variable_declaration (identifier) \
         (ternary_expression (identifier) (integer) (integer))))"
    );
    // A `?` ending a line propagates, even when a later line has a `:`.
    assert_eq!(
        shape("var v = f()?\nvar w: int = 2\n"),
        "(source_file (variable_declaration (identifier) \
         (propagate_expression (call_expression (identifier) (arguments)))) \
         (variable_declaration (identifier) (type_identifier) (integer)))"
    );
    // `f()?` inside an interpolation, then a format spec.
    assert_eq!(
        shape("print(\"{f()?:>4}\")\n"),
        "(source_file (expression_statement (call_expression (identifier) \
         (arguments (string (interpolation (propagate_expression \
         (call_expression (identifier) (arguments))) (format_spec)))))))"
    );
}

#[test]
fn else_handlers_bind_their_error_and_may_start_the_next_line() {
    assert_eq!(
        shape("var x = g() ?else e { 0 }\nvar y = h()\n    ? else { 1 }\n"),
        "(source_file (variable_declaration (identifier) (else_expression \
         (call_expression (identifier) (arguments)) (identifier) \
         (block (expression_statement (integer))))) \
         (variable_declaration (identifier) (else_expression \
         (call_expression (identifier) (arguments)) \
         (block (expression_statement (integer))))))"
    );
}

#[test]
fn conditions_without_parentheses_take_a_block_not_an_object_literal() {
    assert_eq!(
        shape("while here == Origin { step() }\n"),
        "(source_file (while_statement (binary_expression (identifier) (identifier)) \
         (block (expression_statement (call_expression (identifier) (arguments))))))"
    );
    assert_eq!(
        shape("var p = Point { x: 1 }\n"),
        "(source_file (variable_declaration (identifier) \
         (object_literal (identifier) (field_initializer (identifier) (integer)))))"
    );
}

#[test]
fn contextual_words_are_keywords_only_in_their_constructs() {
    assert_eq!(
        shape("data frame P { x: int }\nloop { break }\n"),
        "(source_file (frame_declaration (identifier) (frame_body \
         (field_declaration (identifier) (type_identifier)))) \
         (loop_statement (block (break_statement))))"
    );
    assert_eq!(
        shape("async fn f() { return await g() }\n"),
        "(source_file (function_declaration (identifier) (parameters) \
         (block (return_statement (await_expression \
         (call_expression (identifier) (arguments)))))))"
    );
    assert_eq!(
        shape("var data = loop + await\ndata += 1\n"),
        "(source_file (variable_declaration (identifier) \
         (binary_expression (identifier) (identifier))) \
         (assignment_statement (identifier) (integer)))"
    );
    // The keyword spans its word.
    let source = "data frame P { x: int }\n";
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_limit::LANGUAGE.into())
        .expect("the grammar loads");
    let parsed = parser.parse(source, None).expect("a tree");
    let frame = parsed.root_node().child(0).expect("a declaration");
    assert_eq!(
        frame.child(0).map(|n| (n.kind(), n.byte_range())),
        Some(("data", 0..4))
    );
}

#[test]
fn parameters_after_a_fallible_type_with_errors() {
    assert_eq!(
        shape("fn f(r: int?E1, n: int) {}\n"),
        "(source_file (function_declaration (identifier) (parameters \
         (parameter (identifier) (fallible_type (type_identifier) \
         (error_list (type_identifier)))) \
         (parameter (identifier) (type_identifier))) (block)))"
    );
}

#[test]
fn block_comments_nest() {
    assert_eq!(
        shape("/* a /* b */ c */ x\n"),
        "(source_file (block_comment) (expression_statement (identifier)))"
    );
}
