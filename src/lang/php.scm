; php.scm — CodeGraph extraction query for PHP (tree-sitter-php, grammar "php"), our own.
; Capture conventions: include/codegraph/extract.h.
;
; Choices:
; * namespace -> module. The braced form `namespace A { … }` contains its definitions;
;   after `namespace A;` the classes, interfaces, traits, enums and constants are put in A
;   through @scope; functions there stay top level (not qualified by A).
; * class, interface, trait, enum as is; function -> function; method -> method;
;   `const X = …` (top level or in a class) -> constant, one per element.
; * @doc: the PHPDoc comment (/** */) right before a definition; // and # comments are not
;   docs.
; * imports: `use A\B;`, `use function A\f;`, `use A\B as C;` -> @name = A\B as written;
;   in a group `use A\{B, C as D};` each clause -> @name = B, C (the group prefix is not
;   joined in). `require/include(_once) 'path'` with a literal -> @name = the path.
; * calls: @name = the callee's last name: f(), \A\f(), $o->f(), $o?->f(), A::f(),
;   new A() (a call to A).
; * inheritance: `extends` -> inherit (for an interface too); `implements` -> implement;
;   `use Trait;` inside a class -> implement (a mixin). @name = the type as written
;   ("Base", "\Countable").
; * type references: class types in parameter, return and property declarations, as
;   written ("Shape", "\A\B"); scalar types (int, string, …) are not references.
;
; Known gaps (kept in tests/fixtures/php/expected.graph):
;   calls are named by their last name ($o->f() -> "f"), so $c->area() with several
;   area methods is ambiguous; namespaces match paths case-sensitively (Acme\Shapes does
;   not name shapes.php); functions after `namespace A;` stay unqualified.

; ---- definitions -------------------------------------------------------------------

((comment)* @doc
  .
  [
    (namespace_definition name: (namespace_name) @name) @definition.module
    (class_declaration name: (name) @name) @definition.class
    (interface_declaration name: (name) @name) @definition.interface
    (trait_declaration name: (name) @name) @definition.trait
    (enum_declaration name: (name) @name) @definition.enum
    (function_definition name: (name) @name) @definition.function
    (method_declaration name: (name) @name) @definition.method
  ]
  (#match? @doc "^/[*][*]"))

((comment)* @doc
  .
  (const_declaration (const_element (name) @name) @definition.constant)
  (#match? @doc "^/[*][*]"))

; `namespace A;` without braces does not contain what follows it: the classes, interfaces,
; traits, enums and constants after it get @scope A, which the engine resolves to the
; namespace entity (parent, qualified name A.X); the engine merges this match with the ones
; above. (Functions are left out: a function with a @scope would become a method.)
(program
  (namespace_definition name: (namespace_name) @scope !body)
  [
    (class_declaration name: (name) @name) @definition.class
    (interface_declaration name: (name) @name) @definition.interface
    (trait_declaration name: (name) @name) @definition.trait
    (enum_declaration name: (name) @name) @definition.enum
    (const_declaration (const_element (name) @name) @definition.constant)
  ])

; ---- imports -------------------------------------------------------------------------

(namespace_use_clause . [(name) (qualified_name)] @name) @reference.import

(require_expression (string (string_content) @name)) @reference.import
(require_once_expression (string (string_content) @name)) @reference.import
(include_expression (string (string_content) @name)) @reference.import
(include_once_expression (string (string_content) @name)) @reference.import

; ---- calls -----------------------------------------------------------------------------

(function_call_expression
  function: [(name) @name (qualified_name (name) @name)]) @reference.call
(member_call_expression name: (name) @name) @reference.call
(nullsafe_member_call_expression name: (name) @name) @reference.call
(scoped_call_expression name: (name) @name) @reference.call
(object_creation_expression [(name) @name (qualified_name (name) @name)]) @reference.call

; ---- inheritance -----------------------------------------------------------------------

(base_clause [(name) (qualified_name)] @name @reference.inherit)
(class_interface_clause [(name) (qualified_name)] @name @reference.implement)
(use_declaration [(name) (qualified_name)] @name @reference.implement)

; ---- type references -----------------------------------------------------------------

(named_type [(name) (qualified_name)] @name) @reference.type
