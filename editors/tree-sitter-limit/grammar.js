/**
 * Tree-sitter grammar for Limit (see LANGUAGE.md at the repository root:
 * §1 lexical structure, §12 grammar notes, §12a documented forms).
 *
 * The grammar is written for editors: it accepts every program the
 * `limit` parser accepts and names the parts a highlighter needs. It is
 * more permissive than the compiler in a few places (which the checker
 * rejects anyway): `a..b..c` parses as nested ranges, record and dict
 * types share one shape, and any name may precede `{` as an object literal.
 *
 * The external scanner (src/scanner.c) decides what plain lexing cannot:
 * where a newline ends a statement (§1), string text around `{…}`
 * interpolations, format specs, nested block comments, and the contextual
 * words `data`, `async`, `await` and `loop` (§1: keywords only where their
 * construct expects them, ordinary names elsewhere).
 */

const PREC = {
  ternary: 2,
  or: 3,
  and: 4,
  equality: 5,
  comparison: 6,
  range: 7,
  bit_or: 8,
  bit_xor: 9,
  bit_and: 10,
  shift: 11,
  additive: 12,
  multiplicative: 13,
  power: 14,
  unary: 15,
  cast: 16,
  postfix: 17,
};

const commaSep1 = (rule) => seq(rule, repeat(seq(',', rule)));
const commaSep = (rule) => optional(commaSep1(rule));
/** Items separated by commas, with an optional trailing comma. */
const commaList = (rule) => optional(seq(commaSep1(rule), optional(',')));

module.exports = grammar({
  name: 'limit',

  word: $ => $.identifier,

  externals: $ => [
    $._automatic_terminator,
    $._double_quoted_text,
    $._single_quoted_text,
    $.format_spec,
    $.block_comment,
    $._data_keyword,
    $._async_keyword,
    $._await_keyword,
    $._loop_keyword,
    $._ternary_question,
    $._else_question,
    // Zero-width, before a condition or loop header written without
    // parentheses (§12a): only when the next character is not `(`.
    $._unparenthesized,
    // Never produced: when it is valid the parser is recovering from an
    // error and every external token looks valid.
    $._error_sentinel,
  ],

  extras: $ => [/\s/, $.line_comment, $.block_comment],

  supertypes: $ => [$._statement, $._expression, $._pattern, $._type],

  conflicts: $ => [
    [$._expression, $.object_literal],
    [$._expression, $.scoped_object_name],
    [$.block, $.dictionary],
    [$._variable_target, $.loop_variable],
    [$.error_list],
  ],

  rules: {
    source_file: $ => repeat($._statement),

    _terminator: $ => choice(';', $._automatic_terminator),

    _statement: $ => choice(
      $.variable_declaration,
      $.expression_statement,
      $.assignment_statement,
      $.return_statement,
      $.break_statement,
      $.continue_statement,
      $.block,
      $.if_statement,
      $.while_statement,
      $.loop_statement,
      $.for_statement,
      $.iter_statement,
      $.function_declaration,
      $.frame_declaration,
      $.trait_declaration,
      $.enum_declaration,
      $.type_alias,
      $.import_statement,
      $.module_block,
      $.concurrency_block,
      $.task_statement,
      $.worker_statement,
      $.attempt_statement,
      $.annotation,
      $.empty_statement,
    ),

    empty_statement: _ => ';',

    visibility: _ => choice('pub', 'prot'),

    /** `@private`, `@public`, `@protected`: before a declaration or as a
     * section label in a `module` block. */
    annotation: $ => seq('@', $.identifier),

    block: $ => seq('{', repeat($._statement), '}'),

    // ---------------------------------------------------------------
    // Declarations

    variable_declaration: $ => seq(
      $._variable_declaration_body,
      $._terminator,
    ),

    _variable_declaration_body: $ => seq(
      optional($.visibility),
      choice(seq('const', optional('var')), 'var'),
      field('name', $._variable_target),
      optional(seq(':', field('type', $._type))),
      optional(seq('=', field('value', $._expression))),
    ),

    _variable_target: $ => choice(
      $.identifier,
      $.tuple_target,
      $.list_target,
    ),
    tuple_target: $ => seq('(', commaList($._variable_target), ')'),
    list_target: $ => seq('[', commaList($._variable_target), ']'),

    function_declaration: $ => seq(
      optional($.visibility),
      optional(alias($._async_keyword, 'async')),
      'fn',
      field('name', $.identifier),
      field('parameters', $.parameters),
      optional(seq(':', field('return_type', $._type))),
      field('body', $.block),
    ),

    parameters: $ => seq('(', commaList($.parameter), ')'),

    parameter: $ => seq(
      optional('var'),
      field('name', choice($.identifier, $.this, $.self)),
      optional(seq(':', field('type', $._type))),
      optional(seq('=', field('default', $._expression))),
    ),

    frame_declaration: $ => seq(
      optional($.visibility),
      repeat(choice('abstract', 'final', alias($._data_keyword, 'data'))),
      'frame',
      field('name', $.identifier),
      optional($.supers),
      field('body', $.frame_body),
    ),

    trait_declaration: $ => seq(
      optional($.visibility),
      choice('trait', 'interface'),
      field('name', $.identifier),
      optional($.supers),
      field('body', $.frame_body),
    ),

    supers: $ => seq(':', commaSep1($._super_name)),
    _super_name: $ => choice(
      $._type_identifier,
      $.scoped_type_identifier,
    ),

    frame_body: $ => seq('{', repeat(choice($.field_declaration, $.method_declaration, $.annotation, ';', ',')), '}'),

    _member_modifier: $ => choice(
      'pub', 'prot', 'static', 'abstract', 'final', 'const',
      alias($._async_keyword, 'async'),
    ),
    modifiers: $ => repeat1($._member_modifier),

    field_declaration: $ => seq(
      optional($.modifiers),
      optional('var'),
      field('name', $.identifier),
      optional(seq(':', field('type', $._type))),
      optional(seq('=', field('default', $._expression))),
      choice($._terminator, ','),
    ),

    method_declaration: $ => seq(
      optional($.modifiers),
      optional('fn'),
      field('name', $.identifier),
      field('parameters', $.parameters),
      optional(seq(':', field('return_type', $._type))),
      choice(field('body', $.block), $._terminator),
    ),

    enum_declaration: $ => seq(
      optional($.visibility),
      'enum',
      field('name', $.identifier),
      '{',
      repeat(seq($.enum_variant, optional(choice(',', ';')))),
      '}',
    ),

    enum_variant: $ => seq(
      field('name', $.identifier),
      optional(seq('(', commaList($._type), ')')),
    ),

    type_alias: $ => seq(
      optional($.visibility),
      'type',
      field('name', $.identifier),
      '=',
      field('type', $._type),
      $._terminator,
    ),

    import_statement: $ => seq(
      'import',
      field('path', $.module_path),
      optional(seq('as', field('alias', $.identifier))),
      optional(seq(choice('show', 'hide'), commaSep1($.identifier))),
      $._terminator,
    ),

    module_path: $ => seq($.identifier, repeat(seq('.', $.identifier))),

    module_block: $ => seq(
      'module',
      field('name', $.identifier),
      '{',
      repeat($._statement),
      '}',
    ),

    // ---------------------------------------------------------------
    // Statements

    expression_statement: $ => seq($._expression, $._terminator),

    assignment_statement: $ => seq($._assignment, $._terminator),

    _assignment: $ => seq(
      field('left', $._expression),
      field('operator', choice('=', '+=', '-=', '*=', '/=', '%=')),
      field('right', $._expression),
    ),

    return_statement: $ => seq('return', optional($._expression), $._terminator),
    break_statement: $ => seq('break', $._terminator),
    continue_statement: $ => seq('continue', $._terminator),

    /** `(condition) statement`, or `condition { … }` without parentheses. */
    _condition_and_body: $ => choice(
      seq('(', field('condition', $._expression), ')', field('body', $._statement)),
      seq($._unparenthesized, field('condition', $._expression), field('body', $.block)),
    ),

    if_statement: $ => prec.right(seq(
      'if',
      $._condition_and_body,
      repeat($.elif_clause),
      optional($.else_clause),
    )),

    // `else if` is an `else` whose body is an `if` statement.
    elif_clause: $ => prec.right(seq('elif', $._condition_and_body)),

    else_clause: $ => prec.right(seq('else', field('body', $._statement))),

    while_statement: $ => prec.right(seq('while', $._condition_and_body)),

    loop_statement: $ => seq(alias($._loop_keyword, 'loop'), field('body', $.block)),

    for_statement: $ => prec.right(seq(
      'for',
      choice(
        seq(
          '(',
          field('initializer', optional($._simple_statement)),
          ';',
          field('condition', optional($._expression)),
          ';',
          field('update', optional($._simple_statement)),
          ')',
        ),
        seq('(', $._iteration_header, ')'),
        seq($._unparenthesized, $._iteration_header),
      ),
      field('body', $._statement),
    )),

    _simple_statement: $ => choice(
      alias($._variable_declaration_body, $.variable_declaration),
      alias($._assignment, $.assignment),
      $._expression,
    ),

    iter_statement: $ => prec.right(seq(
      'iter',
      choice(seq('(', $._iteration_header, ')'), seq($._unparenthesized, $._iteration_header)),
      field('body', $._statement),
    )),

    _iteration_header: $ => seq(
      commaSep1($.loop_variable),
      'in',
      field('iterable', $._expression),
    ),

    loop_variable: $ => seq(
      optional('var'),
      field('name', $.identifier),
      optional(seq(':', field('type', $._type))),
    ),

    concurrency_block: $ => seq(
      choice('parallel', 'concurrent'),
      optional(field('parameters', $.arguments)),
      field('body', $.block),
    ),

    task_statement: $ => seq(
      'task',
      optional(seq('(', optional(seq($.loop_variable, 'in', field('range', $._expression))), ')')),
      field('body', $.block),
    ),

    worker_statement: $ => seq(
      'worker',
      '(',
      $.loop_variable,
      optional(seq('from', field('source', $._expression))),
      ')',
      field('body', $.block),
    ),

    attempt_statement: $ => seq(
      'attempt',
      field('body', $.block),
      repeat1($.handle_clause),
    ),

    handle_clause: $ => seq(
      'handle',
      optional(field('kind', $.identifier)),
      optional(seq('(', field('binding', $.identifier), ')')),
      field('body', $.block),
    ),

    // ---------------------------------------------------------------
    // Expressions

    _expression: $ => choice(
      $.identifier,
      $.integer,
      $.float,
      $.duration,
      $.string,
      $.true,
      $.false,
      $.nil,
      $.this,
      $.self,
      $.super,
      $.parenthesized_expression,
      $.tuple,
      $.list,
      $.dictionary,
      $.object_literal,
      $.lambda,
      $.match_expression,
      $.unary_expression,
      $.await_expression,
      $.binary_expression,
      $.cast_expression,
      $.ternary_expression,
      $.call_expression,
      $.index_expression,
      $.member_expression,
      $.propagate_expression,
      $.else_expression,
    ),

    parenthesized_expression: $ => seq('(', $._expression, ')'),

    tuple: $ => seq(
      '(',
      optional(choice(
        seq($._expression, ','),
        seq($._expression, repeat1(seq(',', $._expression)), optional(',')),
      )),
      ')',
    ),

    list: $ => seq('[', commaList($._expression), ']'),

    dictionary: $ => seq('{', commaList($.pair), '}'),

    pair: $ => seq(field('key', $._expression), ':', field('value', $._expression)),

    /** `Name { field: value, … }`, also `module.Name { … }` (§12a). */
    object_literal: $ => seq(
      field('name', choice($.identifier, $.scoped_object_name)),
      '{',
      commaList($.field_initializer),
      '}',
    ),

    /** `shop.Item` naming a frame of an imported module. */
    scoped_object_name: $ => seq($.identifier, repeat1(seq('.', $.identifier))),

    field_initializer: $ => seq(field('name', $.identifier), ':', field('value', $._expression)),

    lambda: $ => seq(
      optional(alias($._async_keyword, 'async')),
      'fn',
      field('parameters', $.parameters),
      optional(seq(':', field('return_type', $._type))),
      field('body', $.block),
    ),

    match_expression: $ => seq(
      'match',
      choice(
        seq('(', field('value', $._expression), ')'),
        // `match (k, v) { … }`: the parentheses hold a tuple.
        seq('(', field('value', alias($._bare_tuple, $.tuple)), ')'),
        seq($._unparenthesized, field('value', $._expression)),
      ),
      '{',
      repeat(choice($.match_arm, ',', ';')),
      '}',
    ),

    _bare_tuple: $ => seq($._expression, repeat1(seq(',', $._expression)), optional(',')),

    match_arm: $ => seq(
      field('pattern', $._pattern),
      optional(seq('where', field('guard', $._expression))),
      '=>',
      choice(
        field('body', $.block),
        seq(field('body', $._expression), optional($._automatic_terminator)),
      ),
    ),

    unary_expression: $ => prec(PREC.unary, seq(
      field('operator', choice('-', '+', '!', 'not', '~')),
      field('operand', $._expression),
    )),

    await_expression: $ => prec(PREC.unary, seq(
      alias($._await_keyword, 'await'),
      $._expression,
    )),

    binary_expression: $ => {
      const table = [
        [PREC.or, choice('or', '||')],
        [PREC.and, choice('and', '&&')],
        [PREC.equality, choice('==', '!=')],
        [PREC.comparison, choice('<', '<=', '>', '>=')],
        [PREC.range, choice('..', '..=')],
        [PREC.bit_or, '|'],
        [PREC.bit_xor, '^'],
        [PREC.bit_and, '&'],
        [PREC.shift, choice('<<', '>>')],
        [PREC.additive, choice('+', '-')],
        [PREC.multiplicative, choice('*', '/', '%')],
      ];
      return choice(
        ...table.map(([precedence, operator]) => prec.left(precedence, seq(
          field('left', $._expression),
          field('operator', operator),
          field('right', $._expression),
        ))),
        prec.right(PREC.power, seq(
          field('left', $._expression),
          field('operator', '**'),
          field('right', $._expression),
        )),
      );
    },

    cast_expression: $ => prec.left(PREC.cast, seq(
      field('value', $._expression),
      'as',
      field('type', $._non_union_type),
    )),

    ternary_expression: $ => prec.right(PREC.ternary, seq(
      field('condition', $._expression),
      alias($._ternary_question, '?'),
      field('consequence', $._expression),
      ':',
      field('alternative', $._expression),
    )),

    call_expression: $ => prec(PREC.postfix, seq(
      field('function', $._expression),
      field('arguments', $.arguments),
    )),

    arguments: $ => prec(1, seq('(', commaList(choice($._expression, $.named_argument)), ')')),

    named_argument: $ => seq(field('name', $.identifier), '=', field('value', $._expression)),

    index_expression: $ => prec(PREC.postfix, seq(
      field('value', $._expression),
      '[',
      field('index', $._expression),
      ']',
    )),

    member_expression: $ => prec(PREC.postfix, seq(
      field('object', $._expression),
      '.',
      field('member', choice($.identifier, alias($.integer, $.tuple_index))),
    )),

    propagate_expression: $ => prec(PREC.postfix, seq($._expression, '?')),

    /** `e ?else { … }`, `e ? else err { … }`, `e ?else err => { … }` (§6). */
    else_expression: $ => prec(PREC.postfix, seq(
      field('value', $._expression),
      alias($._else_question, '?else'),
      optional(field('binding', $.identifier)),
      optional('=>'),
      field('handler', $.block),
    )),

    // ---------------------------------------------------------------
    // Patterns (§8)

    _pattern: $ => choice($.alternative_pattern, $._single_pattern),

    alternative_pattern: $ => prec.left(seq($._pattern, '|', $._single_pattern)),

    _single_pattern: $ => choice(
      $.identifier,
      $._literal_pattern,
      $.range_pattern,
      $.variant_pattern,
      $.frame_pattern,
      $.list_pattern,
      $.tuple_pattern,
      $.record_pattern,
      $.value_pattern,
      $.error_pattern,
      alias($.scoped_pattern_name, $.variant_pattern),
    ),

    _literal_pattern: $ => choice(
      $.integer,
      $.float,
      $.string,
      $.true,
      $.false,
      $.nil,
      $.negative_literal,
    ),

    negative_literal: $ => seq('-', choice($.integer, $.float)),

    range_pattern: $ => seq(
      $._literal_pattern,
      choice('..', '..='),
      $._literal_pattern,
    ),

    scoped_pattern_name: $ => seq($.identifier, repeat1(seq('.', $.identifier))),

    variant_pattern: $ => seq(
      field('name', choice($.identifier, $.scoped_pattern_name)),
      '(',
      commaList($._pattern),
      ')',
    ),

    frame_pattern: $ => seq(
      field('name', choice($.identifier, $.scoped_pattern_name)),
      '{',
      commaList($.field_pattern),
      '}',
    ),

    field_pattern: $ => choice(
      field('name', $.identifier),
      seq(field('name', choice($.identifier, $.string)), ':', field('pattern', $._pattern)),
      $.rest_pattern,
    ),

    rest_pattern: $ => seq('...', optional($.identifier)),

    list_pattern: $ => seq('[', commaList(choice($._pattern, $.rest_pattern)), ']'),

    tuple_pattern: $ => seq('(', commaList($._pattern), ')'),

    record_pattern: $ => seq('{', commaList($.field_pattern), '}'),

    value_pattern: $ => seq('val', $._single_pattern),

    error_pattern: $ => seq('err', $._single_pattern),

    // ---------------------------------------------------------------
    // Types (§3.4)

    _type: $ => choice(
      $.union_type,
      $.refined_type,
      $._non_union_type,
    ),

    refined_type: $ => prec.right(1, seq(
      choice($._non_union_type, $.union_type),
      'where',
      field('condition', $._expression),
    )),

    union_type: $ => prec.left(1, seq(
      choice($._non_union_type, $.union_type),
      '|',
      $._non_union_type,
    )),

    _non_union_type: $ => choice(
      $._type_identifier,
      $.scoped_type_identifier,
      $.nil,
      $.list_type,
      $.dictionary_type,
      $.tuple_type,
      $.function_type,
      $.fallible_type,
      $.variant_type,
    ),

    _type_identifier: $ => alias($.identifier, $.type_identifier),

    scoped_type_identifier: $ => prec.right(1, seq(
      alias($.identifier, $.type_identifier),
      repeat1(seq('.', alias($.identifier, $.type_identifier))),
    )),

    list_type: $ => seq('[', $._type, ']'),

    dictionary_type: $ => seq('{', commaList(seq($._type, ':', $._type)), '}'),

    tuple_type: $ => seq('(', commaList($._type), ')'),

    function_type: $ => prec.right(seq(
      'fn',
      '(',
      commaList(choice($._type, seq($.identifier, ':', $._type))),
      ')',
      optional(seq(':', field('return_type', $._type))),
    )),

    fallible_type: $ => prec.right(1, seq(
      $._non_union_type,
      '?',
      optional($.error_list),
    )),

    /** `T?E1, E2`: in a parameter list the `,` may instead start the next
     * parameter (§12: `fn f(r: int?E1, n: int)`); both are tried. */
    error_list: $ => seq(
      alias($.identifier, $.type_identifier),
      repeat(seq(',', alias($.identifier, $.type_identifier))),
    ),

    /** A member of an inline tagged union: `Circle(float)`. */
    variant_type: $ => prec(1, seq(alias($.identifier, $.type_identifier), '(', commaList($._type), ')')),

    // ---------------------------------------------------------------
    // Tokens

    identifier: _ => /[\p{XID_Start}_][\p{XID_Continue}]*/,

    integer: _ => token(choice(
      /0[xX][0-9a-fA-F_]+/,
      /0[oO][0-7_]+/,
      /0[bB][01_]+/,
      /[0-9][0-9_]*/,
    )),

    float: _ => token(choice(
      /[0-9][0-9_]*\.[0-9][0-9_]*([eE][+-]?[0-9][0-9_]*)?/,
      /[0-9][0-9_]*[eE][+-]?[0-9][0-9_]*/,
    )),

    duration: _ => token(/[0-9][0-9_]*(\.[0-9][0-9_]*)?(ms|s|m|h)/),

    true: _ => 'true',
    false: _ => 'false',
    nil: _ => 'nil',
    this: _ => 'this',
    self: _ => 'self',
    super: _ => 'super',

    string: $ => choice(
      seq(
        '"',
        repeat(choice($._double_quoted_text, $.escape_sequence, $.interpolation)),
        '"',
      ),
      seq(
        '\'',
        repeat(choice($._single_quoted_text, $.escape_sequence, $.interpolation)),
        '\'',
      ),
    ),

    escape_sequence: _ => token.immediate(choice(
      /\\u\{[0-9a-fA-F]*\}/,
      /\\[^u]/,
    )),

    interpolation: $ => seq(
      '{',
      $._expression,
      optional(seq(':', optional($.format_spec))),
      '}',
    ),

    line_comment: _ => token(seq('//', /[^\n]*/)),
  },
});
