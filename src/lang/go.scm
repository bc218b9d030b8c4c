; go.scm — CodeGraph extraction query for Go (tree-sitter-go), our own.
; Conventions and engine rules: include/codegraph/extract.h.
;
; Definitions: func -> function; a method `func (r *T) M()` -> method with @scope T
;   (parent: the type T when it is declared in the same file, qualified name "T.M"
;   either way); `type T struct` -> struct; `type T interface` -> interface (its
;   methods -> method); any other `type T U` and `type T = U` -> type_alias; each name
;   of a `const` spec -> constant. The package clause is not an entity (the package is
;   the directory). Vars are not entities.
; @doc: the // or /* */ comment lines right above the declaration (Go doc comments).
; Imports: @name = the import path without quotes ("fmt", "github.com/a/b").
; Calls: @name = the callee's last identifier: f() -> "f", pkg.F() -> "F", x.y.M() -> "M".
; Inheritance: an embedded struct field (`Base`, `*Base`, `pkg.Base`) and an embedded
;   interface (`fmt.Stringer`) -> @reference.inherit with the type as written. Go has no
;   declared implementation, so there is no @reference.implement.
; Type references: type names of parameters, results, named struct fields and
;   composite literals (T{…}); "pkg.T" as written; pointers and generic arguments peeled.
;   Predeclared types (int, string, error, any, …) are not references, and conversions
;   to them (int(x)) are not calls.
;
; Known gaps (kept in tests/fixtures/go/expected.graph):
;   calls are named by their last identifier (x.y.M() -> "M"), so methods resolve
;   by name only (s.repo.Save() with two Save methods is ambiguous); a defined type
;   (`type Celsius float64`) is a type_alias; generic field types (Repo[User]) are not type
;   references; standard-library imports stay unresolved.

; ---- definitions ---------------------------------------------------------------------

((comment)* @doc
  .
  [
    (function_declaration name: (identifier) @name) @definition.function
    (method_declaration
      receiver: (parameter_list
        (parameter_declaration
          type: [
            (type_identifier) @scope
            (pointer_type (type_identifier) @scope)
            (generic_type type: (type_identifier) @scope)
            (pointer_type (generic_type type: (type_identifier) @scope))
          ]))
      name: (field_identifier) @name) @definition.method
  ])

((comment)* @doc
  .
  (type_declaration
    [
      (type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
      (type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
      (type_spec name: (type_identifier) @name
        type: [(type_identifier) (qualified_type) (pointer_type) (slice_type) (array_type)
               (map_type) (channel_type) (function_type) (generic_type)]) @definition.type_alias
      (type_alias name: (type_identifier) @name) @definition.type_alias
    ]))

((comment)* @doc
  .
  [
    (type_spec name: (type_identifier) @name type: (struct_type)) @definition.struct
    (type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
    (type_spec name: (type_identifier) @name
      type: [(type_identifier) (qualified_type) (pointer_type) (slice_type) (array_type)
             (map_type) (channel_type) (function_type) (generic_type)]) @definition.type_alias
    (type_alias name: (type_identifier) @name) @definition.type_alias
  ])

((comment)* @doc
  .
  (method_elem name: (field_identifier) @name) @definition.function)

; (`name: (identifier)` would only see the first name of `const a, b = 1, 2`.)
((comment)* @doc
  .
  (const_declaration (const_spec (identifier) @name) @definition.constant))

((comment)* @doc
  .
  (const_spec (identifier) @name) @definition.constant)

; ---- imports -------------------------------------------------------------------------

(import_spec
  path: [
    (interpreted_string_literal (interpreted_string_literal_content) @name)
    (raw_string_literal (raw_string_literal_content) @name)
  ]) @reference.import

; ---- calls ---------------------------------------------------------------------------

((call_expression function: (identifier) @name) @reference.call
 (#not-any-of? @name "bool" "byte" "complex64" "complex128" "error" "float32" "float64" "int" "int8"
   "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64"
   "uintptr" "any" "comparable"))
(call_expression function: (selector_expression field: (field_identifier) @name)) @reference.call

; ---- inheritance (embedding) ---------------------------------------------------------

(field_declaration_list
  (field_declaration
    !name
    type: [
      (type_identifier) @name
      (qualified_type) @name
      (pointer_type [(type_identifier) (qualified_type)] @name)
      (generic_type type: [(type_identifier) (qualified_type)] @name)
    ]) @reference.inherit)

(interface_type
  (type_elem [(type_identifier) (qualified_type)] @name) @reference.inherit)

; ---- type references -----------------------------------------------------------------

((parameter_declaration
   type: [
     (type_identifier) @name
     (qualified_type) @name
     (pointer_type [(type_identifier) (qualified_type)] @name)
     (generic_type type: [(type_identifier) (qualified_type)] @name)
     (pointer_type (generic_type type: [(type_identifier) (qualified_type)] @name))
   ]) @reference.type
 (#not-any-of? @name "bool" "byte" "complex64" "complex128" "error" "float32" "float64" "int" "int8"
   "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64"
   "uintptr" "any" "comparable"))

((function_declaration
   result: [
     (type_identifier) @name
     (qualified_type) @name
     (pointer_type [(type_identifier) (qualified_type)] @name)
     (generic_type type: [(type_identifier) (qualified_type)] @name)
     (pointer_type (generic_type type: [(type_identifier) (qualified_type)] @name))
   ] @reference.type)
 (#not-any-of? @name "bool" "byte" "complex64" "complex128" "error" "float32" "float64" "int" "int8"
   "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64"
   "uintptr" "any" "comparable"))

((method_declaration
   result: [
     (type_identifier) @name
     (qualified_type) @name
     (pointer_type [(type_identifier) (qualified_type)] @name)
     (generic_type type: [(type_identifier) (qualified_type)] @name)
   ] @reference.type)
 (#not-any-of? @name "bool" "byte" "complex64" "complex128" "error" "float32" "float64" "int" "int8"
   "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64"
   "uintptr" "any" "comparable"))

((field_declaration
   name: (field_identifier)
   type: [
     (type_identifier) @name
     (qualified_type) @name
     (pointer_type [(type_identifier) (qualified_type)] @name)
     (generic_type type: [(type_identifier) (qualified_type)] @name)
   ]) @reference.type
 (#not-any-of? @name "bool" "byte" "complex64" "complex128" "error" "float32" "float64" "int" "int8"
   "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64"
   "uintptr" "any" "comparable"))

((composite_literal
   type: [
     (type_identifier) @name
     (qualified_type) @name
     (generic_type type: [(type_identifier) (qualified_type)] @name)
   ]) @reference.type
 (#not-any-of? @name "bool" "byte" "complex64" "complex128" "error" "float32" "float64" "int" "int8"
   "int16" "int32" "int64" "rune" "string" "uint" "uint8" "uint16" "uint32" "uint64"
   "uintptr" "any" "comparable"))
