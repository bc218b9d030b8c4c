; dart.scm — CodeGraph extraction query for Dart (tree-sitter-dart), our own.
; Capture conventions: include/codegraph/extract.h.
;
; Choices:
; * class -> class; mixin -> trait; enum -> enum; typedef -> type_alias; top-level
;   function -> function; method, constructor, factory, abstract method -> method (a
;   named constructor A.named is named `named`, as calls name it);
;   `const x = …` (top level, or `static const` in a class) -> constant. Getters, setters
;   and fields are not entities.
; * The grammar does not wrap a function or method: its signature and its body are two
;   sibling nodes. Both carry the @definition capture; the engine keys a definition by its
;   first node (the signature), so today a method's span is its signature and calls in
;   its body are attributed to the enclosing class (top-level function bodies: the file).
; * `extension E on T { … }` -> not an entity; its members get @scope T (methods T.m).
; * @doc: the /// or /** */ documentation comment right before a definition (annotations
;   such as @override may stand between); // comments are not docs.
; * imports: `import 'uri'`, `export 'uri'`, `part 'uri'` -> @name = the uri literal as
;   written, quotes included ('dart:math').
; * calls: @name = the callee's last identifier: f(), a.f(), a?.f(), super.f(), cascades
;   (a..f()), C() and new C() / const C() (a call to C).
; * inheritance: `extends B` -> inherit; `with M` (mixins) and `implements I` -> implement;
;   a mixin's `on B` -> inherit. @name = the type's simple name (List<T> -> List).
; * type references: the declared types of parameters, return values and fields (simple
;   names). int, double, num, bool, String, dynamic, Object, … are not references.
;
; Known gaps (kept in tests/fixtures/dart/expected.graph):
;   calls in method bodies are attributed to the class and calls in top-level
;   function bodies to the file (the body is a sibling node, see above); calls are named by
;   their last identifier (r.compareTo(x) resolves to the class's own compareTo); import
;   names keep their quotes.

; ---- definitions -------------------------------------------------------------------

((documentation_comment)* @doc
  .
  (marker_annotation)*
  .
  [
    (class_definition name: (identifier) @name) @definition.class
    (mixin_declaration . (identifier) @name) @definition.trait
    (enum_declaration name: (identifier) @name) @definition.enum
  ])

; typedef: old style `typedef R F(params)` first, so that it wins the merge over `. name`
((documentation_comment)* @doc
  .
  (type_alias (type_identifier) @name . (formal_parameter_list)) @definition.type_alias)
((documentation_comment)* @doc
  .
  (type_alias . (type_identifier) @name) @definition.type_alias)

; A function signature followed by a body, and `const` followed by a declaration list, are
; program-level shapes only (members are wrapped in method_signature / declaration).
((documentation_comment)* @doc
  .
  (function_signature name: (identifier) @name) @definition.function
  .
  (function_body) @definition.function)

((documentation_comment)* @doc
  .
  (const_builtin)
  .
  (static_final_declaration_list
    (static_final_declaration . (identifier) @name) @definition.constant))

((documentation_comment)* @doc
  .
  (marker_annotation)*
  .
  (method_signature
    [(function_signature name: (identifier) @name)
     (constructor_signature (identifier) @name . (formal_parameter_list))
     (factory_constructor_signature (identifier) @name . (formal_parameter_list))])
    @definition.method
  .
  (function_body) @definition.method)

((documentation_comment)* @doc
  .
  (marker_annotation)*
  .
  (declaration
    [(function_signature name: (identifier) @name)
     (constructor_signature (identifier) @name . (formal_parameter_list))
     (factory_constructor_signature (identifier) @name . (formal_parameter_list))])
    @definition.method)

((documentation_comment)* @doc
  .
  (declaration
    (const_builtin)
    (static_final_declaration_list
      (static_final_declaration . (identifier) @name) @definition.constant)))

; members of an extension belong to the extended type (their doc comes from the method
; pattern above: the engine merges both matches)
(extension_declaration
  class: (type_identifier) @scope
  body: (extension_body
    (method_signature (function_signature name: (identifier) @name)) @definition.method))

; ---- imports -------------------------------------------------------------------------

(import_specification (configurable_uri (uri (string_literal) @name))) @reference.import
(library_export (configurable_uri (uri (string_literal) @name))) @reference.import
(part_directive (uri (string_literal) @name)) @reference.import

; ---- calls -----------------------------------------------------------------------------

((identifier) @name @reference.call
  .
  (selector (argument_part)))

((selector
   [(unconditional_assignable_selector (identifier) @name @reference.call)
    (conditional_assignable_selector (identifier) @name @reference.call)])
  .
  (selector (argument_part)))

((unconditional_assignable_selector (identifier) @name @reference.call)
  .
  (selector (argument_part)))

(cascade_section
  (cascade_selector (identifier) @name @reference.call)
  .
  (argument_part))

(new_expression (type_identifier) @name) @reference.call
(const_object_expression (type_identifier) @name) @reference.call

; ---- inheritance -----------------------------------------------------------------------

(superclass (type_identifier) @name @reference.inherit)
(mixins (type_identifier) @name @reference.implement)
(interfaces (type_identifier) @name @reference.implement)
(mixin_declaration (type_identifier) @name @reference.inherit)

; ---- type references -----------------------------------------------------------------

((formal_parameter (type_identifier) @name @reference.type)
  (#not-any-of? @name "int" "double" "num" "bool" "String" "dynamic" "Object" "Never" "Null"
    "Function"))
((function_signature (type_identifier) @name @reference.type)
  (#not-any-of? @name "int" "double" "num" "bool" "String" "dynamic" "Object" "Never" "Null"
    "Function"))
((declaration (type_identifier) @name @reference.type)
  (#not-any-of? @name "int" "double" "num" "bool" "String" "dynamic" "Object" "Never" "Null"
    "Function"))
