; c.scm — CodeGraph extraction query for C (tree-sitter-c), our own.
; Conventions and engine rules: include/codegraph/extract.h.
;
; Definitions: function definitions -> function (also those returning pointers);
;   prototypes are not entities (they are not definitions; ctags skips them too);
;   function-like macros -> function; object-like macros (#define N 1) and file-level
;   `const` variables -> constant; struct and union with a body -> struct; enum with
;   a body -> enum; typedef -> type_alias. For `typedef struct s {…} t;` the struct "s"
;   and the alias "t" are siblings: the alias's definition node is its name only.
; @doc: the comment lines (any style) right above the definition.
; Imports: #include -> @name = the path: "util.h" for "util.h", "<stdio.h>" (with the
;   angle brackets) for a system include.
; Calls: @name = the callee name: f() -> "f", s->fn() / s.fn() -> "fn".
; Inheritance: none in C.
; Type references: typedef names and struct/union/enum tags (without body) used in
;   parameters, return types, fields and declarations.
;
; Known gaps (kept in tests/fixtures/c/expected.graph):
;   no inheritance in C; a call through a function pointer field (l->ops->f()) is
;   named "f" and resolves by name only; include guards (#define X_H) are constants;
;   prototypes are not entities, so a call resolves to the definition in the .c file that
;   the included header is named after (list.h -> list.c).

; ---- definitions ---------------------------------------------------------------------

((comment)* @doc
  .
  [
    (function_definition
      declarator: (function_declarator declarator: (identifier) @name)) @definition.function
    (function_definition
      declarator: (pointer_declarator
        declarator: (function_declarator declarator: (identifier) @name))) @definition.function
    (function_definition
      declarator: (pointer_declarator
        declarator: (pointer_declarator
          declarator: (function_declarator declarator: (identifier) @name)))) @definition.function
    (preproc_function_def name: (identifier) @name) @definition.function
    (preproc_def name: (identifier) @name) @definition.constant
    (struct_specifier name: (type_identifier) @name body: (_)) @definition.struct
    (union_specifier name: (type_identifier) @name body: (_)) @definition.struct
    (enum_specifier name: (type_identifier) @name body: (_)) @definition.enum
    (type_definition
      type: [
        (primitive_type) (type_identifier) (sized_type_specifier)
        (struct_specifier !body) (union_specifier !body) (enum_specifier !body)
      ]
      declarator: [
        (type_identifier) @name
        (pointer_declarator declarator: (type_identifier) @name)
        (function_declarator
          declarator: (parenthesized_declarator
            (pointer_declarator declarator: (type_identifier) @name)))
      ]) @definition.type_alias
  ])

((comment)* @doc
  .
  (declaration
    type: [
      (struct_specifier name: (type_identifier) @name body: (_)) @definition.struct
      (union_specifier name: (type_identifier) @name body: (_)) @definition.struct
      (enum_specifier name: (type_identifier) @name body: (_)) @definition.enum
    ]))

((comment)* @doc
  .
  (type_definition
    type: [
      (struct_specifier name: (type_identifier) @name body: (_)) @definition.struct
      (union_specifier name: (type_identifier) @name body: (_)) @definition.struct
      (enum_specifier name: (type_identifier) @name body: (_)) @definition.enum
    ]))

((comment)* @doc
  .
  (type_definition
    type: [
      (struct_specifier body: (_))
      (union_specifier body: (_))
      (enum_specifier body: (_))
    ]
    declarator: [
      (type_identifier) @name @definition.type_alias
      (pointer_declarator declarator: (type_identifier) @name @definition.type_alias)
    ]))

; File-level `const` variables (no doc: a quantified @doc prefix does not work inside
; the parent pattern that keeps out function-local constants).
(translation_unit
  (declaration
    (type_qualifier) @_q
    declarator: (init_declarator declarator: (identifier) @name)) @definition.constant
  (#eq? @_q "const"))

; ---- imports -------------------------------------------------------------------------

(preproc_include path: (string_literal (string_content) @name)) @reference.import
(preproc_include path: (system_lib_string) @name) @reference.import

; ---- calls ---------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call

; ---- type references -----------------------------------------------------------------

(parameter_declaration
  type: [
    (type_identifier) @name
    (struct_specifier !body name: (type_identifier) @name)
    (union_specifier !body name: (type_identifier) @name)
    (enum_specifier !body name: (type_identifier) @name)
  ]) @reference.type

(function_definition
  type: [
    (type_identifier) @name
    (struct_specifier !body name: (type_identifier) @name)
    (union_specifier !body name: (type_identifier) @name)
    (enum_specifier !body name: (type_identifier) @name)
  ] @reference.type)

(field_declaration
  type: [
    (type_identifier) @name
    (struct_specifier !body name: (type_identifier) @name)
    (union_specifier !body name: (type_identifier) @name)
    (enum_specifier !body name: (type_identifier) @name)
  ] @reference.type)

(declaration
  type: [
    (type_identifier) @name
    (struct_specifier !body name: (type_identifier) @name)
    (union_specifier !body name: (type_identifier) @name)
    (enum_specifier !body name: (type_identifier) @name)
  ] @reference.type)
