/*
 * External scanner for the Limit tree-sitter grammar.
 *
 * It produces what a context-free lexer cannot:
 *  - AUTOMATIC_TERMINATOR: a zero-width statement end (LANGUAGE.md §1).
 *    It is only ever offered where the grammar lets a statement end, which
 *    stands in for the lexer's "the previous token can end a statement and
 *    no ( or [ is open" rule. It is produced before a `}`, the end of the
 *    input, `else` and `elif` (a one-statement body ends there), and after
 *    a newline unless the next line continues the statement (it starts
 *    with `.`, `else`, `elif` or `?else`).
 *  - the text of a string between its quotes, escapes and `{…}`
 *    interpolations (one token kind per quote);
 *  - a format spec after the `:` of an interpolation, up to its `}`;
 *  - nested block comments (a comment opener inside one opens another);
 *  - TERNARY_QUESTION: a `?` that starts the branches of `c ? a : b`. As
 *    in the compiler's lexer (§12), a `?` is a ternary only when a `:`
 *    follows at the same bracket depth; otherwise it is the postfix `?`
 *    lexed by the grammar;
 *  - ELSE_QUESTION: `?else` / `? else` as one token, so that its `else`
 *    is never taken for the `else` of an `if`;
 *  - UNPARENTHESIZED: zero-width, before a condition, loop header or match
 *    value written without parentheses (§12a), when the next character is
 *    not `(`; with a `(` the parenthesised form is parsed;
 *  - the contextual words `data` (before `frame`, `final`, `abstract`),
 *    `async` (before `fn`), `loop` (before `{`) and `await` (before an
 *    operand on the same line): elsewhere they are ordinary names.
 *
 * The scanner keeps no state between tokens.
 */

#include "tree_sitter/parser.h"

#include <stdbool.h>
#include <string.h>

enum TokenType {
  AUTOMATIC_TERMINATOR,
  DOUBLE_QUOTED_TEXT,
  SINGLE_QUOTED_TEXT,
  FORMAT_SPEC,
  BLOCK_COMMENT,
  DATA_KEYWORD,
  ASYNC_KEYWORD,
  AWAIT_KEYWORD,
  LOOP_KEYWORD,
  TERNARY_QUESTION,
  ELSE_QUESTION,
  UNPARENTHESIZED,
  ERROR_SENTINEL,
};

#define MAX_WORD 16
#define MAX_TERNARY_SCAN 16384

void *tree_sitter_limit_external_scanner_create(void) { return NULL; }
void tree_sitter_limit_external_scanner_destroy(void *payload) { (void)payload; }
unsigned tree_sitter_limit_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}
void tree_sitter_limit_external_scanner_deserialize(void *payload, const char *buffer, unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

static void advance(TSLexer *lexer) { lexer->advance(lexer, false); }
static void skip(TSLexer *lexer) { lexer->advance(lexer, true); }

static bool is_word_start(int32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c > 127;
}

static bool is_word_char(int32_t c) {
  return is_word_start(c) || (c >= '0' && c <= '9');
}

static bool is_blank(int32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f';
}

/* Reads a word at the lookahead into `word` (truncated, NUL-terminated). */
static void read_word(TSLexer *lexer, char *word) {
  unsigned length = 0;
  while (is_word_char(lexer->lookahead)) {
    if (length < MAX_WORD - 1) {
      word[length++] = (char)lexer->lookahead;
    } else {
      length = MAX_WORD; /* too long to be a keyword */
    }
    advance(lexer);
  }
  word[length < MAX_WORD ? length : 0] = '\0';
}

/* Text of a string up to its closing quote, an escape or an interpolation. */
static bool scan_string_text(TSLexer *lexer, int32_t quote, enum TokenType type) {
  bool has_text = false;
  while (lexer->lookahead != 0 || !lexer->eof(lexer)) {
    int32_t c = lexer->lookahead;
    if (c == quote || c == '\\' || c == '{') break;
    advance(lexer);
    has_text = true;
  }
  if (!has_text) return false;
  lexer->mark_end(lexer);
  lexer->result_symbol = type;
  return true;
}

/* A format spec: everything up to the `}` that closes the interpolation
 * (quotes included: `'{7:">4}'` fills with `"`). */
static bool scan_format_spec(TSLexer *lexer) {
  bool has_text = false;
  while (!lexer->eof(lexer) && lexer->lookahead != '}') {
    advance(lexer);
    has_text = true;
  }
  if (!has_text) return false;
  lexer->mark_end(lexer);
  lexer->result_symbol = FORMAT_SPEC;
  return true;
}

/* A nested block comment; the lookahead is the `*` after `/`. */
static bool scan_block_comment_rest(TSLexer *lexer) {
  unsigned depth = 1;
  advance(lexer);
  while (depth > 0) {
    if (lexer->eof(lexer)) break;
    int32_t c = lexer->lookahead;
    advance(lexer);
    if (c == '/' && lexer->lookahead == '*') {
      advance(lexer);
      depth++;
    } else if (c == '*' && lexer->lookahead == '/') {
      advance(lexer);
      depth--;
    }
  }
  lexer->mark_end(lexer);
  lexer->result_symbol = BLOCK_COMMENT;
  return true;
}

/* After a contextual word (already read and marked as the token's end):
 * whether what follows makes it a keyword. Look-ahead past a marked end
 * uses `advance`, never `skip`: skipping would move the token's start. */
static bool followed_by_word(TSLexer *lexer, const char *const *words, unsigned count) {
  while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') advance(lexer);
  char next[MAX_WORD];
  read_word(lexer, next);
  for (unsigned i = 0; i < count; i++) {
    if (strcmp(next, words[i]) == 0) return true;
  }
  return false;
}

static bool scan_contextual_word(TSLexer *lexer, const bool *valid, const char *word) {
  lexer->mark_end(lexer);
  if (valid[DATA_KEYWORD] && strcmp(word, "data") == 0) {
    static const char *const next[] = {"frame", "final", "abstract"};
    if (followed_by_word(lexer, next, 3)) {
      lexer->result_symbol = DATA_KEYWORD;
      return true;
    }
    return false;
  }
  if (valid[ASYNC_KEYWORD] && strcmp(word, "async") == 0) {
    static const char *const next[] = {"fn"};
    if (followed_by_word(lexer, next, 1)) {
      lexer->result_symbol = ASYNC_KEYWORD;
      return true;
    }
    return false;
  }
  if (valid[LOOP_KEYWORD] && strcmp(word, "loop") == 0) {
    while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') advance(lexer);
    if (lexer->lookahead == '{') {
      lexer->result_symbol = LOOP_KEYWORD;
      return true;
    }
    return false;
  }
  if (valid[AWAIT_KEYWORD] && strcmp(word, "await") == 0) {
    if (!is_blank(lexer->lookahead)) return false;
    while (is_blank(lexer->lookahead)) advance(lexer);
    int32_t c = lexer->lookahead;
    if (is_word_char(c) || c == '(' || c == '[' || c == '"' || c == '\'') {
      lexer->result_symbol = AWAIT_KEYWORD;
      return true;
    }
    return false;
  }
  return false;
}


static void skip_string(TSLexer *lexer, int32_t quote, unsigned nesting);

/* Skips a `{ … }` interpolation body inside a string (the `{` is read). */
static void skip_interpolation(TSLexer *lexer, unsigned nesting) {
  unsigned depth = 1;
  while (depth > 0 && !lexer->eof(lexer)) {
    int32_t c = lexer->lookahead;
    if ((c == '"' || c == '\'') && nesting < 8) {
      advance(lexer);
      skip_string(lexer, c, nesting + 1);
      continue;
    }
    advance(lexer);
    if (c == '{') depth++;
    if (c == '}') depth--;
  }
}

/* Skips the rest of a string whose opening quote has been read. */
static void skip_string(TSLexer *lexer, int32_t quote, unsigned nesting) {
  while (!lexer->eof(lexer)) {
    int32_t c = lexer->lookahead;
    advance(lexer);
    if (c == quote) return;
    if (c == '\\') {
      advance(lexer);
    } else if (c == '{') {
      skip_interpolation(lexer, nesting);
    }
  }
}

/* Reads a word; if it is `else`, marks the token's end after it: `?else`
 * (also `? else`) is one token. */
static bool scan_else_word(TSLexer *lexer) {
  if (!is_word_start(lexer->lookahead)) return false;
  char word[MAX_WORD];
  read_word(lexer, word);
  if (strcmp(word, "else") != 0) return false;
  lexer->mark_end(lexer);
  lexer->result_symbol = ELSE_QUESTION;
  return true;
}

/* Reserved words that start a statement and never an expression. */
static bool starts_statement(const char *word) {
  static const char *const words[] = {
    "var", "const", "return", "if", "elif", "else", "while", "for", "iter",
    "break", "continue", "frame", "trait", "interface", "enum", "type",
    "import", "module", "pub", "prot", "abstract", "final", "static",
  };
  for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
    if (strcmp(word, words[i]) == 0) return true;
  }
  return false;
}

/* At a `?` after an expression: `?else` (one token, also `? else`), or a
 * ternary's `?` when a `:` follows at the same bracket depth before the
 * statement can end. */
static bool scan_question(TSLexer *lexer, const bool *valid) {
  advance(lexer);
  lexer->mark_end(lexer);
  bool newline = false;
  while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') {
    if (lexer->lookahead == '\n') newline = true;
    advance(lexer);
  }
  /* `f()?: spec` in an interpolation is a propagation. */
  if (lexer->lookahead == ':') return false;
  if (is_word_start(lexer->lookahead)) {
    char word[MAX_WORD];
    read_word(lexer, word);
    if (strcmp(word, "else") == 0 && valid[ELSE_QUESTION]) {
      lexer->mark_end(lexer);
      lexer->result_symbol = ELSE_QUESTION;
      return true;
    }
    /* A ternary's branch may start on the next line, but a statement
     * keyword there starts the next statement: `var v = f()?` then
     * `var w: int = 2` is a propagation. */
    if (newline && starts_statement(word)) return false;
    /* So does a named function (`fn name(`, `async fn`), where a `fn`
     * starting an expression is a function literal (`fn(x) { … }`). */
    if (newline && (strcmp(word, "fn") == 0 || strcmp(word, "async") == 0)) {
      while (is_blank(lexer->lookahead)) advance(lexer);
      if (is_word_start(lexer->lookahead)) {
        char next[MAX_WORD];
        read_word(lexer, next);
        if (strcmp(word, "fn") == 0 || strcmp(next, "fn") == 0) return false;
      }
    }
  }
  if (!valid[TERNARY_QUESTION]) return false;
  /* Scan for the `:` as the compiler does (§12): it stops at `,`, `;`,
   * `=>`, an assignment, a closer of an enclosing bracket, or a newline
   * that ends the statement. */
  unsigned depth = 0;
  /* Bounds the look-ahead (the compiler bounds its scan in tokens): an
   * editor reparses on every keystroke, and `?` before an unclosed bracket
   * must not rescan the rest of a large file each time. */
  unsigned characters = 0;
  while (!lexer->eof(lexer)) {
    if (++characters > MAX_TERNARY_SCAN) return false;
    int32_t c = lexer->lookahead;
    if (c == '"' || c == '\'') {
      advance(lexer);
      skip_string(lexer, c, 0);
      continue;
    }
    if (c == '\n' && depth == 0) {
      /* Inside parentheses a ternary may go on with `:` on a later line. */
      while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') advance(lexer);
      if (lexer->lookahead != ':' && lexer->lookahead != '?') return false;
      continue;
    }
    advance(lexer);
    int32_t next = lexer->lookahead;
    switch (c) {
      case '/':
        if (next == '/') {
          while (!lexer->eof(lexer) && lexer->lookahead != '\n') advance(lexer);
        } else if (next == '=' && depth == 0) {
          return false;
        }
        break;
      case '(':
      case '[':
      case '{':
        depth++;
        break;
      case ')':
      case ']':
      case '}':
        if (depth == 0) return false;
        depth--;
        break;
      case ',':
      case ';':
        if (depth == 0) return false;
        break;
      case '=':
        if (next == '=') {
          advance(lexer);
        } else if (depth == 0) {
          return false; /* `=` or `=>` */
        }
        break;
      case '+':
      case '-':
      case '*':
      case '%':
        if (next == '=' && depth == 0) return false;
        break;
      case '!':
      case '<':
      case '>':
        if (next == '=') advance(lexer);
        break;
      case ':':
        if (depth == 0) {
          lexer->result_symbol = TERNARY_QUESTION;
          return true;
        }
        break;
      default:
        break;
    }
  }
  return false;
}

bool tree_sitter_limit_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid) {
  (void)payload;
  if (valid[ERROR_SENTINEL]) return false;

  if (valid[DOUBLE_QUOTED_TEXT]) return scan_string_text(lexer, '"', DOUBLE_QUOTED_TEXT);
  if (valid[SINGLE_QUOTED_TEXT]) return scan_string_text(lexer, '\'', SINGLE_QUOTED_TEXT);
  if (valid[FORMAT_SPEC]) return scan_format_spec(lexer);

  bool newline = false;
  if (valid[AUTOMATIC_TERMINATOR]) {
    /* The terminator is zero-width: it ends where the statement did. */
    lexer->mark_end(lexer);
  }
  while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') {
    if (lexer->lookahead == '\n') newline = true;
    skip(lexer);
  }

  if (valid[UNPARENTHESIZED] && lexer->lookahead != '(') {
    lexer->mark_end(lexer);
    lexer->result_symbol = UNPARENTHESIZED;
    return true;
  }

  if (valid[AUTOMATIC_TERMINATOR]) {
    int32_t c = lexer->lookahead;
    if (lexer->eof(lexer) || c == '}') {
      lexer->result_symbol = AUTOMATIC_TERMINATOR;
      return true;
    }
    if (c == '/') {
      /* A comment: with a newline before it, the statement has ended;
       * without, let the comment be lexed and look again after it. */
      if (newline) {
        lexer->result_symbol = AUTOMATIC_TERMINATOR;
        return true;
      }
      advance(lexer);
      if (lexer->lookahead == '*' && valid[BLOCK_COMMENT]) return scan_block_comment_rest(lexer);
      return false;
    }
    if (is_word_start(c)) {
      char word[MAX_WORD];
      read_word(lexer, word);
      if (strcmp(word, "else") == 0 || strcmp(word, "elif") == 0) {
        lexer->result_symbol = AUTOMATIC_TERMINATOR;
        return true;
      }
      if (newline) {
        lexer->result_symbol = AUTOMATIC_TERMINATOR;
        return true;
      }
      return scan_contextual_word(lexer, valid, word);
    }
    if (!newline) {
      if (c == '?') return scan_question(lexer, valid);
      return false;
    }
    if (c == '.') {
      advance(lexer);
      if (lexer->lookahead != '.') return false; /* `.method()` continues */
    } else if (c == '?') {
      /* `?else` on the next line continues the statement. */
      advance(lexer);
      while (is_blank(lexer->lookahead) || lexer->lookahead == '\n') advance(lexer);
      if (valid[ELSE_QUESTION] && scan_else_word(lexer)) return true;
      lexer->result_symbol = AUTOMATIC_TERMINATOR;
      return true;
    }
    lexer->result_symbol = AUTOMATIC_TERMINATOR;
    return true;
  }

  if (lexer->lookahead == '?' && (valid[TERNARY_QUESTION] || valid[ELSE_QUESTION])) {
    return scan_question(lexer, valid);
  }

  if (lexer->lookahead == '/' && valid[BLOCK_COMMENT]) {
    advance(lexer);
    if (lexer->lookahead == '*') return scan_block_comment_rest(lexer);
    return false;
  }

  if (is_word_start(lexer->lookahead) &&
      (valid[DATA_KEYWORD] || valid[ASYNC_KEYWORD] || valid[AWAIT_KEYWORD] || valid[LOOP_KEYWORD])) {
    char word[MAX_WORD];
    read_word(lexer, word);
    return scan_contextual_word(lexer, valid, word);
  }
  return false;
}
