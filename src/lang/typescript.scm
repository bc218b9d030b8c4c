; typescript.scm — CodeGraph extraction query for TypeScript (tree-sitter-typescript,
; grammar "typescript"), our own. tsx.scm includes this file and adds a JSX section.
; Conventions and engine rules: include/codegraph/extract.h.
;
; Definitions: as javascript.scm (functions, arrow-function consts, classes, methods,
;   arrow-function fields, UPPER_CASE consts -> constant), plus: abstract classes ->
;   class; interfaces -> interface (their method signatures -> method); enums -> enum;
;   `type X = …` -> type_alias; `namespace N {}` / `module N {}` -> module (@name as
;   written: "A.B"); `declare function` and overload signatures -> function.
; @doc: the JSDoc block (/** … */) right before the definition (or its `export`).
; Imports: @name = the module specifier without quotes (import, export … from,
;   `import x = require("m")`, require("m"), import("m")).
; Calls: @name = the callee as written (whitespace removed), as javascript.scm:
;   a.b.f() -> "a.b.f", this.run() -> "this.run"; `new C()` -> a call to "C".
; Inheritance: `class A extends B` -> inherit "B"; `implements I, J` -> implement "I",
;   "J"; `interface I extends J` -> inherit "J". Names as written without type
;   arguments (Base<T> -> "Base"; ns.Base -> "ns.Base").
; Type references: type names in type annotations (x: T, (): T, x: T<U> -> "T").
;
; Known gaps (kept in tests/fixtures/typescript/expected.graph):
;   type parameters (T) are unresolved type references; receivers are
;   untyped (this.items.get(id) is unresolved).

; ---- definitions ---------------------------------------------------------------------

((comment)* @doc
  .
  [
    (function_declaration name: (identifier) @name) @definition.function
    (generator_function_declaration name: (identifier) @name) @definition.function
    (function_signature name: (identifier) @name) @definition.function
    (class_declaration name: (type_identifier) @name) @definition.class
    (abstract_class_declaration name: (type_identifier) @name) @definition.class
    (interface_declaration name: (type_identifier) @name) @definition.interface
    (enum_declaration name: (identifier) @name) @definition.enum
    (type_alias_declaration name: (type_identifier) @name) @definition.type_alias
    (lexical_declaration
      (variable_declarator
        name: (identifier) @name
        value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)
    (variable_declaration
      (variable_declarator
        name: (identifier) @name
        value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)
  ]
  (#match? @doc "^/\\*\\*"))

((comment)* @doc
  .
  (export_statement
    declaration: [
      (function_declaration name: (identifier) @name) @definition.function
      (generator_function_declaration name: (identifier) @name) @definition.function
      (function_signature name: (identifier) @name) @definition.function
      (class_declaration name: (type_identifier) @name) @definition.class
      (abstract_class_declaration name: (type_identifier) @name) @definition.class
      (interface_declaration name: (type_identifier) @name) @definition.interface
      (enum_declaration name: (identifier) @name) @definition.enum
      (type_alias_declaration name: (type_identifier) @name) @definition.type_alias
      (lexical_declaration
        (variable_declarator
          name: (identifier) @name
          value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)
    ])
  (#match? @doc "^/\\*\\*"))

((comment)* @doc
  .
  [
    (method_definition
      name: [(property_identifier) (private_property_identifier)] @name) @definition.function
    (method_signature
      name: [(property_identifier) (private_property_identifier)] @name) @definition.function
    (abstract_method_signature
      name: [(property_identifier) (private_property_identifier)] @name) @definition.function
    (public_field_definition
      name: [(property_identifier) (private_property_identifier)] @name
      value: [(arrow_function) (function_expression)]) @definition.function
  ]
  (#match? @doc "^/\\*\\*"))

(module name: (_) @name) @definition.module
(internal_module name: (_) @name) @definition.module

(object
  (method_definition name: (property_identifier) @name) @definition.function)

(program
  (lexical_declaration
    "const"
    (variable_declarator
      name: (identifier) @name
      value: (_) @_v) @definition.constant)
  (#match? @name "^[A-Z][A-Z0-9_]*$")
  (#not-match? @_v "^(function|async|\\(|<)"))

(program
  (export_statement
    declaration: (lexical_declaration
      "const"
      (variable_declarator
        name: (identifier) @name
        value: (_) @_v) @definition.constant))
  (#match? @name "^[A-Z][A-Z0-9_]*$")
  (#not-match? @_v "^(function|async|\\(|<)"))

; ---- imports -------------------------------------------------------------------------

(import_statement source: (string (string_fragment) @name)) @reference.import
(export_statement source: (string (string_fragment) @name)) @reference.import
(import_require_clause source: (string (string_fragment) @name)) @reference.import

((call_expression
   function: (identifier) @_f
   arguments: (arguments . (string (string_fragment) @name))) @reference.import
 (#eq? @_f "require"))

(call_expression
  function: (import)
  arguments: (arguments . (string (string_fragment) @name))) @reference.import

; ---- calls ---------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
(call_expression function: (member_expression) @name) @reference.call
(new_expression constructor: (identifier) @name) @reference.call
(new_expression constructor: (member_expression) @name) @reference.call

; ---- inheritance ---------------------------------------------------------------------

(extends_clause value: [(identifier) (member_expression)] @name @reference.inherit)

(implements_clause [(type_identifier) (nested_type_identifier)] @name @reference.implement)
(implements_clause
  (generic_type name: [(type_identifier) (nested_type_identifier)] @name) @reference.implement)

(extends_type_clause
  type: [(type_identifier) (nested_type_identifier)] @name @reference.inherit)
(extends_type_clause
  type: (generic_type name: [(type_identifier) (nested_type_identifier)] @name) @reference.inherit)

; ---- type references -----------------------------------------------------------------

(type_annotation [(type_identifier) (nested_type_identifier)] @name @reference.type)
(type_annotation
  (generic_type name: [(type_identifier) (nested_type_identifier)] @name) @reference.type)
