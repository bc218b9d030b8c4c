; java.scm — CodeGraph extraction query for Java (tree-sitter-java), our own.
; Conventions and engine rules: include/codegraph/extract.h.
;
; Definitions: class, record -> class; interface, @interface -> interface; enum -> enum;
;   methods and constructors -> function (the engine makes them methods of their type);
;   `static final` fields and interface constants -> constant (one per declarator).
;   The package declaration is not an entity.
; @doc: the Javadoc block (/** … */) right before the declaration; annotations are part
;   of the declaration node, so they may sit between.
; Imports: @name = the imported name as written: "java.util.List", static imports
;   "org.junit.Assert.assertEquals"; on-demand `import a.b.*;` -> the package "a.b".
; Calls: @name = the method name: f() -> "f", a.b.f() -> "f"; `new T(…)` -> a call to
;   "T" (the simple name, without type arguments or outer class).
; Inheritance: `extends B` of a class and `extends I, J` of an interface ->
;   @reference.inherit; `implements I, J` (classes, enums, records) ->
;   @reference.implement. Names as written without type arguments ("Base", "a.Base").
; Type references: class/interface types of fields, parameters and return types
;   (as written, type arguments peeled; primitives are not references).
;
; Known gaps (kept in tests/fixtures/java/expected.graph):
;   calls are named by the method name only, so items.add(x) resolves to an
;   enclosing add and name() to the project's only name method (receiver types unknown);
;   a wildcard import (a.b.*) names a directory and resolves only when a file there is
;   named like it.

; ---- definitions ---------------------------------------------------------------------

([(block_comment) (line_comment)]* @doc
  .
  [
    (class_declaration name: (identifier) @name) @definition.class
    (record_declaration name: (identifier) @name) @definition.class
    (interface_declaration name: (identifier) @name) @definition.interface
    (annotation_type_declaration name: (identifier) @name) @definition.interface
    (enum_declaration name: (identifier) @name) @definition.enum
    (method_declaration name: (identifier) @name) @definition.function
    (constructor_declaration name: (identifier) @name) @definition.function
    (compact_constructor_declaration name: (identifier) @name) @definition.function
  ]
  (#match? @doc "^/\\*\\*"))

([(block_comment) (line_comment)]* @doc
  .
  (field_declaration
    (modifiers) @_m
    declarator: (variable_declarator name: (identifier) @name)) @definition.constant
  (#match? @doc "^/\\*\\*")
  (#match? @_m "(^|[^a-z])static([^a-z]|$)")
  (#match? @_m "(^|[^a-z])final([^a-z]|$)"))

([(block_comment) (line_comment)]* @doc
  .
  (constant_declaration
    declarator: (variable_declarator name: (identifier) @name)) @definition.constant
  (#match? @doc "^/\\*\\*"))

; ---- imports -------------------------------------------------------------------------

(import_declaration [(identifier) (scoped_identifier)] @name) @reference.import

; ---- calls ---------------------------------------------------------------------------

(method_invocation name: (identifier) @name) @reference.call
(object_creation_expression
  type: [
    (type_identifier) @name
    (generic_type (type_identifier) @name)
    (scoped_type_identifier (type_identifier) @name .)
    (generic_type (scoped_type_identifier (type_identifier) @name .))
  ]) @reference.call

; ---- inheritance ---------------------------------------------------------------------

(superclass
  [
    (type_identifier) @name
    (scoped_type_identifier) @name
    (generic_type [(type_identifier) (scoped_type_identifier)] @name)
  ] @reference.inherit)

(extends_interfaces
  (type_list
    [
      (type_identifier) @name
      (scoped_type_identifier) @name
      (generic_type [(type_identifier) (scoped_type_identifier)] @name)
    ] @reference.inherit))

(super_interfaces
  (type_list
    [
      (type_identifier) @name
      (scoped_type_identifier) @name
      (generic_type [(type_identifier) (scoped_type_identifier)] @name)
    ] @reference.implement))

; ---- type references -----------------------------------------------------------------

(field_declaration
  type: [
    (type_identifier) @name
    (scoped_type_identifier) @name
    (generic_type [(type_identifier) (scoped_type_identifier)] @name)
  ] @reference.type)

(formal_parameter
  type: [
    (type_identifier) @name
    (scoped_type_identifier) @name
    (generic_type [(type_identifier) (scoped_type_identifier)] @name)
  ] @reference.type)

(method_declaration
  type: [
    (type_identifier) @name
    (scoped_type_identifier) @name
    (generic_type [(type_identifier) (scoped_type_identifier)] @name)
  ] @reference.type)
