; swift.scm — CodeGraph extraction query for Swift (tree-sitter-swift), our own.
; Capture conventions: include/codegraph/extract.h.
;
; Choices:
; * class, actor -> class; struct -> struct; enum -> enum; protocol -> interface;
;   typealias -> type_alias. `extension T` is not an entity: the functions, initializers
;   and nested types it adds get @scope T (so T.f, parent T when T is in the file), and
;   its conformances `extension T: P` are implement references from T.
; * func -> function (method inside a type, by the engine); protocol requirements `func`
;   -> method; `init` -> method named init. A top-level `let`, or a `static let` in a type,
;   -> constant.
; * @doc: the /// or /** */ comments right before a definition; // comments are not docs.
;   (A constant is matched under its parent, where a `(comment)* . (x)` prefix does not
;   work in tree-sitter, so its doc is read by fixed patterns of 1 to 3 comment nodes; the
;   engine keeps the longest doc of merged matches.)
; * imports: `import M`, `import struct M.T` -> @name = M / M.T.
; * calls: @name = the callee as written (whitespace removed): f() -> "f", a.f() -> "a.f",
;   self.f() -> "self.f", super.f() -> "super.f", T(…) -> "T" (a call to T).
; * inheritance: Swift does not mark a superclass apart from protocols, but a superclass
;   must come first. In a class: the first supertype -> inherit, the others -> implement.
;   In a struct, enum, actor or extension every supertype -> implement (conformance).
;   In a protocol every supertype -> inherit. @name = the type as written without type
;   arguments (Base, M.Base); a generic supertype is named by its last identifier
;   (M.Base<T> -> Base).
; * type references: the declared types of parameters, return values and type annotations
;   (properties, locals), named like supertypes (T? -> T). Standard scalar types (Int,
;   Double, String, Bool, …, Any) are not references.
;
; Known gaps (kept in tests/fixtures/swift/expected.graph):
;   computed properties are not entities (their calls belong to the enclosing
;   entity or the file); a trailing closure stays in the callee's name (a.map{…}.reduce);
;   receivers are untyped.

; ---- definitions -------------------------------------------------------------------

([(comment) (multiline_comment)]* @doc
  .
  [
    (class_declaration declaration_kind: ["class" "actor"]
      name: (type_identifier) @name) @definition.class
    (class_declaration declaration_kind: "struct" name: (type_identifier) @name) @definition.struct
    (class_declaration declaration_kind: "enum" name: (type_identifier) @name) @definition.enum
    (protocol_declaration name: (type_identifier) @name) @definition.interface
    (typealias_declaration name: (type_identifier) @name) @definition.type_alias
    (function_declaration name: (simple_identifier) @name) @definition.function
    (protocol_function_declaration name: (simple_identifier) @name) @definition.method
    (init_declaration "init" @name) @definition.method
  ]
  (#match? @doc "^(///|/[*][*])"))

; members added by an extension belong to the extended type
(class_declaration
  declaration_kind: "extension"
  name: (user_type (type_identifier) @scope .)
  body: (class_body
    [
      (function_declaration name: (simple_identifier) @name) @definition.function
      (init_declaration "init" @name) @definition.method
      (class_declaration declaration_kind: ["class" "actor"]
        name: (type_identifier) @name) @definition.class
      (class_declaration declaration_kind: "struct"
        name: (type_identifier) @name) @definition.struct
      (class_declaration declaration_kind: "enum"
        name: (type_identifier) @name) @definition.enum
    ]))

; constants: a top-level `let`, a `static let` in a type
(source_file
  (property_declaration
    (value_binding_pattern "let")
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.constant)
(source_file
  [(comment) (multiline_comment)] @doc
  .
  (property_declaration
    (value_binding_pattern "let")
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.constant
  (#match? @doc "^(///|/[*][*])"))
(source_file
  [(comment) (multiline_comment)] @doc
  .
  [(comment) (multiline_comment)] @doc
  .
  (property_declaration
    (value_binding_pattern "let")
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.constant
  (#match? @doc "^(///|/[*][*])"))
(source_file
  [(comment) (multiline_comment)] @doc
  .
  [(comment) (multiline_comment)] @doc
  .
  [(comment) (multiline_comment)] @doc
  .
  (property_declaration
    (value_binding_pattern "let")
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.constant
  (#match? @doc "^(///|/[*][*])"))

(class_body
  (property_declaration
    (modifiers (property_modifier) @_static)
    (value_binding_pattern "let")
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.constant
  (#eq? @_static "static"))
(class_body
  [(comment) (multiline_comment)] @doc
  .
  (property_declaration
    (modifiers (property_modifier) @_static)
    (value_binding_pattern "let")
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.constant
  (#eq? @_static "static")
  (#match? @doc "^(///|/[*][*])"))
(class_body
  [(comment) (multiline_comment)] @doc
  .
  [(comment) (multiline_comment)] @doc
  .
  (property_declaration
    (modifiers (property_modifier) @_static)
    (value_binding_pattern "let")
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.constant
  (#eq? @_static "static")
  (#match? @doc "^(///|/[*][*])"))
(class_body
  [(comment) (multiline_comment)] @doc
  .
  [(comment) (multiline_comment)] @doc
  .
  [(comment) (multiline_comment)] @doc
  .
  (property_declaration
    (modifiers (property_modifier) @_static)
    (value_binding_pattern "let")
    name: (pattern bound_identifier: (simple_identifier) @name)) @definition.constant
  (#eq? @_static "static")
  (#match? @doc "^(///|/[*][*])"))

; ---- imports -------------------------------------------------------------------------

(import_declaration (identifier) @name) @reference.import

; ---- calls -----------------------------------------------------------------------------

(call_expression . [(simple_identifier) (navigation_expression)] @name) @reference.call

; ---- inheritance -----------------------------------------------------------------------

(class_declaration
  declaration_kind: "class"
  name: (_)
  .
  (inheritance_specifier
    inherits_from: [(user_type (type_identifier) .) @name
                    (user_type (type_identifier) @name . (type_arguments) .)]) @reference.inherit)

(class_declaration
  declaration_kind: "class"
  name: (_)
  .
  (type_parameters)
  .
  (inheritance_specifier
    inherits_from: [(user_type (type_identifier) .) @name
                    (user_type (type_identifier) @name . (type_arguments) .)]) @reference.inherit)

(class_declaration
  declaration_kind: "class"
  (inheritance_specifier)
  (inheritance_specifier
    inherits_from: [(user_type (type_identifier) .) @name
                    (user_type (type_identifier) @name . (type_arguments) .)]) @reference.implement)

(class_declaration
  declaration_kind: ["struct" "enum" "actor"]
  (inheritance_specifier
    inherits_from: [(user_type (type_identifier) .) @name
                    (user_type (type_identifier) @name . (type_arguments) .)]) @reference.implement)

(protocol_declaration
  (inheritance_specifier
    inherits_from: [(user_type (type_identifier) .) @name
                    (user_type (type_identifier) @name . (type_arguments) .)]) @reference.inherit)

(class_declaration
  declaration_kind: "extension"
  name: (user_type (type_identifier) @scope .)
  (inheritance_specifier
    inherits_from: [(user_type (type_identifier) .) @name
                    (user_type (type_identifier) @name . (type_arguments) .)]) @reference.implement)

; ---- type references -----------------------------------------------------------------

((parameter
   [(user_type (type_identifier) .) @name
    (user_type (type_identifier) @name . (type_arguments) .)
    (optional_type
      wrapped: [(user_type (type_identifier) .) @name
                (user_type (type_identifier) @name . (type_arguments) .)])] @reference.type)
  (#not-any-of? @name "Int" "Int8" "Int16" "Int32" "Int64" "UInt" "UInt8" "UInt16" "UInt32"
    "UInt64" "Double" "Float" "Bool" "String" "Character" "Void" "Any" "AnyObject"))
((function_declaration
   [(user_type (type_identifier) .) @name
    (user_type (type_identifier) @name . (type_arguments) .)
    (optional_type
      wrapped: [(user_type (type_identifier) .) @name
                (user_type (type_identifier) @name . (type_arguments) .)])] @reference.type)
  (#not-any-of? @name "Int" "Int8" "Int16" "Int32" "Int64" "UInt" "UInt8" "UInt16" "UInt32"
    "UInt64" "Double" "Float" "Bool" "String" "Character" "Void" "Any" "AnyObject"))
((protocol_function_declaration
   [(user_type (type_identifier) .) @name
    (user_type (type_identifier) @name . (type_arguments) .)
    (optional_type
      wrapped: [(user_type (type_identifier) .) @name
                (user_type (type_identifier) @name . (type_arguments) .)])] @reference.type)
  (#not-any-of? @name "Int" "Int8" "Int16" "Int32" "Int64" "UInt" "UInt8" "UInt16" "UInt32"
    "UInt64" "Double" "Float" "Bool" "String" "Character" "Void" "Any" "AnyObject"))
((type_annotation
   [(user_type (type_identifier) .) @name
    (user_type (type_identifier) @name . (type_arguments) .)
    (optional_type
      wrapped: [(user_type (type_identifier) .) @name
                (user_type (type_identifier) @name . (type_arguments) .)])] @reference.type)
  (#not-any-of? @name "Int" "Int8" "Int16" "Int32" "Int64" "UInt" "UInt8" "UInt16" "UInt32"
    "UInt64" "Double" "Float" "Bool" "String" "Character" "Void" "Any" "AnyObject"))
