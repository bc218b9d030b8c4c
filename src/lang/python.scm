; python.scm — CodeGraph extraction query for Python (tree-sitter-python), our own.
; Capture conventions and engine rules: include/codegraph/extract.h.
;
; Definitions: def -> function (the engine makes it a method inside a class), class ->
;   class, module-level or class-level assignment to an UPPER_CASE name -> constant,
;   `type X = …` (3.12) -> type_alias. The definition node is the def/class itself, not
;   its decorated_definition (spans start at `def`/`class`).
; @doc: the first statement of the body when it is a string (the docstring).
; Imports: one reference per module, @name = the module path as written: `import a.b`
;   -> "a.b"; `from a.b import c, d` -> "a.b"; `from . import x, y` -> "x", "y" (sibling
;   modules); `from ..m import y` -> "..m"; `import a.b as c` -> "a.b".
; Calls: @name = the callee as written (whitespace removed): f() -> "f", a.b.f() -> "a.b.f",
;   self.run() -> "self.run", super().__init__() -> "super().__init__" (the resolver drops
;   call groups and reads self/cls/super as receivers).
; Inheritance: each base class in `class A(B, m.C, Generic[T])` -> @reference.inherit
;   with the base as written without subscript ("B", "m.C", "Generic"); keyword
;   arguments (metaclass=…) are not bases.
; Type references: simple names and dotted names in parameter and return annotations.
;
; Known gaps (kept in tests/fixtures/python/expected.graph):
;   subscripted annotations (List[Shape]) are not type references; `from .. import
;   m` is the import "m" (as if a sibling); receivers are untyped (s.area() with
;   several area methods is ambiguous).

; ---- definitions ---------------------------------------------------------------------

(function_definition name: (identifier) @name) @definition.function

(function_definition
  name: (identifier) @name
  body: (block . (expression_statement (string) @doc))) @definition.function

(class_definition name: (identifier) @name) @definition.class

(class_definition
  name: (identifier) @name
  body: (block . (expression_statement (string) @doc))) @definition.class

(module
  (expression_statement
    (assignment left: (identifier) @name) @definition.constant)
  (#match? @name "^_?[A-Z][A-Z0-9_]*$"))

(class_definition
  body: (block
    (expression_statement
      (assignment left: (identifier) @name) @definition.constant))
  (#match? @name "^_?[A-Z][A-Z0-9_]*$"))

(type_alias_statement left: (type (identifier) @name)) @definition.type_alias

; ---- imports -------------------------------------------------------------------------

(import_statement name: (dotted_name) @name @reference.import)
(import_statement name: (aliased_import name: (dotted_name) @name) @reference.import)
(future_import_statement "__future__" @name @reference.import)
(import_from_statement module_name: (dotted_name) @name @reference.import)
(import_from_statement module_name: (relative_import (dotted_name)) @name @reference.import)
; `from . import m, n`: the names are the modules (siblings of this package)
(import_from_statement
  module_name: (relative_import . (import_prefix) .)
  name: [(dotted_name) @name (aliased_import name: (dotted_name) @name)] @reference.import)

; ---- calls ---------------------------------------------------------------------------

(call function: (identifier) @name) @reference.call
(call function: (attribute) @name) @reference.call

; ---- inheritance ---------------------------------------------------------------------

(class_definition
  superclasses: (argument_list [(identifier) (attribute)] @name @reference.inherit))
(class_definition
  superclasses: (argument_list
    (subscript value: [(identifier) (attribute)] @name) @reference.inherit))

; ---- type references -----------------------------------------------------------------

(function_definition return_type: (type [(identifier) (attribute)] @name @reference.type))
(typed_parameter type: (type [(identifier) (attribute)] @name @reference.type))
(typed_default_parameter type: (type [(identifier) (attribute)] @name @reference.type))
