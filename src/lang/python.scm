; python.scm — CodeGraph extraction query for Python (tree-sitter-python), our own.
; Capture conventions and engine rules: include/codegraph/extract.h.
;
; Definitions: def -> function (the engine makes it a method inside a class), class ->
;   class, module-level or class-level assignment to an UPPER_CASE name -> constant,
;   `type X = …` (3.12) -> type_alias. The definition node is the def/class itself, not
;   its decorated_definition (spans start at `def`/`class`).
; @doc: the first statement of the body when it is a string (the docstring).
; Imports: one reference per module, @name = the module path as written: `import a.b`
;   -> "a.b"; `from a.b import c, d` -> "a.b"; `from . import x` -> "."; `from ..m
;   import y` -> "..m"; `import a.b as c` -> "a.b".
; Calls: @name = the callee's last identifier: f() -> "f", a.b.f() -> "f",
;   super().__init__() -> "__init__".
; Inheritance: each base class in `class A(B, m.C, Generic[T])` -> @reference.inherit
;   with the base as written without subscript ("B", "m.C", "Generic"); keyword
;   arguments (metaclass=…) are not bases.
; Type references: simple names and dotted names in parameter and return annotations.

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
(import_from_statement module_name: (_) @name @reference.import)

; ---- calls ---------------------------------------------------------------------------

(call function: (identifier) @name) @reference.call
(call function: (attribute attribute: (identifier) @name)) @reference.call

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
