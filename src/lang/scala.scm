; scala.scm — CodeGraph extraction query for Scala 2/3 (tree-sitter-scala), our own.
; Capture conventions: include/codegraph/extract.h.
;
; Choices:
; * class / case class -> class; trait -> trait; object -> module; enum -> enum;
;   `package a.b { … }` -> module (a `package a.b` clause without braces is not an entity);
;   def (with or without a body) -> function (method in a class, trait or object);
;   `type T = …` -> type_alias; a `val` named in UpperCamel (Scala's constant style)
;   directly in an object, a package body or at top level -> constant.
; * Scala 3 `extension (c: T) def f` -> the method T.f through @scope T.
; * @doc: the Scaladoc comment (/** */) right before a definition; // comments are not docs.
; * imports: the grammar keeps the path of an import as loose identifiers (no node spans
;   it) and the engine reads one @name node, so @name is the imported member:
;   `import a.b.C` -> C; `import a.b.{C, D => E}` -> C, D; `import a.b._` -> b (the package).
; * calls: @name = the callee as written (whitespace removed): f(x) -> "f", a.f(x) -> "a.f",
;   this.f(x) -> "this.f", f[T](x) -> "f", new T(x) -> "T" (a call
;   to T). Calls without an argument list (`a.f`) are not told from field reads: not calls.
; * inheritance: the type after `extends` -> inherit; the types after `with` (mixins) ->
;   implement. @name = the type as written without type arguments (C, a.b.C[T] -> a.b.C).
; * type references: the declared types of parameters, class parameters, results and
;   typed vals, named like supertypes. Int, String, Unit, Any, … are not references.
;
; Known gaps (kept in tests/fixtures/scala/expected.graph):
;   an import's package path has no node, so `import a.b.{C, D}` yields imports
;   "C" and "D" that name files only when a file is called C/D; `new T(x).m()` is named
;   "newT(x).m" (the qualifier is lost).

; ---- definitions -------------------------------------------------------------------

; A def directly in an object is a method (the engine only re-kinds functions nested in
; class-like entities, and an object is a module); this pattern comes first so that its
; kind wins the merge with the generic def pattern below, which supplies the doc.
(object_definition
  body: (template_body
    [(function_definition name: (identifier) @name)
     (function_declaration name: (identifier) @name)] @definition.method))

([(comment) (block_comment)]* @doc
  .
  [
    (package_clause name: (package_identifier) @name body: (_)) @definition.module
    (class_definition name: (identifier) @name) @definition.class
    (trait_definition name: (identifier) @name) @definition.trait
    (object_definition name: (identifier) @name) @definition.module
    (enum_definition name: (identifier) @name) @definition.enum
    (function_definition name: (identifier) @name) @definition.function
    (function_declaration name: (identifier) @name) @definition.function
    (type_definition name: (type_identifier) @name) @definition.type_alias
  ]
  (#match? @doc "^/[*][*]"))

(extension_definition
  parameters: (parameters . (parameter type: [(type_identifier) @scope
                                             (generic_type type: (type_identifier) @scope)]))
  body: (function_definition name: (identifier) @name) @definition.function)

; constants: an UpperCamel `val` directly in an object, a package body or the file. These
; are matched under their parent, where a `(comment)* . (x)` prefix does not work in
; tree-sitter, so the Scaladoc (one /** */ node) is read by a second pattern; the engine
; merges both matches and keeps the doc.
((object_definition
   body: (template_body (val_definition pattern: (identifier) @name) @definition.constant))
  (#match? @name "^[A-Z]"))
((object_definition
   body: (template_body
     (block_comment) @doc
     .
     (val_definition pattern: (identifier) @name) @definition.constant))
  (#match? @name "^[A-Z]")
  (#match? @doc "^/[*][*]"))
((package_clause
   body: (template_body (val_definition pattern: (identifier) @name) @definition.constant))
  (#match? @name "^[A-Z]"))
((package_clause
   body: (template_body
     (block_comment) @doc
     .
     (val_definition pattern: (identifier) @name) @definition.constant))
  (#match? @name "^[A-Z]")
  (#match? @doc "^/[*][*]"))
((compilation_unit (val_definition pattern: (identifier) @name) @definition.constant)
  (#match? @name "^[A-Z]"))
((compilation_unit
   (block_comment) @doc
   .
   (val_definition pattern: (identifier) @name) @definition.constant)
  (#match? @name "^[A-Z]")
  (#match? @doc "^/[*][*]"))

; ---- imports -------------------------------------------------------------------------

; (the `path` field holds several identifiers; a field pattern sees only the first)
(import_declaration (identifier) @name .) @reference.import
(import_declaration (identifier) @name . (namespace_wildcard)) @reference.import
(import_declaration
  (namespace_selectors
    [(identifier) @name
     (arrow_renamed_identifier name: (identifier) @name)
     (as_renamed_identifier name: (identifier) @name)])) @reference.import

; ---- calls -----------------------------------------------------------------------------

(call_expression
  function: [
    (identifier) @name
    (field_expression) @name
    (generic_function function: [(identifier) (field_expression)] @name)
  ]) @reference.call

(instance_expression
  [(type_identifier) @name
   (generic_type type: (type_identifier) @name)
   (stable_type_identifier (type_identifier) @name .)]) @reference.call

; ---- inheritance -----------------------------------------------------------------------

(extends_clause
  .
  type: [(type_identifier) @name
         (generic_type type: [(type_identifier) @name
                              (stable_type_identifier) @name])
         (stable_type_identifier) @name] @reference.inherit)

(extends_clause
  .
  (_)
  [(type_identifier) @name
         (generic_type type: [(type_identifier) @name
                              (stable_type_identifier) @name])
         (stable_type_identifier) @name] @reference.implement)

; ---- type references -----------------------------------------------------------------

((parameter type: [(type_identifier) @name
     (stable_type_identifier) @name
     (generic_type type: [(type_identifier) (stable_type_identifier)] @name)] @reference.type)
  (#not-any-of? @name "Int" "Long" "Short" "Byte" "Double" "Float" "Boolean" "Char" "String"
    "Unit" "Any" "AnyRef" "AnyVal" "Nothing"))
((class_parameter type: [(type_identifier) @name
     (stable_type_identifier) @name
     (generic_type type: [(type_identifier) (stable_type_identifier)] @name)] @reference.type)
  (#not-any-of? @name "Int" "Long" "Short" "Byte" "Double" "Float" "Boolean" "Char" "String"
    "Unit" "Any" "AnyRef" "AnyVal" "Nothing"))
((function_definition return_type: [(type_identifier) @name
     (stable_type_identifier) @name
     (generic_type type: [(type_identifier) (stable_type_identifier)] @name)] @reference.type)
  (#not-any-of? @name "Int" "Long" "Short" "Byte" "Double" "Float" "Boolean" "Char" "String"
    "Unit" "Any" "AnyRef" "AnyVal" "Nothing"))
((function_declaration return_type: [(type_identifier) @name
     (stable_type_identifier) @name
     (generic_type type: [(type_identifier) (stable_type_identifier)] @name)] @reference.type)
  (#not-any-of? @name "Int" "Long" "Short" "Byte" "Double" "Float" "Boolean" "Char" "String"
    "Unit" "Any" "AnyRef" "AnyVal" "Nothing"))
((val_definition type: [(type_identifier) @name
     (stable_type_identifier) @name
     (generic_type type: [(type_identifier) (stable_type_identifier)] @name)] @reference.type)
  (#not-any-of? @name "Int" "Long" "Short" "Byte" "Double" "Float" "Boolean" "Char" "String"
    "Unit" "Any" "AnyRef" "AnyVal" "Nothing"))
