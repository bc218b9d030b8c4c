; rust.scm — CodeGraph extraction query for Rust (tree-sitter-rust), our own.
; Conventions and engine rules: include/codegraph/extract.h.
;
; Definitions: fn -> function (in an `impl X` block: method with @scope X, so its parent
;   is X when X is defined in the file, qualified "X.f" either way; in a trait: method);
;   struct, union -> struct; enum -> enum; trait -> trait (its fn signatures -> method);
;   `mod m` (inline or `mod m;`) -> module; const, static -> constant; `type T = …`
;   -> type_alias (also associated types in traits). Macros are not entities.
; @doc: the outer doc comments (/// and /** */) right above the item; attributes
;   (#[derive(…)]) may sit between. Plain // comments are not docs.
; Imports: @name = the `use` argument as written, white space removed:
;   "std::collections::HashMap", "crate::a::{b,c}", "super::*"; `use a::b as c` -> "a::b";
;   `extern crate foo` -> "foo".
; Calls: @name = the callee as written: f() -> "f", a::b::f() -> "a::b::f", x.f() -> "x.f",
;   self.f() -> "self.f" (a receiver for the resolver); super::f() / self::f() /
;   crate::f() -> "f" (a module path, not a receiver); f::<T>() and x.f::<T>() -> "f";
;   macro invocations println!(…) -> "println".
; Inheritance: `impl Trait for Type` -> @reference.implement "Trait" (without type
;   arguments), from Type (through @scope: the entity Type when it is defined in this
;   file, else the enclosing item); `trait A: B + C` -> @reference.inherit "B", "C".
; Type references: type names in parameters, return types, fields and struct
;   literals (as written: "io::Error"; references and generics peeled; Self excluded).
;
; Known gaps (kept in tests/fixtures/rust/expected.graph):
;   imports resolve to other files only (use crate::m::f for an inline `mod m` of
;   the same file stays unresolved); aliases (use a as b) are not followed; a braced use
;   list (a::{b, c}) is one unresolved import; receivers are untyped (s.area() on a trait
;   object is ambiguous).

; ---- definitions ---------------------------------------------------------------------

(((line_comment) @doc)* 
  .
  (attribute_item)*
  .
  [
    (function_item name: (identifier) @name) @definition.function
    (function_signature_item name: (identifier) @name) @definition.function
    (struct_item name: (type_identifier) @name) @definition.struct
    (union_item name: (type_identifier) @name) @definition.struct
    (enum_item name: (type_identifier) @name) @definition.enum
    (trait_item name: (type_identifier) @name) @definition.trait
    (mod_item name: (identifier) @name) @definition.module
    (const_item name: (identifier) @name) @definition.constant
    (static_item name: (identifier) @name) @definition.constant
    (type_item name: (type_identifier) @name) @definition.type_alias
    (associated_type name: (type_identifier) @name) @definition.type_alias
  ]
  (#match? @doc "^///([^/]|$)"))

((block_comment) @doc
  .
  (attribute_item)*
  .
  [
    (function_item name: (identifier) @name) @definition.function
    (function_signature_item name: (identifier) @name) @definition.function
    (struct_item name: (type_identifier) @name) @definition.struct
    (union_item name: (type_identifier) @name) @definition.struct
    (enum_item name: (type_identifier) @name) @definition.enum
    (trait_item name: (type_identifier) @name) @definition.trait
    (mod_item name: (identifier) @name) @definition.module
    (const_item name: (identifier) @name) @definition.constant
    (static_item name: (identifier) @name) @definition.constant
    (type_item name: (type_identifier) @name) @definition.type_alias
  ]
  (#match? @doc "^/\\*\\*"))

(impl_item
  type: [
    (type_identifier) @scope
    (generic_type type: (type_identifier) @scope)
    (scoped_type_identifier name: (type_identifier) @scope)
    (generic_type type: (scoped_type_identifier name: (type_identifier) @scope))
  ]
  body: (declaration_list
    (function_item name: (identifier) @name) @definition.function))

(impl_item
  type: [
    (type_identifier) @scope
    (generic_type type: (type_identifier) @scope)
  ]
  body: (declaration_list
    (const_item name: (identifier) @name) @definition.constant))

; ---- imports -------------------------------------------------------------------------

(use_declaration
  argument: [
    (identifier) (scoped_identifier) (scoped_use_list) (use_list) (use_wildcard)
    (crate) (self) (super)
  ] @name) @reference.import
(use_declaration argument: (use_as_clause path: (_) @name)) @reference.import
(extern_crate_declaration name: (identifier) @name) @reference.import

; ---- calls ---------------------------------------------------------------------------

(call_expression function: (identifier) @name) @reference.call
; A::f() and obj.m() keep their qualifier (the resolver reads it); a path starting at
; super/self/crate names a module, not a receiver: only the last identifier is kept.
((call_expression function: (scoped_identifier path: (_) @_p) @name) @reference.call
 (#not-any-of? @_p "super" "self" "crate"))
((call_expression function: (scoped_identifier path: (_) @_p name: (identifier) @name))
  @reference.call
 (#any-of? @_p "super" "self" "crate"))
(call_expression function: (field_expression) @name) @reference.call
(call_expression
  function: (generic_function
    function: [
      (identifier) @name
      (scoped_identifier name: (identifier) @name)
      (field_expression field: (field_identifier) @name)
    ])) @reference.call
(macro_invocation macro: (identifier) @name) @reference.call
(macro_invocation macro: (scoped_identifier name: (identifier) @name)) @reference.call

; ---- inheritance ---------------------------------------------------------------------

(impl_item
  trait: [
    (type_identifier) @name
    (scoped_type_identifier) @name
    (generic_type type: [(type_identifier) (scoped_type_identifier)] @name)
  ]
  type: [
    (type_identifier) @scope
    (generic_type type: (type_identifier) @scope)
    (scoped_type_identifier name: (type_identifier) @scope)
    (reference_type type: (type_identifier) @scope)
    (_)
  ]) @reference.implement

(trait_item
  bounds: (trait_bounds
    [
      (type_identifier) @name
      (scoped_type_identifier) @name
      (generic_type type: [(type_identifier) (scoped_type_identifier)] @name)
    ] @reference.inherit))

; ---- type references -----------------------------------------------------------------

((parameter
   type: [
     (type_identifier) @name
     (scoped_type_identifier) @name
     (generic_type type: [(type_identifier) (scoped_type_identifier)] @name)
     (reference_type type: [(type_identifier) (scoped_type_identifier)] @name)
     (reference_type type: (generic_type type: [(type_identifier) (scoped_type_identifier)] @name))
   ]) @reference.type
 (#not-eq? @name "Self"))

((function_item
   return_type: [
     (type_identifier) @name
     (scoped_type_identifier) @name
     (generic_type type: [(type_identifier) (scoped_type_identifier)] @name)
     (reference_type type: [(type_identifier) (scoped_type_identifier)] @name)
   ] @reference.type)
 (#not-eq? @name "Self"))

((field_declaration
   type: [
     (type_identifier) @name
     (scoped_type_identifier) @name
     (generic_type type: [(type_identifier) (scoped_type_identifier)] @name)
     (reference_type type: [(type_identifier) (scoped_type_identifier)] @name)
   ]) @reference.type
 (#not-eq? @name "Self"))

((struct_expression name: [(type_identifier) (scoped_type_identifier)] @name) @reference.type
 (#not-eq? @name "Self"))
