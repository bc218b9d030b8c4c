; cpp.scm — CodeGraph extraction query for C++ (tree-sitter-cpp), our own. The C part
; follows c.scm (keep them in step). Conventions and engine rules: include/codegraph/extract.h.
;
; Definitions: as c.scm (functions, macros, constants, struct/union/enum with a body,
;   typedefs), plus: class -> class; struct -> struct; `namespace a { }` and
;   `namespace a::b { }` -> module (@name as written: "a::b" — the engine keeps it, so
;   qualified names read "a::b.f"); member function definitions and declarations in a
;   class body -> method; out-of-line definitions `T::f() { }` -> method with @scope T
;   (parent T when defined in the file; `ns::T::f` uses T); destructors "~T" and
;   operators "operator==" as written; `using T = U;` -> type_alias; templates are
;   covered through the template_declaration they sit in.
; @doc: the comment lines (any style) right above the definition or its `template <…>`.
; Imports: #include as in c.scm; `using namespace std;` -> import "std".
; Calls: @name = the callee's last name: f() -> "f", a::b::f() -> "f", o.f() / p->f()
;   -> "f", f<T>() -> "f"; `new T(…)` -> a call to "T".
; Inheritance: each base in `class A : public B, private ns::C<T>` -> @reference.inherit
;   as written without template arguments ("B", "ns::C"). C++ has no separate
;   implements.
; Type references: as c.scm, plus class names in those positions.
;
; Known gaps (kept in tests/fixtures/cpp/expected.graph):
;   calls are named by their last name, so o.f() / p->f() cannot tell the receiver's
;   class (s->area() is ambiguous, or guessed by name); a method declared in the class and
;   defined out of line is two entities with one qualified name; a namespace is one module
;   entity per file; C++ headers must be .hpp/.hh/.hxx (a .h file is parsed as C).

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

; File- and namespace-level `const`/`constexpr` variables (no doc: a quantified @doc
; prefix does not work inside the parent pattern that keeps out function locals).
(translation_unit
  (declaration
    (type_qualifier) @_q
    declarator: (init_declarator declarator: (identifier) @name)) @definition.constant
  (#any-of? @_q "const" "constexpr"))
(declaration_list
  (declaration
    (type_qualifier) @_q
    declarator: (init_declarator declarator: (identifier) @name)) @definition.constant
  (#any-of? @_q "const" "constexpr"))

; ---- imports (C) -------------------------------------------------------------------------

(preproc_include path: (string_literal (string_content) @name)) @reference.import
(preproc_include path: (system_lib_string) @name) @reference.import

; ---- calls (C) ---------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (field_expression field: (field_identifier) @name)) @reference.call

; ---- type references (C) -----------------------------------------------------------------

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

; ---- C++ definitions -----------------------------------------------------------------

((comment)* @doc
  .
  [
    (class_specifier name: (type_identifier) @name body: (_)) @definition.class
    (namespace_definition name: (_) @name) @definition.module
    (alias_declaration name: (type_identifier) @name) @definition.type_alias
    (function_definition
      declarator: (function_declarator declarator: [
        (field_identifier) (destructor_name) (operator_name)] @name)) @definition.function
    (function_definition
      declarator: (reference_declarator
        (function_declarator declarator: [(identifier) (field_identifier)] @name))) @definition.function
    (function_definition
      declarator: (pointer_declarator
        declarator: (function_declarator declarator: (field_identifier) @name))) @definition.function
    (field_declaration
      declarator: (function_declarator declarator: [
        (field_identifier) (destructor_name) (operator_name)] @name)) @definition.function
    (field_declaration
      declarator: (pointer_declarator
        declarator: (function_declarator declarator: (field_identifier) @name))) @definition.function
    (field_declaration
      declarator: (reference_declarator
        (function_declarator declarator: (field_identifier) @name))) @definition.function
    (declaration
      declarator: (function_declarator declarator: (destructor_name) @name)) @definition.function
  ])

((comment)* @doc
  .
  (template_declaration
    [
      (class_specifier name: (type_identifier) @name body: (_)) @definition.class
      (struct_specifier name: (type_identifier) @name body: (_)) @definition.struct
      (alias_declaration name: (type_identifier) @name) @definition.type_alias
      (function_definition
        declarator: (function_declarator declarator: [
          (identifier) (field_identifier) (operator_name)] @name)) @definition.function
      (function_definition
        declarator: (function_declarator
          declarator: (qualified_identifier
            scope: (_) @scope
            name: [(identifier) (destructor_name) (operator_name)] @name))) @definition.function
    ]))

((comment)* @doc
  .
  (declaration
    type: (class_specifier name: (type_identifier) @name body: (_)) @definition.class))

; Constructor and destructor declarations in a class body (no doc: see extract.h on
; quantified @doc inside a parent pattern).
(field_declaration_list
  (declaration
    declarator: (function_declarator
      declarator: [(identifier) (destructor_name)] @name)) @definition.function)

; Out-of-line member definitions: T::f, ns::T::f, and pointer/reference returns.
((comment)* @doc
  .
  (function_definition
    declarator: [
      (function_declarator
        declarator: (qualified_identifier
          scope: (_) @scope
          name: [(identifier) (destructor_name) (operator_name)] @name))
      (function_declarator
        declarator: (qualified_identifier
          name: (qualified_identifier
            scope: (_) @scope
            name: [(identifier) (destructor_name) (operator_name)] @name)))
      (pointer_declarator
        declarator: (function_declarator
          declarator: (qualified_identifier
            scope: (_) @scope
            name: [(identifier) (destructor_name) (operator_name)] @name)))
      (reference_declarator
        (function_declarator
          declarator: (qualified_identifier
            scope: (_) @scope
            name: [(identifier) (destructor_name) (operator_name)] @name)))
    ]) @definition.function)

; ---- C++ imports, calls, inheritance -------------------------------------------------

(using_declaration "namespace" [(identifier) (qualified_identifier)] @name) @reference.import

(call_expression
  function: (qualified_identifier name: (identifier) @name)) @reference.call
(call_expression
  function: (qualified_identifier
    name: (qualified_identifier name: (identifier) @name))) @reference.call
(call_expression function: (template_function name: (identifier) @name)) @reference.call
(call_expression
  function: (qualified_identifier name: (template_function name: (identifier) @name))) @reference.call
(call_expression
  function: (field_expression field: (template_method name: (field_identifier) @name))) @reference.call
(new_expression
  type: [
    (type_identifier) @name
    (qualified_identifier name: (type_identifier) @name)
    (template_type name: (type_identifier) @name)
  ]) @reference.call

(base_class_clause
  [
    (type_identifier) @name
    (qualified_identifier) @name
    (template_type name: (type_identifier) @name)
  ] @reference.inherit)
