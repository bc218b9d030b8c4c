; kotlin.scm — CodeGraph extraction query for Kotlin (tree-sitter-kotlin), our own.
; Capture conventions: include/codegraph/extract.h.
;
; Choices:
; * class / data class / sealed class -> class; interface -> interface; enum class -> enum.
;   The grammar gives all three the node class_declaration and tells them apart only by an
;   anonymous keyword; `enum class` has the keyword `class` too, so it matches both the enum
;   and the class pattern: the enum pattern comes first and the engine keeps the kind of the
;   lowest pattern index when two patterns capture the same node.
; * object declaration -> module. Companion objects are not entities: their members belong
;   to the enclosing class (Circle.unit()), which is how Kotlin code calls them.
; * fun -> function (method inside a class or object); an extension function `fun T.f()`
;   gets @scope T, so it is the method T.f (parent T when T is defined in the file).
;   `const val` -> constant; typealias -> type_alias. `package` is not an entity (as in
;   Go and Java, the package is where the file lives). Properties are not entities.
; * @doc: the KDoc comment (/** */) right before a definition; plain // and /* */ comments
;   are not docs. A comment that follows the last import is attached by the grammar inside
;   that import, so it is fetched from there too.
; * imports: `import a.b.C`, `import a.b.*`, `import a.b.C as D` -> @name = a.b.C / a.b.
; * calls: @name = the callee as written (whitespace removed): f() -> "f", a.f() -> "a.f",
;   this.f() -> "this.f", a.b().f() -> "a.b().f" (the resolver drops call groups and reads
;   this/super as receivers), C() -> "C".
; * supertypes: `: Base(args)` (a constructor call: only a class can be called) -> inherit;
;   a supertype without a call, or delegated with `by`, in a class or object -> implement
;   (an interface); every supertype of an interface -> inherit. @name = the type as
;   written without type arguments (Base, a.b.C); a generic supertype is named by its
;   last identifier (a.b.C<T> -> C).
; * type references: the declared types of parameters, constructor parameters, return
;   values and typed properties, named like supertypes (T? -> T). The built-in types
;   (Int, String, Unit, Any, …) are not references.
;
; Known gaps (kept in tests/fixtures/kotlin/expected.graph):
;   import aliases (import a.f as g) are not followed; packages resolve through
;   directories only (acme.shapes.Base does not name Shapes.kt at the root); receivers are
;   untyped (s.area() with several area methods is ambiguous).

; ---- definitions -------------------------------------------------------------------

; A fun directly in an object is a method (the engine only re-kinds functions nested in
; class-like entities, and an object is a module); this pattern comes first so that its
; kind wins the merge with the generic fun pattern below, which supplies the doc.
(object_declaration
  (class_body (function_declaration (simple_identifier) @name) @definition.method))

; The doc prefix of every definition pattern below.
;   ([(line_comment) @doc (multiline_comment) @doc
;     (import_list (import_header [(line_comment) (multiline_comment)] @doc .) .)]*
;    . DEFINITION (#match? @doc "^/[*][*]"))

([(line_comment) @doc
  (multiline_comment) @doc
  (import_list (import_header [(line_comment) (multiline_comment)] @doc .) .)]*
  .
  (class_declaration "enum" (type_identifier) @name) @definition.enum
  (#match? @doc "^/[*][*]"))

([(line_comment) @doc
  (multiline_comment) @doc
  (import_list (import_header [(line_comment) (multiline_comment)] @doc .) .)]*
  .
  [
    (class_declaration "class" (type_identifier) @name) @definition.class
    (class_declaration "interface" (type_identifier) @name) @definition.interface
    (object_declaration (type_identifier) @name) @definition.module
    (function_declaration
      (user_type (type_identifier) @scope .)
      .
      (simple_identifier) @name) @definition.function
    (function_declaration
      (user_type (type_identifier) @scope . (type_arguments) .)
      .
      (simple_identifier) @name) @definition.function
    (function_declaration (simple_identifier) @name) @definition.function
    (type_alias (type_identifier) @name) @definition.type_alias
  ]
  (#match? @doc "^/[*][*]"))

([(line_comment) @doc
  (multiline_comment) @doc
  (import_list (import_header [(line_comment) (multiline_comment)] @doc .) .)]*
  .
  (property_declaration
    (modifiers (property_modifier) @_const)
    (variable_declaration (simple_identifier) @name)) @definition.constant
  (#eq? @_const "const")
  (#match? @doc "^/[*][*]"))

; ---- imports -------------------------------------------------------------------------

(import_header (identifier) @name) @reference.import

; ---- calls -----------------------------------------------------------------------------

(call_expression [(simple_identifier) (navigation_expression)] @name) @reference.call

; ---- supertypes --------------------------------------------------------------------------

(class_declaration
  (delegation_specifier
    (constructor_invocation
      [(user_type (type_identifier) .) @name
       (user_type (type_identifier) @name . (type_arguments) .)])) @reference.inherit)
(object_declaration
  (delegation_specifier
    (constructor_invocation
      [(user_type (type_identifier) .) @name
       (user_type (type_identifier) @name . (type_arguments) .)])) @reference.inherit)

(class_declaration
  "class"
  (delegation_specifier
    [(user_type (type_identifier) .) @name
     (user_type (type_identifier) @name . (type_arguments) .)]) @reference.implement)
(object_declaration
  (delegation_specifier
    [(user_type (type_identifier) .) @name
     (user_type (type_identifier) @name . (type_arguments) .)]) @reference.implement)

; `class D : I by impl` (delegation to an implementation) -> implement I
(delegation_specifier
  (explicit_delegation
    [(user_type (type_identifier) .) @name
     (user_type (type_identifier) @name . (type_arguments) .)]) @reference.implement)

(class_declaration
  "interface"
  (delegation_specifier
    [(user_type (type_identifier) .) @name
     (user_type (type_identifier) @name . (type_arguments) .)]) @reference.inherit)

; ---- type references -----------------------------------------------------------------

((parameter
   [(user_type (type_identifier) .) @name
    (user_type (type_identifier) @name . (type_arguments) .)
    (nullable_type
      [(user_type (type_identifier) .) @name
       (user_type (type_identifier) @name . (type_arguments) .)])] @reference.type)
  (#not-any-of? @name "Int" "Long" "Short" "Byte" "Double" "Float" "Boolean" "Char" "String"
    "Unit" "Any" "Nothing"))
((class_parameter
   [(user_type (type_identifier) .) @name
    (user_type (type_identifier) @name . (type_arguments) .)
    (nullable_type
      [(user_type (type_identifier) .) @name
       (user_type (type_identifier) @name . (type_arguments) .)])] @reference.type)
  (#not-any-of? @name "Int" "Long" "Short" "Byte" "Double" "Float" "Boolean" "Char" "String"
    "Unit" "Any" "Nothing"))
((function_declaration (function_value_parameters) .
   [(user_type (type_identifier) .) @name
    (user_type (type_identifier) @name . (type_arguments) .)
    (nullable_type
      [(user_type (type_identifier) .) @name
       (user_type (type_identifier) @name . (type_arguments) .)])] @reference.type)
  (#not-any-of? @name "Int" "Long" "Short" "Byte" "Double" "Float" "Boolean" "Char" "String"
    "Unit" "Any" "Nothing"))
((property_declaration
   (variable_declaration
     (simple_identifier)
     [(user_type (type_identifier) .) @name
      (user_type (type_identifier) @name . (type_arguments) .)
      (nullable_type
        [(user_type (type_identifier) .) @name
         (user_type (type_identifier) @name . (type_arguments) .)])] @reference.type))
  (#not-any-of? @name "Int" "Long" "Short" "Byte" "Double" "Float" "Boolean" "Char" "String"
    "Unit" "Any" "Nothing"))
