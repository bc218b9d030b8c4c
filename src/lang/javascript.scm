; javascript.scm — CodeGraph extraction query for JavaScript and JSX
; (tree-sitter-javascript), our own. Conventions and engine rules: include/codegraph/extract.h.
;
; Definitions: function / generator declarations -> function; `const f = () => …` and
;   `const f = function …` -> function (the definition node is the variable_declarator);
;   class -> class; class methods and arrow-function fields -> function (the engine
;   makes them methods; object-literal methods stay functions); a top-level
;   `const UPPER_CASE = …` that is not a function -> constant. `export` and
;   `export default` forms are covered (the definition node is the inner declaration).
; @doc: the JSDoc block (/** … */) right before the definition (or its `export`);
;   plain // and /* */ comments are not docs.
; Imports: @name = the module specifier without quotes, from `import … from "m"`,
;   `import "m"`, `export … from "m"`, `require("m")` and `import("m")`.
; Calls: @name = the callee as written (whitespace removed): f() -> "f", a.b.f() -> "a.b.f",
;   this.#p() -> "this.#p", g().h() -> "g().h" (the resolver drops call groups and reads
;   this/super as receivers); `new C()` -> a call to "C", `new ns.C()` -> "ns.C".
;   JSX: <Comp …> and <ns.Comp …> with an upper-case name -> a call to the component.
; Inheritance: `class A extends B` -> @reference.inherit "B" (as written: "ns.B").
;
; Known gaps (kept in tests/fixtures/javascript/expected.graph):
;   require("m") is both an import and an unresolved call to require; inherited
;   members of classes outside the project (EventEmitter's emit) stay unresolved;
;   receivers are untyped (s.listen()).

; ---- definitions ---------------------------------------------------------------------

((comment)* @doc
  .
  [
    (function_declaration name: (identifier) @name) @definition.function
    (generator_function_declaration name: (identifier) @name) @definition.function
    (class_declaration name: (identifier) @name) @definition.class
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
      (class_declaration name: (identifier) @name) @definition.class
      (lexical_declaration
        (variable_declarator
          name: (identifier) @name
          value: [(arrow_function) (function_expression) (generator_function)]) @definition.function)
    ])
  (#match? @doc "^/\\*\\*"))

; (A `(comment)* @doc .` prefix only works reliably at the top level of a pattern, not
; inside a parent node pattern such as (class_body …): tree-sitter then misses matches.)
((comment)* @doc
  .
  [
    (method_definition
      name: [(property_identifier) (private_property_identifier)] @name) @definition.function
    (field_definition
      property: [(property_identifier) (private_property_identifier)] @name
      value: [(arrow_function) (function_expression)]) @definition.function
  ]
  (#match? @doc "^/\\*\\*"))

(object
  (method_definition name: (property_identifier) @name) @definition.function)

(program
  (lexical_declaration
    "const"
    (variable_declarator
      name: (identifier) @name
      value: (_) @_v) @definition.constant)
  (#match? @name "^[A-Z][A-Z0-9_]*$")
  (#not-match? @_v "^(function|async|\\()"))

(program
  (export_statement
    declaration: (lexical_declaration
      "const"
      (variable_declarator
        name: (identifier) @name
        value: (_) @_v) @definition.constant))
  (#match? @name "^[A-Z][A-Z0-9_]*$")
  (#not-match? @_v "^(function|async|\\()"))

; ---- imports -------------------------------------------------------------------------

(import_statement source: (string (string_fragment) @name)) @reference.import
(export_statement source: (string (string_fragment) @name)) @reference.import

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

((jsx_opening_element name: (identifier) @name) @reference.call
 (#match? @name "^[A-Z]"))
((jsx_self_closing_element name: (identifier) @name) @reference.call
 (#match? @name "^[A-Z]"))
(jsx_opening_element name: (member_expression property: (property_identifier) @name)) @reference.call
(jsx_self_closing_element
  name: (member_expression property: (property_identifier) @name)) @reference.call

; ---- inheritance ---------------------------------------------------------------------

(class_declaration
  (class_heritage [(identifier) (member_expression)] @name @reference.inherit))
